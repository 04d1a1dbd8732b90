"""What Slack would refuse or mangle in a payload we send: stray `<`/`>` in mrkdwn, over-long text.

`problems(payload)` walks a message payload (`text` + `blocks`), a view (modal or Home tab), a list
of blocks or one block, and returns one readable line per problem. Limits are Slack's Block Kit
reference (api.slack.com/reference/block-kit): section text 3,000 and 10 fields of 2,000; header 150;
context 10 elements; actions 25 elements; button text 75, value 2,000, url 3,000; option text 75,
value 150; placeholder 150; input label 2,000; modal title, submit and close 24; confirm dialog title
100, text 300, buttons 30; block_id and action_id 255; 50 blocks in a message, 100 in a view.
A message's fallback `text` is kept within 4,000 characters (Slack's recommendation; it truncates at
40,000), and the blocks' text in one message within 12,000 (`msg_blocks_too_long` is seen above ~13k).
"""

from __future__ import annotations

from typing import Any

from services.mrkdwn import stray_brackets

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
FALLBACK_TEXT = 4000
MESSAGE_BLOCKS_TEXT = 12000


def _text_obj(obj: Any, where: str, limit: int, out: list[str], *, plain_only: bool = False) -> int:
    if obj is None:
        return 0
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        out.append(f"{where}: not a text object: {str(obj)[:80]!r}")
        return 0
    text = obj.get("text", "")
    if not isinstance(text, str) or not text:
        out.append(f"{where}: empty text")
        return 0
    if len(text) > limit:
        out.append(f"{where}: {len(text)} characters, over Slack's {limit}: {text[:60]!r}…")
    if obj["type"] == "mrkdwn":
        if plain_only:
            out.append(f"{where}: must be plain_text")
        for bad in stray_brackets(text):
            out.append(f"{where}: stray < or > (escape it, or build the link with services.mrkdwn): {bad!r}")
    elif any(e in text for e in ("&lt;", "&gt;", "&amp;")):
        out.append(f"{where}: plain_text shows entities literally (do not escape plain_text): {text[:80]!r}")
    return len(text)


def _max(value: Any, where: str, limit: int, out: list[str]) -> None:
    if isinstance(value, str) and len(value) > limit:
        out.append(f"{where}: {len(value)} characters, over Slack's {limit}")


def _confirm(c: dict[str, Any] | None, where: str, out: list[str]) -> None:
    if not c:
        return
    _text_obj(c.get("title"), f"{where}.confirm.title", 100, out, plain_only=True)
    _text_obj(c.get("text"), f"{where}.confirm.text", 300, out)
    _text_obj(c.get("confirm"), f"{where}.confirm.confirm", 30, out, plain_only=True)
    _text_obj(c.get("deny"), f"{where}.confirm.deny", 30, out, plain_only=True)


def _options(options: list[dict[str, Any]] | None, where: str, out: list[str]) -> None:
    for i, o in enumerate(options or []):
        _text_obj(o.get("text"), f"{where}.options[{i}].text", 75, out)
        _max(o.get("value"), f"{where}.options[{i}].value", 150, out)
        if o.get("description"):
            _text_obj(o["description"], f"{where}.options[{i}].description", 75, out, plain_only=True)


def _element(el: dict[str, Any], where: str, out: list[str]) -> None:
    kind = el.get("type")
    _max(el.get("action_id"), f"{where}.action_id", 255, out)
    if kind == "button":
        _text_obj(el.get("text"), f"{where}.text", 75, out, plain_only=True)
        _max(el.get("value"), f"{where}.value", 2000, out)
        _max(el.get("url"), f"{where}.url", 3000, out)
    if el.get("placeholder"):
        _text_obj(el["placeholder"], f"{where}.placeholder", 150, out, plain_only=True)
    if "options" in el:
        _options(el["options"], where, out)
        if len(el["options"]) > 100:
            out.append(f"{where}: {len(el['options'])} options, over Slack's 100")
    for i, g in enumerate(el.get("option_groups") or []):
        _options(g.get("options"), f"{where}.option_groups[{i}]", out)
    _confirm(el.get("confirm"), where, out)
    if kind == "image":
        _max(el.get("alt_text"), f"{where}.alt_text", 2000, out)


def _block(b: dict[str, Any], where: str, out: list[str]) -> int:
    kind = b.get("type")
    _max(b.get("block_id"), f"{where}.block_id", 255, out)
    size = 0
    if kind == "section":
        size += _text_obj(b.get("text"), f"{where}.text", 3000, out) if b.get("text") else 0
        fields = b.get("fields") or []
        if not b.get("text") and not fields:
            out.append(f"{where}: a section needs text or fields")
        if len(fields) > 10:
            out.append(f"{where}: {len(fields)} fields, over Slack's 10")
        for i, f in enumerate(fields):
            size += _text_obj(f, f"{where}.fields[{i}]", 2000, out)
        if b.get("accessory"):
            _element(b["accessory"], f"{where}.accessory", out)
    elif kind == "header":
        size += _text_obj(b.get("text"), f"{where}.text", 150, out, plain_only=True)
    elif kind == "context":
        els = b.get("elements") or []
        if not els or len(els) > 10:
            out.append(f"{where}: {len(els)} elements, Slack allows 1 to 10")
        for i, e in enumerate(els):
            if e.get("type") in ("plain_text", "mrkdwn"):
                size += _text_obj(e, f"{where}.elements[{i}]", 3000, out)
            else:
                _element(e, f"{where}.elements[{i}]", out)
    elif kind == "actions":
        els = b.get("elements") or []
        if not els or len(els) > 25:
            out.append(f"{where}: {len(els)} elements, Slack allows 1 to 25")
        for i, e in enumerate(els):
            _element(e, f"{where}.elements[{i}]", out)
    elif kind == "input":
        _text_obj(b.get("label"), f"{where}.label", 2000, out, plain_only=True)
        if b.get("hint"):
            _text_obj(b["hint"], f"{where}.hint", 2000, out, plain_only=True)
        if b.get("element"):
            _element(b["element"], f"{where}.element", out)
    elif kind == "image":
        _max(b.get("alt_text"), f"{where}.alt_text", 2000, out)
    return size


def blocks_problems(blocks: list[dict[str, Any]], where: str, limit: int, out: list[str]) -> int:
    if not isinstance(blocks, list):
        out.append(f"{where}: blocks is not a list")
        return 0
    if len(blocks) > limit:
        out.append(f"{where}: {len(blocks)} blocks, over Slack's {limit}")
    return sum(_block(b, f"{where}[{i}]", out) for i, b in enumerate(blocks))


def problems(payload: Any, where: str = "payload") -> list[str]:
    """Every problem in a payload, a view, a list of blocks or a block; [] when Slack would take it as is."""
    out: list[str] = []
    if isinstance(payload, list):
        blocks_problems(payload, where, MESSAGE_BLOCKS, out)
    elif isinstance(payload, dict) and payload.get("type") in ("modal", "home"):
        if payload["type"] == "modal":
            _text_obj(payload.get("title"), f"{where}.title", 24, out, plain_only=True)
            for key in ("submit", "close"):
                if payload.get(key):
                    _text_obj(payload[key], f"{where}.{key}", 24, out, plain_only=True)
        _max(payload.get("private_metadata"), f"{where}.private_metadata", 3000, out)
        blocks_problems(payload.get("blocks") or [], f"{where}.blocks", VIEW_BLOCKS, out)
    elif isinstance(payload, dict) and ("blocks" in payload or "text" in payload) and "type" not in payload:
        text = payload.get("text")
        if isinstance(text, str) and text:
            if len(text) > FALLBACK_TEXT:
                out.append(f"{where}.text: {len(text)} characters, over {FALLBACK_TEXT}")
            if payload.get("mrkdwn", True):
                out += [f"{where}.text: stray < or >: {bad!r}" for bad in stray_brackets(text)]
        if payload.get("blocks"):
            size = blocks_problems(payload["blocks"], f"{where}.blocks", MESSAGE_BLOCKS, out)
            if size > MESSAGE_BLOCKS_TEXT:
                out.append(f"{where}.blocks: {size} characters of text in one message, over {MESSAGE_BLOCKS_TEXT}")
    elif isinstance(payload, dict) and isinstance(payload.get("type"), str):
        _block(payload, where, out)
    return out

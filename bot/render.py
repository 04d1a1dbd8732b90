"""Block Kit to plain text, for the demo terminal, logs and readable test assertions."""

from __future__ import annotations

from typing import Any


def _text(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if obj.get("type") in ("plain_text", "mrkdwn"):
        return obj.get("text", "")
    return ""


def _rich(elements: list[dict[str, Any]]) -> str:
    out = []
    for el in elements:
        if el.get("type") in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            out.append(_rich(el.get("elements", [])))
        elif el.get("type") == "rich_text_list":
            out.append("\n".join("• " + _rich(item.get("elements", [])) for item in el.get("elements", [])))
        elif el.get("type") == "text":
            out.append(el.get("text", ""))
        elif el.get("type") == "link":
            out.append(el.get("text") or el.get("url", ""))
        elif el.get("type") == "user":
            out.append(f"<@{el.get('user_id')}>")
        elif el.get("type") == "emoji":
            out.append(f":{el.get('name')}:")
    return "".join(out)


def element_label(el: dict[str, Any]) -> str:
    if el.get("type") == "button":
        return f"[{_text(el.get('text'))}]"
    if el.get("type") in ("static_select", "users_select", "conversations_select", "overflow"):
        return f"[{_text(el.get('placeholder')) or el.get('type')} ▾]"
    return f"[{el.get('type')}]"


def blocks_to_text(blocks: list[dict[str, Any]] | None, fallback: str = "") -> str:
    if not blocks:
        return fallback
    lines: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            t = _text(b.get("text"))
            lines += [t, "=" * min(len(t), 60)]
        elif kind == "section":
            if b.get("text"):
                lines.append(_text(b["text"]))
            for f in b.get("fields", []) or []:
                lines.append("  " + _text(f).replace("\n", " "))
            if b.get("accessory"):
                lines.append("  " + element_label(b["accessory"]))
        elif kind == "context":
            lines.append("  " + " · ".join(_text(e) for e in b.get("elements", []) if _text(e)))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  " + "  ".join(element_label(e) for e in b.get("elements", [])))
        elif kind == "rich_text":
            lines.append(_rich(b.get("elements", [])))
        elif kind == "input":
            lines.append(f"{_text(b.get('label'))}: {element_label(b.get('element', {}))}")
        elif kind == "image":
            lines.append(f"(image: {b.get('alt_text', '')})")
    return "\n".join(lines)


def buttons(blocks: list[dict[str, Any]] | None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every button, in reading order."""
    out = []
    for b in blocks or []:
        if b.get("type") == "actions":
            out += [(b, e) for e in b.get("elements", []) if e.get("type") == "button"]
        elif b.get("type") == "section" and (b.get("accessory") or {}).get("type") == "button":
            out.append((b, b["accessory"]))
    return out

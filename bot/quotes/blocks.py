"""Block Kit for /quote and /discount: pure functions, results in, blocks out.

Phone first: the verdict or price is the first line, the lever table next, then payment, extras,
warnings; assumptions, citations and the standing refusals come last in small print. The ephemeral
reply carries a "Post to channel" button whose value is the command text, so the post re-renders the
same answer from the same policy.
"""

from __future__ import annotations

import json
from decimal import Decimal

from bot.handbook_links import linkify
from services.mrkdwn import clip, escape, mention
from services.mrkdwn import code as _code
from services.quotes.discounts import (
    CUSTOM_PRICING,
    EXCEEDS_POLICY,
    MARGIN_NEGATIVE_EXCEPTION,
    NOT_PERMITTED,
    WITHIN_POLICY,
    DiscountCheck,
)
from services.quotes.grammar import HelpRequest, ParseError
from services.quotes.pricing import CUSTOM, NOT_AVAILABLE, OK, REFUSED, QuoteResult

POST_ACTION_ID = "post_quote"
MAX_TEXT = 2900  # Slack caps a section's text at 3000 characters
MAX_BUTTON_VALUE = 2000


def money(x: Decimal | None) -> str:
    return "-" if x is None else f"${x:,.2f}"


def pct(x: Decimal | None) -> str:
    return "-" if x is None else f"{x:.1f}%"


def points(x: Decimal) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{text} point" + ("" if text == "1" else "s")


def _section(text: str) -> dict:
    """mrkdwn whose values are already escaped; handbook citations become one link per page."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(linkify(text), MAX_TEXT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(linkify(text), MAX_TEXT)}]}


def _post_button(command: str, text: str, role: str | None) -> list[dict]:
    value = json.dumps({"cmd": command, "text": text, "role": role}, separators=(",", ":"))
    if len(value) > MAX_BUTTON_VALUE:
        return [_context("Too long to post from here: copy the text instead.")]
    return [{
        "type": "actions",
        "elements": [{
            "type": "button", "action_id": POST_ACTION_ID, "text": {"type": "plain_text", "text": "Post to channel"},
            "value": value,
        }],
    }]


def parse_post_value(value: str) -> tuple[str, str, str | None] | None:
    """The button value back to (command, text, role); None if it is not one of ours."""
    try:
        data = json.loads(value)
        cmd, text, role = data["cmd"], data["text"], data.get("role")
    except (ValueError, KeyError, TypeError):
        return None
    if cmd not in ("quote", "discount") or not isinstance(text, str) or not (role is None or isinstance(role, str)):
        return None
    return cmd, text, role


def _deal_line(r: QuoteResult) -> str:
    term = f"{r.term_months} months"
    credit = f"{money(r.credit)} credit"
    if r.monthly_spend is not None:
        credit += f" ({money(r.monthly_spend)}/month x {r.term_months})"
    parts = [credit, term]
    if r.payment_summary:
        parts.append(escape(r.payment_summary))
    return " · ".join(parts)


def _lever_lines(r: QuoteResult) -> str:
    lines = []
    for i, lv in enumerate(r.levers, 1):
        value = pct(lv.pct) if i == 1 else (f"+{lv.pct:.1f}%" if lv.pct >= 0 else f"{lv.pct:.1f}%")
        lines.append(f"{i}. {escape(lv.label)}: *{value}* - {escape(lv.reason)} ({lv.cite})")
    return "\n".join(lines)


def _quote_body(r: QuoteResult) -> list[dict]:
    """The priced part of a quote (shared by /quote and /discount's policy maximum)."""
    blocks = [_section(_lever_lines(r))] if r.levers else []
    total = f"*Total discount {pct(r.total_pct)}* · Discount {money(r.discount_amount)} · *Price {money(r.price)}*"
    if r.arr is not None and r.term_months > 12:
        total += f"\nARR (discounted) {money(r.arr)}"
    blocks.append(_section(total))
    return blocks


def quote_blocks(r: QuoteResult, *, command_text: str, role: str | None = None, shareable: bool = True,
                 shared_by: str | None = None) -> list[dict]:
    """The /quote reply. `shareable` adds the Post button (ephemeral reply); `shared_by` marks a post."""
    blocks: list[dict] = []
    if r.status == OK:
        headline = f"*Price {money(r.price)}* for {money(r.credit)} of credit · *{pct(r.total_pct)} off*"
        if r.is_expansion:
            headline = "*Expansion* · " + headline
        blocks.append(_section(headline + "\n" + _deal_line(r)))
        blocks += _quote_body(r)
        if r.invoices:
            blocks.append(_section("*Payment*\n" + "\n".join(f"• {escape(i)}" for i in r.invoices)))
        for extra in r.extras:
            blocks.append(_section(f"*{escape(extra.label)}: {money(extra.amount)}*\n{escape(extra.note)} ({extra.cite})"))
    elif r.status == NOT_AVAILABLE:
        text = f":no_entry: *Not available: {escape(r.reason)}* ({r.reason_cite})\n{money(r.credit)} credit, {r.term_months} months"
        blocks.append(_section(text))
    elif r.status == CUSTOM:
        blocks.append(_section(f":telephone_receiver: *Custom pricing.* {escape(r.reason)} ({r.reason_cite})\n{escape(r.approver_text)}"))
    elif r.status == REFUSED:
        blocks.append(_section(f":no_entry_sign: *Refused: {escape(r.reason)}* ({r.reason_cite})\nNo approver can lift this."))
    blocks += _tail(r)
    if shared_by:
        blocks.append(_context(f"Shared by {mention(shared_by)} · {_code('/quote ' + command_text)}"))
    elif shareable:
        blocks += _post_button("quote", command_text, role)
    return blocks


def _alternative_line(r: QuoteResult) -> str | None:
    alt = r.alternative
    if alt is None:
        return None
    if alt.status == CUSTOM:
        return f"{escape(alt.label)}: custom pricing."
    return f"{escape(alt.label)}: {pct(alt.total_pct)} → {money(alt.price)}."


def _tail(r: QuoteResult) -> list[dict]:
    blocks: list[dict] = []
    alt = _alternative_line(r)
    if alt:
        blocks.append(_section(("*" + alt + "*") if r.status == NOT_AVAILABLE else alt))
    if r.warnings:
        blocks.append(_section("\n".join(f":warning: {escape(w)}" for w in r.warnings)))
    if r.infos:
        blocks.append(_context("\n".join(f"• {escape(i)}" for i in r.infos)))
    never = " · ".join(f"{escape(label)} ({cite})" for label, cite in r.not_allowed)
    blocks.append(_context(f"Never: {never}."))
    return blocks


def quote_fallback_text(r: QuoteResult) -> str:
    """Notification text: the one line that matters."""
    if r.status == OK:
        return f"Quote: {money(r.price)} for {money(r.credit)} credit ({pct(r.total_pct)} off)"
    if r.status == NOT_AVAILABLE:
        return f"Quote not available: {escape(r.reason)}"
    if r.status == CUSTOM:
        return f"Custom pricing: {escape(r.reason)}"
    return f"Refused: {escape(r.reason)}"


# --- /discount -------------------------------------------------------------------------------------


def _verdict_line(c: DiscountCheck) -> str:
    proposed = pct(c.proposed_pct)
    if c.proposed_price is not None:
        proposed += f" (price {money(c.proposed_price)})"
    if c.verdict == WITHIN_POLICY:
        return f":white_check_mark: *{proposed} is within policy.* Policy maximum for this deal: {pct(c.allowed_pct)}."
    if c.verdict == EXCEEDS_POLICY:
        return (f":x: *{proposed} exceeds policy by {points(c.excess_pts)}.* Policy maximum for this deal: "
                f"{pct(c.allowed_pct)}.\n*Approver: {escape(', '.join(c.approvers))}*. {escape(c.approval_route)}")
    if c.verdict == MARGIN_NEGATIVE_EXCEPTION:
        return (f":warning: *{proposed} is {points(c.excess_pts)} over the {pct(c.allowed_pct)} policy maximum: "
                f"margin-negative exception route.*\n{escape(c.approval_route)}")
    if c.verdict == CUSTOM_PRICING:
        return f":telephone_receiver: *Custom pricing: no standard maximum.* {escape(c.approval_route)}"
    return f":no_entry_sign: *{proposed} is not permitted.* {escape(c.approval_route)}"


def discount_blocks(c: DiscountCheck, *, command_text: str, role: str | None = None, shareable: bool = True,
                    shared_by: str | None = None) -> list[dict]:
    """The /discount reply: verdict and approver first, then the reasons and how the maximum is built."""
    blocks = [_section(_verdict_line(c))]
    if c.reasons:
        blocks.append(_section("\n".join(f"• {escape(x)}" for x in c.reasons)))
    if c.side_approvals:
        blocks.append(_section("*Also*\n" + "\n".join(f"• {escape(x)}" for x in c.side_approvals)))
    q = c.quote
    if q.status == OK:
        blocks.append(_section(f"*How the policy maximum is built* ({_deal_line(q)})"))
        blocks += _quote_body(q)
    elif q.status == NOT_AVAILABLE and q.alternative is not None:
        blocks.append(_section(f"{_alternative_line(q)}"))
    if q.warnings:
        blocks.append(_section("\n".join(f":warning: {escape(w)}" for w in q.warnings)))
    if q.infos:
        blocks.append(_context("\n".join(f"• {escape(i)}" for i in q.infos)))
    if shared_by:
        blocks.append(_context(f"Shared by {mention(shared_by)} · {_code('/discount ' + command_text)}"))
    elif shareable:
        blocks += _post_button("discount", command_text, role)
    return blocks


def discount_fallback_text(c: DiscountCheck) -> str:
    label = {
        WITHIN_POLICY: "within policy", EXCEEDS_POLICY: "exceeds policy", NOT_PERMITTED: "not permitted",
        CUSTOM_PRICING: "custom pricing", MARGIN_NEGATIVE_EXCEPTION: "margin-negative exception route",
    }[c.verdict]
    return f"Discount {pct(c.proposed_pct)}: {label} (maximum {pct(c.allowed_pct)})"


# --- help and errors ---------------------------------------------------------------------------------


def help_blocks(h: HelpRequest) -> list[dict]:
    what = ("Prices a prepaid credit purchase lever by lever (volume, commitment, timing of cash, forecast)."
            if h.command == "quote" else
            "Checks a proposed discount against the policy maximum for the deal and names who must approve.")
    return [
        _section(f"*/{h.command}*: {what}"),
        _section(f"```{escape(h.usage)}```"),
        _section(f"Try: {_code(h.example)}"),
    ]


def error_blocks(err: ParseError) -> list[dict]:
    return [
        _section(f":thinking_face: {escape(err.message)}"),
        _section(f"Try: {_code(err.example)}"),
        _section(f"```{escape(err.usage)}```"),
    ]


def blocks_text(blocks: list[dict]) -> str:
    """All visible text of `blocks`, in order (for fallbacks and tests)."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(out)

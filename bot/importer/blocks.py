"""Block Kit for "which account did you mean?": shared by every command that takes an account.

Plain data in (see `bot.accounts.lookup_view`), blocks out. Phone first: the answer ("no match" or
"N matches") is the first line, then one line per suggestion with the exact command to run, then
a working example in small print.
"""

from __future__ import annotations

from typing import Any

from services.mrkdwn import clip
from services.mrkdwn import escape as _escape

MAX_TEXT = 2900  # Slack caps a section's text at 3000 characters


def _clip(text: str) -> str:
    return clip(text, MAX_TEXT)


def account_lookup_blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    """`view`: {"query", "command", "example", "ambiguous", "suggestions": [{"id", "name", "owner"}]}."""
    query = _escape(str(view.get("query") or "").strip())
    command = str(view.get("command") or "").strip()
    suggestions = list(view.get("suggestions") or [])
    if not query:
        headline = f"*Which account?* `{command}` needs an account." if command else "*Which account?*"
    elif view.get("ambiguous"):
        headline = f"*Which account?* “{query}” matches more than one; pick one:"
    elif suggestions:
        headline = f"*No account matches “{query}”.* Did you mean:"
    else:
        headline = f"*No account matches “{query}”.*"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": _clip(headline)}}]
    if suggestions:
        lines = []
        for item in suggestions:
            owner = f" · {_escape(item['owner'])}" if item.get("owner") else " · no owner"
            run = f"`{command} {item['id']}`" if command else f"`{item['id']}`"
            lines.append(f"• *{_escape(item['name'])}*{owner} — {run}")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip("\n".join(lines))}})
    example = str(view.get("example") or "").strip()
    hint = "Name an account by id, name, domain or Slack channel"
    blocks.append({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _clip(f"{hint}, e.g. `{example}`" if example else hint + ".")}],
    })
    return blocks


def account_lookup_text(view: dict[str, Any]) -> str:
    """The notification / fallback text of the same reply."""
    query = str(view.get("query") or "").strip()
    if view.get("ambiguous"):
        return f"“{query}” matches more than one account"
    return f"No account matches “{query}”" if query else "Which account?"


def account_card_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    """One account at a glance: who owns it first, then money, then where to reach the customer.

    `card`: {"id", "name", "owner", "owner_role", "arr", "segments", "channel", "credit_balance",
    "credit_term_end", "health"}; money already formatted, absent values None.
    """
    owner = card.get("owner")
    who = f"owner {_escape(owner)} ({card.get('owner_role')})" if owner else "*no owner*"
    lines = [f"*{_escape(card['name'])}* (`{card['id']}`) · {who}"]
    money = [f"ARR {card['arr']}" if card.get("arr") else "ARR unknown"]
    if card.get("credit_balance") is not None:
        term = f", term ends {card['credit_term_end']}" if card.get("credit_term_end") else ""
        money.append(f"credit left {card['credit_balance']}{term}")
    if card.get("health"):
        money.append(f"health {card['health']}")
    lines.append(" · ".join(money))
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": _clip("\n".join(lines))}}]
    context = []
    if card.get("segments"):
        context.append("Segments: " + ", ".join(_escape(s) for s in card["segments"]))
    if card.get("channel"):
        context.append(f"Channel <#{card['channel']}>")
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(" · ".join(context))}]})
    return blocks

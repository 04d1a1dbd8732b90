"""App Home views (pure): the rep's book at a glance, an empty state, and the stranger's home."""

from __future__ import annotations

from typing import Any

from services import mrkdwn as md
from services.formatting import money
from services.home.book import Book, HomeRow, Section

# One action id per command a row button runs; the value is the account id.
RUN_ACTION_PREFIX = "home_run_"
BUTTON_LABELS = {"churn-risk": "Churn risk", "handover-check": "Handover check"}

STRANGER_TEXT = ("gtmbot is for internal use: it shows account data to members of our own workspace. "
                 "If you think you should have access, ask your Slack admin.")
EMPTY_TEXT = ("You have no accounts yet. Accounts are assigned to you as owner in the account model "
              "(Vitally's owner, imported with `gtmbot import`); ask your team lead to assign some. "
              f"Meanwhile try {md.code('/churn-risk <account>')}, {md.code('/handover-check <account> to <name>')}"
              " or `/quote help`.")


def _home(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks}


def stranger_home() -> dict[str, Any]:
    return _home([{"type": "section", "text": {"type": "mrkdwn", "text": STRANGER_TEXT}}])


def _row(row: HomeRow) -> list[dict[str, Any]]:
    line = f"{md.bold(row.name)} · {money(row.arr)} ARR\nNext: {md.escape(row.next_action)}"
    if row.detail:
        line += f"\n{md.escape(row.detail)}"
    buttons = [{"type": "button", "text": {"type": "plain_text", "text": BUTTON_LABELS.get(c, c)},
                "action_id": f"{RUN_ACTION_PREFIX}{c.replace('-', '_')}", "value": row.account_id}
               for c in row.commands]
    out: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": md.clip(line, 3000)}}]
    if buttons:
        out.append({"type": "actions", "block_id": f"home_{row.account_id}_{row.commands[0]}"[:255],
                    "elements": buttons})
    return out


def _section(s: Section) -> list[dict[str, Any]]:
    count = len(s.rows) + s.more
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": md.clip(f"{s.title} ({count})", 150)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{money(s.total_arr)} ARR"}]},
    ]
    for row in s.rows:
        blocks.extend(_row(row))
    if s.more:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"…and {s.more} more; `/churn-risk` lists your whole book."}]})
    blocks.append({"type": "divider"})
    return blocks


def book_home(book: Book, *, name: str) -> dict[str, Any]:
    """Worst section first; Slack caps a home view at 100 blocks, so trailing rows are cut with a note."""
    if book.empty:
        return _home([{"type": "section", "text": {"type": "mrkdwn", "text": f"Hi {md.escape(name)}. {EMPTY_TEXT}"}}])
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text":
                                     f"Hi {md.escape(name)}, here are {md.escape(book.scope)} ({book.account_count})."}}]
    for s in book.sections:
        blocks.extend(_section(s))
    if len(blocks) > 100:
        blocks = blocks[:99] + [{"type": "context", "elements": [{"type": "mrkdwn", "text":
                                 "More rows than Slack can show; lower HOME_ROWS_PER_SECTION."}]}]
    return _home(blocks)

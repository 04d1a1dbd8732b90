"""Customer Slack activity (signal W4, and F7's negative engagement): which `message` events count as
the customer writing in their shared channel (churn-risk.md §4.4 W4 "customer-side messages only"
[INF]; IMPORT.md §12: the bot keeps `last_customer_slack_message_at` current). Pure: no Slack, no DB.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

#: Subtypes that are a person writing: a plain message (no subtype), a reply also sent to the
#: channel, a file with a comment, a /me message. Edits, deletions, joins, bots and "replied"
#: notices are not new activity.
PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def written_by_a_person(event: dict[str, Any]) -> bool:
    """A new message a person wrote (not a bot, not an edit or a channel notice)."""
    return (
        event.get("type") == "message"
        and event.get("subtype") in PERSON_SUBTYPES
        and not event.get("bot_id")
        and isinstance(event.get("user"), str) and bool(event["user"])
        and isinstance(event.get("channel"), str) and bool(event["channel"])
    )


def author_team_hint(event: dict[str, Any]) -> str | None:
    """The author's workspace as the event states it: Slack sets `user_team` on messages in shared
    channels (and `user_profile.team`); `None` when the payload does not say."""
    profile = event.get("user_profile")
    team = event.get("user_team") or (profile.get("team") if isinstance(profile, dict) else None)
    return team if isinstance(team, str) and team else None


def is_customer_side(author_team: str | None, home_team: str, is_stranger: bool = False) -> bool:
    """A user from another workspace (Slack Connect) is the customer; our own members are not."""
    return is_stranger or (author_team is not None and author_team != home_team)


def message_time(event: dict[str, Any]) -> datetime | None:
    """When the message was written: its Slack `ts` (epoch seconds), not when the event arrived, so a
    late or replayed delivery records the right moment."""
    raw = event.get("ts")
    if not isinstance(raw, str):
        return None
    try:
        seconds = Decimal(raw)
        if not seconds.is_finite() or seconds <= 0:
            return None
        return datetime.fromtimestamp(float(seconds), UTC)
    except (InvalidOperation, ValueError, OverflowError, OSError):
        return None

"""Keep `accounts.last_customer_slack_message_at` current from `message` events (IMPORT.md §12):
a customer-side author (another workspace, Slack Connect) writing in a channel mapped to an account.
Forward only, like the importer (IMPORT.md §11): a late or replayed event never moves it back."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from bot.db.models import Account, AccountSlackChannel
from bot.db.session import session_scope
from bot.guard import home_team_id, user_info
from bot.runtime import Runtime
from services.churn.activity import author_team_hint, is_customer_side, message_time, written_by_a_person

log = logging.getLogger("gtmbot.churn.activity")


def _author_is_customer(rt: Runtime, event: dict[str, Any]) -> bool:
    home = home_team_id(rt)
    hint = author_team_hint(event)
    if hint is not None:
        return is_customer_side(hint, home)
    info = user_info(rt, event["user"])  # cached; the payload did not say
    if info is None:
        return False  # unknown author: do not count it as the customer
    return is_customer_side(info.get("team_id"), home, bool(info.get("is_stranger")))


def record_customer_message(rt: Runtime, event: dict[str, Any]) -> datetime | None:
    """Record the message's time on its account when a customer wrote it; returns the time recorded."""
    if not written_by_a_person(event):
        return None
    at = message_time(event)
    if at is None:
        return None
    with session_scope(rt.session_factory) as s:
        account_id = s.scalar(select(AccountSlackChannel.account_id)
                              .where(AccountSlackChannel.channel_id == event["channel"]))
    if account_id is None or not _author_is_customer(rt, event):
        return None
    column = Account.last_customer_slack_message_at
    with session_scope(rt.session_factory) as s:
        # One conditional UPDATE: concurrent events for the same account keep the latest time.
        done = s.execute(update(Account).where(Account.id == account_id, or_(column.is_(None), column < at))
                         .values(last_customer_slack_message_at=at).execution_options(synchronize_session=False))
    if done.rowcount:
        log.info("customer Slack message in %s: account %s active at %s", event["channel"], account_id, at)
        return at
    return None

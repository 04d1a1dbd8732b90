"""Slack delivers events at least once: retries (X-Slack-Retry-Num) and duplicate
event_ids must change nothing. The first delivery of an event_id is recorded in
the database; any later one is acknowledged and dropped."""

from __future__ import annotations

import logging

from slack_bolt import BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.db.core import ProcessedEvent
from bot.db.session import session_scope
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.events")


def claim_event(rt: Runtime, event_id: str) -> bool:
    """True the first time an event id is seen, across every process sharing the database."""
    try:
        with session_scope(rt.session_factory) as session:
            session.add(ProcessedEvent(event_id=event_id))
        return True
    except IntegrityError:
        return False


def first_delivery_of_command(rt: Runtime, command: dict) -> bool:
    """False when this slash command request (same command, team, user and trigger_id) was already
    taken by this or another process: a redelivered request must not answer, open a modal or act
    twice. A request without a trigger_id cannot be told apart, so it counts as first."""
    trigger = command.get("trigger_id")
    if not trigger:
        return True
    name = (command.get("command") or "").lstrip("/")
    return claim_event(rt, f"{name}:{command.get('team_id')}:{command.get('user_id')}:{trigger}"[:128])


def dedupe_events(body: dict, context, next) -> BoltResponse | None:
    """Global middleware: each Events API delivery is processed at most once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not event_id:
        return next()
    if claim_event(context["rt"], event_id):
        return next()
    log.info("duplicate event %s ignored", event_id)
    return BoltResponse(status=200, body="")

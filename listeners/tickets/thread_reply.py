"""`message` in a thread that has a ticket: the reply is added to the Zendesk ticket once, in order, with
the author's name (incidents-and-tickets.md A.2.7; 002_59a801b964a2a19e.txt:8379 "syncs the conversation
into Zendesk"). The matcher claims only replies in ticketed threads, so other `message` listeners still
see everything else. Bolt already drops the bot's own messages; the service checks again."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.tickets.flow import _message, sync_reply, ticket_row_for_thread

SKIPPED_SUBTYPES = {"message_changed", "message_deleted", "message_replied"}


def in_ticketed_thread(event: dict[str, Any], context: Any) -> bool:
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or event.get("subtype") in SKIPPED_SUBTYPES:
        return False
    return ticket_row_for_thread(context["rt"], event.get("channel", ""), thread_ts) is not None


def handle_thread_reply(event: dict[str, Any], context: Any) -> None:
    sync_reply(context["rt"], event["channel"], _message(event))


def register(app: App) -> None:
    app.event({"type": "message"}, matchers=[in_ticketed_thread])(handle_thread_reply)

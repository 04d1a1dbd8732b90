"""`reaction_added`: the configured emoji (default :ticket:) on a message in a customer or intake channel
opens one Zendesk ticket for the message's thread (incidents-and-tickets.md A.2.2; 002_59a801b964a2a19e.txt:12625).
Reactions elsewhere do not match, so they are ignored quietly (and other listeners still see them).
Bolt acks first; `open_ticket` runs after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.tickets.flow import TicketRequest, channel_facts, open_ticket, person, ticket_settings
from services.tickets.policy import is_ticket_reaction


def is_ticket_request(event: dict[str, Any], context: Any) -> bool:
    rt = context["rt"]
    item = event.get("item") or {}
    reactor = event.get("user") or ""
    if not is_ticket_reaction(
        event.get("reaction", ""),
        item.get("type", ""),
        reactor,
        emoji=ticket_settings(rt).ticket_emoji,
        bot_user_id=context.get("bot_user_id") or "",
    ):
        return False
    reactor_person = person(rt, reactor)
    if reactor_person is not None and reactor_person.is_bot:
        return False
    return channel_facts(rt, item.get("channel", ""), recheck=True).kind is not None


def handle_reaction_added(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    item = event["item"]
    open_ticket(
        context["rt"],
        TicketRequest(
            team_id=body.get("team_id") or context.get("team_id") or "",
            channel_id=item["channel"],
            item_ts=item["ts"],
            actor=event["user"],
            trigger="reaction",
        ),
    )


def register(app: App) -> None:
    app.event("reaction_added", matchers=[is_ticket_request])(handle_reaction_added)

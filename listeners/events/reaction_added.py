"""`reaction_added`: the configured emoji (default :ticket:) on a message in a customer or intake channel
opens one Zendesk ticket for the message's thread (incidents-and-tickets.md A.2.2; 002_59a801b964a2a19e.txt:12625).
Anything else is ignored quietly. Bolt acks first; this runs after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.ticket_flow import TicketRequest, open_ticket, person, ticket_settings
from services.tickets import is_ticket_reaction


def handle_reaction_added(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    rt = context["rt"]
    item = event.get("item") or {}
    reactor = event.get("user") or ""
    reactor_person = person(rt, reactor) if reactor else None
    if not is_ticket_reaction(
        event.get("reaction", ""),
        item.get("type", ""),
        reactor,
        emoji=ticket_settings(rt).ticket_emoji,
        bot_user_id=context.get("bot_user_id") or "",
        reactor_is_bot=bool(reactor_person and reactor_person.is_bot),
    ):
        return
    open_ticket(
        rt,
        TicketRequest(
            team_id=body.get("team_id") or context.get("team_id") or "",
            channel_id=item["channel"],
            item_ts=item["ts"],
            actor=reactor,
            trigger="reaction",
        ),
    )


def register(app: App) -> None:
    app.event("reaction_added")(handle_reaction_added)

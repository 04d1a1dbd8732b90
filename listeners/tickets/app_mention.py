"""`app_mention`: mentioning the bot in a thread opens one Zendesk ticket for that thread; a top-level
mention with text tickets that message; a bare mention gets a hint (incidents-and-tickets.md A.2.2;
002_59a801b964a2a19e.txt:12625, 12662). Mentions outside customer/intake channels do not match.
Bolt acks first; `open_ticket` runs after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.tickets.flow import TicketRequest, channel_facts, open_ticket


def in_ticket_channel(event: dict[str, Any], context: Any) -> bool:
    if not event.get("user") or event.get("bot_id"):
        return False
    return channel_facts(context["rt"], event.get("channel", ""), recheck=True).kind is not None


def handle_app_mention(event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
    open_ticket(
        context["rt"],
        TicketRequest(
            team_id=body.get("team_id") or context.get("team_id") or "",
            channel_id=event["channel"],
            item_ts=event["ts"],
            actor=event["user"],
            trigger="mention",
            thread_ts=event.get("thread_ts"),
            text=event.get("text") or "",
            has_files=bool(event.get("files")),
        ),
    )


def register(app: App) -> None:
    app.event("app_mention", matchers=[in_ticket_channel])(handle_app_mention)

"""`member_joined_channel` for the bot itself: it was /invite-d, so the inviter gets the private setup
checklist for a customer channel (incidents-and-tickets.md A.2.1). Other members joining do not match,
so any other `member_joined_channel` listener still sees them. Bolt keeps this self event (its
IgnoringSelfEvents middleware lets member_joined_channel through)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.tickets.joined import on_bot_joined


def is_the_bot_joining(event: dict[str, Any], context: Any) -> bool:
    bot_user_id = context.get("bot_user_id")
    return bool(bot_user_id) and event.get("user") == bot_user_id


def handle_bot_joined(event: dict[str, Any], context: Any) -> None:
    on_bot_joined(
        context["rt"],
        event["channel"],
        event.get("inviter"),
        bot_user_id=context["bot_user_id"],
        event_ts=event.get("event_ts") or "",
    )


def register(app: App) -> None:
    app.event("member_joined_channel", matchers=[is_the_bot_joining])(handle_bot_joined)

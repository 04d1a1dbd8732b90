"""A channel the bot knows changed: it left or was removed, the channel was archived or unarchived,
renamed, or shared with (or unshared from) another organisation. The bot forgets what it had cached
about the channel, so the next :ticket: reaction, mention or command there reads it afresh
(incidents-and-tickets.md A.2.1: "it forgets them on channel_left/group_left/archive events")."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.guard import forget_channel

EVENTS = ("channel_left", "group_left", "channel_archive", "group_archive", "channel_unarchive", "group_unarchive",
          "channel_rename", "group_rename", "channel_shared", "channel_unshared")


def handle_channel_changed(event: dict[str, Any], context: Any) -> None:
    channel = event.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else channel  # *_rename carry the channel object
    if channel_id:
        forget_channel(context["rt"], channel_id)


def register(app: App) -> None:
    for name in EVENTS:
        app.event(name)(handle_channel_changed)

""":ticket: reactions and @mentions in shared customer channels, replies in ticketed threads, and the
setup checklist when the bot is invited into a customer channel; channel changes reset what it knew."""

from slack_bolt import App

from listeners.tickets import (
    app_mention,
    channel_changed,
    member_joined_channel,
    reaction_added,
    thread_reply,
)


def register(app: App) -> None:
    reaction_added.register(app)
    app_mention.register(app)
    thread_reply.register(app)
    member_joined_channel.register(app)
    channel_changed.register(app)

""":ticket: reactions and @mentions in shared customer channels, and replies in ticketed threads."""

from slack_bolt import App

from listeners.tickets import app_mention, reaction_added, thread_reply


def register(app: App) -> None:
    reaction_added.register(app)
    app_mention.register(app)
    thread_reply.register(app)

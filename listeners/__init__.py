"""Listener registration, by kind (the Bolt starter template's layout)."""

from slack_bolt import App

from listeners import actions, commands, events, views


def register_listeners(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)

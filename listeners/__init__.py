"""Listener registration: one package per capability, each with one `register(app)`.

The order is the order Bolt tries listeners in: incidents' broadcast replies come before tickets'
thread replies, as both listen to `message` events (each with its own matcher). Bolt runs only the
first listener whose matchers all pass, so a listener for an event another capability also handles must
match narrowly: tickets' `member_joined_channel` matches only the bot's own join, and a listener for
other people joining must not match the bot, or one of the two never runs."""

import importlib

from slack_bolt import App

CAPABILITIES: tuple[str, ...] = ("quotes", "handover", "churn", "billing", "incidents", "tickets", "home")


def register_listeners(app: App) -> None:
    for name in CAPABILITIES:
        importlib.import_module(f"listeners.{name}").register(app)
    # Registered last, so it only gets what no capability claimed: ordinary channel chatter. Without it
    # Bolt answers 404 and logs "Unhandled request" for every message in every channel the bot is in
    # (global middleware such as churn's activity hook has already seen the event).
    app.event("message")(acknowledge_other_messages)


def acknowledge_other_messages() -> None:
    """A `message` event no capability acts on: acknowledged (Bolt acks events), nothing else."""

"""Listener registration: one package per capability, each with one `register(app)`.

The order is the order Bolt tries listeners in: incidents' broadcast replies come before tickets'
thread replies, as both listen to `message` events (each with its own matcher)."""

import importlib

from slack_bolt import App

CAPABILITIES: tuple[str, ...] = ("quotes", "handover", "churn", "billing", "incidents", "tickets", "home")


def register_listeners(app: App) -> None:
    for name in CAPABILITIES:
        importlib.import_module(f"listeners.{name}").register(app)

"""The declare modal: create the incident, post its card, then push the first draft."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import DECLARE_CALLBACK


def handle(ack, body, context) -> None:
    ack(**flow.on_declare_submit(context["rt"], body["user"]["id"], body["view"]))


def register(app: App) -> None:
    app.view(DECLARE_CALLBACK, middleware=[internal_only])(handle)

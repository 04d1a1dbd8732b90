"""The broadcast preview: the confirm tick is required; rows are written, then the sender runs after the ack."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import PREVIEW_CALLBACK


def handle(ack, body, context) -> None:
    ack(**flow.on_preview_submit(context["rt"], body["user"]["id"], body["view"]))


def register(app: App) -> None:
    app.view(PREVIEW_CALLBACK, middleware=[internal_only])(handle)

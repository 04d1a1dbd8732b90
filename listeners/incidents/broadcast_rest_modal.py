""""Broadcast the rest": the typed reason (4273), then the preview of the not-yet-notified channels."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow


def handle(ack, body, context) -> None:
    ack(**flow.on_broadcast_rest_submit(context["rt"], body["user"]["id"], body["view"]))


def register(app: App) -> None:
    app.view("incident_broadcast_rest", middleware=[internal_only])(handle)

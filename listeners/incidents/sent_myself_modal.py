"""The corrected "I sent it myself" list is saved (spec C.4)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import SENT_MYSELF_VIEW


def handle(ack, body, context) -> None:
    ack(**flow.on_sent_myself_submit(context["rt"], body["user"]["id"], body["view"]))


def register(app: App) -> None:
    app.view(SENT_MYSELF_VIEW, middleware=[internal_only])(handle)

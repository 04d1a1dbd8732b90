"""The draft modal: refuse leftover placeholders (errors), else preview (broadcast) or share with owners."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import DRAFT_CALLBACK


def handle(ack, body, context) -> None:
    answer, after_ack = flow.on_draft_submit(context["rt"], body["user"]["id"], body["view"])
    ack(**answer)
    if after_ack is not None:
        after_ack()


def register(app: App) -> None:
    app.view(DRAFT_CALLBACK, middleware=[internal_only])(handle)

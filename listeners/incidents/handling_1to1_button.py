"""I'm handling 1:1: later broadcasts leave the clicker's accounts out (4288, E23)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_HANDLING_1TO1


def handle(ack, body, respond, context) -> None:
    ack()
    rt, user, value = context["rt"], body["user"]["id"], body["actions"][0]["value"]
    respond(text=flow.on_owner_mark(rt, user, int(value), "handling_1to1"), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_HANDLING_1TO1, middleware=[internal_only])(handle)

"""Send to my channels: the clicker's affected channels that have not had this message (spec C.4)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_SEND_MINE


def handle(ack, body, respond, context) -> None:
    ack()
    rt, user, value = context["rt"], body["user"]["id"], body["actions"][0]["value"]
    respond(text=flow.on_send_mine(rt, user, int(value)), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_SEND_MINE, middleware=[internal_only])(handle)

"""I sent it myself: the clicker's accounts count as notified by them (spec C.4)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_SENT_MYSELF


def handle(ack, body, respond, context) -> None:
    ack()
    rt, user, value = context["rt"], body["user"]["id"], body["actions"][0]["value"]
    respond(text=flow.on_owner_mark(rt, user, int(value), "owner_manual"), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_SENT_MYSELF, middleware=[internal_only])(handle)

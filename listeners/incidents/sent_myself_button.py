"""I sent it myself: the clicker's accounts count as notified by them (spec C.4), with a way to
correct the list (the accounts they did not reach, or reached by email)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_SENT_MYSELF, sent_myself_reply


def handle(ack, body, respond, context) -> None:
    ack()
    rt, user, comm_id = context["rt"], body["user"]["id"], int(body["actions"][0]["value"])
    text = flow.on_owner_mark(rt, user, comm_id, "owner_manual")
    if text == flow.NOT_YOURS:  # nothing was marked: no correction to offer
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    fallback, blocks = sent_myself_reply(text, comm_id)
    respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_SENT_MYSELF, middleware=[internal_only])(handle)

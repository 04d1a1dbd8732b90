""""Not all of them? Adjust": the modal to untick accounts not reached, or mark them told by email."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_SENT_MYSELF_ADJUST


def handle(ack, body, client, respond, context) -> None:
    ack()
    view = flow.sent_myself_modal(context["rt"], body["user"]["id"], int(body["actions"][0]["value"]))
    if isinstance(view, str):
        respond(text=view, response_type="ephemeral", replace_original=False)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.action(ACTION_SENT_MYSELF_ADJUST, middleware=[internal_only])(handle)

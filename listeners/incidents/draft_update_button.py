"""Draft update (from a cadence reminder): opens the update draft modal (spec C.6)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_DRAFT_UPDATE


def handle(ack, body, client, respond, context) -> None:
    ack()
    rt, user, incident_id = context["rt"], body["user"]["id"], int(body["actions"][0]["value"])
    if not flow.may_command(rt, user, flow.incident_row(rt, incident_id)):
        respond(text=flow.NOT_ALLOWED.format(what="send updates"), response_type="ephemeral", replace_original=False)
        return
    client.views_open(trigger_id=body["trigger_id"], view=flow.draft_view(rt, incident_id, flow.next_draft_kind(rt, incident_id, "update"), user))


def register(app: App) -> None:
    app.action(ACTION_DRAFT_UPDATE, middleware=[internal_only])(handle)

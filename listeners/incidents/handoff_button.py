"""Hand off (from the end-of-day prompt): says how to name the next CMOC (spec C.6; E25)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_HANDOFF


def handle(ack, body, respond, context) -> None:
    ack()
    inc = flow.incident_row(context["rt"], int(body["actions"][0]["value"]))
    respond(text=f"Name the next CMOC: `/incident handoff {inc.public_id} @Landon`", response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_HANDOFF, middleware=[internal_only])(handle)

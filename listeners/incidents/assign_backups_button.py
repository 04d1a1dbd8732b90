"""Assign backups (CMOC): regional backups for owners who are out (4221)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import ACTION_ASSIGN_BACKUPS


def handle(ack, body, respond, context) -> None:
    ack()
    rt, user, value = context["rt"], body["user"]["id"], body["actions"][0]["value"]
    respond(text=flow.on_assign_backups(rt, user, int(value)), response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(ACTION_ASSIGN_BACKUPS, middleware=[internal_only])(handle)

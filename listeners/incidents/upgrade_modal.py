"""`/incident sev sev0` confirmed: upgrade, then the SEV 0 draft replaces the form (spec C.2, C.6)."""

from __future__ import annotations

from slack_bolt import App

from bot.guard import internal_only
from bot.incidents import flow
from bot.incidents.blocks import UPGRADE_CALLBACK


def handle(ack, body, context) -> None:
    answer, after_ack = flow.on_upgrade_submit(context["rt"], body["user"]["id"], body["view"])
    ack(**answer)
    if after_ack is not None:
        after_ack()


def register(app: App) -> None:
    app.view(UPGRADE_CALLBACK, middleware=[internal_only])(handle)

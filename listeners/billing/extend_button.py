""""More time…" on a late payment: opens the modal for days and a reason (spec §3.6)."""

from __future__ import annotations

from slack_bolt import App

from bot.billing.actions import case_account_name
from bot.billing.blocks import extension_modal
from bot.db.session import session_scope
from bot.guard import internal_only


def on_extend(ack, body, action, context, client, respond) -> None:
    ack()
    rt = context["rt"]
    with session_scope(rt.session_factory) as session:
        name = case_account_name(session, action["value"])
    if name is None:
        respond(text="I can't find that payment case any more; it may have been closed.",
                response_type="ephemeral", replace_original=False)
        return
    client.views_open(trigger_id=body["trigger_id"], view=extension_modal(action["value"], name))


def register(app: App) -> None:
    app.action("pay_extend", middleware=[internal_only])(on_extend)

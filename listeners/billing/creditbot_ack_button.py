""""I'm on it" on a CreditBot alert: records who took it and shows it on the alert (spec §5.3)."""

from __future__ import annotations

from slack_bolt import App

from bot.billing.actions import acknowledge
from bot.billing.blocks import creditbot_acknowledged
from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.guard import internal_only


def on_ack(ack, body, action, context, client, respond) -> None:
    ack()
    rt = context["rt"]
    user = body["user"]["id"]
    with session_scope(rt.session_factory) as session:
        recorded = acknowledge(session, action["value"], user, clock_now())
    if recorded is None:
        respond(text="I can't find that CreditBot alert any more.", response_type="ephemeral",
                replace_original=False)
        return
    if not recorded.first:
        respond(text=f"<@{recorded.by}> is already on it.", response_type="ephemeral", replace_original=False)
        return
    message = body.get("message") or {}
    if message.get("ts"):
        blocks = creditbot_acknowledged(message.get("blocks") or [], recorded.by)
        client.chat_update(channel=body["channel"]["id"], ts=message["ts"], text=message.get("text", ""),
                           blocks=blocks)


def register(app: App) -> None:
    app.action("creditbot_ack", middleware=[internal_only])(on_ack)

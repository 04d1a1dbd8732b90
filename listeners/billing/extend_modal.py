"""The "More time" modal submitted: validate, move the pending steps, say so in the thread.
Bad input stays in the modal with what was wrong and an example (spec §3.6)."""

from __future__ import annotations

from slack_bolt import App

from bot.billing.actions import extend_case
from bot.billing.escalation import post
from bot.channels import channel_id
from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.job_context import JobContext
from services.billing.payment_escalation import ExtensionError, validate_extension


def _value(view: dict, block: str) -> str:
    return ((view.get("state", {}).get("values", {}).get(block) or {}).get("value") or {}).get("value") or ""


def on_submit(ack, body, view, context) -> None:
    days = validate_extension(_value(view, "days"), _value(view, "reason"))
    if isinstance(days, ExtensionError):
        ack(response_action="errors", errors={days.field: days.message})
        return
    rt = context["rt"]
    now = clock_now()
    ctx = JobContext(rt=rt, now=now)
    with session_scope(rt.session_factory) as session:
        outcome = extend_case(session, view["private_metadata"], days, _value(view, "reason"),
                              body["user"]["id"], now.date(), now)
        if outcome is None:
            ack(response_action="errors", errors={"days": "This payment case is already closed; nothing to extend."})
            return
        channel = channel_id(rt, rt.settings.sales_alerts_channel)
        for message in outcome.messages:
            post(ctx, session, channel, message)
    ack()
    ctx.deliver()


def register(app: App) -> None:
    app.view("pay_extend_modal")(on_submit)

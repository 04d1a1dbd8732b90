"""*Flag churn risk* under a /churn-risk reply: open the handbook's flag note as a modal
(002_59a801b964a2a19e.txt:11517-11528); submitting it records the flag and posts the note."""

from __future__ import annotations

from slack_bolt import App

from bot.churn.blocks import FLAG_ACTION_ID, flag_modal
from bot.churn.flow import active_flag, assess_accounts
from bot.clock import now as clock_now
from bot.db.models import Account
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.runtime import Runtime


def handle_flag(ack, body, action, respond, client, context) -> None:
    ack()
    rt: Runtime = context["rt"]
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, action.get("value", ""))
        if account is None:
            respond(response_type="ephemeral", replace_original=False, text="That account no longer exists.")
            return
        existing = active_flag(s, account.id)
        if existing is not None:
            respond(response_type="ephemeral", replace_original=False,
                    text=f"{account.name} was already flagged on {existing.flagged_at:%Y-%m-%d} by"
                         f" <@{existing.flagged_by}>; the note is in #customer-churn.")
            return
        assessment = assess_accounts(s, [account], now)[0]
    triggers = "; ".join(f"{x.short} ({x.code})" for x in assessment.report.signals if x.suppressed_by is None)
    client.views_open(trigger_id=body["trigger_id"],
                      view=flag_modal(assessment.account.id, assessment.account.name, triggers or "owner's judgement"))


def register(app: App) -> None:
    app.action(FLAG_ACTION_ID, middleware=[internal_only])(handle_flag)

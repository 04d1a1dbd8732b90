"""*Share to channel* under a /churn-risk reply: post it for everyone, never into a shared
(Slack Connect) channel (DESIGN.md: internal data stays internal)."""

from __future__ import annotations

from slack_bolt import App

from bot.churn.blocks import SHARE_ACTION_ID, churn_reply_blocks
from bot.churn.flow import assess_accounts
from bot.clock import now as clock_now
from bot.db.models import Account
from bot.db.session import session_scope
from bot.guard import internal_only, share_refusal
from bot.runtime import Runtime


def handle_share(ack, body, action, respond, context) -> None:
    ack()
    rt: Runtime = context["rt"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    refusal = share_refusal(rt, channel)
    if refusal:
        respond(response_type="ephemeral", replace_original=False, text=refusal)
        return
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, action.get("value", ""))
        if account is None:
            respond(response_type="ephemeral", replace_original=False, text="That account no longer exists.")
            return
        assessment = assess_accounts(s, [account], now)[0]
    respond(response_type="in_channel", replace_original=False, text=f"{assessment.account.name}",
            blocks=churn_reply_blocks(assessment, now, shared=True))


def register(app: App) -> None:
    app.action(SHARE_ACTION_ID, middleware=[internal_only])(handle_share)

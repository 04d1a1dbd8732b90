"""A candidate button under an ambiguous `/churn-risk` lookup: show that account's reply."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.churn.blocks import CANDIDATE_ACTION_ID, churn_reply_blocks, no_match_blocks
from bot.churn.flow import assess_and_note
from bot.clock import now as clock_now
from bot.db.models import Account
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.runtime import Runtime


def handle_pick(ack, body, action, respond, context) -> None:
    ack()
    rt: Runtime = context["rt"]
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, action.get("value", ""))
        if account is None:
            respond(response_type="ephemeral", replace_original=False, text="That account is gone.",
                    blocks=no_match_blocks(action.get("value", "")))
            return
        assessment = assess_and_note(s, [account], now)[0]
    respond(response_type="ephemeral", replace_original=True, text=f"{assessment.account.name}",
            blocks=churn_reply_blocks(assessment, now))


def register(app: App) -> None:
    app.action(re.compile(rf"^{CANDIDATE_ACTION_ID}_\d+$"), middleware=[internal_only])(handle_pick)

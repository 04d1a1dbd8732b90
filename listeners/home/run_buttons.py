"""A row button on App Home: compute the same reply the matching command gives for that account and send
it to the user's DM with the bot (home-tab clicks have no response_url)."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.churn.blocks import churn_reply_blocks
from bot.churn.flow import assess_accounts
from bot.clock import now as clock_now
from bot.db.models import Account
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.home.blocks import RUN_ACTION_PREFIX
from bot.home.refresh import handover_command_text
from bot.runtime import Runtime
from listeners.handover.handover_check_command import answer as handover_answer

GONE = "That account is no longer in gtmbot; reopen the Home tab to refresh your book."


def _reply(rt: Runtime, command: str, account_id: str) -> dict:
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, account_id)
        if account is None:
            return {"text": GONE}
        if command == "handover_check":
            text = handover_command_text(account, now.date())
        else:
            a = assess_accounts(s, [account], now)[0]
            return {"text": f"{a.account.name}: {a.level.replace('_', ' ')}", "blocks": churn_reply_blocks(a, now)}
    reply = handover_answer(rt, text)
    return {k: v for k, v in reply.items() if k in ("text", "blocks")}


def handle_home_run(ack, body, action, context) -> None:
    # Ack after posting: one account's reply takes well under Slack's 3 s, and the click's HTTP response then
    # means "your DM has it" (the demo's `click` relies on that order).
    rt: Runtime = context["rt"]
    try:
        reply = _reply(rt, action["action_id"][len(RUN_ACTION_PREFIX):], action.get("value", ""))
        dm = rt.client.conversations_open(users=body["user"]["id"])["channel"]["id"]
        rt.client.chat_postMessage(channel=dm, **reply)
    finally:
        ack()


def register(app: App) -> None:
    app.action(re.compile(f"^{RUN_ACTION_PREFIX}(churn_risk|handover_check)$"),
               middleware=[internal_only])(handle_home_run)

"""*Record a fact* under a /churn-risk reply: open the owner-fact modal."""

from __future__ import annotations

from slack_bolt import App

from bot.churn.blocks import FACT_ACTION_ID, fact_modal
from bot.db.models import Account
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.runtime import Runtime


def handle_fact(ack, body, action, respond, client, context) -> None:
    ack()
    rt: Runtime = context["rt"]
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, action.get("value", ""))
        name = account.name if account else None
    if name is None:
        respond(response_type="ephemeral", replace_original=False, text="That account no longer exists.")
        return
    client.views_open(trigger_id=body["trigger_id"], view=fact_modal(action["value"], name))


def register(app: App) -> None:
    app.action(FACT_ACTION_ID, middleware=[internal_only])(handle_fact)

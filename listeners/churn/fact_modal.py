"""The owner fact, submitted: stored as a flag row of the account model (IMPORT.md §6 `flags[]`,
"facts recorded by people, by the bot's Record a fact modal"), read by the churn signals."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.churn.blocks import FACT_KINDS, FACT_VIEW_CALLBACK, flag_done_view
from bot.clock import now as clock_now
from bot.db.models import Account, Flag
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.runtime import Runtime


def _state(view: dict, block: str) -> dict:
    return (((view.get("state") or {}).get("values") or {}).get(block) or {}).get("value") or {}


def handle_fact(ack, body, view, context) -> None:
    rt: Runtime = context["rt"]
    kind = (_state(view, "kind").get("selected_option") or {}).get("value")
    note = (_state(view, "note").get("value") or "").strip()
    until_text = _state(view, "until").get("selected_date")
    labels = dict(FACT_KINDS)
    if kind not in labels:
        ack(response_action="errors", errors={"kind": "Pick one of the listed facts."})
        return
    now = clock_now()
    until = date.fromisoformat(until_text) if until_text else None
    if kind == "seasonal_explanation" and (until is None or until < now.date()):
        ack(response_action="errors", errors={"until": "A seasonal explanation needs an end date, today or later."})
        return
    if kind != "seasonal_explanation" and until is not None:
        ack(response_action="errors", errors={"until": "Only a seasonal explanation takes an end date."})
        return
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, view.get("private_metadata") or "")
        if account is None:
            ack(response_action="errors", errors={"kind": "That account no longer exists."})
            return
        s.add(Flag(account_id=account.id, kind=kind, at=now, until=until, note=note, author=body["user"]["id"]))
        name = account.name
    ack(response_action="update", view=flag_done_view(
        f":white_check_mark: Recorded for {name}: {labels[kind]}. `/churn-risk {name}` shows the effect."))


def register(app: App) -> None:
    app.view(FACT_VIEW_CALLBACK, middleware=[internal_only])(handle_fact)

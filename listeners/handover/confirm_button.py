"""The "Confirm" button on a /handover-check item: the outgoing owner records it, with who and when.

The confirmation is a `flags` row of an IMPORT.md §7 handover kind, so the next check counts it.
"""

from __future__ import annotations

import json
import re

from slack_bolt import Ack, App, Respond

from bot import clock
from bot.db import models as m
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.handover.blocks import CONFIRM_ACTION_PREFIX, refusal_message, report_message
from bot.handover.settings import HandoverSettings
from bot.handover.snapshot import confirmations, counted, load_account, snapshot, team_directory
from services.handover.check import check, confirmation_stands
from services.handover.grammar import parse_target
from services.handover.policy import CONFIRMATION_KINDS

ACTION = re.compile(rf"^{CONFIRM_ACTION_PREFIX}:")


def register(app: App) -> None:
    app.action(ACTION, middleware=[internal_only])(handle)


def handle(ack: Ack, body: dict, action: dict, respond: Respond, context: dict) -> None:
    ack()
    respond(**record(context["rt"], body["user"]["id"], action.get("value", "")))


def record(rt, user_id: str, value: str) -> dict:
    try:
        data = json.loads(value)
        account_id, kind, target_text = str(data["account_id"]), str(data["kind"]), str(data.get("target") or "")
    except (ValueError, KeyError, TypeError):
        return refusal_message("That button is out of date. Run `/handover-check <account>` again and confirm from the new reply.")
    if kind not in CONFIRMATION_KINDS.values():
        return refusal_message("That button is out of date. Run `/handover-check <account>` again and confirm from the new reply.")
    now, today = clock.now(), clock.today()
    with session_scope(rt.session_factory) as session:
        account = load_account(session, account_id)
        if account is None:
            return refusal_message("That account no longer exists, so there is nothing to confirm.")
        if account.owner_slack_id != user_id:
            owner = f"<@{account.owner_slack_id}>" if account.owner_slack_id else "nobody (it has no owner)"
            return refusal_message(
                f"Only the outgoing owner can confirm handover items for {account.name}; it is owned by {owner}."
            )
        if not any(c.kind == kind for c in _standing(account)):  # a second click records nothing new
            account.flags.append(m.Flag(kind=kind, at=now, author=user_id, note="Confirmed from /handover-check"))
            session.flush()
        team = team_directory(session)
        target = parse_target(target_text, team) if target_text else None
        report = check(snapshot(session, account, today), counted(session, target), team, today,
                       HandoverSettings().options(), confirmations(account))
    message = report_message(report)
    message["replace_original"] = True
    return message


def _standing(account: m.Account) -> list:
    """Confirmations that still count: not cleared, and not older than the current owner (the
    checker's own rule, so a click records exactly when the report would still ask)."""
    return [c for c in confirmations(account)
            if confirmation_stands(c, account.owner_since, account.owner_slack_id)]

"""The flag note, submitted: record the flag once and post the handbook's note to the churn
channel through the outbox (002_59a801b964a2a19e.txt:11515-11532). Flagging twice posts once."""

from __future__ import annotations

from slack_bolt import App

from bot.channels import channel_id
from bot.churn.blocks import FLAG_VIEW_CALLBACK, flag_done_view, flag_note_blocks
from bot.churn.flow import active_flag, assess_accounts
from bot.churn.tables import ChurnFlag
from bot.clock import now as clock_now
from bot.db.models import Account, TeamMember
from bot.db.session import session_scope
from bot.guard import internal_only
from bot.outbox import OutboxSender, enqueue
from bot.runtime import Runtime
from services.churn.model import Person


def _value(view: dict, block: str) -> str:
    state = ((view.get("state") or {}).get("values") or {}).get(block) or {}
    return ((state.get("value") or {}).get("value") or "").strip()


def handle_note(ack, body, view, context) -> None:
    rt: Runtime = context["rt"]
    user_id = body["user"]["id"]
    known, help_needed, mitigation = (_value(view, k) for k in ("known", "help_needed", "mitigation"))
    missing = {k: "Tell the team, in a sentence or two (002:11517-11528)."
               for k, v in (("known", known), ("mitigation", mitigation)) if not v}
    if missing:
        ack(response_action="errors", errors=missing)
        return
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        account = s.get(Account, view.get("private_metadata") or "")
        if account is None:
            ack(response_action="errors", errors={"known": "That account no longer exists."})
            return
        flag = active_flag(s, account.id)
        if flag is None:
            flag = ChurnFlag(account_id=account.id, flagged_by=user_id, flagged_at=now, known=known,
                             help_needed=help_needed, mitigation=mitigation)
            s.add(flag)
            s.flush()
            # Assessed after the flag: the account is at risk now (F0), so the note carries what an
            # at-risk account needs, e.g. Ben and Simon over $50k ARR (002:11558).
            assessment = assess_accounts(s, [account], now)[0]
            member = s.get(TeamMember, user_id)
            who = Person(user_id, member.name if member else "", member.role if member else "")
            blocks = flag_note_blocks(assessment, who, known, help_needed, mitigation)
            key = f"churn-flag:{account.id}:{flag.id}"
            enqueue(s, key=key, channel=channel_id(rt, rt.settings.churn_channel),
                    text=f"Churn risk flagged: {account.name}", blocks=blocks)
            done = (f":white_check_mark: {account.name} is flagged; the note is posted to"
                    f" #{rt.settings.churn_channel.lstrip('#')}. Next: recovery call within 48 hours (002:11588)"
                    " and the Vitally \"Churn Risk\" segment (002:11515).")
        else:
            key = f"churn-flag:{account.id}:{flag.id}"
            done = (f"{account.name} was already flagged on {flag.flagged_at:%Y-%m-%d}; the note was posted"
                    " then, so nothing new was sent.")
    ack(response_action="update", view=flag_done_view(done))
    OutboxSender(rt.client, rt.session_factory, rt.worker_id,
                 max_attempts=rt.settings.outbox_max_attempts).deliver(keys=[key])


def register(app: App) -> None:
    app.view(FLAG_VIEW_CALLBACK, middleware=[internal_only])(handle_note)

"""What the billing buttons record: the manual acts the bot asks people to do (suspend access,
cancel the subscription), that the customer responded, that someone is on a CreditBot alert,
and more time for a late payment. The bot never performs those acts itself (spec §3.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.billing import state as st
from bot.billing.tables import CreditEpisode, PaymentCase
from services.billing import payment_escalation as pe

TASK_FIELDS = {
    "pay_suspended_done": ("suspended_by", "suspended_at"),
    "pay_cancelled_done": ("cancelled_by", "cancelled_at"),
    "pay_responded": ("responded_by", "responded_at"),
}


@dataclass(frozen=True)
class Recorded:
    first: bool  # False when someone had already recorded it
    by: str
    at: datetime


def record_task(session: Session, case_key: str, action: str, user_id: str, now: datetime) -> Recorded | None:
    """Record who did a manual step and when; the first press wins. None for an unknown case."""
    case = session.get(PaymentCase, case_key)
    if case is None:
        return None
    by_field, at_field = TASK_FIELDS[action]
    if getattr(case, by_field):
        return Recorded(False, getattr(case, by_field), getattr(case, at_field))
    setattr(case, by_field, user_id)
    setattr(case, at_field, now)
    return Recorded(True, user_id, now)


def acknowledge(session: Session, dedupe_key: str, user_id: str, now: datetime) -> Recorded | None:
    """"I'm on it" on a CreditBot alert: `creditbot:{cus}:{T_end}:{episode_no}:…` names the episode."""
    parts = dedupe_key.split(":")
    if len(parts) < 5 or parts[0] != "creditbot":
        return None
    customer, term_end, episode_no = parts[1], parts[2], parts[3]
    try:
        term = date.fromisoformat(term_end)
        number = int(episode_no)
    except ValueError:
        return None
    row = session.scalar(select(CreditEpisode).where(
        CreditEpisode.customer_id == customer, CreditEpisode.term_end == term, CreditEpisode.episode_no == number))
    if row is None:
        return None
    if row.acknowledged_by:
        return Recorded(False, row.acknowledged_by, row.acknowledged_at)
    row.acknowledged_by, row.acknowledged_at = user_id, now
    return Recorded(True, user_id, now)


def extend_case(session: Session, case_key: str, days: int, reason: str, user_id: str,
                today: date, now: datetime) -> pe.Outcome | None:
    """Give more time (owner discretion, 002_59a801b964a2a19e.txt:3658): every pending step moves."""
    case = st.load_case(session, case_key)
    if case is None or case.status is not pe.CaseStatus.OPEN:
        return None
    outcome = pe.extend(case, days, reason, user_id, today)
    row = session.get(PaymentCase, case_key)
    st.save_case(session, outcome.case, row.account_id if row else None, now)
    return outcome


def case_account_name(session: Session, case_key: str) -> str | None:
    row = session.get(PaymentCase, case_key)
    return row.account_name if row else None

"""Glue between the database and the churn services, shared by the /churn-risk listeners, the
flag flow and the weekly digest job: load snapshots, resolve people, assess. No policy here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.churn_snapshot import find_accounts, load_snapshots, own_accounts, resolve_people
from bot.db.churn import ChurnEvaluation, ChurnFlag
from bot.db.models import Account
from bot.settings_churn import ChurnSettings
from services.churn_digest import Digest, build_digest, iso_week, own_book
from services.churn_risk import Assessment, ChurnPeople, assess


@dataclass(frozen=True)
class ChurnContext:
    settings: ChurnSettings
    people: ChurnPeople


def churn_context(session: Session, settings: ChurnSettings | None = None) -> ChurnContext:
    settings = settings or ChurnSettings()
    people = resolve_people(session, settings.people(), team_leads_set=bool(settings.team_leads.strip()))
    return ChurnContext(settings, people)


def assess_accounts(session: Session, accounts: Sequence[Account], now: datetime,
                    ctx: ChurnContext | None = None) -> list[Assessment]:
    ctx = ctx or churn_context(session)
    policy = ctx.settings.policy()
    return [assess(snap, now, policy, ctx.people) for snap in load_snapshots(session, accounts)]


def assess_and_note(session: Session, accounts: Sequence[Account], now: datetime) -> list[Assessment]:
    """Assess, and remember the first at-risk evaluation of the week, so `at_risk_since` (and the
    48-hour recovery-call clock) starts when the bot first saw the risk (churn-risk.md §4.5)."""
    assessments = assess_accounts(session, accounts, now)
    week = iso_week(now.date())
    for a in assessments:
        if a.level != "at_risk" or a.account.churn_risk_flagged_at is not None:
            continue
        if session.scalar(select(ChurnEvaluation.id).where(ChurnEvaluation.account_id == a.account.id,
                                                           ChurnEvaluation.week == week)):
            continue
        try:
            with session.begin_nested():
                session.add(_evaluation(a, week, now))
        except IntegrityError:  # recorded concurrently: the first one stands
            pass
    return assessments


def _evaluation(a: Assessment, week: str, now: datetime) -> ChurnEvaluation:
    return ChurnEvaluation(account_id=a.account.id, week=week, evaluated_at=now, level=a.level,
                           f_codes=sorted(a.f_codes | ({"F0"} if a.report.holds("F0") else set())), score=a.score)


def lookup(session: Session, query: str) -> list[Account]:
    return find_accounts(session, query)


def book(session: Session, user_id: str, now: datetime) -> list[Assessment]:
    return own_book(assess_accounts(session, own_accounts(session, user_id), now))


def weekly_digest(session: Session, now: datetime, ctx: ChurnContext | None = None) -> tuple[Digest, list[Assessment]]:
    """Assess every account against earlier weeks' evaluations and group the digest."""
    ctx = ctx or churn_context(session)
    policy = ctx.settings.policy()
    week = iso_week(now.date())
    snaps = load_snapshots(session, before_week=week)
    assessments = [assess(s, now, policy, ctx.people) for s in snaps]
    return build_digest(assessments, now, policy, ctx.people), assessments


def record_week(session: Session, assessments: Sequence[Assessment], now: datetime) -> int:
    """Store this week's level per account once (the history behind new/recovered/STALE)."""
    week = iso_week(now.date())
    done = set(session.scalars(select(ChurnEvaluation.account_id).where(ChurnEvaluation.week == week)))
    added = 0
    for a in assessments:
        if a.account.id in done:
            continue
        session.add(_evaluation(a, week, now))
        added += 1
    return added


def active_flag(session: Session, account_id: str) -> ChurnFlag | None:
    return session.scalars(select(ChurnFlag).where(ChurnFlag.account_id == account_id,
                                                   ChurnFlag.cleared_at.is_(None))
                           .order_by(ChurnFlag.flagged_at)).first()

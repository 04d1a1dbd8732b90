"""Glue between the database and the churn services, shared by the /churn-risk listeners, the
flag flow and the weekly digest job: load snapshots, resolve people, assess. No policy here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.churn.settings import ChurnSettings
from bot.churn.snapshot import (
    BATCH_SIZE,
    find_accounts,
    iter_account_batches,
    load_snapshots,
    own_accounts,
    resolve_people,
)
from bot.churn.tables import ChurnDigestRun, ChurnEvaluation, ChurnFlag
from bot.db.models import Account
from services.churn.digest import Digest, PreviousDigest, build_digest, iso_week, own_book
from services.churn.risk import Assessment, ChurnPeople, assess


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


def _evaluation_row(a: Assessment, week: str, now: datetime) -> dict:
    return dict(account_id=a.account.id, week=week, evaluated_at=now, level=a.level,
                f_codes=sorted(a.f_codes | ({"F0"} if a.report.holds("F0") else set())), score=a.score)


def _evaluation(a: Assessment, week: str, now: datetime) -> ChurnEvaluation:
    return ChurnEvaluation(**_evaluation_row(a, week, now))


def lookup(session: Session, query: str) -> list[Account]:
    return find_accounts(session, query)


def book(session: Session, user_id: str, now: datetime) -> list[Assessment]:
    return own_book(assess_accounts(session, own_accounts(session, user_id), now))


def iter_week_assessments(session: Session, now: datetime, ctx: ChurnContext | None = None, *,
                          record: bool = False, batch_size: int = BATCH_SIZE) -> Iterator[Assessment]:
    """Every account (id order) assessed against earlier weeks' evaluations, streamed a batch at a
    time so memory stays bounded by the batch, not the book. With `record`, each batch's levels are
    stored for this week as the stream goes, each batch in its own short transaction: a write held
    for the whole run would lock SQLite (and this week's rows on PostgreSQL) for minutes. That is
    safe because assessments read only earlier weeks: a run that dies before the digest is queued
    leaves rows the rerun skips, and the rerun's digest is the same."""
    ctx = ctx or churn_context(session)
    policy = ctx.settings.policy()
    week = iso_week(now.date())
    for page in iter_account_batches(session, batch_size):
        batch = [assess(snap, now, policy, ctx.people) for snap in load_snapshots(session, page, before_week=week)]
        del page
        if record:
            _record_batch(session, batch, now)
        yield from batch


def weekly_digest(session: Session, now: datetime, ctx: ChurnContext | None = None, *,
                  record: bool = False) -> Digest:
    """The digest of every account, grouped; with `record`, this week's levels are stored too
    (see `record_week`). Assessments are streamed into the digest and not kept: only its lines are."""
    ctx = ctx or churn_context(session)
    week = iso_week(now.date())
    previous = previous_digest(session, week)
    assessments = iter_week_assessments(session, now, ctx, record=record)
    digest = build_digest(assessments, now, ctx.settings.policy(), ctx.people, previous)
    if record and session.get(ChurnDigestRun, week) is None:
        session.add(ChurnDigestRun(week=week, as_of=now))  # committed with the digest's outbox rows
    return digest


def previous_digest(session: Session, week: str) -> PreviousDigest | None:
    """The latest digest queued before `week`; None before the first one."""
    run = session.scalars(select(ChurnDigestRun).where(ChurnDigestRun.week < week)
                          .order_by(ChurnDigestRun.week.desc()).limit(1)).first()
    return PreviousDigest(run.week, run.as_of) if run else None


def _record_batch(session: Session, batch: Sequence[Assessment], now: datetime, attempts: int = 3) -> None:
    """`record_week` for one batch, committed on its own; a row written meanwhile by `/churn-risk`
    (same account, same week) makes the insert fail, and the retry skips it."""
    for attempt in range(attempts):
        with Session(bind=session.get_bind()) as writer:
            try:
                record_week(writer, batch, now)
                writer.commit()
                return
            except IntegrityError:
                writer.rollback()
                if attempt == attempts - 1:
                    raise


def record_week(session: Session, assessments: Sequence[Assessment], now: datetime) -> int:
    """Store this week's level per account once (the history behind new/recovered/STALE)."""
    week = iso_week(now.date())
    rows = []
    for chunk in (assessments[i:i + 500] for i in range(0, len(assessments), 500)):
        done = set(session.scalars(select(ChurnEvaluation.account_id).where(
            ChurnEvaluation.week == week, ChurnEvaluation.account_id.in_([a.account.id for a in chunk]))))
        rows += [_evaluation_row(a, week, now) for a in chunk if a.account.id not in done]
    if rows:
        session.execute(insert(ChurnEvaluation), rows)
    return len(rows)


def active_flag(session: Session, account_id: str) -> ChurnFlag | None:
    return session.scalars(select(ChurnFlag).where(ChurnFlag.account_id == account_id,
                                                   ChurnFlag.cleared_at.is_(None))
                           .order_by(ChurnFlag.flagged_at)).first()

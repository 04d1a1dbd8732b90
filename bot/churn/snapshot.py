"""From the one account model (bot.db.models) to the plain snapshots churn scoring reads.

Also: account lookup for `/churn-risk <account>`, the caller's own book, resolving the people
settings name (Ben, Simon, Dana) to team members, and the adjusted MRR series retention needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.churn.tables import ChurnEvaluation, ChurnFlag
from bot.db.models import Account, SeriesPoint, TeamMember
from bot.db.session import keyset_pages
from services.churn import model as m
from services.churn.risk import ChurnPeople

CHURN_RISK_SEGMENT = "Churn Risk"

# Series rows are read with a plain (Core) query in load_snapshots: building ORM objects for
# ~30 rows x 10,000 accounts dominated the digest's run time.
_LOAD = (
    selectinload(Account.owner), selectinload(Account.tam_overlay), selectinload(Account.slack_channels),
    selectinload(Account.invoices), selectinload(Account.notes),
    selectinload(Account.flags), selectinload(Account.contacts), selectinload(Account.tickets),
    selectinload(Account.one_time_credits),
)


def _person(member: TeamMember | None) -> m.Person | None:
    return m.Person(member.slack_id, member.name, member.role) if member is not None else None


def _ts(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _period(text: str) -> tuple[date, bool]:
    """(`YYYY-MM` -> first day, monthly) or (`YYYY-MM-DD` -> that day, not monthly)."""
    parts = text.split("-")
    if len(parts) == 2:
        return date(int(parts[0]), int(parts[1]), 1), True
    return date(int(parts[0]), int(parts[1]), int(parts[2])), False


SeriesRow = tuple[str, str, str, Decimal | None, Decimal | None, str | None]  # series period product value billed label


def to_snapshot(acc: Account, history: Sequence[ChurnEvaluation] = (), bot_flag: ChurnFlag | None = None,
                series: Sequence[SeriesRow] | None = None) -> m.AccountSnapshot:
    segments = tuple(acc.segments or ())
    flagged_at = acc.churn_risk_flagged_at
    if bot_flag is not None:  # flagged through the bot: the owner's manual flag (F0, 002:11304)
        if CHURN_RISK_SEGMENT not in segments:
            segments += (CHURN_RISK_SEGMENT,)
        flagged_at = min(flagged_at, bot_flag.flagged_at) if flagged_at else bot_flag.flagged_at
    credit = None
    if acc.credit_present:
        credit = m.Credit(
            amount=acc.credit_amount, discount_pct=acc.effective_credit_discount_pct or Decimal("0"),
            term_start=acc.credit_term_start, term_end=acc.effective_credit_term_end,
            balance=acc.credit_balance, startup_plan=bool(acc.credit_startup_plan),
        )
    mrr: dict[date, Decimal] = {}
    usage: list[m.UsageRow] = []
    events: dict[date, int] = {}
    health: dict[date, str] = {}
    if series is None:
        series = [(p.series, p.period, p.product, p.value, p.billed, p.label) for p in acc.series_points]
    for name, period, product, value, billed, label in series:
        if name == "mrr_history" and value is not None:
            mrr[_period(period)[0]] = value
        elif name == "usage" and value is not None:
            day, monthly = _period(period)
            usage.append(m.UsageRow(product, day, value, monthly, billed))
        elif name == "events_weekly" and value is not None:
            events[_period(period)[0]] = int(value)
        elif name == "health_history" and label:
            health[_period(period)[0]] = label
    first_paid = acc.first_paid_date
    if first_paid is None:  # IMPORT.md §5 default: first month of mrr_history > 0
        first_paid = min((mo for mo, v in mrr.items() if v > 0), default=None)
    return m.AccountSnapshot(
        id=acc.id, name=acc.name, arr=acc.arr, owner=_person(acc.owner), tam_overlay=_person(acc.tam_overlay),
        owner_since=acc.owner_since, domain=acc.domain, vitally_url=acc.vitally_url, segments=segments,
        churn_risk_flagged_at=flagged_at, subscription_status=acc.subscription_status or "active",
        canceled_at=acc.canceled_at, trial_revenue=bool(acc.trial_revenue),
        first_paid_date=first_paid, credit=credit, paying_for=tuple(acc.paying_for or ()),
        destinations=tuple(m.Destination(d.get("kind", ""), d.get("vendor", "")) for d in acc.destinations or ()),
        active_users_30d=acc.active_users_30d, inapp_analysis_actions_30d=acc.inapp_analysis_actions_30d,
        slack_channel_ids=tuple(acc.slack_channel_ids),
        last_customer_slack_message_at=acc.last_customer_slack_message_at,
        last_inbound_at=acc.last_inbound_at, last_outbound_at=acc.last_outbound_at,
        billing_page_views=tuple(_ts(v) for v in acc.billing_page_views or ()),
        risk_indicators=tuple(acc.risk_indicators or ()),
        invoices=tuple(
            m.Invoice(i.id, i.status, i.payment_method, i.amount_due, i.effective_amount_remaining, i.due_date,
                      i.effective_attempt_count, i.effective_first_failed_at, i.finalized_at, i.paid_at)
            for i in acc.invoices),
        mrr_history=mrr, usage=tuple(usage), events_weekly=events, health_history=health,
        notes=tuple(m.Note(n.kind, n.title, n.updated_at, n.created_at, n.status or "open", n.body or "")
                    for n in acc.notes),
        flags=tuple(m.Flag(f.kind, f.at, f.until, f.note or "", f.cleared_at) for f in acc.flags),
        contacts=tuple(m.Contact(c.email, c.role, c.status, c.name, c.changed_at, c.last_inbound_at)
                       for c in acc.contacts),
        tickets=tuple(m.Ticket(t.id, t.created_at, t.status, t.priority, tuple(t.tags or ()), t.subject)
                      for t in acc.tickets),
        one_time_credits=tuple(m.OneTimeCredit(c.date, c.amount, c.reason) for c in acc.one_time_credits),
        history=tuple(m.Evaluation(e.evaluated_at, e.level, frozenset(e.f_codes or ()), e.score) for e in history),
    )


def load_snapshots(session: Session, accounts: Iterable[Account] | None = None, *,
                   before_week: str | None = None) -> list[m.AccountSnapshot]:
    """Snapshots of the given accounts (default: all), with the bot's evaluations of earlier
    weeks (`before_week` excludes the current week, so rerunning a digest changes nothing)."""
    if accounts is None:
        accounts = session.scalars(select(Account).options(*_LOAD).order_by(Account.id)).all()
    accounts = list(accounts)
    ids = [a.id for a in accounts]
    history: dict[str, list[ChurnEvaluation]] = {}
    flags: dict[str, ChurnFlag] = {}
    series: dict[str, list[SeriesRow]] = {a: [] for a in ids}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = session.execute(select(
            SeriesPoint.account_id, SeriesPoint.series, SeriesPoint.period, SeriesPoint.product, SeriesPoint.value,
            SeriesPoint.billed, SeriesPoint.label).where(SeriesPoint.account_id.in_(chunk)))
        for account_id, *row in rows:
            series[account_id].append(tuple(row))  # type: ignore[arg-type]
        q = select(ChurnEvaluation).where(ChurnEvaluation.account_id.in_(chunk))
        if before_week:
            q = q.where(ChurnEvaluation.week < before_week)
        for ev in session.scalars(q.order_by(ChurnEvaluation.evaluated_at)):
            history.setdefault(ev.account_id, []).append(ev)
        for fl in session.scalars(select(ChurnFlag).where(ChurnFlag.account_id.in_(chunk),
                                                          ChurnFlag.cleared_at.is_(None))
                                  .order_by(ChurnFlag.flagged_at)):
            flags.setdefault(fl.account_id, fl)
    return [to_snapshot(a, history.get(a.id, ()), flags.get(a.id), series[a.id]) for a in accounts]


#: Accounts per batch when streaming every account (the weekly digest): bounds the job's memory.
BATCH_SIZE = 500


def iter_account_batches(session: Session, batch_size: int = BATCH_SIZE) -> Iterator[list[Account]]:
    """Every account in id order, `batch_size` at a time, with the relations snapshots read: a
    caller that drops a page's accounts (the session holds them only weakly) keeps at most one."""
    return keyset_pages(session, select(Account).options(*_LOAD), Account.id, batch_size)


def find_accounts(session: Session, query: str) -> list[Account]:
    """`/churn-risk <account>`: an exact id, org id or domain wins, then the exact name (any case);
    else name fragments. The exact steps are index lookups (migration 0005), so naming an account
    exactly costs the same at 100,000 accounts as at 1,000."""
    q = query.strip().lower()
    exact = session.scalars(select(Account).options(*_LOAD).where(or_(
        Account.id == query.strip(), Account.posthog_org_id == query.strip(), Account.domain == q,
    ))).all()
    if exact:
        return list(exact)
    named = session.scalars(select(Account).options(*_LOAD).where(func.lower(Account.name) == q)).all()
    if named:
        return list(named)
    like = f"%{q.replace('%', '').replace('_', '')}%"
    return list(session.scalars(select(Account).options(*_LOAD).where(or_(
        Account.name.ilike(like), Account.domain.ilike(like))).order_by(Account.name)).all())


def own_accounts(session: Session, user_id: str) -> list[Account]:
    return list(session.scalars(select(Account).options(*_LOAD).where(or_(
        Account.owner_slack_id == user_id, Account.tam_overlay_slack_id == user_id)).order_by(Account.name)).all())


def resolve_person(members: Sequence[TeamMember], ref: m.Person) -> m.Person:
    """A settings name (`Simon`, `Dana`) or Slack id -> the team member, if exactly one matches."""
    text = ref.ref.strip()
    for member in members:
        if member.slack_id == text:
            return m.Person(member.slack_id, member.name, member.role)
    low = text.lower()
    for match in ([x for x in members if x.name.lower() == low],
                  [x for x in members if x.name.split()[0].lower() == low]):
        if len(match) == 1:
            return m.Person(match[0].slack_id, match[0].name, match[0].role)
    return ref


def resolve_people(session: Session, people: ChurnPeople, *, team_leads_set: bool) -> ChurnPeople:
    members = list(session.scalars(select(TeamMember)))
    leads = people.team_leads
    if not team_leads_set:  # the TAM and CSM team leads run the churn calls (002:12723, 12742)
        leads = tuple(m.Person(x.slack_id, x.name, x.role) for x in members
                      if x.is_team_lead and x.role in ("TAM", "CSM"))
    return ChurnPeople(
        leadership=tuple(resolve_person(members, p) for p in people.leadership),
        no_owner=resolve_person(members, people.no_owner),
        unmanaged_large=tuple(resolve_person(members, p) for p in people.unmanaged_large),
        team_leads=tuple(resolve_person(members, p) for p in leads),
    )


def load_adjusted_series(last_month: date) -> dict[str, dict[date, Decimal]]:
    """For `gtmbot metrics retention`: every account's adjusted MRR up to `last_month`."""
    from bot.db.session import make_engine, make_session_factory, session_scope
    from bot.settings import Settings

    settings = Settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with session_scope(factory) as session:
        return series_from_session(session, last_month)


def series_from_session(session: Session, last_month: date) -> dict[str, dict[date, Decimal]]:
    from bot.churn.retention_cli import adjusted_series

    out: dict[str, dict[date, Decimal]] = {}
    accounts = session.scalars(select(Account).options(
        selectinload(Account.series_points), selectinload(Account.one_time_credits))).all()
    for acc in accounts:
        mrr = {_period(p.period)[0]: p.value for p in acc.series_points
               if p.series == "mrr_history" and p.value is not None}
        credits = [m.OneTimeCredit(c.date, c.amount, c.reason) for c in acc.one_time_credits]
        discount = acc.effective_credit_discount_pct if "Annual Plan" in (acc.segments or ()) else None
        out[acc.id] = adjusted_series(mrr, credits, last_month, acc.trial_revenue, discount)
    return out

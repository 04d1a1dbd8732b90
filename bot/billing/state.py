"""Between the database and the billing policy: read the account model into the services' plain
dataclasses, and store the services' decisions (cases, steps, episodes, snapshots) back. No policy
here; every decision is made in `services/`."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.billing.settings import BillingSettings
from bot.billing.tables import (
    CreditEpisode,
    CreditSnapshotRow,
    PaymentCase,
    PaymentCaseInvoice,
    PaymentStep,
    StripeInvoiceState,
)
from bot.db.models import Account, AccountStripeCustomer, Invoice, TeamMember
from bot.db.session import keyset_pages
from services.billing import payment_escalation as pe
from services.billing.runway import Band, CloseReason, CreditCustomer, CreditSnapshot, Episode, UsageInvoice

log = logging.getLogger("gtmbot.billing")

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9_]+$")


# --- people ----------------------------------------------------------------------------------


def resolve_people(session: Session, names: Iterable[str]) -> tuple[str, ...]:
    """Settings name people by Slack id or by name (IMPORT.md §4): "Simon", "Dana" or "U0LEAD01".
    A bare first name matches when exactly one team member has it."""
    members = list(session.scalars(select(TeamMember)))
    ids: list[str] = []
    for name in names:
        if SLACK_USER_ID.match(name):
            ids.append(name)
            continue
        wanted = name.strip().lower()
        exact = [m for m in members if m.name.lower() == wanted]
        first = [m for m in members if m.name.lower().split(" ")[0] == wanted]
        match = exact or (first if len(first) == 1 else [])
        if match:
            ids.append(match[0].slack_id)
        else:
            log.warning("billing setting names %r, who is not in the team directory; not tagged", name)
    return tuple(dict.fromkeys(ids))


def escalation_params(session: Session, s: BillingSettings) -> pe.EscalationParams:
    return pe.EscalationParams(
        payg_max_attempts=s.payg_max_attempts,
        payg_day0=s.payg_day0,
        suspend_after_days=s.suspend_after_days,
        cancel_after_suspend_days=s.cancel_after_suspend_days,
        pre_notice_days=s.pre_notice_days,
        unmanaged_threshold=s.unmanaged_escalation_threshold_usd,
        unmanaged_large_ids=resolve_people(session, s.escalation_unmanaged_large),
        no_owner_ids=resolve_people(session, s.escalation_no_owner),
        repeat_missed_periods=s.repeat_missed_periods,
        advance_months=s.advance_months,
        backlog_days=s.backlog_days,
        billing_tz=s.billing_tz,
    )


# --- the account model, read -----------------------------------------------------------------


def customer_key(account: Account) -> str:
    """CreditBot's customer id: the account's first Stripe customer, else the account id."""
    ids = account.stripe_customer_ids
    return ids[0] if ids else account.id


def credit_customer(account: Account) -> CreditCustomer:
    return CreditCustomer(
        customer_id=customer_key(account),
        name=account.name,
        credit_left=account.credit_balance if account.credit_present else None,
        expires_on=account.effective_credit_expires_on,
        startup_plan=bool(account.credit_startup_plan),
        billing_config=account.effective_credit_billing_config or "upfront",
        scheduled_remaining=account.credit_scheduled_remaining,
        term_start=account.credit_term_start,
        term_months=account.effective_credit_term_months,
    )


def usage_invoices(account: Account) -> list[UsageInvoice]:
    """Finalized usage invoices: what each period cost before credit (`total`, spec §2.3)."""
    return [
        UsageInvoice(inv.id, inv.period_start, inv.period_end, inv.effective_total)
        for inv in account.invoices
        if inv.effective_kind == "usage" and inv.status in ("open", "paid")
        and inv.period_start is not None and inv.period_end is not None
    ]


def credit_account_batches(session: Session, size: int) -> Iterator[list[Account]]:
    """Prepaid-credit accounts with their invoices, by id, `size` at a time (keyset pages, so a run
    never holds every account, issue 10)."""
    query = (select(Account).where(Account.credit_present.is_(True))
             .options(selectinload(Account.invoices), selectinload(Account.stripe_customers)))
    return keyset_pages(session, query, Account.id, size)


def account_for_customer(session: Session, customer_id: str) -> Account | None:
    return session.scalar(
        select(Account).join(AccountStripeCustomer).where(AccountStripeCustomer.customer_id == customer_id)
    )


def account_context(account: Account | None, fallback_name: str) -> pe.AccountContext:
    if account is None:
        return pe.AccountContext(fallback_name)
    return pe.AccountContext(
        account_name=account.name,
        owner_slack_id=account.owner_slack_id,
        owner_role=account.owner.role if account.owner is not None else None,
        country=account.country,
        billing_email=account.billing_email,
    )


def invoice_facts(inv: Invoice, extra: StripeInvoiceState | None) -> pe.InvoiceFacts:
    return pe.InvoiceFacts(
        invoice_id=inv.id,
        customer_id=inv.effective_stripe_customer_id or inv.account_id,
        status=inv.status,
        payment_method=inv.payment_method,
        amount_due=inv.amount_due,
        amount_remaining=inv.effective_amount_remaining,
        amount_paid=inv.effective_amount_paid,
        number=extra.number if extra else None,
        currency=inv.effective_currency,
        due_date=inv.due_date,
        attempt_count=inv.effective_attempt_count,
        first_failed_at=inv.effective_first_failed_at,
        last_failed_at=extra.last_failed_at if extra else None,
        finalized_at=inv.finalized_at,
        next_payment_attempt=extra.next_payment_attempt if extra else None,
        next_attempt_known=extra is not None,
        collection_paused=bool(extra and extra.collection_paused),
        action_required=bool(extra and extra.action_required),
        decline=extra.decline if extra else None,
        paid_at=inv.paid_at,
        closed_at=extra.closed_at if extra else None,
        hosted_invoice_url=extra.hosted_invoice_url if extra else None,
        invoice_pdf=extra.invoice_pdf if extra else None,
        subscription_id=extra.subscription_id if extra else None,
    )


def was_late(inv: Invoice, case_invoice_ids: set[str]) -> bool:
    """A missed payment period (spec §3.7): a case was opened for it, or the record shows it was late."""
    if inv.id in case_invoice_ids:
        return True
    if inv.payment_method == "card":
        return inv.effective_attempt_count >= 1
    return bool(inv.paid_at and inv.due_date and inv.paid_at.date() > inv.due_date)


# --- payment cases ---------------------------------------------------------------------------


def load_case(session: Session, key: str) -> pe.Case | None:
    row = session.get(PaymentCase, key)
    if row is None:
        return None
    invoices = session.scalars(
        select(PaymentCaseInvoice).where(PaymentCaseInvoice.case_key == key).order_by(PaymentCaseInvoice.position)
    )
    steps = {s.step: s for s in session.scalars(select(PaymentStep).where(PaymentStep.case_key == key))}
    return pe.Case(
        key=row.key,
        customer_id=row.customer_id,
        account_name=row.account_name,
        kind=row.kind,
        late_day=row.late_day,
        responsible=pe.Responsible(tuple(row.responsible), row.responsible_reason),
        invoices=tuple(
            pe.CaseInvoice(i.invoice_id, i.label, i.amount_due, i.amount_remaining, i.attempt_count_seen, i.status)
            for i in invoices
        ),
        steps=tuple(
            pe.StepRow(step, steps[step.value].due_on, pe.StepState(steps[step.value].state))
            for step in pe.STEP_ORDER
        ),
        status=pe.CaseStatus(row.status),
        extension_days=row.extension_days,
        extensions=row.extensions,
        consecutive_missed=row.consecutive_missed,
        advance_payment=row.advance_payment,
        owner_role=row.owner_role,
        closed_on=row.closed_on,
        close_reason=row.close_reason,
    )


def open_case_key(session: Session, customer_id: str) -> str | None:
    return session.scalar(
        select(PaymentCase.key).where(PaymentCase.customer_id == customer_id, PaymentCase.status == "open")
    )


def invoices_in_cases(session: Session, invoice_ids: Iterable[str]) -> dict[str, str]:
    """Which of these invoices already belong to a case (any status), and to which."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = session.execute(select(PaymentCaseInvoice.invoice_id, PaymentCaseInvoice.case_key)
                           .where(PaymentCaseInvoice.invoice_id.in_(ids)))
    return dict(rows.all())


def save_case(session: Session, case: pe.Case, account_id: str | None, decided_at) -> None:
    """Write the case as the service left it (insert or update), in the caller's transaction."""
    row = session.get(PaymentCase, case.key)
    if row is None:
        row = PaymentCase(key=case.key, customer_id=case.customer_id, account_id=account_id)
        session.add(row)
    row.account_name = case.account_name
    row.kind = case.kind
    row.late_day = case.late_day
    row.status = case.status.value
    row.responsible = list(case.responsible.user_ids)
    row.responsible_reason = case.responsible.reason
    row.owner_role = case.owner_role
    row.extension_days = case.extension_days
    row.extensions = case.extensions
    row.consecutive_missed = case.consecutive_missed
    row.advance_payment = case.advance_payment
    row.closed_on = case.closed_on
    row.close_reason = case.close_reason
    session.flush()
    for position, inv in enumerate(case.invoices):
        irow = session.get(PaymentCaseInvoice, inv.invoice_id)
        if irow is None:
            irow = PaymentCaseInvoice(invoice_id=inv.invoice_id, case_key=case.key, position=position)
            session.add(irow)
        irow.label, irow.amount_due, irow.amount_remaining = inv.label, inv.amount_due, inv.amount_remaining
        irow.attempt_count_seen, irow.status = inv.attempt_count_seen, inv.status
    for step in case.steps:
        srow = session.get(PaymentStep, (case.key, step.step.value))
        if srow is None:
            srow = PaymentStep(case_key=case.key, step=step.step.value)
            session.add(srow)
        if srow.state != step.state.value:
            srow.decided_at = decided_at
        srow.due_on, srow.state = step.due_on, step.state.value
    session.flush()


# --- CreditBot episodes and snapshots --------------------------------------------------------


def _episode(row: CreditEpisode) -> Episode:
    return Episode(
        customer_id=row.customer_id,
        term_end=row.term_end,
        episode_no=row.episode_no,
        opened_on=row.opened_on,
        last_alert_run_out=row.last_alert_run_out,
        last_alert_band=Band(row.last_alert_band) if row.last_alert_band else None,
        last_alert_on=row.last_alert_on,
        ran_out_alerted=row.ran_out_alerted,
        ok_days=row.ok_days,
        closed_on=row.closed_on,
        close_reason=CloseReason(row.close_reason) if row.close_reason else None,
    )


def latest_episodes(session: Session, customer_ids: Iterable[str] | None = None) -> dict[str, Episode]:
    """The newest episode per customer (open or closed: its number seeds the next one), of these
    customers or of all when None."""
    latest: dict[str, Episode] = {}
    query = select(CreditEpisode).order_by(CreditEpisode.customer_id, CreditEpisode.id)
    if customer_ids is not None:
        query = query.where(CreditEpisode.customer_id.in_(list(customer_ids)))
    for row in session.scalars(query):
        latest[row.customer_id] = _episode(row)
    return latest


def save_episode(session: Session, ep: Episode, account_id: str | None) -> None:
    row = session.scalar(select(CreditEpisode).where(
        CreditEpisode.customer_id == ep.customer_id, CreditEpisode.term_end == ep.term_end,
        CreditEpisode.episode_no == ep.episode_no))
    if row is None:
        row = CreditEpisode(customer_id=ep.customer_id, term_end=ep.term_end, episode_no=ep.episode_no,
                            opened_on=ep.opened_on, account_id=account_id)
        session.add(row)
    row.last_alert_run_out = ep.last_alert_run_out
    row.last_alert_band = ep.last_alert_band.value if ep.last_alert_band else None
    row.last_alert_on = ep.last_alert_on
    row.ran_out_alerted = ep.ran_out_alerted
    row.ok_days = ep.ok_days
    row.closed_on = ep.closed_on
    row.close_reason = ep.close_reason.value if ep.close_reason else None
    session.flush()


def snapshots(session: Session, customer_ids: Iterable[str] | None = None) -> dict[str, CreditSnapshot]:
    """The last snapshot of these customers, or of all when None."""
    query = select(CreditSnapshotRow)
    if customer_ids is not None:
        query = query.where(CreditSnapshotRow.customer_id.in_(list(customer_ids)))
    return {r.customer_id: CreditSnapshot(r.credit_left, r.expires_on, r.taken_on) for r in session.scalars(query)}


def save_snapshot(session: Session, customer_id: str, snap: CreditSnapshot) -> None:
    row = session.get(CreditSnapshotRow, customer_id)
    if row is None:
        session.add(CreditSnapshotRow(customer_id=customer_id, credit_left=snap.credit_left,
                                      expires_on=snap.expires_on, taken_on=snap.taken_on))
        return
    row.credit_left, row.expires_on, row.taken_on = snap.credit_left, snap.expires_on, snap.taken_on


def credit_used_since(account: Account, since: date, today: date) -> Decimal:
    """Credit applied by usage invoices billed after the last snapshot: total − amount due."""
    used = Decimal(0)
    for inv in account.invoices:
        if inv.effective_kind != "usage" or inv.period_end is None:
            continue
        billed_on = inv.finalized_at.date() if inv.finalized_at else inv.period_end
        if since < billed_on <= today:
            used += max(Decimal(0), inv.effective_total - inv.amount_due)
    return used


def end_batch(session: Session, dry_run: bool) -> None:
    """A job's batch is done: commit it (its state and its outbox rows together), or in a dry run only
    flush, so the run's final rollback still undoes everything. Either way the batch's rows are no
    longer held: a run's memory does not grow with the number of accounts (issue 10)."""
    if dry_run:
        session.flush()
    else:
        session.commit()


def _begin_sqlite(session: Session) -> None:
    """Make sure SQLite is inside a real transaction before a savepoint. pysqlite begins one only
    before a DML statement, and a SAVEPOINT opened outside a transaction is itself a transaction that
    its RELEASE commits: after a batch's commit, each decision would be its own commit (an fsync per
    customer) instead of nesting in the batch's transaction."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


@contextmanager
def decision_unit(session: Session, dry_run: bool) -> Iterator[None]:
    """One customer's decision in a savepoint, so a concurrent writer's conflict skips only that
    customer; the caller commits (a batch at a time). A dry run uses no savepoint: on SQLite, pysqlite
    commits a SAVEPOINT opened outside a transaction when it is released, which would persist what a
    dry run must only print."""
    if dry_run:
        yield
        return
    _begin_sqlite(session)
    with session.begin_nested():
        yield

"""Failed and late payments: bring one customer's escalation up to date and post what is due, each
message once (spec billing-alerts.md §3, §4.3, §5.5).

Shared by the hourly poll (`jobs/payment_escalation.py`), the Stripe webhook and the "More time"
modal, so a webhook only makes a step happen sooner and the poll is the safety net."""

from __future__ import annotations

import logging
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.billing import state as st
from bot.billing.blocks import backlog_summary, payment_reply, payment_root
from bot.billing.settings import BillingSettings
from bot.billing.tables import PaymentCase, PaymentCaseInvoice, StripeInvoiceState
from bot.channels import channel_id
from bot.db.models import Account, AccountStripeCustomer, Invoice
from bot.job_context import JobContext
from services.billing import payment_escalation as pe
from services.billing import policy as P

log = logging.getLogger("gtmbot.jobs.payments")

# Customers decided per transaction: each batch's cases, steps and outbox rows commit together (a
# dry run only flushes), so a run's memory and its transaction do not grow with N (issue 10).
BATCH_SIZE = 200


def render(message: pe.Message) -> dict[str, Any]:
    """The Slack payload for a decided message (pure builders in bot/billing/blocks.py)."""
    if message.kind is pe.MessageKind.ROOT:
        return payment_root(message.facts, message.mentions, message.dedupe_key)
    if message.kind is pe.MessageKind.BACKLOG:
        return backlog_summary(message.facts, message.dedupe_key)
    return payment_reply(message.kind.value, message.facts, message.mentions, message.dedupe_key)


def post(ctx: JobContext, session: Session, channel: str, message: pe.Message) -> None:
    payload = render(message)
    extra: dict[str, Any] = {"metadata": payload["metadata"], "unfurl_links": False}
    if message.thread_key:
        extra["reply_broadcast"] = True  # replies also show in #sales-alerts (spec §3.4)
    ctx.post(key=message.dedupe_key, channel=channel, text=payload["text"], blocks=payload["blocks"],
             thread_key=message.thread_key, session=session, **extra)


def _customer(inv: Invoice) -> str:
    return inv.effective_stripe_customer_id or inv.account_id


def _account(session: Session, customer_id: str) -> Account | None:
    return st.account_for_customer(session, customer_id) or session.get(Account, customer_id)


def evaluate_customer(session: Session, ctx: JobContext, customer_id: str, params: pe.EscalationParams,
                      channel: str, now: datetime) -> pe.Outcome:
    """Open, advance or close this customer's escalation, record it and queue its messages,
    all in the caller's transaction."""
    account = _account(session, customer_id)
    invoices = [i for i in (account.invoices if account else []) if _customer(i) == customer_id]
    extras = {e.invoice_id: e for e in session.scalars(
        select(StripeInvoiceState).where(StripeInvoiceState.invoice_id.in_([i.id for i in invoices])))}
    key = st.open_case_key(session, customer_id)
    in_cases = st.invoices_in_cases(session, [i.id for i in invoices])
    if key is not None:
        case = st.load_case(session, key)
        assert case is not None
        # The case's own invoices, plus late ones no other case holds (they join, spec §3.5).
        facts = [st.invoice_facts(i, extras.get(i.id)) for i in invoices if in_cases.get(i.id, key) == key]
        outcome = pe.reconcile(case, facts, now, params)
    else:
        fresh = [i for i in invoices if i.id not in in_cases]
        facts = [st.invoice_facts(i, extras.get(i.id)) for i in fresh]
        usage = sorted((i for i in invoices if i.effective_kind == "usage" and i.period_end),
                       key=lambda i: i.period_end)
        late_ids = {f.invoice_id for f in facts if pe.late_day(f, now, params) is not None}
        first_late = next((n for n, i in enumerate(usage) if i.id in late_ids), len(usage))
        history = [st.was_late(i, set(in_cases)) for i in usage[:first_late]]
        totals = [i.effective_total for i in usage[: first_late + 1]][-P.BURN_MAX_INVOICES :]
        context = st.account_context(account, customer_id)
        outcome = pe.open_case(facts, context, now, params, history, totals)
    if outcome.case is not None:
        st.save_case(session, outcome.case, account.id if account else None, now)
        for message in outcome.messages:
            post(ctx, session, channel, message)
    return outcome


def customers_to_check(session: Session) -> list[str]:
    """Customers with an open invoice or an open case: ids only, the customer key computed in SQL
    (the invoice's Stripe customer, else its account's first, else the account id: `_customer`)."""
    first_customer = (select(AccountStripeCustomer.customer_id)
                      .where(AccountStripeCustomer.account_id == Invoice.account_id)
                      .order_by(AccountStripeCustomer.position).limit(1).scalar_subquery())
    key = func.coalesce(func.nullif(Invoice.stripe_customer_id, ""), first_customer, Invoice.account_id)
    customers = set(session.scalars(select(key).where(Invoice.status == "open")))
    customers |= set(session.scalars(select(PaymentCase.customer_id).where(PaymentCase.status == "open")))
    return sorted(customers)


def run_escalations(ctx: JobContext, session: Session, bs: BillingSettings,
                    customers: Sequence[str] | None = None, hold: Set[str] = frozenset()) -> dict[str, int]:
    """Decide every customer with an open invoice or case (or those given), a batch per transaction.
    Customers in `hold` are left alone this run: Stripe could not confirm their invoices, and a step
    decided on stale data could tell an owner to suspend a customer who has paid (issue 15)."""
    now = ctx.now
    params = st.escalation_params(session, bs)
    channel = channel_id(ctx.rt, ctx.settings.sales_alerts_channel)
    summary = {"customers": 0, "messages": 0, "backlog": 0}
    backlog: list[pe.Case] = []
    owners: dict[str, str | None] = {}
    if hold:
        summary["held"] = len(hold)
    todo = customers if customers is not None else customers_to_check(session)
    for n, customer_id in enumerate((c for c in todo if c not in hold), 1):
        if n % BATCH_SIZE == 0:
            st.end_batch(session, ctx.dry_run)
        try:
            with st.decision_unit(session, ctx.dry_run):
                outcome = evaluate_customer(session, ctx, customer_id, params, channel, now)
        except IntegrityError:
            # Another scheduler decided this customer at the same moment; its rows and outbox
            # keys stand, so this run leaves the customer alone.
            log.warning("payments: %s was decided concurrently by another process; skipped", customer_id)
            summary["concurrent"] = summary.get("concurrent", 0) + 1
            continue
        summary["customers"] += 1
        summary["messages"] += len(outcome.messages)
        if outcome.case is not None and outcome.case.status is pe.CaseStatus.BACKLOG and not outcome.messages:
            backlog.append(outcome.case)
            account = _account(session, customer_id)
            owners[customer_id] = account.owner_slack_id if account else None
    summary_message = pe.backlog_summary(backlog, owners, now.date())
    if summary_message is not None:
        post(ctx, session, channel, summary_message)
        summary["backlog"] = len(backlog)
    return summary




def apply_subscription(session: Session, event_type: str, sub: dict[str, Any], now: datetime) -> str | None:
    """A subscription as Stripe shows it (webhook or the daily audit): a cancelled one closes its case
    quietly (P6); paused collection pauses its invoices. Returns the customer to re-evaluate, if any."""
    customer = sub.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    account = st.account_for_customer(session, customer) if customer else None
    if account is not None and sub.get("status"):
        account.subscription_status = sub["status"]
    paused = bool(sub.get("pause_collection")) or event_type == "customer.subscription.paused"
    for extra in session.scalars(select(StripeInvoiceState).where(StripeInvoiceState.subscription_id == sub.get("id"))):
        extra.collection_paused = paused
    if event_type == "customer.subscription.deleted" or sub.get("status") == "canceled":
        if account is not None:
            account.canceled_at = now
        key = st.open_case_key(session, customer) if customer else None
        if key is not None:
            outcome = pe.cancel(st.load_case(session, key), now.date())
            st.save_case(session, outcome.case, account.id if account else None, now)
        return None
    return customer if customer and session.scalar(
        select(PaymentCase.key).where(PaymentCase.customer_id == customer)) else None


@dataclass
class AuditResult:
    """What the daily comparison of every open escalation with Stripe found."""

    cases: int = 0
    invoices_read: int = 0
    differed: list[str] = field(default_factory=list)  # invoices whose stored status was not Stripe's
    cancelled: list[str] = field(default_factory=list)  # cases whose subscription Stripe shows cancelled
    unverified: set[str] = field(default_factory=set)
    escalations: dict[str, int] = field(default_factory=dict)


def audit_open_escalations(ctx: JobContext, session: Session, client: Any, bs: BillingSettings) -> AuditResult:
    """The daily pass (issue 15, spec §4.3 "the poll is the source of truth"): read every invoice of
    every open escalation and its subscription from Stripe one by one, whatever the listings said,
    write what Stripe says, then bring those escalations up to date (paid or voided: closed with a
    reply in the thread; subscription cancelled: closed quietly, P6)."""
    from bot.billing.stripe_sync import OpenInvoiceSync, reread_invoices, retrieve_subscription

    result = AuditResult()
    cases = dict(session.execute(select(PaymentCase.key, PaymentCase.customer_id)
                                 .where(PaymentCase.status == "open")).all())
    result.cases = len(cases)
    tracked = dict(session.execute(select(PaymentCaseInvoice.invoice_id, PaymentCase.customer_id)
                                   .join(PaymentCase).where(PaymentCase.status == "open")).all())
    before = dict(session.execute(select(Invoice.id, Invoice.status).where(Invoice.id.in_(list(tracked)))).all())
    read = OpenInvoiceSync()
    reread_invoices(session, client, tracked, read)
    session.flush()
    result.invoices_read = read.reread
    result.unverified = set(read.unverified_customers)
    after = dict(session.execute(select(Invoice.id, Invoice.status).where(Invoice.id.in_(list(tracked)))).all())
    result.differed = sorted(i for i in tracked if i in before and after.get(i) != before[i])
    subscriptions = sorted(set(session.scalars(
        select(StripeInvoiceState.subscription_id)
        .where(StripeInvoiceState.invoice_id.in_(list(tracked)), StripeInvoiceState.subscription_id.is_not(None)))))
    for sub_id in subscriptions:
        sub = retrieve_subscription(client, sub_id)
        if sub is None:
            continue
        if sub.get("status") == "canceled":
            customer = sub.get("customer")
            key = st.open_case_key(session, customer["id"] if isinstance(customer, dict) else customer)
            if key is not None:
                result.cancelled.append(key)
        apply_subscription(session, "customer.subscription.updated", sub, ctx.now)
    session.flush()
    still_open = sorted(set(session.scalars(select(PaymentCase.customer_id).where(PaymentCase.status == "open"))))
    result.escalations = run_escalations(ctx, session, bs, customers=still_open, hold=result.unverified)
    if result.differed or result.cancelled:
        log.warning("payments audit: Stripe differed on %s; cancelled subscriptions closed %s",
                    result.differed, result.cancelled)
    return result

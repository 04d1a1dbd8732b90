"""Failed and late payments: bring one customer's escalation up to date and post what is due, each
message once (spec billing-alerts.md §3, §4.3, §5.5).

Shared by the hourly poll (`jobs/payment_escalation.py`), the Stripe webhook and the "More time"
modal, so a webhook only makes a step happen sooner and the poll is the safety net."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.billing import state as st
from bot.billing.blocks import backlog_summary, payment_reply, payment_root
from bot.billing.settings import BillingSettings
from bot.billing.tables import PaymentCase, StripeInvoiceState
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
                    customers: Sequence[str] | None = None) -> dict[str, int]:
    now = ctx.now
    params = st.escalation_params(session, bs)
    channel = channel_id(ctx.rt, ctx.settings.sales_alerts_channel)
    summary = {"customers": 0, "messages": 0, "backlog": 0}
    backlog: list[pe.Case] = []
    owners: dict[str, str | None] = {}
    for n, customer_id in enumerate(customers if customers is not None else customers_to_check(session), 1):
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



"""`gtmbot sync stripe` and the jobs' Stripe pull: Stripe customers and invoices into the one
account model (IMPORT.md §12: `invoices`, `credit.balance`, `credit.expires_on`,
`credit.startup_plan`), plus the Stripe-only facts the escalation needs.

Only customers mapped to an account (`stripe_customer_ids`) are written; the rest are counted.
Calls are page-sized (100) listings with `expand`, never one call per customer (spec §4.4)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clients import stripe_client as sc
from bot.db.billing import StripeInvoiceState, SyncCursor
from bot.db.models import Account, AccountStripeCustomer, Invoice
from bot.settings import Settings

log = logging.getLogger("gtmbot.sync_stripe")

INVOICE_CURSOR = "stripe_invoices"
# Re-read a few days before the watermark: drafts finalize later than they are created (spec §4.3).
CURSOR_OVERLAP = timedelta(days=3)
# The first sync looks back this far: enough for the runway's 100-day window (spec §2.4).
FIRST_SYNC_LOOKBACK = timedelta(days=120)


def stripe_client(settings: Settings) -> stripe.StripeClient | None:
    """A client on STRIPE_API_BASE, or None when STRIPE_API_KEY is not set (demo and imported data)."""
    if settings.stripe_api_key is None:
        return None
    return sc.make_client(settings.stripe_api_key.get_secret_value(), settings.stripe_api_base)


def customer_accounts(session: Session) -> dict[str, str]:
    return dict(session.execute(select(AccountStripeCustomer.customer_id, AccountStripeCustomer.account_id)).all())


def apply_customer(session: Session, raw: Mapping[str, Any], mapping: Mapping[str, str]) -> bool:
    """Write a Stripe customer's credit facts onto its account; False when it maps to none."""
    account_id = mapping.get(raw["id"])
    if account_id is None:
        return False
    account = session.get(Account, account_id)
    if account is None:
        return False
    credit = sc.credit_customer(raw)
    has_credit = credit.credit_left is not None and credit.credit_left > 0
    if has_credit or credit.expires_on is not None or account.credit_present:
        account.credit_present = True
        account.credit_balance = credit.credit_left
        if credit.expires_on is not None:
            account.credit_expires_on = credit.expires_on
        account.credit_startup_plan = credit.startup_plan
    address = raw.get("address") or {}
    if address.get("country"):
        account.country = address["country"]
    if raw.get("email") and not account.billing_email:
        account.billing_email = raw["email"].lower()
    return True


def apply_invoice(session: Session, raw: Mapping[str, Any], mapping: Mapping[str, str],
                  first_failed_at: datetime | None = None) -> Invoice | None:
    """Upsert one Stripe invoice into the account model (and its Stripe-only facts)."""
    customer = sc.customer_id(raw)
    account_id = mapping.get(customer)
    if account_id is None:
        return None
    facts = sc.invoice_facts(raw)
    row = session.get(Invoice, raw["id"])
    if row is None:
        row = Invoice(id=raw["id"], account_id=account_id)
        session.add(row)
    row.stripe_customer_id = customer
    row.status = facts.status
    row.payment_method = facts.payment_method
    row.kind = "credit_purchase" if raw.get("billing_reason") == "manual" else "usage"
    row.currency = facts.currency
    row.total = sc.cents(raw.get("total")) if raw.get("total") is not None else None
    row.amount_due = facts.amount_due
    row.amount_paid = facts.amount_paid
    row.amount_remaining = facts.amount_remaining
    row.due_date = facts.due_date
    usage = sc.usage_invoice(raw)
    row.period_start = usage.period_start if usage else row.period_start
    row.period_end = usage.period_end if usage else row.period_end
    row.finalized_at = facts.finalized_at
    row.paid_at = facts.paid_at
    row.attempt_count = facts.attempt_count
    if first_failed_at is not None and row.first_failed_at is None:
        row.first_failed_at = first_failed_at
    extra = session.get(StripeInvoiceState, raw["id"])
    if extra is None:
        extra = StripeInvoiceState(invoice_id=raw["id"])
        session.add(extra)
    extra.number = facts.number
    extra.next_payment_attempt = facts.next_payment_attempt
    extra.hosted_invoice_url = facts.hosted_invoice_url
    extra.invoice_pdf = facts.invoice_pdf
    extra.subscription_id = facts.subscription_id
    extra.closed_at = facts.closed_at
    return row


def _preload(session: Session) -> list[Any]:
    """Load the rows a sync touches in three queries, so the per-object lookups below hit the
    session's identity map instead of one SELECT each (a 10,000-customer scan, spec §4.4)."""
    return [*session.scalars(select(Account)), *session.scalars(select(Invoice)),
            *session.scalars(select(StripeInvoiceState))]


def _apply_all(session: Session, invoices: Iterable[Mapping[str, Any]], mapping: Mapping[str, str]) -> int:
    with session.no_autoflush:
        written = sum(apply_invoice(session, raw, mapping) is not None for raw in invoices)
    session.flush()
    return written


def sync_open_invoices(session: Session, client: stripe.StripeClient) -> int:
    """Every open invoice (customer embedded), plus fresh copies of tracked invoices no longer open."""
    mapping = customer_accounts(session)
    seen = _apply_all(session, sc.iter_open_invoices(client), mapping)
    from bot.db.billing import PaymentCase, PaymentCaseInvoice

    open_ids = set(session.scalars(select(Invoice.id).where(Invoice.status == "open")))
    tracked = session.scalars(
        select(PaymentCaseInvoice.invoice_id).join(PaymentCase).where(PaymentCase.status == "open"))
    for invoice_id in set(tracked) - open_ids:
        try:
            apply_invoice(session, sc.retrieve_invoice(client, invoice_id), mapping)
        except stripe.InvalidRequestError:
            log.warning("tracked invoice %s is gone from Stripe", invoice_id)
    return seen


def sync_credit(session: Session, client: stripe.StripeClient, now: datetime) -> dict[str, int]:
    """CreditBot's pull: one customers scan, then invoices created since the watermark."""
    mapping = customer_accounts(session)
    # The identity map holds rows weakly: keep strong references for the length of this session.
    session.info["sync_stripe_rows"] = _preload(session)
    counts = {"customers": 0, "mapped": 0, "invoices": 0}
    with session.no_autoflush:
        for raw in sc.iter_customers(client):
            counts["customers"] += 1
            counts["mapped"] += apply_customer(session, raw, mapping)
    cursor = session.get(SyncCursor, INVOICE_CURSOR)
    since = (cursor.value - CURSOR_OVERLAP) if cursor else now - FIRST_SYNC_LOOKBACK
    counts["invoices"] = _apply_all(session, sc.iter_invoices_since(client, since), mapping)
    if cursor is None:
        session.add(SyncCursor(name=INVOICE_CURSOR, value=now))
    else:
        cursor.value = now
    session.flush()
    return counts


def sync_all(session: Session, client: stripe.StripeClient, now: datetime) -> dict[str, int]:
    """`gtmbot sync stripe`: credit facts, recent invoices and every open invoice."""
    counts = sync_credit(session, client, now)
    counts["open_invoices"] = sync_open_invoices(session, client)
    return counts


def run_sync(settings: Settings, session_factory, *, progress: bool = True) -> int:
    """`gtmbot sync stripe`: exit 0 after a sync, 2 when Stripe is not configured."""
    import sys

    from bot.clock import now as clock_now

    client = stripe_client(settings)
    if client is None:
        print("STRIPE_API_KEY is not set: nothing to sync from (set it, and STRIPE_API_BASE for a test server)",
              file=sys.stderr)
        return 2
    with session_factory() as session:
        counts = sync_all(session, client, clock_now())
        session.commit()
    if progress:
        print(f"stripe: {counts['customers']} customer(s) read, {counts['mapped']} mapped to accounts, "
              f"{counts['invoices']} recent invoice(s) and {counts['open_invoices']} open invoice(s) written")
    return 0

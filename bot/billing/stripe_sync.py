"""`gtmbot sync stripe` and the jobs' Stripe pull: Stripe customers and invoices into the one
account model (IMPORT.md §12: `invoices`, `credit.balance`, `credit.expires_on`,
`credit.startup_plan`), plus the Stripe-only facts the escalation needs.

Only customers mapped to an account (`stripe_customer_ids`) are written; the rest are counted.
Calls are page-sized (100) listings with `expand`, never one call per customer (spec §4.4)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.billing import stripe_client as sc
from bot.billing.tables import StripeInvoiceState, SyncCursor
from bot.db.models import Account, AccountStripeCustomer, Invoice
from bot.progress import QUIET, Reporter
from bot.retry import policy_from_settings
from bot.settings import Settings

log = logging.getLogger("gtmbot.sync_stripe")

INVOICE_CURSOR = "stripe_invoices"
# Re-read a few days before the watermark: drafts finalize later than they are created (spec §4.3).
CURSOR_OVERLAP = timedelta(days=3)
# The first sync looks back this far: enough for the runway's 100-day window (spec §2.4).
FIRST_SYNC_LOOKBACK = timedelta(days=120)
# One Stripe page is one batch: its accounts and rows are looked up, written and let go together.
BATCH = sc.PAGE_SIZE

T = TypeVar("T")


def stripe_client(settings: Settings) -> stripe.StripeClient | None:
    """A client on STRIPE_API_BASE, or None when STRIPE_API_KEY is not set (demo and imported data)."""
    if settings.stripe_api_key is None:
        return None
    return sc.make_client(settings.stripe_api_key.get_secret_value(), settings.stripe_api_base,
                          timeout_s=settings.stripe_timeout_s, policy=policy_from_settings(settings))


def customer_accounts(session: Session, customer_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Stripe customer id -> account id: of these customers, or of every mapped customer when None."""
    query = select(AccountStripeCustomer.customer_id, AccountStripeCustomer.account_id)
    if customer_ids is not None:
        wanted = list(dict.fromkeys(customer_ids))
        if not wanted:
            return {}
        query = query.where(AccountStripeCustomer.customer_id.in_(wanted))
    return dict(session.execute(query).all())


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
                  first_failed_at: datetime | None = None, *,
                  existing: tuple[Mapping[str, Invoice], Mapping[str, StripeInvoiceState]] | None = None,
                  ) -> Invoice | None:
    """Upsert one Stripe invoice into the account model (and its Stripe-only facts). `existing` is
    the batch's rows already loaded (by id), so a new invoice costs no SELECT to find it is new."""
    customer = sc.customer_id(raw)
    account_id = mapping.get(customer)
    if account_id is None:
        return None
    facts = sc.invoice_facts(raw)
    row = existing[0].get(raw["id"]) if existing is not None else session.get(Invoice, raw["id"])
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
    extra = existing[1].get(raw["id"]) if existing is not None else session.get(StripeInvoiceState, raw["id"])
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


def _pages(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """A listing in Stripe-page-sized batches: the unit of work, flush and commit (issue 10)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _checkpoint(session: Session, commit: bool) -> None:
    """End a batch: its rows go to the database, and nothing of it stays referenced by the sync."""
    session.flush()
    if commit:
        session.commit()


def apply_customers(session: Session, raws: Sequence[Mapping[str, Any]]) -> int:
    """One page of customers: look up only its accounts (two queries), apply, flush."""
    mapping = customer_accounts(session, [raw["id"] for raw in raws])
    # Strong references for the page, so apply_customer's session.get hits the identity map.
    accounts = list(session.scalars(select(Account).where(Account.id.in_(set(mapping.values())))))
    with session.no_autoflush:
        mapped = sum(apply_customer(session, raw, mapping) for raw in raws)
    session.flush()
    del accounts
    return mapped


def apply_invoices(session: Session, raws: Sequence[Mapping[str, Any]]) -> int:
    """One page of invoices: look up only its accounts and rows (three queries), upsert, flush."""
    mapping = customer_accounts(session, {sc.customer_id(raw) for raw in raws})
    ids = [raw["id"] for raw in raws]
    rows = {r.id: r for r in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))}
    extras = {e.invoice_id: e for e in session.scalars(
        select(StripeInvoiceState).where(StripeInvoiceState.invoice_id.in_(ids)))}
    with session.no_autoflush:
        written = sum(apply_invoice(session, raw, mapping, existing=(rows, extras)) is not None for raw in raws)
    session.flush()
    return written


@dataclass
class OpenInvoiceSync:
    """What the open-invoice pull saw: how many open invoices it wrote, how many invoices that had
    left the open list it re-read, and the customers whose invoices it could not re-read this time
    (their escalation waits for the next run rather than act on what may be stale)."""

    listed: int = 0
    reread: int = 0
    missing: int = 0
    unverified_customers: set[str] = field(default_factory=set)


def tracked_invoices(session: Session) -> dict[str, str | None]:
    """Invoice id -> Stripe customer of every invoice the bot must keep current: those in an open
    escalation, and those it last saw open in Stripe (a Stripe row: imported invoices are not Stripe's)."""
    from bot.billing.tables import PaymentCase, PaymentCaseInvoice

    tracked: dict[str, str | None] = dict(session.execute(
        select(Invoice.id, Invoice.stripe_customer_id)
        .join(StripeInvoiceState, StripeInvoiceState.invoice_id == Invoice.id)
        .where(Invoice.status == "open")).all())
    for invoice_id, customer in session.execute(
            select(PaymentCaseInvoice.invoice_id, PaymentCase.customer_id).join(PaymentCase)
            .where(PaymentCase.status == "open")):
        tracked[invoice_id] = customer
    return tracked


def reread_invoices(session: Session, client: stripe.StripeClient, wanted: Mapping[str, str | None],
                    result: OpenInvoiceSync) -> None:
    """Re-read each invoice from Stripe (`GET /v1/invoices/{id}`) and write what it says now: paid,
    void or uncollectible after a webhook we never got (spec §4.3: "a tracked invoice missing from the
    open list -> invoices.retrieve"). A read that fails leaves its customer unverified."""
    for invoice_id in sorted(wanted):
        try:
            raw = sc.retrieve_invoice(client, invoice_id)
        except stripe.InvalidRequestError:
            log.warning("tracked invoice %s is gone from Stripe", invoice_id)
            result.missing += 1
            continue
        except stripe.StripeError as e:
            log.warning("could not re-read invoice %s (%s); its escalation waits for the next run",
                        invoice_id, type(e).__name__)
            if wanted[invoice_id]:
                result.unverified_customers.add(str(wanted[invoice_id]))
            continue
        apply_invoices(session, [raw])
        result.reread += 1


def retrieve_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any] | None:
    """One subscription as Stripe shows it now (GET /v1/subscriptions/{id}); None when it cannot be read."""
    try:
        return sc.as_dict(client.v1.subscriptions.retrieve(subscription_id))
    except stripe.StripeError as e:
        log.warning("could not read subscription %s (%s)", subscription_id, type(e).__name__)
        return None


def sync_open_invoices(session: Session, client: stripe.StripeClient, *, commit: bool = False,
                       bar: Reporter = QUIET) -> OpenInvoiceSync:
    """Every open invoice (customer embedded), then a fresh copy of every tracked invoice that is no
    longer in that list: a missed `invoice.paid` must not leave an escalation running (issue 15).
    A page at a time; `commit` commits each page (the jobs), else the caller's transaction holds all."""
    result = OpenInvoiceSync()
    listed: set[str] = set()
    with bar.stage("open invoices") as stage:
        for page in _pages(sc.iter_open_invoices(client)):
            listed.update(raw["id"] for raw in page)
            result.listed += apply_invoices(session, page)
            _checkpoint(session, commit)
            stage.advance(len(page))
    left = {i: c for i, c in tracked_invoices(session).items() if i not in listed}
    with bar.stage("tracked invoices re-read", total=len(left)) as stage:
        reread_invoices(session, client, left, result)
        stage.advance(len(left))
    _checkpoint(session, commit)
    return result


def sync_credit(session: Session, client: stripe.StripeClient, now: datetime, *,
                commit: bool = False, bar: Reporter = QUIET) -> dict[str, int]:
    """CreditBot's pull: one customers scan, then invoices created since the watermark. A Stripe page
    at a time, so memory does not grow with the number of customers; `commit` commits each page (the
    job), else the caller's transaction holds all. The watermark moves only after the last page."""
    counts = {"customers": 0, "mapped": 0, "invoices": 0}
    with bar.stage("customers") as stage:
        for page in _pages(sc.iter_customers(client)):
            counts["customers"] += len(page)
            counts["mapped"] += apply_customers(session, page)
            _checkpoint(session, commit)
            stage.advance(len(page))
    cursor = session.get(SyncCursor, INVOICE_CURSOR)
    since = (cursor.value - CURSOR_OVERLAP) if cursor else now - FIRST_SYNC_LOOKBACK
    with bar.stage(f"invoices since {since:%Y-%m-%d}") as stage:
        for page in _pages(sc.iter_invoices_since(client, since)):
            counts["invoices"] += apply_invoices(session, page)
            _checkpoint(session, commit)
            stage.advance(len(page))
    cursor = session.get(SyncCursor, INVOICE_CURSOR)
    if cursor is None:
        session.add(SyncCursor(name=INVOICE_CURSOR, value=now))
    else:
        cursor.value = now
    session.flush()
    return counts


def sync_all(session: Session, client: stripe.StripeClient, now: datetime, *,
             commit: bool = False, bar: Reporter = QUIET) -> dict[str, int]:
    """`gtmbot sync stripe`: credit facts, recent invoices and every open invoice."""
    counts = sync_credit(session, client, now, commit=commit, bar=bar)
    counts["open_invoices"] = sync_open_invoices(session, client, commit=commit, bar=bar).listed
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
    with session_factory() as session, Reporter("stripe", quiet=not progress) as bar:
        counts = sync_all(session, client, clock_now(), commit=True, bar=bar)
        session.commit()
    if progress:
        print(f"stripe: {counts['customers']} customer(s) read, {counts['mapped']} mapped to accounts, "
              f"{counts['invoices']} recent invoice(s) and {counts['open_invoices']} open invoice(s) written")
    return 0

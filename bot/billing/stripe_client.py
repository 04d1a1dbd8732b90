"""Stripe access for the billing jobs: the official `stripe` library's `StripeClient`, pointed at
`STRIPE_API_BASE`, listing 100 a page with `expand` rather than a call per customer (spec §4.4).

The converters turn Stripe objects into the policy's plain dataclasses and read both shapes:
API 2026-10-28.endive (stripe-python 16.x: `invoice.parent.subscription_details.subscription`,
no `invoice.subscription`/`paid`) and the older shapes localstripe returns (spec §4.1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import stripe

from bot import retry
from bot.retry import DEFAULT_POLICY, Failure, RetryPolicy, parse_retry_after
from services.billing.payment_escalation import InvoiceFacts
from services.billing.runway import CreditCustomer, UsageInvoice, is_truthy_metadata, parse_credit_expires_at

T = TypeVar("T")

PAGE_SIZE = 100  # Stripe's maximum page size; N customers cost ceil(N/100) calls
_POLICY_ATTR = "gtmbot_retry_policy"


def make_client(api_key: str, api_base: str | None = None, max_network_retries: int = 0, *,
                timeout_s: float = 30.0, policy: RetryPolicy = DEFAULT_POLICY) -> stripe.StripeClient:
    """A StripeClient whose every call goes to `api_base` (STRIPE_API_BASE; Stripe's own when unset).

    Retries are ours (`bot.retry`), not the library's: the library does not retry a plain 429
    (no `Stripe-Should-Retry`), which aborted CreditBot and the payment scan. Every call here is a
    read, so 429s wait `Retry-After` and 5xx/timeouts back off, page by page."""
    base = {"api": api_base.rstrip("/")} if api_base else None
    client = stripe.StripeClient(api_key, base_addresses=base, max_network_retries=max_network_retries,
                                 http_client=stripe.RequestsClient(timeout=timeout_s))
    setattr(client, _POLICY_ATTR, policy)
    return client


def classify(exc: BaseException) -> Failure | None:
    """Stripe's errors under the one retry rule (all our Stripe calls are reads)."""
    if isinstance(exc, stripe.RateLimitError) or getattr(exc, "http_status", None) == 429:
        headers = getattr(exc, "headers", None) or {}
        return Failure("rate_limited", parse_retry_after(headers.get("Retry-After") or headers.get("retry-after")))
    if isinstance(exc, stripe.APIConnectionError):
        return Failure("transient")
    if isinstance(exc, stripe.StripeError) and (getattr(exc, "http_status", None) or 0) >= 500:
        return Failure("transient")
    return None


def _read(client: stripe.StripeClient, fn: Callable[[], T], what: str) -> T:
    return retry.call(fn, classify=classify, safe=True, policy=getattr(client, _POLICY_ATTR, DEFAULT_POLICY),
                      what=f"Stripe {what}")


def _paged(client: stripe.StripeClient, lister: Callable[..., Any], params: dict[str, Any],
           what: str) -> Iterator[dict[str, Any]]:
    """Every object of a list, one retried request per page (`starting_after` cursor)."""
    params = dict(params)
    while True:
        page = _read(client, lambda: lister(params=dict(params)), what)
        data = list(page.data)
        yield from (as_dict(obj) for obj in data)
        if not page.has_more or not data:
            return
        params["starting_after"] = data[-1].id


def as_dict(obj: Any) -> dict[str, Any]:
    """StripeObject is not a dict in 16.x (`obj.metadata.get` raises); work on plain data instead."""
    if obj is None:
        return {}
    if isinstance(obj, Mapping) and not isinstance(obj, stripe.StripeObject):
        return dict(obj)
    return obj.to_dict(recursive=True)


def iter_customers(client: stripe.StripeClient) -> Iterator[dict[str, Any]]:
    """Every customer, 100 a page: one scan for CreditBot (GET /v1/customers?limit=100)."""
    yield from _paged(client, client.v1.customers.list, {"limit": PAGE_SIZE}, "GET /v1/customers")


def iter_open_invoices(client: stripe.StripeClient) -> Iterator[dict[str, Any]]:
    """All open invoices with their customer embedded (GET /v1/invoices?status=open&expand[]=data.customer)."""
    params: dict[str, Any] = {"status": "open", "limit": PAGE_SIZE, "expand": ["data.customer"]}
    yield from _paged(client, client.v1.invoices.list, params, "GET /v1/invoices?status=open")


def iter_invoices_since(client: stripe.StripeClient, since: datetime) -> Iterator[dict[str, Any]]:
    """Invoices created since a watermark: the incremental burn-ledger sync (spec §4.3)."""
    params = {"created": {"gte": int(since.timestamp())}, "limit": PAGE_SIZE}
    yield from _paged(client, client.v1.invoices.list, params, "GET /v1/invoices?created")


def iter_customer_invoices(client: stripe.StripeClient, customer_id: str) -> Iterator[dict[str, Any]]:
    yield from _paged(client, client.v1.invoices.list, {"customer": customer_id, "limit": PAGE_SIZE},
                      "GET /v1/invoices?customer")


def retrieve_invoice(client: stripe.StripeClient, invoice_id: str) -> dict[str, Any]:
    """Re-read one invoice before posting about it (a webhook can be stale or out of order)."""
    return as_dict(_read(client, lambda: client.v1.invoices.retrieve(invoice_id), f"GET /v1/invoices/{invoice_id}"))


# --- converters ------------------------------------------------------------------------------


def cents(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _day(value: Any) -> date | None:
    moment = _ts(value)
    return moment.date() if moment else None


def customer_balancecents(cus: Mapping[str, Any]) -> int:
    """`balance` (negative = credit); pre-2019 shapes call it `account_balance`, same sign."""
    if cus.get("balance") is not None:
        return int(cus["balance"])
    return int(cus.get("account_balance") or 0)


def credit_customer(cus: Mapping[str, Any]) -> CreditCustomer:
    """A Stripe customer as CreditBot sees it: credit left (−balance), term end and startup flag from
    the metadata the "Apply Stripe Credit" Zap writes (002_59a801b964a2a19e.txt:3514-3518)."""
    metadata = cus.get("metadata") or {}
    raw = metadata.get("credit_expires_at")
    try:
        expires, invalid = parse_credit_expires_at(raw), False
    except (ValueError, OverflowError):
        expires, invalid = None, True
    return CreditCustomer(
        customer_id=cus["id"],
        name=cus.get("name") or cus.get("email") or cus["id"],
        credit_left=cents(-customer_balancecents(cus)),
        expires_on=expires,
        expires_invalid=invalid,
        startup_plan=is_truthy_metadata(metadata.get("is_startup_plan_customer")),
    )


def subscription_id(inv: Mapping[str, Any]) -> str | None:
    """New shape: `parent.subscription_details.subscription`; old shape: `subscription`."""
    parent = inv.get("parent") or {}
    details = parent.get("subscription_details") or {}
    sub = details.get("subscription") or inv.get("subscription")
    if isinstance(sub, Mapping):
        return sub.get("id")
    return sub


def customer_id(inv: Mapping[str, Any]) -> str:
    cus = inv.get("customer")
    return cus["id"] if isinstance(cus, Mapping) else str(cus)


def invoice_facts(inv: Mapping[str, Any], first_failed_at: datetime | None = None) -> InvoiceFacts:
    """An invoice for the escalation policy. `first_failed_at` comes from the first
    `invoice.payment_failed` event we stored, when we have one (spec §3.2)."""
    transitions = inv.get("status_transitions") or {}
    method = "bank_transfer" if inv.get("collection_method") == "send_invoice" else "card"
    finalized = _ts(transitions.get("finalized_at"))
    attempts = int(inv.get("attempt_count") or 0)
    return InvoiceFacts(
        invoice_id=inv["id"],
        customer_id=customer_id(inv),
        status=inv.get("status") or "draft",
        payment_method=method,
        amount_due=cents(inv.get("amount_due")),
        amount_remaining=cents(inv.get("amount_remaining", inv.get("amount_due"))),
        amount_paid=cents(inv.get("amount_paid")),
        number=inv.get("number"),
        currency=(inv.get("currency") or "usd").upper(),
        due_date=_day(inv.get("due_date")),
        attempt_count=attempts,
        first_failed_at=first_failed_at or (finalized if method == "card" and attempts else None),
        finalized_at=finalized,
        next_payment_attempt=_ts(inv.get("next_payment_attempt")),
        paid_at=_ts(transitions.get("paid_at")),
        closed_at=_ts(transitions.get("voided_at") or transitions.get("marked_uncollectible_at")),
        hosted_invoice_url=inv.get("hosted_invoice_url"),
        invoice_pdf=inv.get("invoice_pdf"),
        subscription_id=subscription_id(inv),
    )


def usage_invoice(inv: Mapping[str, Any]) -> UsageInvoice | None:
    """A finalized usage invoice for the burn ledger; credit purchases are `manual` and are left out
    (created by the Zap, 002_59a801b964a2a19e.txt:3583)."""
    if inv.get("status") in (None, "draft", "void") or inv.get("billing_reason") == "manual":
        return None
    start, end = _day(inv.get("period_start")), _day(inv.get("period_end"))
    if start is None or end is None:
        return None
    return UsageInvoice(inv["id"], start, end, cents(inv.get("total")))

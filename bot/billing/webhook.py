"""`POST /stripe/webhook`: Stripe events, verified by `Stripe-Signature`, taken once.

A bad or stale signature gets 400 and nothing is recorded. A redelivered event (same id) gets 200
and changes nothing. Otherwise the invoice is re-read from Stripe when a client is configured (an
event can be stale or out of order), written to the account model, and the customer's escalation
is brought up to date in the same transaction as the event row; messages then go out through the
outbox (spec billing-alerts.md §4.3)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError

from bot import work
from bot.billing import state as st
from bot.billing import stripe_client as sc
from bot.billing.escalation import apply_subscription, evaluate_customer
from bot.billing.settings import load_billing_settings
from bot.billing.stripe_sync import apply_customer, apply_invoice, customer_accounts, stripe_client
from bot.billing.tables import StripeEvent, StripeInvoiceState
from bot.channels import channel_id
from bot.clock import now as clock_now
from bot.job_context import JobContext
from bot.outbox import OutboxSender
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.stripe_webhook")

INVOICE_EVENTS = {
    "invoice.payment_failed", "invoice.payment_action_required", "invoice.paid", "invoice.payment_succeeded",
    "invoice.voided", "invoice.marked_uncollectible", "invoice.finalized", "invoice.updated", "invoice.overdue",
}
SUBSCRIPTION_EVENTS = {
    "customer.subscription.updated", "customer.subscription.deleted", "customer.subscription.paused",
    "customer.subscription.resumed",
}
CUSTOMER_EVENTS = {"customer.updated"}
HANDLED = INVOICE_EVENTS | SUBSCRIPTION_EVENTS | CUSTOMER_EVENTS
JSON_HEADERS = {"Content-Type": "application/json"}


def _reply(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, JSON_HEADERS, json.dumps(body).encode()


def handle(rt: Runtime, raw: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """The route the foundation's HTTP server calls for POST /stripe/webhook."""
    secret = rt.settings.stripe_webhook_secret
    if secret is None:
        log.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set; refusing it")
        return _reply(400, {"error": "webhook secret not configured"})
    try:
        stripe.Webhook.construct_event(raw, headers.get("stripe-signature"), secret.get_secret_value())
    except (stripe.SignatureVerificationError, ValueError) as e:
        log.warning("Stripe webhook refused: %s", type(e).__name__)
        return _reply(400, {"error": "invalid signature"})
    payload = json.loads(raw)
    if payload.get("type") not in HANDLED:
        return _reply(200, {"ok": True, "ignored": payload.get("type")})
    keys = process_event(rt, payload)
    if keys is None:
        return _reply(200, {"ok": True, "duplicate": True})
    if keys:
        _deliver_soon(rt, keys)
    return _reply(200, {"ok": True, "queued": len(keys)})


def process_event(rt: Runtime, event: dict[str, Any], now: datetime | None = None) -> list[str] | None:
    """Record the event and act on it in one transaction; None when it was already taken."""
    now = now or clock_now()
    obj = (event.get("data") or {}).get("object") or {}
    created = datetime.fromtimestamp(int(event["created"]), UTC) if event.get("created") else now
    client = stripe_client(rt.settings)
    if client is not None and event["type"] in INVOICE_EVENTS and obj.get("id"):
        try:
            obj = sc.retrieve_invoice(client, obj["id"])  # the invoice as it is now, not as it was
        except stripe.StripeError as e:
            log.warning("could not re-read invoice %s (%s); using the event's copy", obj.get("id"), e)
    ctx = JobContext(rt=rt, now=now)
    with rt.session_factory() as session:
        try:  # the event row is part of this transaction: recorded only if it is also acted on
            session.add(StripeEvent(event_id=event["id"], type=event["type"], created=created))
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        mapping = customer_accounts(session, _event_customers(event["type"], obj))
        customer: str | None = None
        if event["type"] in INVOICE_EVENTS:
            failed_at = created if event["type"] == "invoice.payment_failed" else None
            row = apply_invoice(session, obj, mapping, first_failed_at=failed_at)
            if row is not None:
                customer = row.stripe_customer_id
                extra = session.get(StripeInvoiceState, row.id)
                if failed_at is not None and extra is not None:
                    extra.last_failed_at = failed_at
                if event["type"] == "invoice.payment_action_required" and extra is not None:
                    extra.action_required = True
        elif event["type"] in CUSTOMER_EVENTS:
            apply_customer(session, obj, mapping)
        else:
            customer = apply_subscription(session, event["type"], obj, now)
        if customer is not None:
            params = st.escalation_params(session, load_billing_settings())
            channel = channel_id(rt, rt.settings.sales_alerts_channel)
            evaluate_customer(session, ctx, customer, params, channel, now)
        session.commit()
    return [q.key for q in ctx.queued]


def _event_customers(event_type: str, obj: dict[str, Any]) -> list[str]:
    """The Stripe customer an event is about: only its account mapping is read (O(1) per event)."""
    if event_type in CUSTOMER_EVENTS:
        return [obj["id"]] if obj.get("id") else []
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    return [customer] if customer else []


def _deliver_soon(rt: Runtime, keys: list[str]) -> None:
    """Send after answering Stripe: it wants a 2xx fast, and the outbox keeps every send unique."""
    sender = OutboxSender(rt.client, rt.session_factory, rt.worker_id, max_attempts=rt.settings.outbox_max_attempts)
    work.spawn(sender.deliver, kwargs={"keys": keys}, name="stripe-webhook-deliver")




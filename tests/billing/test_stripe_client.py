"""The Stripe client against localstripe (customers, pagination, metadata) and our fake for what
localstripe lacks (open-invoice filter with expand, current API shapes, call counting)."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import stripe

from bot.billing.stripe_client import (
    credit_customer,
    invoice_facts,
    iter_customers,
    iter_invoices_since,
    iter_open_invoices,
    make_client,
    retrieve_invoice,
    usage_invoice,
)
from bot.fakes.stripe import FakeStripe, sign_webhook


def ts(y, m, d, h=0):
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp())


def test_customers_page_through_localstripe_with_metadata(localstripe):
    client = make_client("sk_test_billing", localstripe, max_network_retries=0)
    for i in range(130):
        client.v1.customers.create(params={
            "name": f"Customer {i}",
            "metadata": {"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "true" if i % 2 else "false"},
        })
    seen = [credit_customer(c) for c in iter_customers(client)]
    assert len(seen) == 130 and len({c.customer_id for c in seen}) == 130
    assert {c.expires_on for c in seen} == {date(2027, 1, 1)}
    assert sum(c.startup_plan for c in seen) == 65


def test_unparseable_expiry_from_localstripe_is_flagged_not_fatal(localstripe):
    client = make_client("sk_test_billing", localstripe, max_network_retries=0)
    client.v1.customers.create(params={"name": "Soon Co", "metadata": {"credit_expires_at": "soon"}})
    [cus] = [credit_customer(c) for c in iter_customers(client)]
    assert cus.expires_invalid and cus.expires_on is None


@pytest.fixture
def fake():
    with FakeStripe() as f:
        yield f


def test_a_scan_of_250_customers_costs_3_calls(fake):
    for i in range(250):
        fake.add_customer(f"cus_{i:04d}", balance=-100_00)
    client = make_client("sk_test_billing", fake.url, max_network_retries=0)
    customers = list(iter_customers(client))
    assert len(customers) == 250
    assert fake.calls("/v1/customers") == 3


def test_open_invoices_come_with_the_customer_embedded_in_one_call(fake):
    fake.add_customer("cus_BIRCH", name="Birch Labs", country="IN")
    fake.add_invoice("in_P1", "cus_BIRCH", status="open", amount_due=82000, amount_remaining=82000, attempt_count=1,
                     subscription="sub_B", next_payment_attempt=ts(2026, 3, 4, 10),
                     status_transitions={"finalized_at": ts(2026, 3, 1, 10)})
    fake.add_invoice("in_PAID", "cus_BIRCH", status="paid")
    client = make_client("sk_test_billing", fake.url, max_network_retries=0)
    [inv] = list(iter_open_invoices(client))
    assert fake.calls("/v1/invoices") == 1
    assert inv["customer"]["name"] == "Birch Labs"
    facts = invoice_facts(inv)
    assert facts.customer_id == "cus_BIRCH" and facts.subscription_id == "sub_B"
    assert facts.amount_remaining == Decimal("820.00") and facts.payment_method == "card"
    assert facts.first_failed_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert facts.next_payment_attempt == datetime(2026, 3, 4, 10, tzinfo=UTC)


def test_incremental_invoice_sync_uses_created_gte(fake):
    fake.add_customer("cus_A")
    fake.add_invoice("in_old", "cus_A", created=ts(2026, 1, 1))
    fake.add_invoice("in_new", "cus_A", created=ts(2026, 5, 1))
    client = make_client("sk_test_billing", fake.url, max_network_retries=0)
    assert [i["id"] for i in iter_invoices_since(client, datetime(2026, 4, 1, tzinfo=UTC))] == ["in_new"]


def test_missing_invoice_is_a_stripe_error_not_a_crash(fake):
    client = make_client("sk_test_billing", fake.url, max_network_retries=0)
    with pytest.raises(stripe.InvalidRequestError):
        retrieve_invoice(client, "in_missing")


def test_credit_customer_reads_balance_as_credit():
    cus = credit_customer({"id": "cus_ACME", "name": "Acme", "balance": -6_600_000,
                           "metadata": {"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"}})
    assert cus.credit_left == Decimal("66000.00") and cus.expires_on == date(2027, 1, 1) and not cus.startup_plan


def test_invoice_facts_reads_the_old_shape_too():
    """localstripe and pre-2025 payloads put the subscription at the top level (spec §4.1)."""
    old = {"id": "in_1", "customer": "cus_1", "subscription": "sub_old", "status": "open",
           "collection_method": "send_invoice", "amount_due": 6_000_000, "due_date": ts(2026, 2, 14)}
    facts = invoice_facts(old)
    assert facts.subscription_id == "sub_old" and facts.payment_method == "bank_transfer"
    assert facts.amount_remaining == Decimal("60000.00") and facts.due_date == date(2026, 2, 14)


def test_usage_invoice_leaves_out_credit_purchases_and_drafts():
    base = {"id": "in_u", "status": "paid", "total": 1_300_000, "period_start": ts(2026, 2, 1),
            "period_end": ts(2026, 3, 1), "billing_reason": "subscription_cycle"}
    assert usage_invoice(base).total == Decimal("13000.00")
    assert usage_invoice({**base, "billing_reason": "manual"}) is None
    assert usage_invoice({**base, "status": "draft"}) is None


def test_webhook_signature_round_trip_forgery_and_staleness():
    client = make_client("sk_test_billing", "http://127.0.0.1:9")
    body = json.dumps({"id": "evt_1", "object": "event", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}})
    event = client.construct_event(body, sign_webhook(body, "whsec_test"), "whsec_test")
    assert event.id == "evt_1" and event.type == "invoice.paid"
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(body, sign_webhook(body, "whsec_forged"), "whsec_test")
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(body, sign_webhook(body, "whsec_test", int(time.time()) - 1000), "whsec_test")

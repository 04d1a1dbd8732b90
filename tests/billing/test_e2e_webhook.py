"""POST /stripe/webhook end to end: signed Stripe events into the real HTTP server, the invoice
re-read from the Stripe fake, the reply read back from the fake Slack (spec §4.3, P5, P6, P11)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.billing.tables import PaymentCase, StripeEvent
from bot.db.session import session_scope
from tests.billing.fixtures import (
    WEBHOOK_SECRET,
    billing_doc,
    post_webhook,
    sales_alerts,
    settle,
    stripe_event,
)
from tests.clock import freeze

ACCOUNT = {"id": "bill-birch", "name": "Birch Labs", "stripe_customer_ids": ["cus_BIRCH"],
           "owner_slack_id": "U0TAM01"}


def ts(month: int, day: int, hour: int = 10) -> int:
    return int(datetime(2026, month, day, hour, tzinfo=UTC).timestamp())


@pytest.fixture
def settings(settings, fake_stripe):
    """The conftest settings plus Stripe: the webhook secret and the fake as STRIPE_API_BASE."""
    return settings.model_copy(update={
        "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "stripe_api_key": SecretStr("sk_test_billing"),
        "stripe_api_base": fake_stripe.url,
    })


@pytest.fixture
def birch(fake_stripe, seed, monkeypatch):
    freeze("2026-03-01T10:05:00Z")
    seed(billing_doc(ACCOUNT))
    fake_stripe.add_customer("cus_BIRCH", name="Birch Labs")
    return fake_stripe.add_invoice(
        "in_W1", "cus_BIRCH", number="BIRCH-0001", amount_due=82000, amount_remaining=82000, total=82000,
        attempt_count=1, next_payment_attempt=ts(3, 4), subscription="sub_BIRCH",
        period_start=ts(2, 1, 0), period_end=ts(3, 1, 0), status_transitions={"finalized_at": ts(3, 1)},
    )


def failed_event(invoice: dict, event_id: str = "evt_fail_1") -> dict:
    return stripe_event(event_id, "invoice.payment_failed", invoice, datetime(2026, 3, 1, 10, tzinfo=UTC))


def events_recorded(rt) -> int:
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(func.count()).select_from(StripeEvent))


def test_payment_failed_webhook_posts_the_root(rt, bot, birch, fake_slack, fake_stripe):
    resp = post_webhook(bot.url, failed_event(birch))
    assert resp.status_code == 200
    [root] = sales_alerts(fake_slack, wait_for=1)
    assert root["text"].startswith("Payment late: Birch Labs, $820.00 (invoice BIRCH-0001), card payment attempt 1 of 4")
    assert fake_stripe.calls("/v1/invoices/in_W1") == 1  # re-read before deciding


def test_p11_a_webhook_delivered_twice_posts_once(rt, bot, birch, fake_slack):
    first = post_webhook(bot.url, failed_event(birch))
    second = post_webhook(bot.url, failed_event(birch))
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicate"] is True
    sales_alerts(fake_slack, wait_for=1)
    settle()
    assert len(sales_alerts(fake_slack)) == 1
    assert events_recorded(rt) == 1


def test_a_forged_webhook_gets_400_and_records_nothing(rt, bot, birch, fake_slack):
    resp = post_webhook(bot.url, failed_event(birch), secret="whsec_forged")
    assert resp.status_code == 400
    stale = post_webhook(bot.url, failed_event(birch, "evt_stale"), timestamp=int(datetime.now(UTC).timestamp()) - 1000)
    assert stale.status_code == 400
    settle()
    assert events_recorded(rt) == 0
    assert sales_alerts(fake_slack) == []
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(PaymentCase)) is None


def test_p5_second_attempt_then_paid_by_webhook(rt, bot, birch, fake_slack, fake_stripe, monkeypatch):
    post_webhook(bot.url, failed_event(birch))
    sales_alerts(fake_slack, wait_for=1)
    freeze("2026-03-04T10:05:00Z")
    second = fake_stripe.update_invoice("in_W1", attempt_count=2, next_payment_attempt=ts(3, 6))
    post_webhook(bot.url, stripe_event("evt_fail_2", "invoice.payment_failed", second,
                                       datetime(2026, 3, 4, 10, tzinfo=UTC)))
    sales_alerts(fake_slack, wait_for=2)
    freeze("2026-03-06T10:05:00Z")
    paid = fake_stripe.update_invoice("in_W1", status="paid", amount_remaining=0, amount_paid=82000,
                                      status_transitions={"paid_at": ts(3, 6)})
    post_webhook(bot.url, stripe_event("evt_paid", "invoice.paid", paid, datetime(2026, 3, 6, 10, tzinfo=UTC)))
    posts = sales_alerts(fake_slack, wait_for=3)
    settle()
    posts = sales_alerts(fake_slack)
    assert len(posts) == 3
    assert posts[1]["text"] == "<@U0TAM01> Attempt 2 of 4 failed on 4 Mar 2026. Stripe retries on 6 Mar 2026."
    assert posts[2]["text"] == "Paid on 6 Mar 2026 ($820.00). Escalation closed."
    assert {p.get("thread_ts") for p in posts[1:]} == {posts[0]["ts"]}


def test_p6_subscription_deleted_closes_the_case_quietly(rt, bot, birch, fake_slack):
    post_webhook(bot.url, failed_event(birch))
    sales_alerts(fake_slack, wait_for=1)
    sub = {"id": "sub_BIRCH", "object": "subscription", "customer": "cus_BIRCH", "status": "canceled"}
    resp = post_webhook(bot.url, stripe_event("evt_sub", "customer.subscription.deleted", sub,
                                              datetime(2026, 3, 15, 10, tzinfo=UTC)))
    assert resp.status_code == 200
    settle()
    assert len(sales_alerts(fake_slack)) == 1
    with session_scope(rt.session_factory) as s:
        case = s.get(PaymentCase, "in_W1")
        assert (case.status, case.close_reason) == ("cancelled", "cancelled")


def test_event_types_we_do_not_handle_are_acknowledged_and_ignored(rt, bot, birch, fake_slack):
    resp = post_webhook(bot.url, stripe_event("evt_x", "charge.refunded", {"id": "ch_1"}, datetime.now(UTC)))
    assert resp.status_code == 200 and resp.json()["ignored"] == "charge.refunded"
    assert events_recorded(rt) == 0

"""Reconciliation, not trust (issue 15): when Stripe's webhook never arrives, the hourly poll and
the daily audit find what it would have said. The real jobs run against the Stripe fake (state
changed there, no webhook sent) and the messages are read back from the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.billing.tables import PaymentCase, PaymentStep
from bot.db.models import Invoice
from bot.db.session import session_scope
from jobs import run_job
from tests.billing.fixtures import billing_doc, sales_alerts

BIRCH = {"id": "bill-birch", "name": "Birch Labs", "stripe_customer_ids": ["cus_BIRCH"], "owner_slack_id": "U0TAM01"}
CEDAR = {"id": "bill-cedar", "name": "Cedar Co", "stripe_customer_ids": ["cus_CEDAR"], "owner_slack_id": "U0TAE01"}


def at(month: int, day: int, hour: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def ts(month: int, day: int, hour: int = 10) -> int:
    return int(at(month, day, hour).timestamp())


@pytest.fixture
def settings(settings, fake_stripe):
    return settings.model_copy(update={"stripe_api_key": SecretStr("sk_test_billing"),
                                       "stripe_api_base": fake_stripe.url})


@pytest.fixture
def birch(fake_stripe, seed):
    """A card invoice whose first attempt failed on 1 Mar: an escalation the poll opens."""
    seed(billing_doc(BIRCH))
    fake_stripe.add_customer("cus_BIRCH", name="Birch Labs")
    return fake_stripe.add_invoice(
        "in_W1", "cus_BIRCH", number="BIRCH-0001", amount_due=82000, amount_remaining=82000, total=82000,
        attempt_count=1, next_payment_attempt=ts(3, 4), subscription="sub_BIRCH",
        period_start=ts(2, 1, 0), period_end=ts(3, 1, 0), status_transitions={"finalized_at": ts(3, 1)},
    )


def poll(rt, when: datetime, *, dry_run: bool = False):
    return run_job(rt, "payments_reconcile", now=when, dry_run=dry_run)


def case_status(rt, key: str) -> tuple[str, str | None]:
    with session_scope(rt.session_factory) as s:
        case = s.get(PaymentCase, key)
        return case.status, case.close_reason


def test_a_lost_invoice_paid_webhook_is_caught_by_the_next_poll(rt, birch, fake_stripe, fake_slack):
    poll(rt, at(3, 1))
    poll(rt, at(3, 7))
    root, step2 = sales_alerts(fake_slack, wait_for=2)
    assert "suspended *tomorrow* (8 Mar 2026)" in step2["text"]
    # Paid in Stripe on 7 Mar; the invoice.paid webhook is lost, so only the poll can know.
    fake_stripe.update_invoice("in_W1", status="paid", amount_remaining=0, amount_paid=82000,
                               status_transitions={"paid_at": ts(3, 7, 15)})
    poll(rt, at(3, 8))
    posts = sales_alerts(fake_slack, wait_for=3)
    assert len(posts) == 3
    assert posts[2]["text"] == "Paid on 7 Mar 2026 ($820.00). Escalation closed."
    assert posts[2]["thread_ts"] == root["ts"]
    assert fake_stripe.calls("/v1/invoices/in_W1") == 1  # re-read because it left the open list
    assert case_status(rt, "in_W1") == ("resolved", "paid")
    for day in (9, 14, 15):  # suspension and cancellation days pass: nothing more is said
        poll(rt, at(3, day))
    assert len(sales_alerts(fake_slack)) == 3
    with session_scope(rt.session_factory) as s:
        assert s.get(PaymentStep, ("in_W1", "step3")).state == "pending"
        assert s.get(Invoice, "in_W1").status == "paid"


def test_a_lost_invoice_voided_webhook_closes_the_escalation_in_its_thread(rt, birch, fake_stripe, fake_slack):
    poll(rt, at(3, 1))
    fake_stripe.update_invoice("in_W1", status="void", status_transitions={"voided_at": ts(3, 3)})
    poll(rt, at(3, 4))
    root, voided = sales_alerts(fake_slack, wait_for=2)
    assert voided["thread_ts"] == root["ts"]
    assert voided["text"].startswith("Invoice voided on 3 Mar 2026: escalation closed.")
    assert case_status(rt, "in_W1") == ("resolved", "voided")


def test_an_invoice_paid_before_it_was_late_never_opens_an_escalation(rt, fake_stripe, seed, fake_slack):
    """Open and not yet due at one poll, paid with its webhook lost, then past its due date: the
    bot's copy still says open, so without the re-read it would report a paying customer late."""
    seed(billing_doc(CEDAR))
    fake_stripe.add_customer("cus_CEDAR", name="Cedar Co")
    fake_stripe.add_invoice("in_C1", "cus_CEDAR", collection_method="send_invoice", billing_reason="manual",
                            amount_due=6_000_000, amount_remaining=6_000_000, total=6_000_000,
                            due_date=ts(5, 1), number="CEDAR-0001")
    poll(rt, at(4, 20))
    fake_stripe.update_invoice("in_C1", status="paid", amount_remaining=0, amount_paid=6_000_000,
                               status_transitions={"paid_at": ts(4, 28)})
    poll(rt, at(5, 3))
    assert sales_alerts(fake_slack) == []
    with session_scope(rt.session_factory) as s:
        assert s.get(Invoice, "in_C1").status == "paid"
        assert s.scalar(select(PaymentCase)) is None


def test_an_invoice_stripe_cannot_confirm_holds_its_escalation_for_the_next_run(rt, birch, fake_stripe, fake_slack):
    poll(rt, at(3, 1))
    fake_stripe.update_invoice("in_W1", status="paid", amount_remaining=0, amount_paid=82000,
                               status_transitions={"paid_at": ts(3, 6)})
    fake_stripe.fail("/v1/invoices/in_W1", 500, times=10)  # more than the client's retries
    result = poll(rt, at(3, 7))
    assert "1 customer(s) held until Stripe answers" in result.summary
    assert len(sales_alerts(fake_slack)) == 1  # no "suspended tomorrow" for an invoice Stripe may show paid
    with session_scope(rt.session_factory) as s:
        assert s.get(PaymentStep, ("in_W1", "step2")).state == "pending"
    fake_stripe._scripted.clear()
    poll(rt, at(3, 7, 12))
    posts = sales_alerts(fake_slack, wait_for=2)
    assert posts[1]["text"] == "Paid on 6 Mar 2026 ($820.00). Escalation closed."


def test_the_daily_audit_closes_an_escalation_whose_subscription_stripe_cancelled(rt, birch, fake_stripe, fake_slack):
    poll(rt, at(3, 1))
    # Cancelled in Stripe; customer.subscription.deleted is lost and the invoice stays open as debt.
    fake_stripe.subscriptions["sub_BIRCH"] = {"id": "sub_BIRCH", "object": "subscription", "customer": "cus_BIRCH",
                                              "status": "canceled", "pause_collection": None}
    result = run_job(rt, "payments_audit", now=at(3, 5, 7))
    assert result.summary.startswith("1 open escalation(s) compared with Stripe (1 invoice(s) read): "
                                     "0 invoice(s) had changed, 1 subscription(s) cancelled")
    assert case_status(rt, "in_W1") == ("cancelled", "cancelled")
    for day in (7, 8, 14):
        poll(rt, at(3, day))
    assert len(sales_alerts(fake_slack)) == 1  # P6: closed quietly, no step after it


def test_the_daily_audit_reads_every_open_escalation_from_stripe(rt, birch, fake_stripe, fake_slack):
    poll(rt, at(3, 1))
    fake_stripe.update_invoice("in_W1", status="paid", amount_remaining=0, amount_paid=82000,
                               status_transitions={"paid_at": ts(3, 2)})
    dry = run_job(rt, "payments_audit", now=at(3, 3, 7), dry_run=True)
    assert [p.key for p in dry.planned] == ["pay:in_W1:resolved"]
    assert case_status(rt, "in_W1") == ("open", None)  # the dry run recorded nothing
    result = run_job(rt, "payments_audit", now=at(3, 3, 7))
    assert "1 invoice(s) had changed" in result.summary
    root, paid = sales_alerts(fake_slack, wait_for=2)
    assert paid["text"] == "Paid on 2 Mar 2026 ($820.00). Escalation closed." and paid["thread_ts"] == root["ts"]
    assert case_status(rt, "in_W1") == ("resolved", "paid")

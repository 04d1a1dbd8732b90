"""`gtmbot jobs run NAME --dry-run` reads what the real run reads (issue 15, DESIGN.md's operator
contract): CreditBot and the payment poll pull from Stripe in a dry run too, record nothing, and
preview exactly the messages the real run right after posts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.billing.tables import CreditEpisode, PaymentCase, SyncCursor
from bot.db.core import OutboxMessage
from bot.db.models import Account, Invoice
from bot.db.session import session_scope
from jobs import run_job
from tests.billing.fixtures import billing_doc, sales_alerts


def ts(y: int, m: int, d: int, h: int = 0) -> int:
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp())


@pytest.fixture
def settings(settings, fake_stripe):
    return settings.model_copy(update={"stripe_api_key": SecretStr("sk_test_billing"),
                                       "stripe_api_base": fake_stripe.url})


@pytest.fixture
def stripe_only(fake_stripe, seed):
    """Accounts whose credit and late invoice are known only to Stripe until a sync reads them."""
    seed(billing_doc(
        {"id": "bill-sync", "name": "Sync Co", "stripe_customer_ids": ["cus_SYNC"], "owner_slack_id": "U0TAM01",
         "credit": {"term_start": "2026-01-01", "term_months": 12}},
        {"id": "bill-late", "name": "Late Ltd", "stripe_customer_ids": ["cus_LATE"], "owner_slack_id": "U0TAE01"},
    ))
    fake_stripe.add_customer("cus_SYNC", balance=-6_600_000, name="Sync Co",
                             metadata={"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"})
    fake_stripe.add_customer("cus_LATE", name="Late Ltd")
    for m, total in ((2, 1_300_000), (3, 1_400_000), (4, 1_500_000)):
        fake_stripe.add_invoice(f"in_S{m}", "cus_SYNC", status="paid", total=total, amount_due=0,
                                period_start=ts(2026, m, 1), period_end=ts(2026, m + 1, 1), created=ts(2026, m + 1, 1),
                                status_transitions={"finalized_at": ts(2026, m + 1, 1, 1),
                                                    "paid_at": ts(2026, m + 1, 1, 2)})
    fake_stripe.add_invoice("in_LATE", "cus_LATE", status="open", collection_method="send_invoice",
                            amount_due=6_000_000, amount_remaining=6_000_000, total=6_000_000, billing_reason="manual",
                            due_date=ts(2026, 5, 1), number="LATE-0001", created=ts(2026, 4, 1))
    return fake_stripe


def recorded(rt) -> dict[str, object]:
    """Everything a run could have written."""
    with session_scope(rt.session_factory) as s:
        return {
            "credit": s.get(Account, "bill-sync").credit_balance,
            "invoices": s.scalar(select(func.count()).select_from(Invoice)),
            "cursor": s.get(SyncCursor, "stripe_invoices"),
            "episodes": s.scalar(select(func.count()).select_from(CreditEpisode)),
            "cases": s.scalar(select(func.count()).select_from(PaymentCase)),
            "outbox": s.scalar(select(func.count()).select_from(OutboxMessage)),
        }


NOTHING = {"credit": None, "invoices": 0, "cursor": None, "episodes": 0, "cases": 0, "outbox": 0}


def test_creditbot_dry_run_previews_exactly_what_the_real_run_posts(rt, stripe_only, fake_slack):
    when = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
    dry = run_job(rt, "creditbot", now=when, dry_run=True)
    assert "no_credit" not in dry.summary  # the credit is in Stripe, and the dry run read it
    assert [p.text for p in dry.planned] == [
        "CreditBot: Sync Co will run out of credit around 17 Sep 2026, 106 days before its term ends "
        "(1 Jan 2027). <@U0TAM01>"]
    assert stripe_only.calls("/v1/customers") == 1 and stripe_only.calls("/v1/invoices") == 1
    assert recorded(rt) == NOTHING
    assert sales_alerts(fake_slack) == []
    run_job(rt, "creditbot", now=when)
    posted = sales_alerts(fake_slack, wait_for=1)
    assert [(p["text"], p["blocks"]) for p in posted] == [(p.text, p.blocks) for p in dry.planned]
    with session_scope(rt.session_factory) as s:
        assert s.get(Account, "bill-sync").credit_balance == Decimal("66000.00")


def test_payment_poll_dry_run_previews_exactly_what_the_real_run_posts(rt, stripe_only, fake_slack):
    when = datetime(2026, 5, 2, 9, tzinfo=UTC)
    dry = run_job(rt, "payments_reconcile", now=when, dry_run=True)
    assert [p.key for p in dry.planned] == ["pay:in_LATE:root"]
    assert recorded(rt) == NOTHING
    run_job(rt, "payments_reconcile", now=when)
    posted = sales_alerts(fake_slack, wait_for=1)
    assert [(p["text"], p["blocks"]) for p in posted] == [(p.text, p.blocks) for p in dry.planned]


def test_payment_poll_dry_run_sees_a_payment_whose_webhook_was_lost(rt, stripe_only, fake_slack):
    run_job(rt, "payments_reconcile", now=datetime(2026, 5, 2, 9, tzinfo=UTC))
    [root] = sales_alerts(fake_slack, wait_for=1)
    stripe_only.update_invoice("in_LATE", status="paid", amount_remaining=0, amount_paid=6_000_000,
                               status_transitions={"paid_at": ts(2026, 5, 4, 12)})
    when = datetime(2026, 5, 8, 9, tzinfo=UTC)  # step 2's day: the dry run must not preview "suspend tomorrow"
    dry = run_job(rt, "payments_reconcile", now=when, dry_run=True)
    assert [p.text for p in dry.planned] == ["Paid on 4 May 2026 ($60,000.00). Escalation closed."]
    with session_scope(rt.session_factory) as s:
        assert s.get(Invoice, "in_LATE").status == "open"  # still the bot's old copy: nothing recorded
        assert s.get(PaymentCase, "in_LATE").status == "open"
    run_job(rt, "payments_reconcile", now=when)
    posted = sales_alerts(fake_slack, wait_for=2)[1:]
    assert [(p["text"], p["blocks"]) for p in posted] == [(p.text, p.blocks) for p in dry.planned]
    assert posted[0]["thread_ts"] == root["ts"]

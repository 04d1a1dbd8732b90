"""`gtmbot sync stripe` and the jobs with Stripe configured: Stripe customers and invoices (from
the Stripe fake on STRIPE_API_BASE) land in the one account model, and the jobs alert from it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import SecretStr

from bot import clock
from bot.billing.stripe_sync import run_sync, stripe_client, sync_all
from bot.db.models import Account, Invoice
from bot.db.session import session_scope
from jobs import run_job
from tests.billing.fixtures import billing_doc, sales_alerts
from tests.clock import freeze


def ts(y: int, m: int, d: int, h: int = 0) -> int:
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp())


@pytest.fixture
def settings(settings, fake_stripe):
    return settings.model_copy(update={"stripe_api_key": SecretStr("sk_test_billing"),
                                       "stripe_api_base": fake_stripe.url})


@pytest.fixture
def stripe_world(fake_stripe, seed):
    seed(billing_doc(
        {"id": "bill-sync", "name": "Sync Co", "stripe_customer_ids": ["cus_SYNC"], "owner_slack_id": "U0TAM01",
         "credit": {"term_start": "2026-01-01", "term_months": 12}},
        {"id": "bill-late", "name": "Late Ltd", "stripe_customer_ids": ["cus_LATE"], "owner_slack_id": "U0TAE01"},
    ))
    fake_stripe.add_customer("cus_SYNC", balance=-6_600_000, name="Sync Co",
                             metadata={"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"})
    fake_stripe.add_customer("cus_LATE", name="Late Ltd")
    fake_stripe.add_customer("cus_UNMAPPED", name="Nobody")
    for m, total in ((2, 1_300_000), (3, 1_400_000), (4, 1_500_000)):
        fake_stripe.add_invoice(f"in_S{m}", "cus_SYNC", status="paid", total=total, amount_due=0,
                                period_start=ts(2026, m, 1), period_end=ts(2026, m + 1, 1), created=ts(2026, m + 1, 1),
                                status_transitions={"finalized_at": ts(2026, m + 1, 1, 1), "paid_at": ts(2026, m + 1, 1, 2)})
    fake_stripe.add_invoice("in_LATE", "cus_LATE", status="open", collection_method="send_invoice",
                            amount_due=6_000_000, amount_remaining=6_000_000, total=6_000_000, billing_reason="manual",
                            due_date=ts(2026, 5, 1), number="LATE-0001", created=ts(2026, 4, 1))
    fake_stripe.add_invoice("in_OTHER", "cus_UNMAPPED", status="open", amount_due=100, created=ts(2026, 4, 1))
    return fake_stripe


def test_sync_writes_credit_and_invoices_into_the_account_model(settings, rt, stripe_world, capsys, monkeypatch):
    freeze("2026-05-10T09:00:00Z")  # the first sync reads 120 days back from now
    assert run_sync(settings, rt.session_factory) == 0
    assert "3 customer(s) read, 2 mapped to accounts" in capsys.readouterr().out
    with session_scope(rt.session_factory) as s:
        acct = s.get(Account, "bill-sync")
        assert acct.credit_balance == Decimal("66000.00") and acct.credit_expires_on == date(2027, 1, 1)
        assert s.get(Invoice, "in_S4").effective_total == Decimal("15000.00")
        late = s.get(Invoice, "in_LATE")
        assert (late.payment_method, late.kind, late.due_date) == ("bank_transfer", "credit_purchase", date(2026, 5, 1))
        assert s.get(Invoice, "in_OTHER") is None  # no account holds that customer
    assert stripe_world.calls("/v1/customers") == 1


def test_sync_without_a_key_says_what_to_set(settings, rt, capsys):
    assert run_sync(settings.model_copy(update={"stripe_api_key": None}), rt.session_factory) == 2
    assert "STRIPE_API_KEY is not set" in capsys.readouterr().err


def test_jobs_pull_from_stripe_then_alert(rt, stripe_world, fake_slack):
    run_job(rt, "creditbot", now=datetime(2026, 5, 10, 9, 30, tzinfo=UTC))
    [credit] = sales_alerts(fake_slack, wait_for=1)
    assert credit["text"].startswith("CreditBot: Sync Co will run out of credit around 17 Sep 2026")
    run_job(rt, "payments_reconcile", now=datetime(2026, 5, 2, 9, tzinfo=UTC))
    posts = sales_alerts(fake_slack, wait_for=2)
    assert posts[1]["text"] == ("Payment late: Late Ltd, $60,000.00 (invoice LATE-0001), bank-transfer invoice "
                                "unpaid, late since 2 May 2026 (due 1 May 2026). <@U0TAE01>")


def test_sync_on_a_terminal_shows_each_stripe_stage(settings, rt, stripe_world, capsys, monkeypatch):
    import io

    from bot.progress import Reporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    freeze("2026-05-10T09:00:00Z")
    screen = Terminal()
    client = stripe_client(settings)
    with session_scope(rt.session_factory) as s, Reporter("stripe", stream=screen) as bar:
        counts = sync_all(s, client, clock.now(), bar=bar)
    shown = screen.getvalue()
    assert counts["customers"] == 3
    for stage in ("stripe: customers", "stripe: invoices since 2026-01-10", "stripe: open invoices"):
        assert stage in shown
    assert "3/3" in shown  # three customers read

"""Two schedulers on one PostgreSQL database: only one holds the lease, and even when both run
the billing jobs at the same moment every message goes out once (DESIGN.md, issue 7).

Runs when TEST_DATABASE_URL points at PostgreSQL (./scripts/test does that); SQLite serialises
writers, so the race cannot happen there."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.billing.tables import PaymentCase
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.runtime import build_runtime
from bot.scheduler import try_acquire_lease
from jobs import run_job
from tests.billing.fixtures import billing_doc, sales_alerts, settle


@pytest.fixture
def two_runtimes(settings, rt):
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL (set TEST_DATABASE_URL, as ./scripts/test does)")
    other = build_runtime(settings, migrate=False)
    rt.worker_id, other.worker_id = "replica-a", "replica-b"
    yield rt, other
    other.engine.dispose()


def accounts(n: int) -> list[dict]:
    return [{
        "id": f"bill-race-{i}", "name": f"Race {i}", "stripe_customer_ids": [f"cus_RACE{i}"],
        "owner_slack_id": "U0TAM01",
        "invoices": [{"id": f"in_RACE{i}", "status": "open", "payment_method": "card", "amount_due": "500.00",
                      "finalized_at": "2026-03-01T10:00:00Z", "attempt_count": 1,
                      "first_failed_at": "2026-03-01T10:00:00Z"}],
    } for i in range(n)]


def test_only_one_replica_holds_the_scheduler_lease(two_runtimes):
    a, b = two_runtimes
    results = []
    barrier = threading.Barrier(2)

    def take(runtime):
        barrier.wait()
        results.append(try_acquire_lease(runtime))

    threads = [threading.Thread(target=take, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


def test_two_schedulers_running_the_payment_job_at_once_post_each_message_once(two_runtimes, seed, fake_slack):
    a, b = two_runtimes
    seed(billing_doc(*accounts(20)))
    now = datetime(2026, 3, 1, 11, tzinfo=UTC)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def race(runtime):
        barrier.wait()
        try:
            run_job(runtime, "payments_reconcile", now=now)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=race, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sales_alerts(fake_slack, wait_for=20)
    settle()
    posts = sales_alerts(fake_slack)
    assert len(posts) == 20
    assert len({p["metadata"]["event_payload"]["dedupe_key"] for p in posts}) == 20
    with session_scope(a.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(PaymentCase)) == 20
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 20


def test_two_schedulers_running_creditbot_at_once_post_one_alert(two_runtimes, seed, fake_slack):
    a, b = two_runtimes
    doc = billing_doc({
        "id": "bill-race-credit", "name": "Race Credit", "stripe_customer_ids": ["cus_RACECREDIT"],
        "owner_slack_id": "U0TAM01",
        "credit": {"amount": "100000.00", "term_start": "2026-01-01", "term_months": 12, "balance": "66000.00"},
        "invoices": [
            {"id": f"in_RC{m}", "status": "paid", "payment_method": "card", "total": total, "amount_due": "0.00",
             "period_start": f"2026-{m:02d}-01", "period_end": f"2026-{m + 1:02d}-01"}
            for m, total in ((2, "13000.00"), (3, "14000.00"), (4, "15000.00"))
        ],
    })
    seed(doc)
    now = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
    barrier = threading.Barrier(2)

    def race(runtime):
        barrier.wait()
        run_job(runtime, "creditbot", now=now)

    threads = [threading.Thread(target=race, args=(r,)) for r in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sales_alerts(fake_slack, wait_for=1)
    settle()
    assert len(sales_alerts(fake_slack)) == 1

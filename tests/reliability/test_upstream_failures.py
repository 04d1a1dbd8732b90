"""Stripe, Zendesk and Vitally misbehave: 5xx, 429, answers that never come (timeouts, dropped
connections), outages. Each is retried or queued, and nothing is lost or done twice: one Zendesk
ticket and one confirmation per thread, one CreditBot / payment alert per case, and a Vitally sync
that either completes with the same data as an undisturbed one or fails leaving the data as it was."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from pydantic import SecretStr

from bot.clients.vitally import VitallyClient
from bot.clients.zendesk import ZendeskClient
from bot.clock import now as clock_now
from bot.fakes.stripe import FakeStripe
from bot.fakes.vitally import FakeVitally
from bot.importer.settings import DEFAULT_TRAIT_MAP
from bot.importer.vitally_sync import SyncParams, run_sync
from jobs import run_job
from tests.billing.fixtures import SALES_ALERTS, billing_doc
from tests.reliability.conftest import (
    EXTERNAL_USER,
    confirmations,
    db_dump,
    quick_stop,
    settle,
    ticket_event,
    wait,
)
from tests.tickets.fixtures import ROOT

# ------------------------------------------------------------------------------------ Zendesk
CREATE = {"path_prefix": "/api/v2/tickets.json", "method": "POST"}


def react(world) -> None:
    assert world.bot.event(ticket_event()).status_code == 200


def exactly_one_ticket(world) -> None:
    wait(lambda: confirmations(world.slack))
    settle()
    assert len(world.zendesk.tickets()) == 1
    assert len(confirmations(world.slack)) == 1
    keys = {r.headers.get("idempotency-key") for r in world.zendesk.ticket_creates()}
    assert len(keys) == 1, "every attempt reuses one idempotency key"
    [row] = world.rows()
    assert (row.status, row.zendesk_ticket_id) == ("created", world.zendesk.tickets()[0]["id"])


# (HTTP status, how many times in a row) before Zendesk answers: each within the client's retries
TRANSIENT = [(500, 1), (502, 2), (503, 2), (504, 1), (429, 1)]


def test_zendesk_5xx_and_429_then_ok_give_one_ticket_per_thread(world):
    """Each transient failure on its own thread: one ticket, one confirmation, no holding message."""
    for i, (status, times) in enumerate(TRANSIENT):
        ts = f"1700000200.{i:06d}"
        world.message("C_ACME", f"Broken thing {i}", user=EXTERNAL_USER, ts=ts)
        world.zendesk.fail_next(times, status, retry_after=1 if status == 429 else None, **CREATE)
        assert world.bot.event(ticket_event(ts=ts)).status_code == 200
        wait(lambda ts=ts: [p for p in confirmations(world.slack) if p["thread_ts"] == ts])
        creates = [r for r in world.zendesk.ticket_creates()
                   if r.headers.get("idempotency-key", "").endswith(ts)]
        assert [r.status for r in creates] == [status] * times + [201], (status, times)
    settle()
    assert len(world.zendesk.tickets()) == len(TRANSIENT)
    assert sorted(p["thread_ts"] for p in confirmations(world.slack)) == [
        f"1700000200.{i:06d}" for i in range(len(TRANSIENT))]
    assert not [p for p in world.posts() if p["text"].startswith("I couldn't")]  # no holding message
    assert {r.status for r in world.rows()} == {"created"}


def test_zendesk_answer_lost_to_a_timeout_is_not_a_second_ticket(world):
    """Zendesk created the ticket but the answer came after the client's timeout: the retry carries
    the same idempotency key, Zendesk answers with the original ticket."""
    world.rt.cache["zendesk_client"] = ZendeskClient(world.zendesk.url, "bot@posthog.example", "zd-token",
                                                     timeout_s=0.3, retry_delays_s=(0.05, 0.1, 0.2))
    world.zendesk.stall_next(1, 1.0, **CREATE)
    react(world)
    exactly_one_ticket(world)
    creates = world.zendesk.ticket_creates()
    assert len(creates) >= 2  # the timed-out attempt and the retry


def test_zendesk_down_for_a_while_queues_then_delivers_once(world):
    sync_runs_while_down = 3
    world.zendesk.set_outage(503)
    react(world)
    wait(lambda: world.rows() and world.rows()[0].status == "queued")
    assert world.zendesk.tickets() == []
    later = clock_now() + timedelta(seconds=121)
    for i in range(sync_runs_while_down):  # the tickets_sync job keeps trying while Zendesk is down
        run_job(world.rt, "tickets_sync", now=later + timedelta(seconds=61 * i))
    assert world.zendesk.tickets() == [] and confirmations(world.slack) == []
    holding = [p for p in world.posts() if p["text"].startswith("I couldn't open the ticket yet")]
    assert len(holding) == 1  # the thread is told once, however long the outage

    world.zendesk.set_outage(None)
    for i in range(3):  # Zendesk is back: the next runs deliver it, and only once
        run_job(world.rt, "tickets_sync", now=later + timedelta(seconds=61 * (sync_runs_while_down + i)))
    exactly_one_ticket(world)
    assert len([p for p in world.posts() if p["text"].startswith("I couldn't")]) == 1
    # later replies in the thread still reach the ticket, once each
    world.say("C_ACME", "still broken", user=EXTERNAL_USER, ts="1700000001.000200", thread_ts=ROOT)
    ticket_id = world.zendesk.tickets()[0]["id"]
    wait(lambda: len(world.zendesk.comments(ticket_id)) == 2)


# ------------------------------------------------------------------------------------- Stripe
def ts(y: int, m: int, d: int, h: int = 0) -> int:
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp())


CREDIT_DAY = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
LATE_DAY = datetime(2026, 5, 2, 9, tzinfo=UTC)


@pytest.fixture
def fake_stripe_rel():
    fake = FakeStripe()
    fake.start()
    yield fake
    quick_stop(fake)


@pytest.fixture
def settings(settings, fake_stripe_rel):
    return settings.model_copy(update={"stripe_api_key": SecretStr("sk_test_reliability"),
                                       "stripe_api_base": fake_stripe_rel.url})


@pytest.fixture
def stripe_world(fake_stripe_rel, seed):
    """One prepaid customer whose credit runs out early (a CreditBot alert) and one overdue invoice
    (a payment alert), both only in Stripe: the jobs must read Stripe to post anything."""
    seed(billing_doc(
        {"id": "bill-sync", "name": "Sync Co", "stripe_customer_ids": ["cus_SYNC"], "owner_slack_id": "U0TAM01",
         "credit": {"term_start": "2026-01-01", "term_months": 12}},
        {"id": "bill-late", "name": "Late Ltd", "stripe_customer_ids": ["cus_LATE"], "owner_slack_id": "U0TAE01"},
    ))
    fake = fake_stripe_rel
    fake.add_customer("cus_SYNC", balance=-6_600_000, name="Sync Co",
                      metadata={"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"})
    fake.add_customer("cus_LATE", name="Late Ltd")
    for m, total in ((2, 1_300_000), (3, 1_400_000), (4, 1_500_000)):
        fake.add_invoice(f"in_S{m}", "cus_SYNC", status="paid", total=total, amount_due=0,
                         period_start=ts(2026, m, 1), period_end=ts(2026, m + 1, 1), created=ts(2026, m + 1, 1),
                         status_transitions={"finalized_at": ts(2026, m + 1, 1, 1), "paid_at": ts(2026, m + 1, 1, 2)})
    fake.add_invoice("in_LATE", "cus_LATE", status="open", collection_method="send_invoice",
                     amount_due=6_000_000, amount_remaining=6_000_000, total=6_000_000, billing_reason="manual",
                     due_date=ts(2026, 5, 1), number="LATE-0001", created=ts(2026, 4, 1))
    return fake


def inject(fake: FakeStripe, how: str, path: str, times: int) -> None:
    if how == "drop":
        fake.drop(path, times=times)
    else:
        fake.fail(path, int(how), times=times)


def alert_state(rt) -> dict[str, list]:
    dump = db_dump(rt)
    return {t: dump[t] for t in ("outbox", "billing_creditbot_episode", "billing_payment_case",
                                 "billing_payment_step", "billing_payment_case_invoice")}


def alerts(fake_slack, start: str) -> list[dict]:
    return [p for p in fake_slack.posts(SALES_ALERTS) if p["text"].startswith(start)]


JOBS = [  # (job, clock, the Stripe listing that fails, the alert it must still post once)
    ("creditbot", CREDIT_DAY, "/v1/customers", "CreditBot: Sync Co will run out of credit"),
    ("creditbot", CREDIT_DAY, "/v1/invoices", "CreditBot: Sync Co will run out of credit"),
    ("payments_reconcile", LATE_DAY, "/v1/invoices", "Payment late: Late Ltd"),
]


@pytest.mark.parametrize(("job", "day", "path", "alert", "how"), [
    (*JOBS[0], "500"), (*JOBS[1], "drop"), (*JOBS[2], "503")])
def test_stripe_5xx_or_dropped_connection_is_retried_and_alerts_once(rt, stripe_world, fake_slack, job, day,
                                                                    path, alert, how):
    inject(stripe_world, how, path, times=2)  # the retry policy (3 tries under test settings) absorbs two
    result = run_job(rt, job, now=day)
    assert result.status == "ok"
    wait(lambda: alerts(fake_slack, alert))
    run_job(rt, job, now=day)  # the next run finds the alert already sent
    settle()
    assert len(alerts(fake_slack, alert)) == 1
    assert stripe_world.calls(path) >= 3  # the failed attempts and the one that worked


@pytest.mark.parametrize(("job", "day", "path", "alert", "how"), [
    (*JOBS[0], "503"), (*JOBS[1], "500"), (*JOBS[2], "drop")])
def test_stripe_down_fails_the_run_cleanly_and_the_next_run_alerts_once(rt, stripe_world, fake_slack, job, day,
                                                                        path, alert, how):
    inject(stripe_world, how, path, times=3)  # more than the retries
    before = alert_state(rt)
    with pytest.raises(stripe.StripeError):
        run_job(rt, job, now=day)
    settle()
    assert fake_slack.posts(SALES_ALERTS) == [], "nothing is posted from a run that failed"
    # Stripe facts already read may be kept (they are only a fresher copy of Stripe), but no alert,
    # escalation or message is recorded: the next run decides from scratch
    assert alert_state(rt) == before
    stripe_world._scripted.clear()
    run_job(rt, job, now=day)
    wait(lambda: alerts(fake_slack, alert))
    run_job(rt, job, now=day)
    settle()
    assert len(alerts(fake_slack, alert)) == 1


# ------------------------------------------------------------------------------------ Vitally
NOW = datetime(2025, 6, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def vitally():
    fake = FakeVitally().start()
    fake.add("admins", id="adm-1", name="Alex Rivera", email="alex@example.com")
    fake.add("accounts", id="v-acme", externalId="0189-acme", name="Acme Robotics", accountOwnerId="adm-1",
             healthScore=8.4, traits={"arr": 51000.5, "Paying for Session Replay": True})
    fake.add("accounts", id="v-gale", externalId="0192-gale", name="Gale Labs", healthScore=3.1,
             traits={"arr": 12000})
    fake.add("accounts", id="v-hale", externalId="0194-hale", name="Hale Co", healthScore=6.0)
    fake.add("notes", id="n-1", accountId="v-acme", subject="Q3 Account Plan", createdAt="2025-05-30T10:00:00Z")
    fake.add("users", id="u-1", email="ops@acme.io", name="Ops", accounts=[{"id": "v-acme"}])
    yield fake
    quick_stop(fake)


def vitally_sync(rt, fake: FakeVitally) -> tuple[int, str]:
    params = SyncParams(api_url=fake.url, api_key=fake.api_key, trait_map=dict(DEFAULT_TRAIT_MAP), page_size=2,
                        batch_size=2, max_retries=2)
    client = VitallyClient(fake.url, fake.api_key, page_size=2, max_retries=2, timeout=0.2, backoff=0.01)
    err = io.StringIO()
    status = run_sync(params, rt.session_factory, progress=False, stdout=io.StringIO(), stderr=err, now=NOW,
                      client=client, lookup_slack_id=lambda email: None)
    client.close()
    return status, err.getvalue()


def vitally_trouble(fake: FakeVitally, resource: str, how: str, times: int) -> None:
    if how == "timeout":
        fake.stall(resource, 0.4, times=times)
    else:
        fake.fail(resource, int(how), times=times, retry_after=0 if how == "429" else None)


RESOURCES = ["admins", "notes", "users", "accounts"]


TEAM_ONLY = {"team": [{"slack_id": "U0TAE01", "name": "Alex Rivera", "email": "alex@example.com", "role": "TAE"}]}


@pytest.mark.parametrize("how", ["503", "429", "timeout"])
def test_vitally_trouble_is_retried_and_nothing_is_lost(rt, seed, vitally, how):
    seed(TEAM_ONLY)
    for resource in RESOURCES:  # every listing the sync reads fails twice before it answers
        vitally_trouble(vitally, resource, how, times=2)
    status, err = vitally_sync(rt, vitally)
    assert status == 0, err
    assert {r.status for r in vitally.requests} >= ({200} if how == "timeout" else {200, int(how)})
    after = db_dump(rt)
    assert len(after["accounts"]) == 3 and len(after["notes"]) == 1 and len(after["contacts"]) == 1
    # an undisturbed rerun finds nothing missing: what the disturbed run wrote is complete
    assert vitally_sync(rt, vitally)[0] == 0
    assert db_dump(rt) == after


def test_vitally_down_fails_the_sync_and_changes_nothing(rt, seed, vitally):
    seed(TEAM_ONLY)
    before = db_dump(rt)
    # whichever listing stays down, however it fails, before anything was written
    for resource, how in itertools.product(RESOURCES, ["500", "503", "429", "timeout"]):
        vitally_trouble(vitally, resource, how, times=3)  # more than max_retries=2
        status, err = vitally_sync(rt, vitally)
        assert status == 2, (resource, how, err)
        assert "0 accounts were synced before it stopped" in err
        assert db_dump(rt) == before, (resource, how)
        vitally._failures.clear()
        vitally._stalls.clear()
    assert vitally_sync(rt, vitally)[0] == 0  # and once Vitally is back, the sync completes
    assert len(db_dump(rt)["accounts"]) == 3


def test_stripe_429_delays_the_job_by_retry_after_not_a_day(rt, stripe_world, fake_slack):
    """Stripe's 429 without Stripe-Should-Retry (stripe-python would not retry it): the job waits the
    Retry-After and carries on; the alert goes out in the same run."""
    stripe_world.faults.add("GET /v1/customers", "rate_limit", retry_after=1)
    result = run_job(rt, "creditbot", now=CREDIT_DAY)
    assert result.status == "ok"
    wait(lambda: alerts(fake_slack, "CreditBot: Sync Co will run out of credit"))
    asked = [t for (_, path), t in zip(stripe_world.requests, stripe_world.request_times, strict=True)
             if path == "/v1/customers"]
    assert len(asked) == 2 and asked[1] - asked[0] >= 1.0  # the Retry-After, not a day
    assert stripe_world.faults.played == [("GET /v1/customers", "rate_limit")]

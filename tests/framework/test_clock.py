"""GTMBOT_NOW is what time it is at start-up, and the clock runs on from there (issue 17): under it
a failed send is retried after its backoff and the scheduler's catch-up runs, as in production."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import clock
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.demo import DEMO_NOW, start_demo
from bot.fakes.driver import wait_until
from tests.clock import freeze


def _wait(predicate, timeout: float, every: float = 0.2):
    """Poll until predicate() is truthy (the real clock has to move; nothing else to wait on)."""
    return wait_until(predicate, timeout, interval=every)


def test_gtmbot_now_sets_the_time_at_start_and_the_clock_runs_on(monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    start = clock.start()
    assert timedelta(0) <= start - datetime(2025, 6, 2, 9, tzinfo=UTC) < timedelta(seconds=5)
    real_start = clock.real_now()
    later = _wait(lambda: (t := clock.now()) > start + timedelta(milliseconds=300) and t, 10)
    drift = abs((later - start) - (clock.real_now() - real_start))
    assert drift < timedelta(milliseconds=200)  # moves at real speed, from the operator's time
    assert later.date().isoformat() == "2025-06-02"


def test_a_test_freezes_the_clock_and_the_operator_setting_does_not(monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    freeze("2030-01-01T00:00:00Z")
    first = clock.now()
    _wait(lambda: clock.real_now() > clock.real_now() - timedelta(seconds=1), 1)
    assert clock.now() == first == datetime(2030, 1, 1, tzinfo=UTC)
    clock.freeze(None)
    assert clock.now().year == 2025


def test_the_demo_with_gtmbot_now_retries_a_failed_send_after_its_backoff(tmp_path, monkeypatch):
    """The first send of the digest fails; under a frozen clock its retry never came due. With the
    clock running from GTMBOT_NOW, the outbox flush sends it once the 15-second backoff has passed."""
    monkeypatch.setenv("GTMBOT_NOW", DEMO_NOW)
    session, server = start_demo(tmp_path / "demo.db")
    try:
        fake, rt = session.fake, session.rt
        fake.fail("chat.postMessage", error="internal_error")
        assert "churn_digest: digest 2025-W23" in session.run_line("jobs run churn_digest")
        assert fake.posts("C0CHURN") == []
        with session_scope(rt.session_factory) as s:
            row = s.scalar(select(OutboxMessage).where(OutboxMessage.thread_key.is_(None),
                                                       OutboxMessage.dedupe_key.like("churn-digest:%")))
            assert (row.status, row.last_error) == ("pending", "internal_error")
            retry_at = row.next_attempt_at
        assert session.run_line("jobs run outbox_flush").startswith("outbox_flush: sent 0")  # backing off

        def flushed() -> list[dict]:
            session.run_line("jobs run outbox_flush")
            return [m for m in fake.posts("C0CHURN") if "Churn-risk digest" in m["text"]]

        posted = _wait(flushed, 90, every=1.0)
        assert len(posted) == 1
        with session_scope(rt.session_factory) as s:
            row = s.get(OutboxMessage, row.id)
            assert row.status == "sent" and row.attempts == 2
            sent_at = row.sent_at if row.sent_at.tzinfo else row.sent_at.replace(tzinfo=UTC)
        retry_at = retry_at if retry_at.tzinfo else retry_at.replace(tzinfo=UTC)
        assert sent_at >= retry_at  # not before its backoff
        assert sent_at.date().isoformat() == "2025-06-02"  # on the demo's clock, which ran on
    finally:
        server.stop()
        session.fake.stop()

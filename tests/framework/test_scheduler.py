"""One scheduler runs the jobs, however many processes serve; a job run twice sends once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.core import JobRun, OutboxMessage
from bot.db.session import session_scope
from bot.scheduler import try_acquire_lease
from jobs import JOBS, JobContext, job, load_jobs, run_job
from tests.clock import freeze


def test_only_one_process_holds_the_lease_until_it_expires(rt):
    other = replace(rt, worker_id="other-host:42")
    t0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    assert try_acquire_lease(rt, seconds=60, at=t0)
    assert not try_acquire_lease(other, seconds=60, at=t0 + timedelta(seconds=10))
    assert try_acquire_lease(rt, seconds=60, at=t0 + timedelta(seconds=20))  # renewal
    assert not try_acquire_lease(other, seconds=60, at=t0 + timedelta(seconds=70))
    assert try_acquire_lease(other, seconds=60, at=t0 + timedelta(seconds=81))  # holder died


@pytest.fixture
def greeting_job():
    @job("test_greeting", "Says hello once a day", trigger="cron", hour=9)
    def greeting(ctx: JobContext) -> str:
        ctx.post(key=f"greeting:{ctx.now.date()}", channel="C0SALESALERTS", text=f"Good morning {ctx.now.date()}")
        return "1 greeting"

    yield "test_greeting"
    JOBS.pop("test_greeting", None)


def test_a_job_run_twice_posts_once(rt, fake_slack, greeting_job, monkeypatch):
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    at = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    run_job(rt, greeting_job, now=at)
    run_job(rt, greeting_job, now=at)
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["Good morning 2025-06-02"]
    with session_scope(rt.session_factory) as s:
        assert [r.status for r in s.scalars(select(JobRun).where(JobRun.job == greeting_job))] == ["ok", "ok"]


def test_dry_run_plans_but_sends_and_records_nothing(rt, fake_slack, greeting_job, monkeypatch):
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    result = run_job(rt, greeting_job, dry_run=True, now=datetime(2025, 6, 2, 9, tzinfo=UTC))
    assert [p.text for p in result.planned] == ["Good morning 2025-06-02"]
    assert fake_slack.posts() == []
    with session_scope(rt.session_factory) as s:
        assert s.scalars(select(OutboxMessage)).all() == []


def test_every_registered_job_has_a_valid_trigger():
    from apscheduler.schedulers.background import BackgroundScheduler

    sched = BackgroundScheduler(timezone="UTC")
    for spec in load_jobs().values():
        sched.add_job(lambda: None, id=spec.name, **spec.trigger)
    assert "outbox_flush" in load_jobs()


def _ran(rt, name: str, at: datetime, status: str = "ok") -> None:
    with session_scope(rt.session_factory) as s:
        s.add(JobRun(job=name, started_at=at, finished_at=at, status=status, holder="old-host:1"))


@pytest.mark.parametrize("now, caught_up", [
    ("2025-06-03T11:00:00Z", True),   # due at 09:00 while every process was down: run once now
    ("2025-06-03T16:00:00Z", False),  # more than 6 hours late: wait for tomorrow's run
    ("2025-06-03T08:00:00Z", False),  # not due yet today; yesterday's run happened
])
def test_a_run_due_while_gtmbot_was_down_is_caught_up_once_at_start(rt, fake_slack, greeting_job, monkeypatch,
                                                                    now, caught_up):
    """A deploy at 09:00 must not cost a day's (or a week's) message (`bot/scheduler.py`, MISFIRE_GRACE)."""
    from bot.scheduler import Scheduler

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    freeze(now)
    _ran(rt, greeting_job, datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
    scheduler = Scheduler(rt)
    scheduler.catch_up()
    scheduler.catch_up()  # a second start (or a second replica) finds the run done
    expected = ["Good morning 2025-06-03"] if caught_up else []
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == expected


def test_a_job_that_never_ran_here_is_not_backfilled(rt, fake_slack, greeting_job, monkeypatch):
    from bot.scheduler import Scheduler

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    freeze("2025-06-03T11:00:00Z")
    Scheduler(rt).catch_up()
    assert fake_slack.posts("C0SALESALERTS") == []


def test_a_run_that_crashed_counts_as_missed(rt, fake_slack, greeting_job, monkeypatch):
    from bot.scheduler import Scheduler

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    freeze("2025-06-03T10:00:00Z")
    _ran(rt, greeting_job, datetime(2025, 6, 3, 9, 0, tzinfo=UTC), status="running")  # killed mid-run
    Scheduler(rt).catch_up()
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["Good morning 2025-06-03"]


def test_a_survivor_that_takes_the_lease_over_reruns_the_job_the_dead_holder_was_running(rt, fake_slack,
                                                                                         greeting_job, monkeypatch):
    """kill -9 mid-run: the dead holder's lease still looks valid for a while, so the restarted (or
    surviving) process gets it only later; it then catches up on the cut-off run, once."""
    from bot.scheduler import Scheduler

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    dead = replace(rt, worker_id="dead-host:7")
    _ran(rt, greeting_job, datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
    _ran(dead, greeting_job, datetime(2025, 6, 3, 9, 0, 5, tzinfo=UTC), status="running")  # cut off by kill -9
    assert try_acquire_lease(dead, seconds=60, at=datetime(2025, 6, 3, 9, 0, 6, tzinfo=UTC))

    scheduler = Scheduler(rt)
    monkeypatch.setattr(scheduler.sched, "add_job", lambda func, *a, **k: func())  # run the catch-up inline
    freeze("2025-06-03T09:00:30Z")
    assert scheduler._renew() is False  # the dead holder's lease has not lapsed yet
    assert fake_slack.posts("C0SALESALERTS") == []
    freeze("2025-06-03T09:01:10Z")
    assert scheduler._renew() is True  # lapsed: taken over, and the cut-off run is caught up
    assert scheduler._renew() is False  # renewing is not a new takeover
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["Good morning 2025-06-03"]


def test_a_run_in_flight_in_this_process_is_not_caught_up_twice(rt, fake_slack, greeting_job, monkeypatch):
    from bot.scheduler import missed_jobs

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    freeze("2025-06-03T09:00:30Z")
    _ran(rt, greeting_job, datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
    with session_scope(rt.session_factory) as s:
        s.add(JobRun(job=greeting_job, started_at=datetime(2025, 6, 3, 9, 0, 1, tzinfo=UTC), status="running",
                     holder=rt.worker_id))
    assert missed_jobs(rt) == []


def test_under_gtmbot_now_the_started_scheduler_catches_up_instead_of_dropping_the_run(
        rt, fake_slack, greeting_job, monkeypatch):
    """APScheduler runs on the real clock: a catch-up dated by GTMBOT_NOW's clock (a year back) was
    dropped as "missed by 415 days". Started for real, the catch-up runs, once."""
    from bot.scheduler import Scheduler

    monkeypatch.setattr("bot.scheduler.load_jobs", lambda: {greeting_job: JOBS[greeting_job]})
    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-03T11:00:00Z")  # the operator's start-up time, running
    _ran(rt, greeting_job, datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
    scheduler = Scheduler(rt)
    scheduler.start()
    try:
        fake_slack.wait_for(lambda: fake_slack.posts("C0SALESALERTS"), timeout=30)
    finally:
        scheduler.shutdown()
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["Good morning 2025-06-03"]

"""Scale-out (issue 10): three `gtmbot serve --http` processes on one PostgreSQL behind a
round-robin balancer (bot/fakes/balancer.py), the scheduler enabled in all three.

1. Commands are answered by any of them: signed slash commands through the balancer, each
   acked with 200 and answered on its response_url, the answers coming from all three.
2. Jobs run once: CreditBot's cron (every minute, for the test) fires in every live process at
   the same instant; each minute exactly one process (the lease holder) runs it, and its alert is
   posted once in all. The first whole minute after the three are up is checked at the end, so
   its wait overlaps the broadcast.
3. A broadcast continues if the process running it dies: the SEV 0 confirm goes to a replica that
   is not the lease holder; it starts sending and the lease holder's resume job joins in. Then the
   confirm's replica is killed with SIGKILL; the survivors finish, every customer channel with
   exactly one message, while commands through the balancer are still answered (the dead replica
   skipped). A row the dead replica left `sending` is checked in Slack once stale, then sent.

PostgreSQL only: several processes writing one SQLite file is not how the bot is deployed.
The other tests here are in-process and run on SQLite too: the two failures the scale-out
scenario can hit but not force on cue (a sender left waiting for a row a dead replica claimed;
a job falling due while the lease holder is dead)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.db.core import JobLease, JobRun
from bot.db.session import session_scope
from bot.fakes.balancer import Balancer
from bot.fakes.driver import SlackDriver, wait_until
from bot.incidents.tables import Broadcast, Delivery
from tests.billing.fixtures import SALES_ALERTS
from tests.conftest import SIGNING_SECRET
from tests.incidents.fixtures import submit
from tests.incidents.test_e2e_broadcast import CONFIRM, declare_sev0, per_channel, world

REPLICAS = 3
CHANNELS = 150
QUOTE = ("120k 2y net30", "*Price ")  # any correct /quote answer starts with its price
LEVELS = ("AT RISK", "WATCH", "HEALTHY", "CHURNED")


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, d.day)


def credit_account(today: date) -> dict:
    """A prepaid account whose credit runs out months before its term ends (CreditBot alerts),
    dated from today: the processes run on the real clock, so the lease can expire."""
    start = add_months(today.replace(day=1), -4)

    def usage(n: int, total: str) -> dict:
        begin, end = add_months(start, n), add_months(start, n + 1)
        return {"id": f"in_S{n}", "status": "paid", "payment_method": "card", "total": total, "amount_due": "0.00",
                "period_start": begin.isoformat(), "period_end": end.isoformat(), "paid_at": f"{end}T06:00:00Z"}

    return {"id": "bill-granite", "name": "Granite Analytics", "stripe_customer_ids": ["cus_GRANITE"], "owner_slack_id": "U_ALICE",
            "credit": {"amount": "180000.00", "term_start": start.isoformat(), "term_months": 12, "balance": "66000.00"},
            "invoices": [usage(1, "13000.00"), usage(2, "14000.00"), usage(3, "15000.00")]}


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def lease_holder(rt) -> str | None:
    with session_scope(rt.session_factory) as s:
        lease = s.get(JobLease, "scheduler")
        return lease.holder if lease and lease.expires_at > datetime.now(UTC) else None


def job_runs(rt, name: str) -> list[tuple[str, str, datetime]]:
    with session_scope(rt.session_factory) as s:
        return [(r.holder, r.status, r.started_at)
                for r in s.scalars(select(JobRun).where(JobRun.job == name).order_by(JobRun.id))]


def leader_sending(rt, leader, since: datetime) -> bool:
    """The lease holder's `incident_broadcasts` job (resume_all) has been running for over half a
    second, started around or after `since`: it is sending the broadcast (an idle run takes ms)."""
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(JobRun.id).where(
            JobRun.job == "incident_broadcasts", JobRun.status == "running", JobRun.holder.endswith(f":{leader.proc.pid}"),
            JobRun.started_at >= since - timedelta(seconds=2),
            JobRun.started_at <= datetime.now(UTC) - timedelta(seconds=0.5))) is not None


def broadcast_status(rt) -> str | None:
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(Broadcast.status))


def test_three_replicas_behind_a_balancer(serve_process, seed, fake_slack, incident_env, db_url, rt, monkeypatch):
    if db_url.startswith("sqlite"):
        pytest.skip("scale-out needs PostgreSQL (several processes on one SQLite file is not a deployment); "
                    "runs in the PostgreSQL pass of scripts/test")
    began = time.monotonic()
    monkeypatch.delenv("GTMBOT_NOW", raising=False)  # real clock: leases must be able to expire
    channels = world(seed, fake_slack, incident_env, CHANNELS, rate=10)
    seed({"team": [], "accounts": [credit_account(date.today())]})
    seeded = time.monotonic() - began

    # CreditBot is due every minute, on the minute: every scheduler fires it at the same moment.
    env = {"SCHEDULER_LEASE_SECONDS": "10", "CREDITBOT_CRON": "* * * * *"}
    with ThreadPoolExecutor(REPLICAS) as pool:
        procs = list(pool.map(lambda _: serve_process(scheduler=True, **env), range(REPLICAS)))
    fire_at = next_minute(datetime.now(UTC))  # the first whole minute with all three up
    by_pid = {str(p.proc.pid): p for p in procs}
    lb = Balancer([p.url for p in procs], down_for=2.0).start()
    try:
        bot = SlackDriver(lb.url, SIGNING_SECRET, fake_slack)
        started = time.monotonic() - began

        # 1. every command answered, whichever process takes it
        sent = []
        for i in range(2 * REPLICAS):
            if i % 2:
                reply = bot.command("/churn-risk", f"Customer {i:03d}", user="U_ALICE")
                expect = f"Customer {i:03d}"
            else:
                reply = bot.command("/quote", QUOTE[0])
                expect = QUOTE[1]
            sent.append((reply, expect, lb.last().backend))
        for reply, expect, _ in sent:
            assert reply.status == 200
            assert expect in reply.text(timeout=15), reply.text()
            if expect != QUOTE[1]:  # /churn-risk: the account's level and name on the first line
                assert any(level in reply.text().splitlines()[0] for level in LEVELS), reply.text()
        quotes = {r.text() for r, expect, _ in sent if expect == QUOTE[1]}
        assert len(quotes) == 1, "every replica gives the same quote"
        spread = Counter(backend for _, _, backend in sent)
        assert set(spread) == {p.url for p in procs} and set(spread.values()) == {2}, spread

        # the scheduler lease settles on one of the three
        fake_slack.wait_for(lambda: lease_holder(rt), 20)
        leader = by_pid[lease_holder(rt).rsplit(":", 1)[1]]

        # 3. SEV 0 to every customer channel. The confirm goes to a replica that is not the lease
        # holder; that replica starts sending, and the lease holder's resume job joins in (row
        # claims keep them apart). Once both are sending, the replica that took the confirm dies.
        preview = declare_sev0(fake_slack, bot)
        while lb.peek() == leader.url:
            assert bot.command("/quote", QUOTE[0]).status == 200
        confirmed_at = datetime.now(UTC)
        assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
        sender = next(p for p in procs if p.url == lb.last().backend)
        assert sender is not leader
        fake_slack.wait_for(lambda: leader_sending(rt, leader, confirmed_at), 20)
        sender.kill9()
        killed_at = datetime.now(UTC)
        at_kill = sum(per_channel(fake_slack, channels).values())
        assert 0 < at_kill < CHANNELS, "killed mid-broadcast"

        # commands are still answered through the balancer while the survivors finish the broadcast
        during = [bot.command("/quote", QUOTE[0]) for _ in range(4)]
        assert all(r.status == 200 and QUOTE[1] in r.text(timeout=15) for r in during)
        assert any(sender.url in r.skipped for r in lb.routed[-4:]), "the dead replica was tried, refused, skipped"
        fake_slack.wait_for(lambda: broadcast_status(rt) == "sent", 60)
        counts = per_channel(fake_slack, channels)
        assert len(counts) == CHANNELS and set(counts.values()) == {1}, "every channel exactly once, none twice"
        finished = time.monotonic()

        # 2. CreditBot's cron fires in every live process each minute; the lease holder alone runs
        # it, once a minute, and its alert is posted once in all
        fake_slack.wait_for(lambda: [r for r in job_runs(rt, "creditbot") if r[2] >= fire_at and r[1] != "running"],
                            max(0.0, (fire_at - datetime.now(UTC)).total_seconds()) + 30)
        # every other live process has seen that run and decided not to run it itself
        due = fire_at.strftime("%H:%M")
        for p in procs:
            if p is not leader and p is not sender:
                wait_until(lambda p=p: f"job creditbot (due {due}) ran in another process" in p.log(), 30)
        runs = job_runs(rt, "creditbot")
        per_minute = Counter(started.replace(second=0, microsecond=0) for _, _, started in runs)
        assert set(per_minute.values()) == {1}, runs
        assert {status for _, status, _ in runs} == {"ok"} and {h.rsplit(":", 1)[1] for h, _, _ in runs} <= set(by_pid), runs
        by_leader = all(h.endswith(f":{leader.proc.pid}") for h, _, _ in runs)
        alerts = fake_slack.posts(SALES_ALERTS)
        assert len(alerts) == 1 and "Granite Analytics" in alerts[0]["text"], alerts
        alive_at_job = REPLICAS if next(r for r in runs if r[2] >= fire_at)[2] < killed_at else REPLICAS - 1

        print(f"\nscale-out: seeded in {seeded:.1f}s, {REPLICAS} replicas up at {started:.1f}s; requests per backend "
              f"{sorted(lb.answered_by().values(), reverse=True)} (dead one skipped {sum(bool(r.skipped) for r in lb.routed)}x); "
              f"creditbot ran once in each of {len(per_minute)} minute(s), by {'the lease holder' if by_leader else 'one process'} ({alive_at_job} processes alive at {fire_at:%H:%M}); "
              f"broadcast: {at_kill}/{CHANNELS} sent when the confirm's replica was killed, then "
              f"{sum(counts.values())} messages in {len(counts)} channels (max {max(counts.values())}), "
              f"finished {finished - began:.1f}s; total {time.monotonic() - began:.1f}s")
    finally:
        lb.stop()


def test_a_sender_outlives_a_concurrent_sender_that_died(seed, fake_slack, incident_env, bot, rt, monkeypatch):
    """Two replicas send one broadcast (the one that took the confirm, and the scheduler's resume
    job); one dies right after claiming a row, leaving it `sending` and never posted. The survivor,
    already running, must not wait for that row forever: once it is stale (spec D.2), it is checked
    against the channel's history and sent. Deterministic, one process, any database."""
    import bot.incidents.sender as sender_mod
    from bot.clock import now
    from bot.incidents.dispatch import incident_settings, sender_config
    from bot.incidents.sender import DeliverySender

    channels = world(seed, fake_slack, incident_env, 6)
    preview = declare_sev0(fake_slack, bot)
    monkeypatch.setattr("bot.incidents.flow.start_broadcast", lambda *a, **k: None)  # rows written, nobody sending
    submit(bot, preview, CONFIRM, "U_SIMON")
    monkeypatch.setattr(sender_mod, "STALE_SENDING", timedelta(seconds=1))
    with session_scope(rt.session_factory) as s:
        broadcast_id = s.scalar(select(Broadcast.id))
        last = s.scalars(select(Delivery).order_by(Delivery.position.desc())).first().id
    died = []

    def other_replica_claims_and_dies(sent: int) -> None:
        if not died:  # the other sender claims the last row, then is killed before posting it
            with session_scope(rt.session_factory) as s:
                s.execute(update(Delivery).where(Delivery.id == last, Delivery.status == "pending")
                          .values(status="sending", sending_started_at=now(), attempts=1))
            died.append(last)

    survivor = threading.Thread(target=lambda: DeliverySender(rt, sender_config(incident_settings())).run(
        broadcast_id=broadcast_id, on_progress=other_replica_claims_and_dies), daemon=True)
    survivor.start()
    survivor.join(20)
    assert not survivor.is_alive(), "the surviving sender waits forever for the dead sender's row"
    assert died and set(per_channel(fake_slack, channels).values()) == {1}


@pytest.fixture
def daily_job(monkeypatch):
    from jobs import JOBS, JobContext, job

    @job("test_scale_daily", "Posts once a day", trigger="cron", hour=9)
    def daily(ctx: JobContext) -> str:
        ctx.post(key=f"daily:{ctx.now.date()}", channel=SALES_ALERTS, text=f"Daily {ctx.now.date()}")
        return "1 post"

    monkeypatch.setattr("jobs.load_jobs", lambda: JOBS)
    yield "test_scale_daily"
    JOBS.pop("test_scale_daily", None)


def runs_by(rt, name: str) -> list[str]:
    return [holder for holder, _, _ in job_runs(rt, name)]


def test_a_job_due_while_the_lease_holder_is_dead_runs_once_on_a_survivor(rt, fake_slack, daily_job):
    """The holder died just before a daily job fell due: the survivors' schedulers fire it too,
    find the lease taken, and must not simply skip it (the day's run would be lost). One of them
    takes the lease over once it lapses and runs the job, once."""
    from dataclasses import replace

    from bot.scheduler import Scheduler, try_acquire_lease

    dead = replace(rt, worker_id="dead-host:1")
    assert try_acquire_lease(dead, seconds=2)  # its lease lapses in 2 s; it never renews
    survivors = [Scheduler(replace(rt, worker_id=f"survivor-{i}:{i}")) for i in (2, 3)]
    threads = [threading.Thread(target=s._run_if_leader, args=[daily_job]) for s in survivors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not any(t.is_alive() for t in threads)
    [holder] = runs_by(rt, daily_job)
    assert holder.startswith("survivor-") and lease_holder(rt) == holder
    assert len(fake_slack.posts(SALES_ALERTS)) == 1


def test_a_live_lease_holder_runs_the_job_and_the_others_do_not(rt, fake_slack, daily_job):
    from dataclasses import replace

    from bot.scheduler import Scheduler, try_acquire_lease
    from jobs import run_job

    holder = replace(rt, worker_id="holder-host:1")
    assert try_acquire_lease(holder, seconds=3)
    sched = Scheduler(replace(rt, worker_id="other-host:2"))
    watching = threading.Event()
    took_over = sched._took_over

    def watch(name, fired):
        watching.set()
        return took_over(name, fired)

    sched._took_over = watch
    other = threading.Thread(target=sched._run_if_leader, args=[daily_job])
    other.start()
    assert watching.wait(15), "the other process is watching the holder's run"
    run_job(holder, daily_job)  # the holder's own firing of the job
    other.join(15)
    assert not other.is_alive()
    assert runs_by(rt, daily_job) == ["holder-host:1"]
    assert len(fake_slack.posts(SALES_ALERTS)) == 1

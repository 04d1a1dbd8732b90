"""kill -9 at random points, then a restart: every message is delivered exactly once.

Real processes: `gtmbot jobs run creditbot` (30 CreditBot alerts through the outbox) and
`gtmbot serve --http` running a SEV 0 broadcast to 40 customer channels. The fake Slack is watched
and the process is SIGKILLed right after the k-th message reaches Slack, k drawn from a seeded random
choice (RELIABILITY_SEED, default 10, picks the kill points; the ids show them). The kill happens
while the fake Slack holds its lock, so no further message lands before the process is dead; the k-th
message's answer may or may not have reached the bot: both in-flight cases occur. Then the operator's
restart (`gtmbot jobs run ...` again) finishes the work, reconciling against channel history."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver
from bot.incidents.tables import Broadcast, Delivery
from tests.billing.fixtures import SALES_ALERTS, billing_doc
from tests.conftest import SIGNING_SECRET
from tests.incidents.fixtures import COORD, submit
from tests.incidents.test_e2e_broadcast import CONFIRM, declare_sev0, per_channel
from tests.incidents.test_e2e_broadcast import world as broadcast_world

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("RELIABILITY_SEED", "10"))
ALERTS = 30
CHANNELS = 40
_rng = random.Random(SEED)
JOB_KILL_POINTS = sorted(_rng.sample(range(1, ALERTS), 2))
BROADCAST_KILL_POINTS = sorted(_rng.sample(range(1, CHANNELS), 2))


def child_env(settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SLACK_BOT_TOKEN": settings.bot_token, "SLACK_SIGNING_SECRET": settings.signing_secret,
           "SLACK_API_URL": settings.slack_api_url, "DATABASE_URL": settings.database_url,
           "SCHEDULER_ENABLED": "false", "PYTHONPATH": str(ROOT), **extra}
    return env


def gtmbot(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def kill_after(fake_slack, proc: subprocess.Popen, count, k: int, timeout: float = 60) -> int:
    """SIGKILL `proc` as soon as `count()` reaches k, while the fake Slack accepts nothing more."""

    def reached() -> bool:
        if count() >= k or proc.poll() is not None:
            proc.send_signal(signal.SIGKILL)  # we hold the fake's lock: no further message lands meanwhile
            proc.wait(10)
            return True
        return False

    try:
        fake_slack.wait_for(reached, timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return count()


# ------------------------------------------------------------------------------ a job: CreditBot
def prepaid(i: int) -> dict:
    """An account whose credit runs out months before its term ends: one CreditBot alert."""
    usage = [{"id": f"in_K{i:02d}_{m}", "status": "paid", "payment_method": "card", "total": total,
              "amount_due": "0.00", "period_start": f"2026-{m:02d}-01", "period_end": f"2026-{m + 1:02d}-01",
              "paid_at": f"2026-{m + 1:02d}-01T06:00:00Z"}
             for m, total in ((2, "13000.00"), (3, "14000.00"), (4, "15000.00"))]
    return {"id": f"kill-{i:02d}", "name": f"Kill Test {i:02d}", "stripe_customer_ids": [f"cus_KILL{i:02d}"],
            "owner_slack_id": "U0TAM01", "invoices": usage,
            "credit": {"amount": "180000.00", "term_start": "2026-01-01", "term_months": 12, "balance": "66000.00"}}


def alert_keys(fake_slack) -> Counter:
    return Counter(p["metadata"]["event_payload"]["outbox_key"] for p in fake_slack.posts(SALES_ALERTS))


@pytest.mark.parametrize("k", JOB_KILL_POINTS, ids=lambda k: f"kill-after-{k}-of-{ALERTS}")
def test_creditbot_killed_after_k_alerts_then_rerun_posts_each_alert_once(k, settings, rt, seed, fake_slack,
                                                                          tmp_path):
    seed(billing_doc(*(prepaid(i) for i in range(ALERTS))))
    log = tmp_path / "jobs.log"
    first = gtmbot(["jobs", "run", "creditbot"], child_env(settings, GTMBOT_NOW="2026-05-10T09:30:00Z"), log)
    at_kill = kill_after(fake_slack, first, lambda: len(fake_slack.posts(SALES_ALERTS)), k)
    assert k <= at_kill < ALERTS, f"killed after {at_kill} alerts, meant mid-run; log:\n{log.read_text()}"
    assert first.returncode == -signal.SIGKILL

    # The operator reruns the job a few minutes later: claims left by the dead process are stale by then,
    # checked against #sales-alerts' history, and only what never reached Slack is sent.
    again = gtmbot(["jobs", "run", "creditbot"], child_env(settings, GTMBOT_NOW="2026-05-10T09:35:00Z"), log)
    assert again.wait(60) == 0, log.read_text()
    keys = alert_keys(fake_slack)
    assert len(keys) == ALERTS and set(keys.values()) == {1}, f"duplicates or gaps: {keys}"
    with session_scope(rt.session_factory) as s:
        assert {r.status for r in s.scalars(select(OutboxMessage))} == {"sent"}


# ------------------------------------------------------------------------ a SEV 0 broadcast
@pytest.mark.parametrize("k", BROADCAST_KILL_POINTS, ids=lambda k: f"kill-after-{k}-of-{CHANNELS}")
def test_sev0_broadcast_killed_after_k_channels_then_resumed_posts_each_channel_once(
        k, settings, rt, seed, fake_slack, incident_env, serve_process, tmp_path, monkeypatch):
    monkeypatch.delenv("GTMBOT_NOW", raising=False)
    channels = broadcast_world(seed, fake_slack, incident_env, CHANNELS, owners=5, rate=50)
    sp = serve_process()  # scheduler off: nothing but the broadcast's own sender touches the channels
    bot = SlackDriver(sp.url, SIGNING_SECRET, fake_slack)
    preview = declare_sev0(fake_slack, bot)
    assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
    at_kill = kill_after(fake_slack, sp.proc, lambda: sum(per_channel(fake_slack, channels).values()), k)
    assert k <= at_kill < CHANNELS, f"killed after {at_kill} channels, meant mid-broadcast; log:\n{sp.log()}"

    log = tmp_path / "resume.log"  # the restarted bot's resume job (what the scheduler runs every 10 s)
    resume = gtmbot(["jobs", "run", "incident_broadcasts"], child_env(settings), log)
    assert resume.wait(120) == 0, log.read_text()
    counts = per_channel(fake_slack, channels)
    assert len(counts) == CHANNELS and set(counts.values()) == {1}, f"duplicates or gaps: {counts}"
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(Broadcast.status)) == "sent"
        assert {d.status for d in s.scalars(select(Delivery).where(Delivery.broadcast_id.is_not(None)))} == {"sent"}
    # the coordination channel heard about the broadcast once, not once per process
    going_out = [m for m in fake_slack.posts(COORD) if "SEV 0 broadcast going out" in m["text"]]
    assert len(going_out) == 1
    summaries = [m for m in fake_slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 40/40 channels")]
    assert len(summaries) == 1

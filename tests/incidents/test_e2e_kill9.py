"""kill -9 halfway through a 500-channel SEV 0 broadcast, then a restart (E16): `gtmbot serve
--http` runs as a real subprocess against the fake Slack with its rate limits on; after the
restart the scheduler's lease passes to the new process, whose resume job reconciles in-flight
rows against channel history and sends the rest. Every channel ends with exactly one message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, wait_until
from bot.incidents.tables import Broadcast
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.incidents.fixtures import submit
from tests.incidents.test_e2e_broadcast import CONFIRM, declare_sev0, per_channel, world

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str, fake_url: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_url, DATABASE_URL=db_url,
        SCHEDULER_ENABLED="true", SCHEDULER_LEASE_SECONDS="10", SLACK_POST_RATE_PER_SEC="25", SLACK_POST_BURST="10",
        CMOC_EU="Simon,Dana", CMOC_US="Landon,Tyler", PYTHONPATH=str(ROOT),
    )
    env.pop("GTMBOT_NOW", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", str(port), "--host", "127.0.0.1"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 30, interval=0.2, message=f"gtmbot serve did not start; see {log}")
    except AssertionError:
        proc.kill()
        raise
    return proc


def test_e16_kill_9_halfway_then_restart_sends_every_channel_once(seed, fake_slack, incident_env, db_url, rt, tmp_path):
    channels = world(seed, fake_slack, incident_env, 500, rate=25)
    log = tmp_path / "serve.log"
    first = serve(db_url, fake_slack.url, free_port(), log)
    try:
        bot = SlackDriver(f"http://127.0.0.1:{_port(first)}", SIGNING_SECRET, fake_slack)
        preview = declare_sev0(fake_slack, bot)
        assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
        fake_slack.wait_for(lambda: sum(per_channel(fake_slack, channels).values()) >= 200, 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    halfway = sum(per_channel(fake_slack, channels).values())
    assert 200 <= halfway < 500, "killed mid-broadcast"

    second = serve(db_url, fake_slack.url, free_port(), log)
    try:
        fake_slack.wait_for(lambda: sum(per_channel(fake_slack, channels).values()) >= 500, 120)

        def finished():
            with session_scope(rt.session_factory) as s:
                return s.scalar(select(Broadcast.status)) == "sent"

        fake_slack.wait_for(finished, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(10)
        except subprocess.TimeoutExpired:
            second.kill()
    counts = per_channel(fake_slack, channels)
    assert len(counts) == 500 and set(counts.values()) == {1}, "every channel exactly once, none twice"


def _port(proc: subprocess.Popen) -> int:
    return int(proc.args[proc.args.index("--http") + 1])

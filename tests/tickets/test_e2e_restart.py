"""Kill -9 mid-flow and restart (incidents-and-tickets.md E4): `gtmbot serve --http` runs as a real process;
it is killed after Zendesk created the ticket but before the bot recorded it. The restarted process's
tickets_sync job adopts the ticket by external_id: one ticket, one confirmation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, wait_until
from bot.outbox import backlog
from bot.tickets.tables import SlackTicket
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.tickets.fixtures import ROOT, setup_acme_world

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from bot.cli import main; sys.exit(main())",
            "serve",
            "--http",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"gtmbot serve exited: {log.read_text()[-2000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 30, interval=0.1, message="gtmbot serve did not become healthy")
    except AssertionError:
        proc.kill()
        raise
    return proc


def _settled(rt) -> bool:
    """The ticket is recorded and every message the bot queued has gone out."""
    with session_scope(rt.session_factory) as s:
        rows = s.scalars(select(SlackTicket)).all()
        return bool(rows) and all(r.status == "created" for r in rows) and backlog(s) == 0


def test_kill_after_zendesk_created_then_restart_gives_one_ticket(
    db_url, rt, fake_slack, zendesk, seed, tmp_path
):
    setup_acme_world(fake_slack, seed)
    fake_slack.add_message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": db_url,
        "ZENDESK_URL": zendesk.url,
        "ZENDESK_EMAIL": "bot@posthog.example",
        "ZENDESK_API_TOKEN": "zd-token",
        "SCHEDULER_ENABLED": "true",
        "SCHEDULER_LEASE_SECONDS": "10",
        "TICKET_RECONCILE_AFTER_S": "1",
        "ZENDESK_RETRY_DELAYS_S": "0.05,0.1,0.2",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("GTMBOT_NOW", None)
    log = tmp_path / "serve.log"
    port = _free_port()

    zendesk.stall_creates(60)  # Zendesk creates the ticket, the answer never reaches the bot
    first = _serve(port, env, log)
    try:
        driver = SlackDriver(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake_slack)
        event = {
            "type": "reaction_added",
            "user": "U_EXT1",
            "reaction": "ticket",
            "item": {"type": "message", "channel": "C_ACME", "ts": ROOT},
            "event_ts": f"{time.time():.6f}",
        }
        assert driver.event(event, event_id="EvKill1").status_code == 200
        wait_until(lambda: zendesk.tickets(), 20)
    finally:
        first.kill()  # SIGKILL: no cleanup, no commit
        first.wait(10)
    with session_scope(rt.session_factory) as s:
        [row] = s.scalars(select(SlackTicket)).all()
        assert row.status == "creating" and row.zendesk_ticket_id is None
    assert fake_slack.posts("C_ACME") == []

    zendesk.stall_creates(0)
    second = _serve(port, env, log)
    try:
        # Slack retries the event too: the dedupe drops it, the job does the recovery
        assert driver.event(event, event_id="EvKill1", retry_num=1).status_code == 200
        wait_until(lambda: fake_slack.posts("C_ACME"), 60)
        wait_until(lambda: _settled(rt), 30)
    finally:
        second.terminate()
        try:
            second.wait(15)
        except subprocess.TimeoutExpired:  # shutdown is not what this test is about
            second.kill()
            second.wait(10)

    assert len(zendesk.tickets()) == 1
    assert len(zendesk.ticket_creates()) == 1  # adopted by external_id, never re-created
    [confirm] = fake_slack.posts("C_ACME")
    assert "Ticket #4821 is open" in confirm["text"] and confirm["thread_ts"] == ROOT
    with session_scope(rt.session_factory) as s:
        [row] = s.scalars(select(SlackTicket)).all()
        assert (row.status, row.zendesk_ticket_id) == ("created", 4821)

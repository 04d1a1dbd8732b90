"""kill -9 right after the ack, or in the middle of the work, then an immediate restart: nothing
acknowledged is lost, and in-flight work resumes within 15 s of the restart.

Real `gtmbot serve --http` processes on the test's database, against the fake Slack and Zendesk.
Each process runs the scheduler with its production lease (60 s): the dead process keeps holding the
lease for most of a minute, so what finishes the work within 15 s is the always-on recovery loop
(bot.recovery) and the heartbeats, not the scheduled jobs. The 15 s bound is the timeout of the
waits that follow the restart; nothing else about time is asserted."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.db.core import InboundRequest
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, wait_until
from bot.tickets.tables import SlackTicket
from tests.conftest import SIGNING_SECRET
from tests.tickets.fixtures import ROOT, setup_acme_world

RECOVERY_BOUND_S = 15  # issue 15: in-flight work is picked up within 15 s of a restart


def zendesk_env(zendesk) -> dict[str, str]:
    return {"ZENDESK_URL": zendesk.url, "ZENDESK_EMAIL": "bot@posthog.example", "ZENDESK_API_TOKEN": "zd-token",
            "ZENDESK_RETRY_DELAYS_S": "0.05,0.1,0.2", "TICKET_SYNC_MIN_INTERVAL_S": "0"}


def reaction(user: str = "U_EXT1", ts: str = ROOT) -> dict:
    return {"type": "reaction_added", "user": user, "reaction": "ticket",
            "item": {"type": "message", "channel": "C_ACME", "ts": ts}, "event_ts": f"{time.time():.6f}"}


def inbound(rt, key: str) -> InboundRequest | None:
    with session_scope(rt.session_factory) as s:
        row = s.get(InboundRequest, key)
        if row is not None:
            s.expunge(row)
        return row


def ticket_rows(rt) -> list[SlackTicket]:
    with session_scope(rt.session_factory) as s:
        rows = list(s.scalars(select(SlackTicket)))
        for r in rows:
            s.expunge(r)
        return rows


def confirmations(fake_slack) -> list[dict]:
    return [p for p in fake_slack.posts("C_ACME") if "Ticket #" in (p.get("text") or "")]


def test_a_ticket_reaction_acked_then_killed_becomes_one_ticket_after_restart(
        rt, fake_slack, zendesk, seed, serve_process, monkeypatch):
    monkeypatch.delenv("GTMBOT_NOW", raising=False)
    setup_acme_world(fake_slack, seed)
    fake_slack.add_message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    # The listener's first read after the ack (the reacted message) stalls, so the process is certainly
    # between its ack and any ticket when it is killed.
    fake_slack.faults.add("conversations.replies", "stall", stall_s=30)
    env = zendesk_env(zendesk)
    first = serve_process(scheduler=True, **env)
    bot = SlackDriver(first.url, SIGNING_SECRET, fake_slack)
    assert bot.event(reaction(), event_id="EvKillAck1").status_code == 200  # acknowledged
    wait_until(lambda: fake_slack.faults.played, 15)  # the listener is reading, after the ack
    first.kill9()

    record = inbound(rt, "event:EvKillAck1")
    assert record is not None and record.status == "in_progress", "recorded with its payload before the ack"
    assert "reaction_added" in record.body
    assert ticket_rows(rt) == [] and zendesk.tickets() == [] and confirmations(fake_slack) == []

    second = serve_process(scheduler=True, **env)
    wait_until(lambda: confirmations(fake_slack), RECOVERY_BOUND_S,
               message=f"the acknowledged reaction was not processed after the restart:\n{second.log()}")
    wait_until(lambda: inbound(rt, "event:EvKillAck1").status == "done", RECOVERY_BOUND_S)
    # Slack's own retry of the event, had it come, changes nothing either
    bot = SlackDriver(second.url, SIGNING_SECRET, fake_slack)
    assert bot.event(reaction(), event_id="EvKillAck1", retry_num=1).status_code == 200
    assert inbound(rt, "event:EvKillAck1").attempts == 2  # the first delivery and the one replay
    assert len(zendesk.tickets()) == 1 and len(confirmations(fake_slack)) == 1
    [row] = ticket_rows(rt)
    assert row.status == "created"
    assert "Our funnels stopped loading" in zendesk.tickets()[0]["description"]


def test_a_redelivered_event_is_dropped_while_the_first_is_in_progress_and_after(rt, fake_slack, zendesk, seed,
                                                                                  bot, monkeypatch):
    """In one live process: the record is the dedupe, and it is marked done when the listener returns."""
    from bot.clients.zendesk import ZendeskClient

    setup_acme_world(fake_slack, seed)
    rt.cache["zendesk_client"] = ZendeskClient(zendesk.url, "bot@posthog.example", "zd-token",
                                               retry_delays_s=(0.05,))
    fake_slack.add_message("C_ACME", "Broken", user="U_EXT1", ts=ROOT)
    zendesk.stall_creates(1.0)
    assert bot.event(reaction(), event_id="EvDup1").status_code == 200
    wait_until(lambda: zendesk.ticket_creates())
    assert inbound(rt, "event:EvDup1").status == "in_progress"
    assert bot.event(reaction(), event_id="EvDup1", retry_num=1).status_code == 200
    wait_until(lambda: inbound(rt, "event:EvDup1").status == "done")
    assert bot.event(reaction(), event_id="EvDup1", retry_num=2).status_code == 200
    wait_until(lambda: confirmations(fake_slack))
    assert len(zendesk.ticket_creates()) == 1 and len(confirmations(fake_slack)) == 1
    assert inbound(rt, "event:EvDup1").attempts == 1

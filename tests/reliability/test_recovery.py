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
from bot.incidents.tables import Broadcast
from bot.tickets.tables import SlackTicket, SlackTicketMessage
from tests.conftest import SIGNING_SECRET
from tests.incidents.fixtures import COORD, submit
from tests.incidents.test_e2e_broadcast import CONFIRM, declare_sev0, per_channel
from tests.incidents.test_e2e_broadcast import world as broadcast_world
from tests.reliability.test_kill9 import kill_after
from tests.tickets.fixtures import ROOT, setup_acme_world

RECOVERY_BOUND_S = 15  # issue 15: in-flight work is picked up within 15 s of a restart
CHANNELS = 40


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


def test_a_sev0_broadcast_killed_midway_is_finished_within_15s_of_the_restart(
        settings, rt, seed, fake_slack, incident_env, serve_process, monkeypatch):
    monkeypatch.delenv("GTMBOT_NOW", raising=False)
    channels = broadcast_world(seed, fake_slack, incident_env, CHANNELS, owners=5, rate=50)
    first = serve_process(scheduler=True)
    bot = SlackDriver(first.url, SIGNING_SECRET, fake_slack)
    preview = declare_sev0(fake_slack, bot)
    assert submit(bot, preview, CONFIRM, "U_SIMON") == {"response_action": "clear"}
    at_kill = kill_after(fake_slack, first.proc, lambda: sum(per_channel(fake_slack, channels).values()), 15)
    assert at_kill < CHANNELS, f"killed after {at_kill} channels, meant mid-broadcast; log:\n{first.log()}"

    second = serve_process(scheduler=True)  # the dead process still holds the scheduler lease
    wait_until(lambda: sum(per_channel(fake_slack, channels).values()) >= CHANNELS, RECOVERY_BOUND_S,
               message=f"the rest of the broadcast was not sent after the restart:\n{second.log()}")
    wait_until(lambda: broadcast_status(rt) == "sent", RECOVERY_BOUND_S)
    counts = per_channel(fake_slack, channels)
    assert len(counts) == CHANNELS and set(counts.values()) == {1}, f"duplicates or gaps: {counts}"

    def summaries() -> list[dict]:
        return [m for m in fake_slack.posts(COORD) if m["text"].startswith(f"<@U_SIMON> Sent to {CHANNELS}/")]

    wait_until(summaries, RECOVERY_BOUND_S)  # the CMOC hears it went out, once
    assert len(summaries()) == 1


def test_a_ticket_reply_cut_off_mid_sync_is_synced_once_within_15s_of_the_restart(
        rt, fake_slack, zendesk, seed, serve_process, monkeypatch):
    monkeypatch.delenv("GTMBOT_NOW", raising=False)
    setup_acme_world(fake_slack, seed)
    fake_slack.add_message("C_ACME", "Our funnels stopped loading since 9am", user="U_EXT1", ts=ROOT)
    env = zendesk_env(zendesk)
    first = serve_process(scheduler=True, **env)
    bot = SlackDriver(first.url, SIGNING_SECRET, fake_slack)
    assert bot.event(reaction(), event_id="EvReplyT1").status_code == 200
    wait_until(lambda: confirmations(fake_slack), 15)
    [ticket] = zendesk.tickets()

    # Zendesk adds the comment but its answer never comes back; the process dies while it waits
    zendesk.stall_next(1, 60, path_prefix=f"/api/v2/tickets/{ticket['id']}.json", method="PUT")
    reply_ts = "1700000000.000200"
    fake_slack.add_message("C_ACME", "Still broken after the deploy", user="U_EXT1", ts=reply_ts, thread_ts=ROOT)
    reply = {"type": "message", "channel": "C_ACME", "user": "U_EXT1", "text": "Still broken after the deploy",
             "ts": reply_ts, "thread_ts": ROOT, "event_ts": reply_ts, "channel_type": "channel"}
    assert bot.event(reply, event_id="EvReplyT2").status_code == 200
    wait_until(lambda: replies_in_zendesk(zendesk, ticket["id"]), 15)
    first.kill9()
    assert reply_rows(rt) == ["pending"], "the reply was stored before the sync and not yet recorded as synced"

    second = serve_process(scheduler=True, **env)
    wait_until(lambda: reply_rows(rt) == ["synced"], RECOVERY_BOUND_S,
               message=f"the reply was not synced after the restart:\n{second.log()}")
    assert len(replies_in_zendesk(zendesk, ticket["id"])) == 1, "found in the audits by its key, not added again"


def replies_in_zendesk(zendesk, ticket_id: int) -> list[dict]:
    return [c for c in zendesk.comments(ticket_id) if "Still broken after the deploy" in (c.get("body") or "")]


def reply_rows(rt) -> list[str]:
    with session_scope(rt.session_factory) as s:
        return [m.status for m in s.scalars(select(SlackTicketMessage).where(SlackTicketMessage.slack_ts != ROOT))
                if m.status in ("pending", "synced")]


def broadcast_status(rt) -> str | None:
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(Broadcast.status))


def _record_dead(rt, key: str, kind: str, body: bytes, content_type: str, *, attempts: int = 1) -> None:
    """A request as a process that then died left it: recorded, in progress, claimed a minute ago."""
    from datetime import UTC, datetime, timedelta

    then = datetime.now(UTC) - timedelta(minutes=1)
    with session_scope(rt.session_factory) as s:
        s.add(InboundRequest(key=key, kind=kind, content_type=content_type, body=body.decode(),
                             status="in_progress", claimed_by="dead-host.000000:1", attempts=attempts,
                             received_at=then, claimed_at=then))


def test_a_command_a_dead_process_acknowledged_is_answered_by_a_live_one(world):
    """In process: the recovery pass replays the recorded request through the app; the user gets the
    answer on the response_url once, however many passes run."""
    from bot.app import create_app
    from bot.recovery import Recovery

    body, _, token = world.bot.command_body("/handover-check", "fjord to tam", user="U0TAE01")
    fields = dict(pair.split("=", 1) for pair in body.decode().split("&"))
    key = f"handover-check:{fields['team_id']}:U0TAE01:{fields['trigger_id'].replace('%2F', '/')}"
    _record_dead(world.rt, key, "command", body, "application/x-www-form-urlencoded")
    recovery = Recovery(world.rt, create_app(world.rt))
    assert recovery.run_once().get("inbound") == 1
    answers = world.slack.wait_for(lambda: [p for p in world.slack.responses if p.token == token])
    assert "Fjord" in str(answers[0].body)
    wait_until(lambda: inbound(world.rt, key).status == "done")
    assert recovery.run_once().get("inbound") is None  # done: nothing to replay
    assert len([p for p in world.slack.responses if p.token == token]) == 1


def test_a_request_that_keeps_killing_its_process_is_given_up(world):
    from bot.app import create_app
    from bot.recovery import Recovery

    body, _, token = world.bot.command_body("/handover-check", "fjord to tam", user="U0TAE01")
    _record_dead(world.rt, "poison", "command", body, "application/x-www-form-urlencoded",
                 attempts=world.rt.settings.inbound_max_attempts)
    assert Recovery(world.rt, create_app(world.rt)).run_once().get("inbound") is None
    assert inbound(world.rt, "poison").status == "failed"
    assert [p for p in world.slack.responses if p.token == token] == []


def test_a_serve_process_beats_while_up_and_removes_its_heartbeat_on_a_clean_stop(rt, serve_process):
    from bot.db.core import WorkerHeartbeat

    def mine(pid: int) -> list[str]:
        with session_scope(rt.session_factory) as s:
            return [w for w in s.scalars(select(WorkerHeartbeat.worker_id)) if w.endswith(f":{pid}")]

    sp = serve_process()
    pid = sp.proc.pid
    assert mine(pid), "the heartbeat is written before the process serves anything"
    sp.stop()  # SIGTERM: nothing in flight, so the others need not wait for it to go stale
    assert sp.proc.returncode == 0 and mine(pid) == []

"""The fault matrix: every outbound write path of the bot under every network fault a real service
shows around a write (bot/fakes/faults.py), on whichever database the suite runs on.

    accept then drop the connection · accept then answer 5xx · 5xx before accepting ·
    429 with Retry-After · stall past the client's timeout

For each (path, fault): exactly one effect at the far end (one Slack message, one Zendesk ticket or
comment), and a record of what happened (the outbox row, the delivery row, the ticket row and the
audit key). A run that could not finish leaves the work for the next run (`outbox_flush`,
`tickets_sync`, the job itself), which is run here and must not add a second effect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.clients.zendesk import AUDIT_KEY, ZendeskClient
from bot.clock import now as clock_now
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.fakes.faults import FAULTS
from bot.incidents.tables import Delivery
from bot.outbox import OutboxSender, enqueue
from bot.tickets.tables import SlackTicket, SlackTicketMessage
from jobs import run_job
from tests.billing.fixtures import SALES_ALERTS
from tests.clock import freeze
from tests.incidents.fixtures import COORD
from tests.incidents.test_e2e_broadcast import CONFIRM, declare_sev0, per_channel, wait_broadcast_done
from tests.incidents.test_e2e_broadcast import world as incident_world
from tests.reliability.conftest import EXTERNAL_USER, confirmations, ticket_event, wait
from tests.reliability.test_upstream_failures import CREDIT_DAY, LATE_DAY, fake_stripe_rel, stripe_world  # noqa: F401
from tests.tickets.fixtures import ROOT

LOST_ANSWER = {"drop_after", "error_after", "stall"}  # the far end acted; the answer never came
TIMEOUT_S = 1.0  # every client's timeout here; a stall outlasts it
STALL_S = 2.0


@pytest.fixture
def settings(settings, fake_stripe_rel):  # noqa: F811
    return settings.model_copy(update={
        "stripe_api_key": SecretStr("sk_test_matrix"), "stripe_api_base": fake_stripe_rel.url,
        "slack_timeout_s": TIMEOUT_S, "stripe_timeout_s": TIMEOUT_S, "zendesk_timeout_s": TIMEOUT_S,
    })


def next_run(rt, *jobs: str) -> None:
    """The scheduler's next runs, far enough ahead that every backoff has passed."""
    freeze(clock_now() + timedelta(hours=2))
    for name in jobs:
        run_job(rt, name)


def outbox_row(rt, key: str) -> OutboxMessage:
    with session_scope(rt.session_factory) as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        s.expunge(row)
        return row


def outbox_record(rt, key: str, fault: str) -> None:
    """The row says it was sent, and how: found in Slack after a lost answer, or sent on a retry."""
    row = outbox_row(rt, key)
    assert row.status == "sent" and row.sent_ts, (row.status, row.last_error)
    if fault in LOST_ANSWER:
        assert row.attempts == 1 and (row.last_error or "").startswith("reconciled after"), row.last_error
    elif fault == "error_before":
        assert row.attempts == 2  # looked for (not there), then sent by the next run
    else:
        assert row.attempts == 1  # a 429 is waited out inside the send


def arm(fake, key: str, fault: str, when: Callable[[dict], bool] | None = None) -> None:
    fake.faults.add(key, fault, stall_s=STALL_S, when=when)


# ------------------------------------------------------------------------------- the paths


def outbox_message(request, fault: str) -> None:
    rt, slack = request.getfixturevalue("rt"), request.getfixturevalue("fake_slack")
    arm(slack, "chat.postMessage", fault)
    with session_scope(rt.session_factory) as s:
        enqueue(s, key="matrix:one", channel=SALES_ALERTS, text="Matrix message")
    OutboxSender(rt.client, rt.session_factory, rt.worker_id).deliver()
    next_run(rt, "outbox_flush")
    assert [p["text"] for p in slack.posts(SALES_ALERTS)] == ["Matrix message"]
    outbox_record(rt, "matrix:one", fault)


def thread_reply(request, fault: str) -> None:
    rt, slack = request.getfixturevalue("rt"), request.getfixturevalue("fake_slack")
    arm(slack, "chat.postMessage", fault, when=lambda a: bool(a.get("thread_ts")))
    with session_scope(rt.session_factory) as s:
        enqueue(s, key="matrix:parent", channel=SALES_ALERTS, text="Parent")
        enqueue(s, key="matrix:reply", channel=SALES_ALERTS, text="Matrix reply", thread_key="matrix:parent")
    OutboxSender(rt.client, rt.session_factory, rt.worker_id).deliver()
    next_run(rt, "outbox_flush")
    [parent] = [p for p in slack.posts(SALES_ALERTS) if p["text"] == "Parent"]
    replies = [m for m in slack.posts(SALES_ALERTS) if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"]]
    assert [m["text"] for m in replies] == ["Matrix reply"], replies
    outbox_record(rt, "matrix:reply", fault)


def sev0_broadcast(request, fault: str) -> None:
    rt, slack, bot = (request.getfixturevalue(n) for n in ("rt", "fake_slack", "bot"))
    channels = incident_world(request.getfixturevalue("seed"), slack, request.getfixturevalue("incident_env"), 3,
                              owners=2)
    slack.clear_rate_limits()  # the fault under test, not the fake's pacing, decides what happens
    target = channels[1]
    arm(slack, "chat.postMessage", fault, when=lambda a: a.get("channel") == target)
    preview = declare_sev0(slack, bot)
    assert bot_submit(bot, preview) == {"response_action": "clear"}
    wait_broadcast_done(slack, rt, timeout=60)
    slack.wait_for(lambda: [m for m in slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 3/3")], 30)
    assert set(per_channel(slack, channels).values()) == {1}, per_channel(slack, channels)
    with session_scope(rt.session_factory) as s:
        row = s.scalar(select(Delivery).where(Delivery.channel_id == target))
        assert row.status == "sent" and row.slack_ts == slack.posts(target)[0]["ts"]
        assert row.attempts == (2 if fault == "error_before" else 1), (row.attempts, row.error)


def owners_notice(request, fault: str) -> None:
    rt, slack, bot = (request.getfixturevalue(n) for n in ("rt", "fake_slack", "bot"))
    incident_world(request.getfixturevalue("seed"), slack, request.getfixturevalue("incident_env"), 3, owners=2)
    slack.clear_rate_limits()
    notice = "SEV 0 broadcast going out to your accounts now"
    arm(slack, "chat.postMessage", fault, when=lambda a: notice in (a.get("text") or ""))
    preview = declare_sev0(slack, bot)
    assert bot_submit(bot, preview) == {"response_action": "clear"}
    wait_broadcast_done(slack, rt, timeout=60)
    slack.wait_for(lambda: [m for m in slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 3/3")], 30)
    next_run(rt, "outbox_flush")
    notices = [m for m in slack.posts(COORD) if notice in m["text"]]
    assert len(notices) == 1, [m["text"][:60] for m in slack.posts(COORD)]
    with session_scope(rt.session_factory) as s:
        key = s.scalar(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("%owners-notified%")))
    outbox_record(rt, key, fault)


def bot_submit(bot, preview: dict) -> dict:
    from tests.incidents.fixtures import submit

    return submit(bot, preview, CONFIRM, "U_SIMON")


def ticket_world(request):
    world = request.getfixturevalue("world")
    world.rt.cache["zendesk_client"] = ZendeskClient(world.zendesk.url, "bot@posthog.example", "zd-token",
                                                     timeout_s=TIMEOUT_S, retry_delays_s=(0.05, 0.1, 0.2))
    return world


def zendesk_ticket(request, fault: str) -> None:
    world = ticket_world(request)
    arm(world.zendesk, "POST /api/v2/tickets.json", fault)
    assert world.bot.event(ticket_event()).status_code == 200
    wait(lambda: confirmations(world.slack))
    next_run(world.rt, "tickets_sync", "outbox_flush")
    assert len(world.zendesk.tickets()) == 1 and len(confirmations(world.slack)) == 1
    [row] = world.rows()
    assert (row.status, row.zendesk_ticket_id) == ("created", world.zendesk.tickets()[0]["id"])
    creates = world.zendesk.ticket_creates()
    assert len(creates) == 2 and {r.headers.get("idempotency-key") for r in creates} == {row.idempotency_key}


def zendesk_comment(request, fault: str) -> None:
    world = ticket_world(request)
    assert world.bot.event(ticket_event()).status_code == 200
    wait(lambda: confirmations(world.slack))
    [row] = wait(lambda: [r for r in world.rows() if r.note_added])  # the internal note is in
    ticket_id = row.zendesk_ticket_id
    before = len(world.zendesk.comments(ticket_id))
    arm(world.zendesk, f"PUT /api/v2/tickets/{ticket_id}.json", fault)
    world.say("C_ACME", "still broken after the restart", user=EXTERNAL_USER, ts="1700000001.000300", thread_ts=ROOT)
    wait(lambda: world.zendesk.faults.pending == 0)
    wait(lambda: reply_states(world) and all(s == "synced" for s in reply_states(world)), timeout=20)
    next_run(world.rt, "tickets_sync")
    added = world.zendesk.comments(ticket_id)[before:]
    assert len(added) == 1 and "still broken after the restart" in added[0]["body"], added
    keyed = [a for a in world.zendesk.state.audits.get(ticket_id, []) if a["metadata"]["custom"].get(AUDIT_KEY, "").startswith("gtmbot-reply-")]
    assert len(keyed) == 1


def reply_states(world) -> list[str]:
    with session_scope(world.rt.session_factory) as s:
        return list(s.scalars(select(SlackTicketMessage.status).join(SlackTicket).where(
            SlackTicketMessage.in_transcript.is_(False))))


def file_share(request, fault: str) -> None:
    """The churn digest's CSV: files.uploadV2 into a thread; a share carries no metadata, so a lost
    answer is settled by the file's name in the thread."""
    from bot.outbox import FILE_UPLOAD

    rt, slack = request.getfixturevalue("rt"), request.getfixturevalue("fake_slack")
    arm(slack, "files.completeUploadExternal", fault)
    with session_scope(rt.session_factory) as s:
        enqueue(s, key="matrix:digest", channel=SALES_ALERTS, text="Digest")
        enqueue(s, key="matrix:csv", channel=SALES_ALERTS, text="Every account", thread_key="matrix:digest",
                method=FILE_UPLOAD, filename="matrix.csv", title="Matrix", content="a,b\n1,2\n")
    OutboxSender(rt.client, rt.session_factory, rt.worker_id).deliver()
    next_run(rt, "outbox_flush")
    [shared] = slack.shared_files(SALES_ALERTS)
    assert slack.file_text("matrix.csv") == "a,b\n1,2\n"
    assert outbox_row(rt, "matrix:csv").sent_ts == shared["id"]
    outbox_record(rt, "matrix:csv", fault)


def job_alert(job: str, day, start: str, key_like: str):
    def path(request, fault: str) -> None:
        rt, slack = request.getfixturevalue("rt"), request.getfixturevalue("fake_slack")
        request.getfixturevalue("stripe_world")
        arm(slack, "chat.postMessage", fault, when=lambda a: (a.get("text") or "").startswith(start))
        assert run_job(rt, job, now=day).status == "ok"
        next_run(rt, "outbox_flush")
        run_job(rt, job, now=day)  # the job's next run decides again: nothing new to say
        assert len([p for p in slack.posts(SALES_ALERTS) if p["text"].startswith(start)]) == 1
        with session_scope(rt.session_factory) as s:
            key = s.scalar(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(key_like)))
        outbox_record(rt, key, fault)

    return path


PATHS: dict[str, Callable] = {
    "outbox message": outbox_message,
    "thread reply": thread_reply,
    "file share (digest CSV)": file_share,
    "SEV 0 broadcast post": sev0_broadcast,
    "owners' notice": owners_notice,
    "Zendesk ticket": zendesk_ticket,
    "Zendesk comment": zendesk_comment,
    "CreditBot alert": job_alert("creditbot", CREDIT_DAY, "CreditBot: Sync Co", "%"),
    "payment escalation step": job_alert("payments_reconcile", LATE_DAY, "Payment late: Late Ltd", "%"),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("path", list(PATHS))
def test_one_effect_at_the_far_end(request, rt, path: str, fault: str) -> None:
    """`rt` named here so the suite's PostgreSQL run selects the matrix too."""
    PATHS[path](request, fault)

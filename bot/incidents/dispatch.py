"""Runs deliveries after the ack: the broadcast sender in a background thread, owner notices
first, progress edits in the incident thread, the final summary, and the incident's clocks
(`next_update_due_at` from the first send, spec C.6).

Restart safety: the `incident_broadcasts` job calls `resume_all`, which picks up any broadcast
still `pending`/`sending` (the sender reconciles in-flight rows first).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from functools import lru_cache

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select, update

from bot import work
from bot.channels import channel_id
from bot.clock import now as clock_now
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.incidents.sender import DeliverySender, SenderConfig, claim_run, finish_broadcast, release_run
from bot.incidents.settings import IncidentSettings
from bot.incidents.tables import Broadcast, Comm, Delivery, Incident
from bot.outbox import OutboxSender, enqueue
from bot.runtime import Runtime
from services.incidents.policy import SEVERITIES

log = logging.getLogger("gtmbot.incidents.dispatch")

PROGRESS_EDIT_S = 5.0  # spec C.5 step 4: edited at most every 5 s (chat.update is Tier 3)
PROGRESS_FIRST_S = 1.2  # the progress message is posted this long after the start, ahead of customer posts

_threads: list[threading.Thread] = []
_rerun: set[int] = set()


def _spawn(target, args: tuple, name: str) -> threading.Thread:
    thread = work.spawn(target, args=args, name=name)  # counted as work in flight (bot.work)
    _threads.append(thread)
    return thread


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait for this process's background sends to finish (tests, shutdown). True when idle."""
    deadline = time.monotonic() + timeout
    for thread in list(_threads):
        thread.join(max(0.0, deadline - time.monotonic()))
    _threads[:] = [t for t in _threads if t.is_alive()]
    return not _threads


@lru_cache(maxsize=1)
def incident_settings() -> IncidentSettings:
    return IncidentSettings()


def sender_config(cfg: IncidentSettings) -> SenderConfig:
    return SenderConfig(cfg.slack_post_rate_per_sec, cfg.slack_post_burst, cfg.broadcast_username, cfg.broadcast_icon_url,
                        max_rate_per_sec=cfg.slack_post_rate_max_per_sec)


def coord_channel(rt: Runtime) -> str:
    return channel_id(rt, incident_settings().incident_coordination_channel or rt.settings.cs_sales_support_channel)


def engagement_channel(rt: Runtime) -> str:
    return channel_id(rt, incident_settings().engagement_channel or rt.settings.support_cs_channel)


def deliver_keys(rt: Runtime, keys: list[str]) -> None:
    """Send these outbox rows now (they stay queued for `outbox_flush` if Slack is down)."""
    OutboxSender(rt.client, rt.session_factory, rt.worker_id, max_attempts=rt.settings.outbox_max_attempts).deliver(keys)


def outbox_ts(rt: Runtime, key: str) -> tuple[str | None, str | None]:
    with session_scope(rt.session_factory) as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        return (row.sent_channel or row.channel, row.sent_ts) if row else (None, None)


def start_broadcast(rt: Runtime, broadcast_id: int, *, first_keys: list[str] | None = None) -> threading.Thread | None:
    """Send a broadcast after the ack, in a background thread."""
    if not claim_run(broadcast_id):
        _rerun.add(broadcast_id)  # the running sender goes round once more when it finishes
        return None
    _own(rt, broadcast_id)
    return _spawn(_run_claimed, (rt, broadcast_id, first_keys or []), f"broadcast-{broadcast_id}")


def run_broadcast(rt: Runtime, broadcast_id: int, *, first_keys: list[str] | None = None) -> None:
    """Send a broadcast in this thread (jobs, benchmarks)."""
    if claim_run(broadcast_id):
        _own(rt, broadcast_id)
        _run_claimed(rt, broadcast_id, first_keys or [])


def _own(rt: Runtime, broadcast_id: int) -> None:
    """Name this process as the broadcast's sender: if it dies, a live one resumes it (recovery.py)."""
    with session_scope(rt.session_factory) as s:
        s.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(claimed_by=rt.worker_id))


def _run_claimed(rt: Runtime, broadcast_id: int, first_keys: list[str]) -> None:
    try:
        while True:
            _rerun.discard(broadcast_id)
            _run(rt, broadcast_id, first_keys)
            first_keys = []
            if broadcast_id not in _rerun:
                break
    except Exception:
        log.exception("broadcast %s stopped; the incident_broadcasts job resumes it", broadcast_id)
    finally:
        release_run(broadcast_id)


def _run(rt: Runtime, broadcast_id: int, first_keys: list[str]) -> None:
    # lazy: the listeners package imports this module
    from bot.incidents.blocks import broadcast_summary_blocks, broadcast_summary_text, message, progress_text

    cfg = incident_settings()
    if first_keys:
        deliver_keys(rt, first_keys)  # SEV 0: owners told "simultaneously" (4228), before the customer posts
    sender = DeliverySender(rt, sender_config(cfg))
    for key in first_keys:  # the customer posts' pace leaves room for the notice (same workspace budget)
        chan, ts = outbox_ts(rt, key)
        if chan and ts:
            sender.note_priority_post(chan)
    with session_scope(rt.session_factory) as s:
        b = s.get(Broadcast, broadcast_id)
        comm = s.get(Comm, b.comm_id)
        inc = s.get(Incident, b.incident_id)
        b.status = "sending"
        b.started_at = b.started_at or clock_now()
        round_no = b.retry_round
        # A broadcast resumed after a restart counts from its start; a retry round from its own.
        first_started = b.started_at if round_no == 0 else clock_now()
        label, kind, total = SEVERITIES[comm.severity].label, comm.kind, b.total
        incident_id, coord_key, public_id = inc.id, inc.coord_key, inc.public_id
    progress_key = f"inc:{incident_id}:bcast:{broadcast_id}:progress:{round_no}"
    started = time.monotonic()
    progress: dict = {"last": started, "chan": None, "ts": None, "want": None}
    if coord_key:
        progress["want"] = coord_channel(rt)
        with session_scope(rt.session_factory) as s:
            enqueue(s, key=progress_key, channel=coord_channel(rt), text=progress_text(kind, label, 0, total), thread_key=coord_key)

    class Progress:
        """The CMOC's progress message: posted ahead of the customer posts as soon as the incident
        thread's channel may take it (the owners' notice went there just before), then edited."""

        def due(self) -> str | None:
            # Not at once: a broadcast done within PROGRESS_FIRST_S posts its summary as this message
            # instead (so the CMOC's mention notifies, see _finish_progress).
            if progress["ts"] is None and time.monotonic() - started >= PROGRESS_FIRST_S:
                return progress["want"]
            return None

        def send(self) -> None:
            deliver_keys(rt, [progress_key])
            progress["chan"], progress["ts"] = outbox_ts(rt, progress_key)
            progress["last"] = time.monotonic()
            if progress["ts"] is None:
                progress["want"] = None  # Slack refused it: the summary posts it at the end

    def on_progress(sent_now: int) -> None:
        # chat.update (Tier 3) at most every PROGRESS_EDIT_S; customer posts are never held up for it.
        if progress["ts"] is None or time.monotonic() - progress["last"] < PROGRESS_EDIT_S:
            return
        progress["last"] = time.monotonic()
        done = _count(rt, broadcast_id, "sent")
        try:
            rt.client.chat_update(channel=progress["chan"], ts=progress["ts"], text=progress_text(kind, label, done, total))
        except SlackApiError as e:  # progress is nice to have; never stop the batch for it
            log.info("progress edit failed: %s", e.response.get("error") if e.response is not None else e)

    sender.run(broadcast_id=broadcast_id, on_progress=on_progress, priority=Progress())
    elapsed = max(time.monotonic() - started, (clock_now() - first_started).total_seconds())
    after_sends(rt, comm_id=b.comm_id)
    final = finish_broadcast(rt, broadcast_id, clock_now())
    if final.status == "sending":
        if coord_key and progress["ts"] is None:
            deliver_keys(rt, [progress_key])  # "Sending… x/N" stays true; the job finishes later
        return  # rows still pending (another sender has them); the job finishes later
    with session_scope(rt.session_factory) as s:
        failed_rows = list(s.execute(select(Delivery.channel_id, Delivery.error).where(Delivery.broadcast_id == broadcast_id, Delivery.status == "failed").order_by(Delivery.position)))
    failed = [(_channel_name(rt, ch), err or "error") for ch, err in failed_rows]
    summary = {"incident_id": incident_id, "broadcast_id": broadcast_id, "sent": final.sent, "total": final.total, "elapsed_s": elapsed, "failed": failed, "pending": 0}
    keys = []
    if coord_key:
        with session_scope(rt.session_factory) as s:
            cmoc = s.get(Incident, incident_id).cmoc_slack_id
        text = (f"<@{cmoc}> " if cmoc else "") + broadcast_summary_text(summary)
        _finish_progress(rt, progress_key, text, broadcast_summary_blocks(summary))
    if comm.kind == "initial" and final.sent:
        key = f"inc:{incident_id}:engagement:{comm.id}"
        with session_scope(rt.session_factory) as s:
            text, blocks_ = message(f"{label} broadcast sent for {public_id}; watch here for replies (002_59a801b964a2a19e.txt:4294, 4298).")
            enqueue(s, key=key, channel=engagement_channel(rt), text=text, blocks=blocks_)
        keys.append(key)
    deliver_keys(rt, keys)


def _finish_progress(rt: Runtime, progress_key: str, text: str, blocks: list) -> None:
    """The summary lives in one message of the incident thread (spec C.5 step 4): the progress
    message, edited. A broadcast quick enough that its progress message was never posted posts
    the summary as that message instead, so the CMOC's mention notifies; either way it appears once."""
    with session_scope(rt.session_factory) as s:
        unsent = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == progress_key, OutboxMessage.status == "pending")
            .values(payload={"text": text, "blocks": blocks})
        ).rowcount
    deliver_keys(rt, [progress_key])
    if unsent:
        return
    chan, ts = outbox_ts(rt, progress_key)
    if not (chan and ts):
        return
    try:
        rt.client.chat_update(channel=chan, ts=ts, text=text, blocks=blocks)
    except SlackApiError:
        log.info("could not edit the progress message into the summary")


def _count(rt: Runtime, broadcast_id: int, status: str) -> int:
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id, Delivery.status == status)) or 0


def _channel_name(rt: Runtime, channel: str) -> str:
    try:
        return rt.client.conversations_info(channel=channel)["channel"]["name"]
    except SlackApiError:
        return channel


def after_sends(rt: Runtime, *, comm_id: int) -> None:
    """Set the clocks from the first successful send of a message (spec C.6)."""
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        first = s.scalar(select(func.min(Delivery.sent_at)).where(Delivery.comm_id == comm_id, Delivery.status == "sent"))
        if first is None:
            return
        inc = s.get(Incident, comm.incident_id)
        if comm.first_sent_at is None:
            comm.first_sent_at = first
        if inc.last_customer_update_at is None or inc.last_customer_update_at < comm.first_sent_at:
            inc.last_customer_update_at = comm.first_sent_at
        if inc.status == "open" and comm.next_update_minutes:
            inc.next_update_due_at = comm.first_sent_at + timedelta(minutes=comm.next_update_minutes)


def send_owner_deliveries(rt: Runtime, delivery_ids: list[int], comm_id: int, done_key: str, done_text_for) -> threading.Thread:
    """Owner "Send to my channels": the same sender, then a thread note of what went out."""

    def work() -> None:
        try:
            report = DeliverySender(rt, sender_config(incident_settings())).run(delivery_ids=delivery_ids)
            after_sends(rt, comm_id=comm_id)
            with session_scope(rt.session_factory) as s:
                comm = s.get(Comm, comm_id)
                inc = s.get(Incident, comm.incident_id)
                enqueue(s, key=done_key, channel=coord_channel(rt), text=done_text_for(report), thread_key=inc.coord_key)
            deliver_keys(rt, [done_key])
        except Exception:
            log.exception("owner send failed; rows stay pending for the incident_broadcasts job")

    return _spawn(work, (), f"owner-send-{comm_id}")


def resume_all(rt: Runtime) -> int:
    """Broadcasts left unfinished by a restart, and stray owner deliveries: send them now."""
    with session_scope(rt.session_factory) as s:
        ids = list(s.scalars(select(Broadcast.id).where(Broadcast.status.in_(("pending", "sending")))))
        strays = list(s.execute(select(Delivery.id, Delivery.comm_id).where(Delivery.broadcast_id.is_(None), Delivery.status.in_(("pending", "sending")))))
    for bid in ids:
        run_broadcast(rt, bid)
    if strays:
        sender = DeliverySender(rt, sender_config(incident_settings()))
        sender.run(delivery_ids=[d for d, _ in strays])
        for comm_id in {c for _, c in strays}:
            after_sends(rt, comm_id=comm_id)
    return len(ids)

"""Work a dead process left behind is picked up by a live one within seconds, not a lease later.

Every `serve` process runs this small loop, whether or not it holds the scheduler lease: it keeps
the process's heartbeat (bot.work) and every WORK_RECOVERY_SECONDS looks for work claimed by a
process whose heartbeat is older than WORK_STALE_SECONDS (it was killed, or its host died):

- inbound requests (bot.events) still `in_progress`: dispatched again through the same Bolt app,
  so the same middleware, dedupe and listeners run; a request replayed INBOUND_MAX_ATTEMPTS times
  is marked `failed` and logged instead of killing process after process;
- outbox rows left `sending`: looked up in Slack by their metadata key (sent, or back to pending),
  then sent; rows left `pending` for longer than the stale window are sent too;
- each capability's own in-flight work, through RECOVERERS ("module:function" references, called
  with the runtime and the live workers): ticket creation and reply sync, SEV 0 broadcasts.

Claims are taken over with a compare-and-set on the dead claimer, so of several live processes
exactly one takes each piece of work. The scheduled jobs still sweep the same tables as a backstop."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import delete, or_, select, update

from bot.clock import now as clock_now
from bot.db.core import InboundRequest, OutboxMessage, WorkerHeartbeat
from bot.db.session import session_scope
from bot.events import REPLAY, SOCKET_MODE
from bot.outbox import OutboxSender
from bot.runtime import Runtime
from bot.work import Heartbeat, live_workers, wall

log = logging.getLogger("gtmbot.recovery")

# Capabilities' recoverers: name -> "module:function", function(rt, claims) -> how many picked up.
RECOVERERS: dict[str, str] = {
    "tickets": "bot.tickets.recovery:recover",
    "incidents": "bot.incidents.recovery:recover",
}
PRUNE_EVERY_S = 60.0


@dataclass(frozen=True)
class Claims:
    """Who is alive, as one recovery pass sees it."""

    me: str
    live: frozenset[str]
    stale_before: datetime  # wall clock: work claimed before this by a dead process is abandoned
    stale_before_clock: datetime  # the same on bot.clock, for columns stamped with it


def current_claims(rt: Runtime) -> Claims:
    stale = timedelta(seconds=rt.settings.work_stale_seconds)
    return Claims(rt.worker_id, live_workers(rt) | {rt.worker_id}, wall() - stale, clock_now() - stale)


class Recovery:
    """The heartbeat and the recovery loop of one process; `app` is where requests are replayed."""

    def __init__(self, rt: Runtime, app: App | None = None) -> None:
        self.rt = rt
        self.app = app
        self.heartbeat = Heartbeat(rt)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned = 0.0

    def start(self) -> Recovery:
        self.heartbeat.start()
        self._thread = threading.Thread(target=self._loop, name="recovery", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, forget: bool = True) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)
        self.heartbeat.stop(forget=forget)

    def _loop(self) -> None:
        while not self._stop.wait(self.rt.settings.work_recovery_seconds):
            try:
                self.run_once()
            except Exception:
                log.exception("recovery pass failed; trying again shortly")

    # ------------------------------------------------------------------ one pass
    def run_once(self) -> dict[str, int]:
        claims = current_claims(self.rt)
        done: dict[str, int] = {}
        if self.app is not None:
            done["inbound"] = self.replay_inbound(claims)
        done["outbox"] = recover_outbox(self.rt, claims)
        from bot.server import load_ref

        for name, ref in RECOVERERS.items():
            if self._stop.is_set():
                break
            try:
                done[name] = load_ref(ref)(self.rt, claims)
            except Exception:
                log.exception("recovering %s work failed; trying again shortly", name)
        if time.monotonic() - self._pruned > PRUNE_EVERY_S:
            self._pruned = time.monotonic()
            prune(self.rt)
        return {k: v for k, v in done.items() if v}

    def replay_inbound(self, claims: Claims) -> int:
        """Requests a dead process acknowledged but did not finish: dispatch them again."""
        with session_scope(self.rt.session_factory) as s:
            rows = list(s.execute(
                select(InboundRequest.key, InboundRequest.claimed_by).where(
                    InboundRequest.status == "in_progress", InboundRequest.claimed_at < claims.stale_before,
                    or_(InboundRequest.claimed_by.is_(None), InboundRequest.claimed_by.not_in(claims.live)))
                .order_by(InboundRequest.received_at).limit(50)))
        replayed = 0
        for key, dead in rows:
            if self._stop.is_set():
                break
            row = self._take(key, dead)
            if row is None:
                continue
            if row["attempts"] > self.rt.settings.inbound_max_attempts:
                with session_scope(self.rt.session_factory) as s:
                    s.execute(update(InboundRequest).where(InboundRequest.key == key)
                              .values(status="failed", finished_at=wall()))
                log.error("inbound %s was left unfinished %d times; giving up on it", key, row["attempts"] - 1)
                continue
            log.warning("inbound %s was acknowledged by %s, which died before finishing it; processing it here",
                        key, dead)
            self._dispatch(key, row["content_type"], row["body"])
            replayed += 1
        return replayed

    def _take(self, key: str, dead: str | None) -> dict[str, Any] | None:
        """Compare-and-set the claim from the dead process to this one; None when another won."""
        with session_scope(self.rt.session_factory) as s:
            owner = InboundRequest.claimed_by.is_(None) if dead is None else InboundRequest.claimed_by == dead
            res = s.execute(update(InboundRequest)
                            .where(InboundRequest.key == key, InboundRequest.status == "in_progress", owner)
                            .values(claimed_by=self.rt.worker_id, claimed_at=wall(),
                                    attempts=InboundRequest.attempts + 1))
            if res.rowcount != 1:
                return None
            row = s.get(InboundRequest, key)
            return {"attempts": row.attempts, "content_type": row.content_type, "body": row.body}

    def _dispatch(self, key: str, content_type: str, body: str) -> None:
        """Through the app, as Slack would send it (signed now with our secret), marked as a replay."""
        if content_type == SOCKET_MODE:
            response = self.app.dispatch(BoltRequest(body=json.loads(body), mode="socket_mode", context={REPLAY: key}))
            if response.status >= 400 and response.status != 404:
                log.warning("replay of %s answered %s", key, response.status)
            return
        timestamp = str(int(time.time()))
        signature = SignatureVerifier(self.rt.settings.signing_secret or "").generate_signature(
            timestamp=timestamp, body=body)
        request = BoltRequest(body=body, headers={"content-type": [content_type],
                                                  "x-slack-request-timestamp": [timestamp],
                                                  "x-slack-signature": [signature or ""]},
                              context={REPLAY: key})
        response = self.app.dispatch(request)
        if response.status >= 400 and response.status != 404:
            log.warning("replay of %s answered %s", key, response.status)


def recover_outbox(rt: Runtime, claims: Claims) -> int:
    """Outbox rows a dead process was sending (taken over, looked up in Slack, sent if not there) and
    rows left pending past the stale window (their sender died between the commit and the send)."""
    with session_scope(rt.session_factory) as s:
        dead = set(s.scalars(select(OutboxMessage.claimed_by).distinct().where(
            OutboxMessage.status == "sending", OutboxMessage.claimed_by.is_not(None),
            OutboxMessage.claimed_by.not_in(claims.live), OutboxMessage.claimed_at <= claims.stale_before_clock)))
        stuck = list(s.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.status == "pending", OutboxMessage.created_at < claims.stale_before,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= wall()))
            .order_by(OutboxMessage.id).limit(200)))
    if not dead and not stuck:
        return 0
    sender = OutboxSender(rt.client, rt.session_factory, rt.worker_id, max_attempts=rt.settings.outbox_max_attempts)
    taken = sender.take_over(dead) if dead else []
    keys = [*stuck, *(k for k in taken if k not in stuck)]
    report = sender.deliver(keys) if keys else None
    return len(taken) + (len(report.sent) if report else 0)


def prune(rt: Runtime) -> None:
    """Done requests past the retention window, and heartbeats of processes long gone."""
    now = wall()
    with session_scope(rt.session_factory) as s:
        s.execute(delete(InboundRequest).where(
            InboundRequest.status != "in_progress",
            InboundRequest.received_at < now - timedelta(hours=rt.settings.inbound_retention_hours)))
        s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.heartbeat_at < now - timedelta(hours=1)))

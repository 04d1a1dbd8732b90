"""Slack requests that start work are recorded before their ack, and processed once.

Slack delivers events at least once (retries carry X-Slack-Retry-Num; the same event_id may
arrive twice, even concurrently), and never again once a delivery was acknowledged. So the global
middleware `record_inbound` writes every event, slash command and interaction that starts work to
`inbound_requests` with its raw body, `in_progress` and claimed by this process, *before* Bolt
acks it; the row is marked `done` when every listener task the request started has returned. A
redelivery finds the row and changes nothing. A row left `in_progress` by a process that died (its
heartbeat stopped, bot.work) is dispatched again through the same Bolt app by a live process
(bot.recovery), marked as a replay so it is processed rather than dropped as a duplicate.

Slash commands are let through when redelivered, because /quote and /discount answer in the ack
(Slack shows the ack of the delivery it kept); commands that act or answer on the response_url ask
`first_delivery_of_command` and do nothing the second time."""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import BoltResponse
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db.core import InboundRequest, ProcessedEvent
from bot.db.session import session_scope
from bot.runtime import Runtime
from bot.work import tracked, wall

log = logging.getLogger("gtmbot.events")

# Context key (BoltRequest context) naming the inbound record a replay is for. Only bot.recovery sets
# it, in-process; nothing a client sends can.
REPLAY = "gtmbot_replay"
SOCKET_MODE = "application/x-socket-mode+json"  # how a Socket Mode payload is stored
# Interactions that start work; options requests (block_suggestion) and view_closed do not.
INTERACTIONS = {"block_actions", "view_submission", "shortcut", "message_action"}


@dataclass
class Delivery:
    """One request being processed in this process: counts the listener tasks it started, so the
    record is marked done when the last of them returns (after the middleware itself returned)."""

    rt: Runtime
    key: str
    first: bool  # the first delivery or a replay: this process owns the record and its work
    replay: bool = False
    _tasks: int = 0
    _returned: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self._lock:
            self._tasks += 1

    def leave(self) -> None:
        with self._lock:
            self._tasks -= 1
            finished = self._returned and self._tasks == 0
        if finished:
            self._finish()

    def returned(self) -> None:
        with self._lock:
            self._returned = True
            finished = self._tasks == 0
        if finished:
            self._finish()

    def _finish(self) -> None:
        if not self.first:
            return
        try:
            mark_done(self.rt, self.key)
        except Exception:  # the record stays in progress; a live process replays it later
            log.exception("could not mark inbound %s done", self.key)


@dataclass
class _Slot:
    delivery: Delivery | None = None


# Bolt runs its global middleware one after another and only then the listener, so the middleware
# cannot wrap the listener. `dispatching` opens a slot around the whole dispatch (bot.app's App does
# it), the middleware fills it, and the listener executor (same thread) and the listener tasks (a copy
# of the context) read it.
_slot: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("gtmbot_inbound", default=None)


def current() -> Delivery | None:
    """The request this code runs for (listener tasks inherit it through the executor)."""
    slot = _slot.get()
    return slot.delivery if slot else None


class dispatching:
    """Around one Bolt dispatch: the request's record is done once the dispatch returned and every
    listener task it started has returned too."""

    def __enter__(self) -> _Slot:
        self.slot = _Slot()
        self.token = _slot.set(self.slot)
        return self.slot

    def __exit__(self, *exc: object) -> None:
        _slot.reset(self.token)
        if self.slot.delivery is not None:
            later = _after.get()
            if later is None:
                self.slot.delivery.returned()
            else:  # over HTTP: once Slack has its answer (the record is still written before it)
                later.append(tracked(self.slot.delivery.returned))


# Work that must not delay Slack's answer. Marking a request done is a database commit (2-3 ms on
# SQLite, more under load) and Slack needs none of it: bot.server runs it after the answer is written.
_after: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar("gtmbot_after", default=None)


class AfterResponse:
    """Around one HTTP request: collects what `dispatching` defers, runs it from `run()`."""

    def __enter__(self) -> AfterResponse:
        self.pending: list[Callable[[], None]] = []
        self.token = _after.set(self.pending)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        _after.reset(self.token)
        if exc_type is not None:  # no answer will be written: nothing to wait for
            self.run()

    def run(self) -> None:
        pending, self.pending[:] = list(self.pending), []
        for fn in pending:
            try:
                fn()
            except Exception:
                log.exception("deferred work after the answer failed")


def inbound_key(body: dict) -> tuple[str, str] | None:
    """(kind, key) of a request that starts work, or None for one that is not recorded."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return "event", f"event:{body['event_id']}"[:200]
    if body.get("command") and body.get("trigger_id"):
        return "command", _command_key(body)
    if body.get("type") in INTERACTIONS and body.get("trigger_id"):
        team = (body.get("team") or {}).get("id") or ""
        user = (body.get("user") or {}).get("id") or ""
        return "interaction", f"{body['type']}:{team}:{user}:{body['trigger_id']}"[:200]
    return None


def _command_key(command: dict) -> str:
    name = (command.get("command") or "").lstrip("/")
    return f"{name}:{command.get('team_id')}:{command.get('user_id')}:{command.get('trigger_id')}"[:128]


def record(rt: Runtime, key: str, kind: str, content_type: str, raw_body: str) -> bool:
    """Write the request's record, in progress and claimed by this process. False when it exists."""
    now = wall()
    try:
        with session_scope(rt.session_factory) as session:
            session.add(InboundRequest(key=key, kind=kind, content_type=content_type, body=raw_body,
                                       status="in_progress", claimed_by=rt.worker_id, attempts=1,
                                       received_at=now, claimed_at=now))
        return True
    except IntegrityError:
        return False


def mark_done(rt: Runtime, key: str) -> None:
    with session_scope(rt.session_factory) as session:
        session.execute(update(InboundRequest).where(InboundRequest.key == key,
                                                     InboundRequest.status == "in_progress")
                        .values(status="done", finished_at=wall()))


def record_inbound(req, body: dict, context, next) -> BoltResponse | None:
    """Global middleware: record before the ack; drop redeliveries; track the work until done."""
    found = inbound_key(body)
    if found is None:
        return next()
    kind, key = found
    rt: Runtime = context["rt"]
    replay = context.get(REPLAY) == key
    if getattr(req, "mode", "http") == "socket_mode":  # no raw body over Socket Mode: keep the payload
        content_type, raw = SOCKET_MODE, json.dumps(body)
    else:
        content_type = (req.headers.get("content-type") or [""])[0] or _default_type(kind)
        raw = req.raw_body
    first = replay or record(rt, key, kind, content_type, raw)
    if not first and kind != "command":
        log.info("duplicate %s %s ignored", kind, key)
        return BoltResponse(status=200, body="")
    slot = _slot.get()
    if slot is None:  # dispatched outside `dispatching`: recorded, but its end is not tracked
        return next()
    slot.delivery = Delivery(rt, key, first=first, replay=replay)
    return next()


def _default_type(kind: str) -> str:
    return "application/json" if kind == "event" else "application/x-www-form-urlencoded"


def claim_event(rt: Runtime, event_id: str) -> bool:
    """True the first time an id is seen, across every process sharing the database."""
    try:
        with session_scope(rt.session_factory) as session:
            session.add(ProcessedEvent(event_id=event_id))
        return True
    except IntegrityError:
        return False


def first_delivery_of_command(rt: Runtime, command: dict) -> bool:
    """False when this slash command request (same command, team, user and trigger_id) was already
    taken by this or another process: a redelivered request must not answer, open a modal or act
    twice. A replay of a request whose process died counts as first. A request without a trigger_id
    cannot be told apart, so it counts as first."""
    delivery = current()
    if delivery is not None and delivery.key == _command_key(command):
        return delivery.first
    if not command.get("trigger_id"):
        return True
    return claim_event(rt, _command_key(command))

"""Work in flight.

In this process: listener tasks after the ack and the background threads they start (a broadcast,
a webhook's deliveries) are counted, a positive signal that processing finished (tests wait on it
instead of sleeping before asserting that nothing more happened).

Across processes: every process keeps a heartbeat row, and durable work names the process working
on it (`claimed_by`), so a live process can tell work abandoned by a dead one (bot.recovery)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.core import WorkerHeartbeat
from bot.db.session import session_scope

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("gtmbot.work")

_cond = threading.Condition()
_busy = 0


def _enter() -> None:
    global _busy
    with _cond:
        _busy += 1


def _leave() -> None:
    global _busy
    with _cond:
        _busy -= 1
        if _busy <= 0:
            _busy = 0
            _cond.notify_all()


def tracked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` counted as in flight from now until it returns (call `tracked` before handing it to a
    thread, so the count never dips to zero between the caller finishing and the thread starting)."""
    _enter()

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            _leave()

    return run


def spawn(target: Callable[..., Any], *, name: str, args: tuple = (), kwargs: dict | None = None) -> threading.Thread:
    """A daemon thread whose work counts as in flight until it ends."""
    thread = threading.Thread(target=tracked(target), args=args, kwargs=kwargs or {}, name=name, daemon=True)
    thread.start()
    return thread


def busy() -> int:
    with _cond:
        return _busy


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until nothing is in flight in this process. True when idle."""
    deadline = time.monotonic() + timeout
    with _cond:
        while _busy > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _cond.wait(remaining)
        return True


# ------------------------------------------------------------------------------------ heartbeats
# Which processes are alive, across every process sharing the database: each writes its own row in
# `worker_heartbeats` every WORK_HEARTBEAT_SECONDS. Work is claimed by worker id (`claimed_by`); a
# claim whose worker has not beaten for WORK_STALE_SECONDS belongs to a dead process and may be taken
# over. Heartbeats run on the real clock, never the pinned business clock (GTMBOT_NOW).


def wall() -> datetime:
    return datetime.now(UTC)


def beat(rt: Runtime) -> None:
    """Record that this process is alive (insert or refresh its row)."""
    at = wall()
    with session_scope(rt.session_factory) as s:
        res = s.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == rt.worker_id)
                        .values(heartbeat_at=at))
        if res.rowcount == 1:
            return
    try:
        with session_scope(rt.session_factory) as s:
            s.add(WorkerHeartbeat(worker_id=rt.worker_id, started_at=at, heartbeat_at=at))
    except IntegrityError:  # a concurrent beat of ours inserted it
        pass


def forget_worker(rt: Runtime) -> None:
    """A clean stop: this process claims nothing any more, so others may take its work at once."""
    with session_scope(rt.session_factory) as s:
        s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == rt.worker_id))


def live_workers(rt: Runtime) -> frozenset[str]:
    """Worker ids with a fresh heartbeat; any other claimer is dead."""
    since = wall() - timedelta(seconds=rt.settings.work_stale_seconds)
    with session_scope(rt.session_factory) as s:
        return frozenset(s.scalars(select(WorkerHeartbeat.worker_id).where(WorkerHeartbeat.heartbeat_at >= since)))


class Heartbeat:
    """The thread that keeps this process's heartbeat fresh."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        beat(self.rt)  # before serving anything, so every claim we make names a live worker
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.rt.settings.work_heartbeat_seconds):
            try:
                beat(self.rt)
            except Exception:  # the database is away for a moment: try again next beat
                log.warning("heartbeat not recorded", exc_info=True)

    def stop(self, *, forget: bool = True) -> None:
        """Stop beating; with `forget`, also remove the row so others may take this process's claims at
        once (only when nothing of ours is in flight any more)."""
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        if not forget:
            return
        try:
            forget_worker(self.rt)
        except Exception:
            log.warning("heartbeat row not removed at stop", exc_info=True)

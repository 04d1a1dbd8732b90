"""The one clock. Services never read it (they take `today`/`now` as arguments); listeners, jobs
and the outbox ask here.

`GTMBOT_NOW` (the operator setting, for demos and staging) says what time it is when the process
starts; from there the clock runs at real speed, as an offset from the real clock. So a retry's
backoff, a reminder's cadence and the scheduler's catch-up come due exactly as in production. A
process that sees a new value (a test changing the environment) starts again from that value.

Tests that need time to stand still call `freeze` (the `freeze_clock` fixture), never the
operator setting. APScheduler runs on the real clock: run dates handed to it use `real_now`.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime, timedelta

_lock = threading.Lock()
_anchor: tuple[str, timedelta] | None = None  # (GTMBOT_NOW as read, its offset from the real clock)
_frozen: datetime | None = None


def parse(value: str) -> datetime:
    """An ISO 8601 time; a time without a zone is UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def real_now() -> datetime:
    return datetime.now(UTC)


def start() -> datetime:
    """Read GTMBOT_NOW at start-up (the CLI calls this first), so the clock counts from the moment
    the process starts rather than from its first question. Returns the time it is."""
    return now()


def restart() -> None:
    """Forget when the process started: the next read of GTMBOT_NOW is the start again (each test
    is a fresh start; see tests/conftest.py)."""
    global _anchor
    with _lock:
        _anchor = None


def _offset(pinned: str, real: datetime) -> timedelta:
    global _anchor
    with _lock:
        if _anchor is None or _anchor[0] != pinned:
            _anchor = (pinned, parse(pinned) - real)
        return _anchor[1]


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    real = real_now()
    pinned = os.environ.get("GTMBOT_NOW")
    if not pinned:
        return real
    return real + _offset(pinned, real)


def today() -> date:
    return now().date()


def freeze(at: datetime | str | None) -> None:
    """Stop the clock at `at` (a datetime or an ISO string), or let it run again with None. For
    tests: a frozen clock never reaches a retry's backoff, so production code never calls this."""
    global _frozen
    if isinstance(at, str):
        at = parse(at)
    _frozen = at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at

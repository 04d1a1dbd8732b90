"""Network faults the fakes can play, per method, the same way in every fake (Slack, Stripe, Zendesk,
Vitally). These are the faults a real network has around a write:

- `drop_after`:   the server does the work, then the connection closes before any answer;
- `error_after`:  the server does the work, then answers 5xx;
- `error_before`: the server answers 5xx without doing anything;
- `rate_limit`:   429 with `Retry-After`, nothing done;
- `stall`:        the server does the work and answers only after `stall_s` (past the client's timeout).

A client sees `drop_after` and `stall` as a lost answer and `error_after` / `error_before` as the same
5xx: only a look at the far end tells them apart. That is what the bot must do before any resend.

`FaultScript.add("chat.postMessage", "drop_after")` arms the next matching call; a key matches a call
whose name starts with it (e.g. "PUT /api/v2/tickets/").
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FAULTS = ("drop_after", "error_after", "error_before", "rate_limit", "stall")
BEFORE = ("error_before", "rate_limit")  # answered without doing the work


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 503
    retry_after: int = 1
    stall_s: float = 2.0

    @property
    def acts(self) -> bool:
        """Does the server do the work before this fault strikes?"""
        return self.kind not in BEFORE


class FaultScript:
    """Armed faults, oldest first, each used once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[tuple[str, Fault, Callable[[dict[str, Any]], bool] | None]] = []
        self.played: list[tuple[str, str]] = []  # (call, fault kind), for a test's record

    def add(self, key: str, kind: str, *, times: int = 1, status: int | None = None, retry_after: int = 1,
            stall_s: float = 2.0, when: Callable[[dict[str, Any]], bool] | None = None) -> None:
        """Arm `kind` for the next `times` calls matching `key` (and `when(args)`, where the fake passes
        the call's arguments, e.g. only the post whose text starts with "CreditBot")."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        default_status = 429 if kind == "rate_limit" else (500 if kind == "error_after" else 503)
        fault = Fault(kind, status or default_status, retry_after, stall_s)
        with self._lock:
            self._armed.extend([(key, fault, when)] * times)

    def take(self, call: str, args: dict[str, Any] | None = None) -> Fault | None:
        with self._lock:
            for i, (key, fault, when) in enumerate(self._armed):
                if call.startswith(key) and (when is None or when(args or {})):
                    del self._armed[i]
                    self.played.append((call, fault.kind))
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._armed)


def before_answer(fault: Fault | None) -> tuple[int, dict[str, str], dict[str, Any]] | None:
    """The answer for a fault that strikes before the work (None: do the work)."""
    if fault is None or fault.acts:
        return None
    if fault.kind == "rate_limit":
        return 429, {"Retry-After": str(fault.retry_after)}, {"ok": False, "error": "ratelimited"}
    return fault.status, {}, {"ok": False, "error": "service_unavailable"}


def drop(handler: Any) -> None:
    """Close a BaseHTTPRequestHandler's connection without a byte of answer."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass

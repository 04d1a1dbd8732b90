"""Work in flight in this process: listener tasks after the ack and the background threads they
start (a broadcast, a webhook's deliveries) are counted, a positive signal that processing finished
(tests wait on it instead of sleeping before asserting that nothing more happened)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

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


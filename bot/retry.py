"""One retry policy for every client the bot makes: Slack, Stripe, Zendesk, Vitally.

The rule (README "Retries and uncertain writes"):
- **429** means "not done, ask again later": wait `Retry-After` (capped) and ask again, for reads and
  writes alike.
- **5xx, timeouts, dropped connections** are retried with capped exponential backoff and jitter only
  when the call is *safe to repeat*: a read, or a write the far end deduplicates (Zendesk's
  `Idempotency-Key`, an upsert). A write that failed that way after it may have reached the server is
  *uncertain*: `call` raises at once and the caller looks at the far end before any resend (the
  outbox and the broadcast sender read channel history for the message's metadata key).
- A connection that was never made (refused) sent nothing, so it is retried like a read.
- When retries run out the error goes up; callers record it and the next run tries again.

Waits go through `RetryPolicy.sleep` and `RetryPolicy.jitter` so tests inject them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar

from tenacity import RetryCallState, Retrying

log = logging.getLogger("gtmbot.retry")

T = TypeVar("T")

Kind = Literal["rate_limited", "transient", "not_sent"]


@dataclass(frozen=True)
class Failure:
    """How a failed call may be retried. `None` from a classifier means: do not retry, raise."""

    kind: Kind
    retry_after: float | None = None  # seconds the server asked for (429)


def equal_jitter(delay: float) -> float:
    """Half the delay fixed, half random: spreads clients out without ever waiting ~0."""
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often. `delays` (when given) fixes the backoff schedule, e.g. the tickets
    spec's 1 s, 4 s, 15 s (A.2.9); otherwise base * 2**n capped at `backoff_cap_s`."""

    max_attempts: int = 4  # tries for transient failures, the first included
    max_rate_limit_waits: int = 5  # 429s are not failures, but never loop forever
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    retry_after_cap_s: float = 120.0
    delays: tuple[float, ...] | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[float], float] = field(default=equal_jitter, compare=False)

    @classmethod
    def from_delays(cls, delays: tuple[float, ...] | list[float], **kw) -> RetryPolicy:
        delays = tuple(float(d) for d in delays)
        return cls(max_attempts=len(delays) + 1, delays=delays, **kw)

    def with_(self, **kw) -> RetryPolicy:
        return replace(self, **kw)

    def backoff(self, failure_number: int) -> float:
        """Wait before retry number `failure_number` (1-based), jittered."""
        if self.delays is not None:
            base = self.delays[min(failure_number, len(self.delays)) - 1]
        else:
            base = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (failure_number - 1))
        return self.jitter(base)

    def rate_limit_wait(self, retry_after: float | None) -> float:
        """What the server asked for, capped; 1 s when it did not say."""
        seconds = 1.0 if retry_after is None else retry_after
        return max(0.0, min(float(seconds), self.retry_after_cap_s))


DEFAULT_POLICY = RetryPolicy()


def policy_from_settings(settings: object, **overrides) -> RetryPolicy:
    """The operator's retry knobs (RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_BASE_S, RETRY_BACKOFF_CAP_S,
    RETRY_AFTER_CAP_S); defaults for anything a settings object does not carry."""
    fields = {
        "max_attempts": getattr(settings, "retry_max_attempts", DEFAULT_POLICY.max_attempts),
        "backoff_base_s": getattr(settings, "retry_backoff_base_s", DEFAULT_POLICY.backoff_base_s),
        "backoff_cap_s": getattr(settings, "retry_backoff_cap_s", DEFAULT_POLICY.backoff_cap_s),
        "retry_after_cap_s": getattr(settings, "retry_after_cap_s", DEFAULT_POLICY.retry_after_cap_s),
    }
    return RetryPolicy(**{**fields, **overrides})


def parse_retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def call(
    fn: Callable[[], T],
    *,
    classify: Callable[[BaseException], Failure | None],
    safe: bool,
    policy: RetryPolicy = DEFAULT_POLICY,
    what: str = "",
) -> T:
    """Run `fn`, retrying what the policy allows. `safe` says whether repeating `fn` after it may have
    reached the server is harmless (reads, deduplicated writes). Anything else is raised."""
    counts = {"rate_limited": 0, "failures": 0}

    def verdict(state: RetryCallState) -> Failure | None:
        exc = state.outcome.exception() if state.outcome else None
        return classify(exc) if exc is not None else None

    def should_retry(state: RetryCallState) -> bool:
        failure = verdict(state)
        if failure is None:
            return False
        if failure.kind == "rate_limited":
            counts["rate_limited"] += 1
            return counts["rate_limited"] <= policy.max_rate_limit_waits
        if failure.kind == "transient" and not safe:
            return False  # uncertain write: the caller must look before resending
        counts["failures"] += 1
        return counts["failures"] < policy.max_attempts

    def wait(state: RetryCallState) -> float:
        failure = verdict(state)
        if failure is not None and failure.kind == "rate_limited":
            seconds = policy.rate_limit_wait(failure.retry_after)
        else:
            seconds = policy.backoff(counts["failures"])
        log.info("%s: %s; retrying in %.2fs", what or getattr(fn, "__name__", "call"),
                 state.outcome.exception() if state.outcome else "?", seconds)
        return seconds

    retrying = Retrying(retry=should_retry, wait=wait, sleep=policy.sleep, reraise=True)
    return retrying(fn)

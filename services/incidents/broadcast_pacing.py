"""Pacing for broadcasts: a workspace-wide token bucket, a per-channel gap and Retry-After.

Slack documents `chat.postMessage` as "1 message per second to a specific channel" with a
workspace limit of "several hundred messages per minute" (spec D.3 [external]). The plan here
is pure: callers pass `now` (seconds on any monotonic scale) and get back when they may send.
The rate and burst are settings (`SLACK_POST_RATE_PER_SEC`, `SLACK_POST_BURST`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

PER_CHANNEL_GAP_S = 1.1  # spec D.3: ≥ 1.1 s between two posts to one channel (Slack: 1/s/channel)
AIMD_WINDOW_S = 60.0  # spec D.3: two 429s within a minute …
AIMD_PENALTY_S = 300.0  # … halve the rate for 5 minutes
DEFAULT_RETRY_AFTER_S = 1.0  # a 429 without a readable Retry-After still waits

# spec D.2: errors that will not go away by retrying; the row fails and is reported.
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "team_access_not_granted",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "cannot_reply_to_message",
        "ekm_access_denied",
    }
)

OUTCOME_SENT = "sent"
OUTCOME_RATE_LIMITED = "rate_limited"
OUTCOME_FAILED = "failed"
OUTCOME_UNCERTAIN = "uncertain"


def classify(ok: bool, error: str | None = None, status: int = 200) -> str:
    """Map a Slack answer to the delivery state machine (spec D.2).

    429 / `ratelimited` → back to pending without counting an attempt; a permanent error →
    failed; a timeout, 5xx or unknown error → uncertain (reconciled against channel history
    before any resend, since Slack has no idempotency key for posts)."""
    if status == 429 or error in {"ratelimited", "rate_limited"}:
        return OUTCOME_RATE_LIMITED
    if ok and status < 300:
        return OUTCOME_SENT
    if error in PERMANENT_ERRORS:
        return OUTCOME_FAILED
    return OUTCOME_UNCERTAIN


def parse_retry_after(value: str | None) -> float:
    """Seconds from a `Retry-After` header (Slack sends whole seconds)."""
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
    return seconds if seconds > 0 else DEFAULT_RETRY_AFTER_S


@dataclass(frozen=True)
class PacingState:
    """Everything the pacer remembers. Immutable: every event returns a new state."""

    rate: float  # configured messages per second, workspace-wide
    burst: float
    tokens: float
    updated_at: float
    not_before: float = 0.0  # global pause after a 429
    recent_429s: tuple[float, ...] = ()
    penalty_until: float = 0.0
    last_post: Mapping[str, float] = field(default_factory=dict)

    @property
    def effective_rate(self) -> float:
        return self.rate / 2 if self.updated_at < self.penalty_until else self.rate


def start(rate: float, burst: float, now: float) -> PacingState:
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be > 0 and burst ≥ 1")
    return PacingState(rate=rate, burst=burst, tokens=burst, updated_at=now)


def _refill(state: PacingState, now: float) -> PacingState:
    if now <= state.updated_at:
        return state
    rate = state.rate / 2 if now < state.penalty_until else state.rate
    tokens = min(state.burst, state.tokens + (now - state.updated_at) * rate)
    return replace(state, tokens=tokens, updated_at=now)


def earliest_send(state: PacingState, channel: str, now: float) -> float:
    """The earliest time ≥ now at which a post to `channel` respects every limit."""
    s = _refill(state, now)
    rate = s.rate / 2 if now < s.penalty_until else s.rate
    t_bucket = now if s.tokens >= 1 else now + (1 - s.tokens) / rate
    t_channel = s.last_post.get(channel, float("-inf")) + PER_CHANNEL_GAP_S
    return max(now, t_bucket, t_channel, s.not_before)


def record_send(state: PacingState, channel: str, at: float) -> PacingState:
    """Spend one token and stamp the channel. Call with the time the post was made."""
    s = _refill(state, at)
    last = dict(s.last_post)
    last[channel] = at
    return replace(s, tokens=s.tokens - 1, last_post=last)


def record_rate_limited(state: PacingState, now: float, retry_after: float) -> PacingState:
    """A 429: nobody posts until now + Retry-After; two within a minute halve the rate for 5 min."""
    s = _refill(state, now)
    recent = tuple(t for t in s.recent_429s if now - t <= AIMD_WINDOW_S) + (now,)
    penalty = now + AIMD_PENALTY_S if len(recent) >= 2 else s.penalty_until
    return replace(s, not_before=max(s.not_before, now + retry_after), recent_429s=recent, penalty_until=penalty, tokens=min(s.tokens, 0.0))


def time_bound(channels: int, rate: float, retry_after_total: float = 0.0) -> float:
    """T ≈ N / r + Σ Retry-After (spec D.3): the yardstick the benchmark reports against."""
    return channels / rate + retry_after_total


def plan(channels: Sequence[str], rate: float, burst: float, begin: float = 0.0) -> tuple[tuple[str, float], ...]:
    """Send times for one message per channel with no rate limiting met: a dry run of the pacer."""
    state = start(rate, burst, begin)
    now = begin
    out: list[tuple[str, float]] = []
    for ch in channels:
        at = earliest_send(state, ch, now)
        state = record_send(state, ch, at)
        out.append((ch, at))
        now = at
    return tuple(out)

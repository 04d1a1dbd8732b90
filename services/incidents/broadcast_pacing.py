"""Adaptive pacing for broadcasts: find the workspace's real limit from Slack's answers.

Slack documents `chat.postMessage` as "1 message per second to a specific channel" with a
workspace limit it does not publish as a number ("several hundred messages per minute", spec D.3
[external]) and signals with HTTP 429 and `Retry-After`. Issue 18 supersedes D.3's fixed rate:
- start at `SLACK_POST_RATE_PER_SEC` (or the rate remembered for the workspace);
- slow start while posts succeed: the rate doubles once Slack has accepted RAMP_DOUBLING_S worth of
  posts at it, until the first workspace 429; there it settles just under what Slack accepted in
  the last second (RAMP_SETTLE; not below RAMP_FLOOR of the start rate);
- then additive increase (AI_FRACTION of the rate per second), for CEILING_S after a 429 (or from a
  remembered rate) no more than HEADROOM above what Slack accepted; a 429 up there puts the pace
  back to what Slack accepted (a pace a little over the limit draws refusals too sparse to read as
  the workspace's limit, and would draw them to the end of the broadcast);
- on a workspace 429: the rate Slack accepted from the previous workspace refusal to this one (its
  budget was spent at both), or x DECREASE when that is not known, honouring `Retry-After` for
  every channel; never above `SLACK_POST_RATE_MAX_PER_SEC`, never below MIN_RATE;
- never two posts to one channel within PER_CHANNEL_GAP_S, whatever the workspace rate.

Channel or workspace? Both answer HTTP 429 `ratelimited`; Slack does not say which limit was hit.
A 429 is first charged to its channel: that channel alone waits its `Retry-After`, the others go
on. It counts as the workspace's limit when 429s come from WORKSPACE_429_CHANNELS different
channels in a row, or from WINDOW_429_CHANNELS among the last WINDOW_POSTS posts (a workspace
limit refuses whichever channel comes next; one throttled channel refuses only itself). The workspace pause is the shortest `Retry-After` among
those 429s, so one channel's long wait is never imposed on the others. Any 429 also stops the
increase for HOLD_S, so a pace slightly over the limit does not keep climbing.

Pure: callers pass `now` (seconds on any monotonic scale) and get back when they may send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

PER_CHANNEL_GAP_S = 1.1  # not policy: Slack API limit (spec D.3): ≥ 1.1 s between two posts to one channel (Slack: 1/s/channel)
DEFAULT_RETRY_AFTER_S = 1.0  # not policy: protocol default; a 429 without a readable Retry-After still waits
MIN_RATE = 1.0  # not policy: pacing tuning (issue 18), not handbook; the pace never drops below one post a second
RAMP_DOUBLING_S = 0.25  # not policy: pacing tuning (issue 18), not handbook; slow start: the rate doubles per 0.25 s of posts accepted at it
AI_FRACTION = 0.04  # not policy: pacing tuning (issue 18), not handbook; after the limit is found: +4% of the rate per second of successes
DECREASE = 0.8  # not policy: pacing tuning (issue 18), not handbook; a later workspace 429 with no measured rate multiplies it by 0.8
HOLD_S = 5.0  # not policy: pacing tuning (issue 18), not handbook; once the limit is known: no increase for 5 s after any 429
WORKSPACE_429_CHANNELS = 3  # not policy: pacing tuning (issue 18), not handbook; 429s from 3 channels in a row …
WINDOW_429_CHANNELS = 4  # not policy: pacing tuning; … or from 4 channels …
WINDOW_POSTS = 8  # not policy: pacing tuning; … among the last 8 posts = the workspace's limit
RAMP_SETTLE = 0.9  # not policy: pacing tuning; the ramp's first workspace 429: 90% of what Slack accepted in the last second …
RAMP_FLOOR = 0.5  # not policy: pacing tuning; … but not below half the start rate (refused at once, nothing was accepted yet)
PROBE_S = 1.0  # not policy: pacing tuning (issue 18), not handbook; two channels refused: everyone waits ≤ 1 s, then one post probes
ACCEPTED_SPAN_S = 10.0  # not policy: pacing tuning (issue 18), not handbook; the accepted rate is measured over up to 10 s …
MIN_SPAN_S = 2.0  # not policy: pacing tuning; … and at least 2 s
OVERDRIVE = 1.1  # not policy: pacing tuning (issue 18), not handbook; a pace 10% above what Slack accepted settles on the accepted rate
CEILING_S = 30.0  # not policy: pacing tuning; for 30 s after a 429 (or from a remembered rate) the pace climbs …
HEADROOM = 1.1  # not policy: pacing tuning; … at most 10% above what Slack accepted; a 429 up there puts it back
MAX_CHANNEL_REFUSALS = 5  # not policy: pacing tuning (issue 18), not handbook; a channel refused 5 times in a row has stopped taking posts …
CHANNEL_GIVE_UP_S = 60.0  # not policy: pacing tuning; … or one still refusing 60 s after its first 429: it fails (Retry failed)

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

LIMIT_CHANNEL = "channel"
LIMIT_WORKSPACE = "workspace"


def classify(ok: bool, error: str | None = None, status: int = 200) -> str:  # not policy: HTTP status codes
    """Map a Slack answer to the delivery state machine (spec D.2).

    429 / `ratelimited` → back to pending without counting an attempt; a permanent error →
    failed; a timeout, 5xx or unknown error → uncertain (reconciled against channel history
    before any resend, since Slack has no idempotency key for posts)."""
    if status == 429 or error in {"ratelimited", "rate_limited"}:  # not policy: HTTP 429 Too Many Requests
        return OUTCOME_RATE_LIMITED
    if ok and status < 300:  # not policy: HTTP 2xx success
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

    rate: float  # current workspace-wide pace, messages per second
    max_rate: float
    burst: float
    tokens: float
    updated_at: float
    ramping: bool = True  # slow start until the workspace's limit is first met
    started_at: float = 0.0  # when the slow start began …
    start_rate: float = 0.0  # … and at what pace
    last_increase: float = 0.0
    hold_until: float = 0.0  # no increase before this (a 429 was seen)
    not_before: float = 0.0  # workspace pause after a workspace 429
    streak: tuple[tuple[float, str, float], ...] = ()  # 429s since the last accepted post: (at, channel, retry_after)
    window: tuple[tuple[str, float] | None, ...] = ()  # the last WINDOW_POSTS answers: None = accepted, else (channel, retry_after)
    accepted_at: tuple[float, ...] = ()  # when posts were accepted, over the last second
    marks: tuple[tuple[float, int], ...] = ()  # (at, successes so far) at each recent 429
    successes: int = 0
    ceiling: float = 0.0  # what Slack accepted when it last refused (0: not known)
    ceiling_at: float = float("-inf")
    headroom: float = HEADROOM  # how far above the ceiling the pace may probe (1: a probe there was just refused)
    workspace_429s: int = 0
    channel_429s: int = 0
    last_post: Mapping[str, float] = field(default_factory=dict)
    channel_not_before: Mapping[str, float] = field(default_factory=dict)


def start(rate: float, burst: float, now: float, *, max_rate: float | None = None,
          remembered: float | None = None) -> PacingState:
    """A pacer at `rate` (ramping up), or at the rate `remembered` for this workspace (the limit
    was found before: additive increase only)."""
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be > 0 and burst ≥ 1")
    top = max(max_rate if max_rate is not None else rate, rate)
    if remembered and remembered > 0:
        begin = min(top, max(MIN_RATE, remembered))
        # What Slack accepted last time is the ceiling for a while: the pace probes at most HEADROOM above it.
        return PacingState(rate=begin, max_rate=top, burst=burst, tokens=burst, updated_at=now, ramping=False, last_increase=now,
                           ceiling=begin, ceiling_at=now)
    return PacingState(rate=min(rate, top), max_rate=top, burst=burst, tokens=burst, updated_at=now, last_increase=now, started_at=now,
                       start_rate=min(rate, top))


def _refill(state: PacingState, now: float) -> PacingState:
    if now <= state.updated_at:
        return state
    tokens = min(state.burst, state.tokens + (now - state.updated_at) * state.rate)
    return replace(state, tokens=tokens, updated_at=now)


def earliest_send(state: PacingState, channel: str, now: float) -> float:
    """The earliest time ≥ now at which a post to `channel` respects every limit."""
    s = _refill(state, now)
    t_bucket = now if s.tokens >= 1 else now + (1 - s.tokens) / s.rate
    t_gap = s.last_post.get(channel, float("-inf")) + PER_CHANNEL_GAP_S
    return max(now, t_bucket, t_gap, s.not_before, s.channel_not_before.get(channel, 0.0))


def channel_ready_at(state: PacingState, channel: str) -> float:
    """When this channel alone may be posted to again (its gap and its own Retry-After)."""
    return max(state.last_post.get(channel, float("-inf")) + PER_CHANNEL_GAP_S, state.channel_not_before.get(channel, 0.0))


def record_send(state: PacingState, channel: str, at: float) -> PacingState:
    """Spend one token and stamp the channel. Call with the time the post was made."""
    s = _refill(state, at)
    last = dict(s.last_post)
    last[channel] = at
    return replace(s, tokens=s.tokens - 1, last_post=last)


def record_success(state: PacingState, now: float) -> PacingState:
    """A post went through: ramp up (slow start: doubling per RAMP_DOUBLING_S of posts accepted at
    the current pace; after the limit was met, +AI_FRACTION of the rate per second), unless a 429
    was seen within HOLD_S after the limit was found."""
    s = _refill(state, now)
    s = replace(s, streak=(), successes=s.successes + 1, window=(*s.window, None)[-WINDOW_POSTS:],
                accepted_at=tuple(t for t in s.accepted_at if now - t < 1.0) + (now,))  # not policy: one second
    dt = min(now - s.last_increase, 1.0)  # a quiet spell without posts proves nothing
    if dt <= 0:
        return s
    if not s.ramping and now < s.hold_until:
        return replace(s, last_increase=now)
    if s.ramping:
        # One accepted post vouches for at most one interval of the pace (1 / rate): the pace doubles
        # once Slack has accepted RAMP_DOUBLING_S worth of posts at it, not merely as time passes
        # (posts held back by the 1-a-second-per-channel gap, a slow answer or a burst prove nothing more).
        rate = s.rate * 2 ** (min(dt, 1 / s.rate) / RAMP_DOUBLING_S)  # not policy: doubling
    else:
        rate = s.rate * (1 + AI_FRACTION * dt)
        if s.ceiling and now - s.ceiling_at < CEILING_S:
            rate = min(rate, max(s.rate, s.ceiling * s.headroom))  # probe gently: a little past what Slack last accepted
    return replace(s, rate=min(s.max_rate, rate), last_increase=now)


def found_rate(state: PacingState, now: float) -> float:
    """The pace to remember for the workspace: what Slack accepted when it last refused (within
    CEILING_S), else the pace, which Slack has accepted since without refusing: a broadcast that
    climbed past an old ceiling raises what the next one starts from."""
    if state.ceiling and now - state.ceiling_at < CEILING_S:
        return state.ceiling
    return max(state.ceiling, state.rate)


def accepted_rate(state: PacingState, now: float) -> float | None:
    """Posts Slack accepted per second since the latest 429 at least MIN_SPAN_S ago (and at most
    ACCEPTED_SPAN_S). A workspace 429 leaves its mark at the refusal itself, when the workspace's
    budget was spent: from there to the next workspace refusal (the pause between refilled the
    budget, and it was spent again) is what the workspace lets through; a channel's 429s only
    lower it a little."""
    old = [(t, n) for t, n in state.marks if MIN_SPAN_S <= now - t <= ACCEPTED_SPAN_S]
    if not old:
        return None
    t0, n0 = old[-1]
    return (state.successes - n0) / (now - t0)


def record_rate_limited(state: PacingState, channel: str, now: float, retry_after: float) -> tuple[PacingState, str]:
    """A 429 on `channel`: that channel alone waits `retry_after`. 429s from WORKSPACE_429_CHANNELS
    channels in a row (no post accepted between them) are the workspace's limit: every channel
    waits the shortest Retry-After of them and the rate drops (to the rate Slack accepted since
    the last refusal, else x DECREASE; the slow start's first: RAMP_SETTLE of the last second's).
    A pace above what Slack accepted (OVERDRIVE), or probing above the ceiling, settles back on it."""
    s = _refill(state, now)
    held = dict(s.channel_not_before)
    held[channel] = max(held.get(channel, 0.0), now + retry_after)
    streak = tuple(r for r in s.streak if r[1] != channel) + ((now, channel, retry_after),)
    accepted = accepted_rate(s, now)
    marks = tuple(m for m in s.marks if now - m[0] <= ACCEPTED_SPAN_S) + ((now, s.successes),)
    # Probing: above what Slack accepted at its last refusal, while that still holds (CEILING_S); past
    # that the pace climbed on posts Slack accepted, and one channel's 429 says nothing about them.
    probing = not s.ramping and s.ceiling > 0 and s.rate > s.ceiling and now - s.ceiling_at < CEILING_S
    s = replace(s, channel_not_before=held, streak=streak, marks=marks)
    if probing:  # a 429 while probing above what Slack accepted: back to that, no probing for CEILING_S
        s = replace(s, rate=max(MIN_RATE, s.ceiling), ceiling_at=now, headroom=1.0)
    if not s.ramping:
        s = replace(s, hold_until=max(s.hold_until, now + HOLD_S))  # maybe at the limit: stop climbing
    in_row = len({r[1] for r in streak})
    window = (*s.window, (channel, retry_after))[-WINDOW_POSTS:]
    refused = {w[0]: w[1] for w in window if w is not None}  # not policy: (channel, retry_after) pairs
    s = replace(s, window=window)
    # One throttled channel refuses only itself; a workspace limit refuses whichever channel comes
    # next: 429s from WORKSPACE_429_CHANNELS channels in a row, or from WINDOW_429_CHANNELS among
    # the last WINDOW_POSTS posts (5% of channels throttled put 4 in 8 together about once in 2,000).
    if in_row < WORKSPACE_429_CHANNELS and len(refused) < WINDOW_429_CHANNELS:
        if not s.ramping and accepted is not None and s.rate > accepted * OVERDRIVE:
            s = replace(s, rate=max(MIN_RATE, accepted), ceiling=accepted, ceiling_at=now, headroom=HEADROOM)
        return replace(s, channel_429s=s.channel_429s + 1), LIMIT_CHANNEL
    waits = [r[2] for r in streak] if in_row >= WORKSPACE_429_CHANNELS else list(refused.values())  # not policy: Retry-After index
    # Just found: pause the shortest Retry-After, at most PROBE_S (a post after that tells whether
    # the workspace is still refusing); refused again in the same streak: the whole Retry-After.
    pause = min(waits) if in_row > WORKSPACE_429_CHANNELS else min(min(waits), PROBE_S)
    rate = s.rate
    if in_row <= WORKSPACE_429_CHANNELS:  # once per streak: a later refusal lengthens the pause only
        if s.ramping:  # the ramp overshot: settle just under what Slack let through in the last second
            settle = len([t for t in s.accepted_at if now - t < 1.0]) * RAMP_SETTLE  # not policy: one second
            rate = min(s.rate, max(settle, s.start_rate * RAMP_FLOOR))
            if now - s.started_at >= 1.0:  # not policy: one second; a full second of posts says what Slack accepts
                s = replace(s, ceiling=rate, ceiling_at=now, headroom=HEADROOM)
        elif accepted is None:
            rate = s.rate * DECREASE
        if accepted is not None:  # measured from one refusal to the next: what the workspace lets through
            rate = min(rate, accepted)
            s = replace(s, ceiling=accepted, ceiling_at=now, headroom=HEADROOM)
    return replace(
        s, window=(), marks=((now, s.successes),), rate=max(MIN_RATE, rate), ramping=False, tokens=min(s.tokens, 0.0),
        not_before=max(s.not_before, now + pause), workspace_429s=s.workspace_429s + 1,
        hold_until=max(s.hold_until, now + pause + HOLD_S), last_increase=now + pause,
    ), LIMIT_WORKSPACE


def channel_gives_up(first_refused_at: float, refusals: int, now: float, retry_after: float) -> bool:
    """A channel that keeps answering 429 fails instead of holding the broadcast open: after
    MAX_CHANNEL_REFUSALS refusals in a row, or when its next try would come over CHANNEL_GIVE_UP_S
    after its first refusal. The summary lists it with *Retry failed* (spec C.5 step 4)."""
    return refusals >= MAX_CHANNEL_REFUSALS or now + retry_after - first_refused_at > CHANNEL_GIVE_UP_S


def record_priority_post(state: PacingState, channel: str, at: float) -> PacingState:
    """A post that went ahead of the customer posts (owners' notice, CMOC progress): it used the
    workspace's budget too, so the customer posts leave room for it."""
    return record_send(state, channel, at)


def time_bound(channels: int, rate: float, retry_after_total: float = 0.0) -> float:
    """T ≈ N / r + Σ Retry-After (spec D.3): the yardstick the benchmark reports against."""
    return channels / rate + retry_after_total


def plan(channels: Sequence[str], rate: float, burst: float, begin: float = 0.0) -> tuple[tuple[str, float], ...]:
    """Send times for one message per channel at a fixed `rate` (no 429 met, no ramp): a dry run."""
    state = start(rate, burst, begin)
    now = begin
    out: list[tuple[str, float]] = []
    for ch in channels:
        at = earliest_send(state, ch, now)
        state = record_send(state, ch, at)
        out.append((ch, at))
        now = at
    return tuple(out)

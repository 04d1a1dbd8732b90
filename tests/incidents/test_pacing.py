"""Broadcast pacing (spec D.2, D.3; examples E15, E17)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.incidents import broadcast_pacing as p


def test_e15_500_channels_at_4_per_second_finish_within_the_bound():
    schedule = p.plan([f"C{i}" for i in range(500)], rate=4, burst=8)
    last = schedule[-1][1]
    bound = p.time_bound(500, 4)
    assert bound == 125
    assert (500 - 8) / 4 <= last + 1e-9 <= bound


def test_per_channel_gap_is_respected_for_two_messages_to_one_channel():
    schedule = p.plan(["C1", "C1", "C1"], rate=100, burst=100)
    times = [t for _, t in schedule]
    assert times[1] - times[0] >= p.PER_CHANNEL_GAP_S
    assert times[2] - times[1] >= p.PER_CHANNEL_GAP_S


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=150),
    st.floats(0.5, 20),
    st.integers(1, 10),
)
def test_plan_never_exceeds_rate_or_per_channel_limits(channel_ids, rate, burst):
    channels = [f"C{i}" for i in channel_ids]
    schedule = p.plan(channels, rate=rate, burst=burst)
    times = [t for _, t in schedule]
    assert times == sorted(times)
    last_by_channel: dict[str, float] = {}
    for ch, t in schedule:
        if ch in last_by_channel:
            assert t - last_by_channel[ch] >= p.PER_CHANNEL_GAP_S - 1e-9
        last_by_channel[ch] = t
    # token bucket: in any interval [t_i, t_j] at most burst + rate * (t_j - t_i) sends
    for i in range(len(times)):
        for j in range(i, min(len(times), i + 40)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6


def test_e17a_retry_after_pauses_every_post():
    state = p.start(4, 8, now=0)
    state = p.record_rate_limited(state, now=12.0, retry_after=3)
    assert p.earliest_send(state, "C_ANY", 12.0) >= 15.0
    assert p.earliest_send(state, "C_OTHER", 14.9) >= 15.0


def test_two_429s_in_a_minute_halve_the_rate_for_five_minutes():
    state = p.start(4, 1, now=0)
    state = p.record_rate_limited(state, 10, 1)
    assert state.penalty_until == 0
    state = p.record_rate_limited(state, 20, 1)
    assert state.penalty_until == 20 + p.AIMD_PENALTY_S
    state = p.record_send(state, "C1", 21)
    # after one send the bucket is empty: the next token takes 1 / (4/2) = 0.5 s
    assert p.earliest_send(state, "C2", 21) == pytest.approx(21.5)
    late = p.record_send(p.start(4, 1, 0), "C1", 400)
    assert p.earliest_send(late, "C2", 400) == pytest.approx(400.25)


@pytest.mark.parametrize(
    ("ok", "error", "status", "outcome"),
    [
        (True, None, 200, p.OUTCOME_SENT),
        (False, "ratelimited", 429, p.OUTCOME_RATE_LIMITED),
        (False, "not_in_channel", 200, p.OUTCOME_FAILED),
        (False, "channel_not_found", 200, p.OUTCOME_FAILED),
        (False, "is_archived", 200, p.OUTCOME_FAILED),
        (False, "internal_error", 500, p.OUTCOME_UNCERTAIN),
        (False, None, 503, p.OUTCOME_UNCERTAIN),
    ],
)
def test_d2_classification(ok, error, status, outcome):
    assert p.classify(ok, error, status) == outcome


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("30", 30.0), (None, 1.0), ("soon", 1.0), ("0", 1.0)])
def test_retry_after_header(header, seconds):
    assert p.parse_retry_after(header) == seconds


def test_e17a_time_bound_includes_retry_after():
    assert p.time_bound(500, 4, retry_after_total=3) == 128


def test_bad_rate_is_refused():
    with pytest.raises(ValueError):
        p.start(0, 8, 0)

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


def _workspace_429(state, now, retry_after=3.0):
    """Three channels refused in a row: the workspace's limit."""
    kinds = []
    for i, ch in enumerate(("C_A", "C_B", "C_C")):
        state, kind = p.record_rate_limited(state, ch, now + i / 100, retry_after)
        kinds.append(kind)
    return state, tuple(kinds)


def test_e17a_a_workspace_429_pauses_every_channel_for_its_retry_after():
    state = p.start(4, 8, now=0, max_rate=50)
    state, kinds = _workspace_429(state, 12.0, retry_after=3)
    assert kinds == (p.LIMIT_CHANNEL, p.LIMIT_CHANNEL, p.LIMIT_WORKSPACE)
    # three channels: the probe pause (≤ PROBE_S); a fourth refusal in a row waits the whole Retry-After
    assert p.earliest_send(state, "C_ANY", 12.02) >= 12.02 + p.PROBE_S
    rate = state.rate
    state, kind = p.record_rate_limited(state, "C_D", 12.03, 3)
    assert state.rate == rate  # one decrease per streak
    assert kind == p.LIMIT_WORKSPACE
    assert p.earliest_send(state, "C_OTHER", 12.1) >= 15.0


def test_a_429_on_one_channel_delays_that_channel_only():
    state = p.start(10, 8, now=0, max_rate=50, remembered=10)
    state = p.record_send(state, "C_SLOW", 5.0)
    state, kind = p.record_rate_limited(state, "C_SLOW", 5.0, retry_after=10)
    assert kind == p.LIMIT_CHANNEL
    assert state.rate == 10
    assert p.earliest_send(state, "C_SLOW", 5.1) >= 15.0
    assert p.earliest_send(state, "C_OTHER", 5.1) == pytest.approx(5.1)
    # a post to another channel succeeds: the next 429 elsewhere starts a new streak, still a channel's
    state = p.record_success(state, 5.2)
    state, kind = p.record_rate_limited(state, "C_SLOW2", 5.3, retry_after=10)
    assert kind == p.LIMIT_CHANNEL
    assert p.earliest_send(state, "C_OTHER", 5.4) == pytest.approx(5.4)


def test_the_workspace_pause_is_the_shortest_retry_after_of_the_channels_refused():
    state = p.start(10, 8, now=0, max_rate=50, remembered=10)
    for i, ra in enumerate((30, 2, 2, 2)):
        state, kind = p.record_rate_limited(state, f"C{i}", 1.0 + i / 100, ra)
    assert kind == p.LIMIT_WORKSPACE
    assert p.earliest_send(state, "C_OTHER", 1.05) == pytest.approx(3.03)  # not 30 s for everyone
    assert p.earliest_send(state, "C0", 1.05) >= 31.0  # C0 waits its own 30 s


def _accepted_at_pace(state, begin: float, seconds: float):
    """Posts accepted one at a time at the current pace (each 1 / rate after the last) for `seconds`."""
    now = begin
    while now < begin + seconds - 1e-9:
        now += 1 / state.rate
        state = p.record_success(state, now)
    return state, now


def test_slow_start_doubles_the_pace_per_quarter_second_of_posts_accepted_at_it_until_the_cap():
    state = p.start(4, 8, now=0, max_rate=50)
    state = p.record_success(state, 0.25)  # one post at 4/s: a quarter second's worth
    assert state.rate == pytest.approx(8)
    state = p.record_success(state, 0.25 + 1 / 8)
    assert state.rate == pytest.approx(8 * 2 ** (1 / 8 / p.RAMP_DOUBLING_S))
    state, now = _accepted_at_pace(state, 0.375, 1.0)
    assert now < 1.5 and state.rate == 50  # 4 → 50 (SLACK_POST_RATE_MAX_PER_SEC) in well under 1.5 s
    assert state.ramping


def test_a_burst_or_a_quiet_spell_does_not_double_the_pace():
    """Each accepted post vouches for one interval of the pace, no more: eight posts of the burst
    answered within 40 ms, or one post after a pause, barely move it."""
    state = p.start(4, 8, now=0, max_rate=100)
    for i in range(1, 9):
        state = p.record_success(state, i * 0.005)
    assert state.rate < 4 * 1.2
    quiet = p.record_success(state, 5.0)  # one post, 5 s later: worth one interval (1/rate), not 5 s of doubling
    assert quiet.rate == pytest.approx(state.rate * 2 ** (1 / state.rate / p.RAMP_DOUBLING_S))
    assert quiet.rate <= 2 * state.rate  # at most one doubling (1/rate ≤ RAMP_DOUBLING_S), not 2^(5 s / 0.25 s)


def test_the_ramps_workspace_429_settles_just_under_what_slack_accepted_in_the_last_second_then_additive_increase():
    state = p.start(4, 8, now=0, max_rate=100)
    for i in range(1, 76):  # 25 a second accepted while the ramp pushes the pace to the cap
        state = p.record_success(state, i / 25)
    assert state.ramping and state.rate == 100
    state, kinds = _workspace_429(state, 3.01, retry_after=1)
    assert kinds[-1] == p.LIMIT_WORKSPACE and not state.ramping
    assert state.rate == pytest.approx(25 * p.RAMP_SETTLE)  # just under what got through, not halved to 50
    assert state.ceiling == pytest.approx(25 * p.RAMP_SETTLE)  # a second of posts: that is what Slack accepts
    settled = state.rate
    state = p.record_success(state, 4.0)  # within the hold after the 429: no increase
    assert state.rate == pytest.approx(settled)
    state = p.record_success(state, 40.0)
    before = state.rate
    state = p.record_success(state, 41.0)
    assert state.rate == pytest.approx(before * (1 + p.AI_FRACTION))  # +4% per second, not doubling
    state, _ = _workspace_429(state, 50.0, retry_after=1)
    assert state.rate <= before * (1 + p.AI_FRACTION) * p.DECREASE + 1e-9


def test_a_ramp_refused_within_its_first_second_sets_no_ceiling():
    """Refused inside the opening burst: the few posts of that instant say nothing about a rate per
    second, so the pace may climb again after the hold instead of being capped there."""
    state = p.start(4, 8, now=0, max_rate=100)
    for i in range(1, 4):
        state = p.record_success(state, i * 0.005)
    state, kinds = _workspace_429(state, 0.02, retry_after=1)
    assert kinds[-1] == p.LIMIT_WORKSPACE and state.ceiling == 0
    state, _ = _accepted_at_pace(state, 10.0, 10.0)
    assert state.rate > 4


def test_a_slow_start_refused_before_anything_was_accepted_keeps_half_the_start_rate():
    """Every channel refusing at once (nothing accepted in the last second) is no measure of the
    workspace: the pace halves from where it started instead of dropping to one post a second."""
    state = p.start(10, 8, now=0, max_rate=50)
    state, kinds = _workspace_429(state, 0.01, retry_after=3)
    assert kinds[-1] == p.LIMIT_WORKSPACE
    assert state.rate == pytest.approx(10 * p.RAMP_FLOOR)


def test_the_workspace_limit_is_measured_from_one_refusal_to_the_next():
    """The workspace's budget is spent when it refuses: what Slack accepted from that refusal to the
    next one (the pause included, which refilled the budget) is the workspace's rate."""
    state = p.start(4, 8, now=0, max_rate=100)
    state, _ = _accepted_at_pace(state, 0.0, 1.5)
    state, _ = _workspace_429(state, 2.0, retry_after=1)  # the ramp overshot; pause 1 s
    for i in range(30):  # the budget refilled during the pause, then 30 posts by 2.5 s after the refusal
        state = p.record_success(state, 3.02 + i * 1.48 / 30)
    state, kinds = _workspace_429(state, 4.5, retry_after=1)
    assert kinds[-1] == p.LIMIT_WORKSPACE
    assert state.rate == pytest.approx(30 / 2.5, rel=0.01)  # 12 a second: not 30 / 1.5 s after the pause
    assert p.found_rate(state, 4.5) == pytest.approx(12, rel=0.01)


def test_a_429_while_probing_above_what_slack_accepted_puts_the_pace_back_and_it_stays_there():
    state = p.start(10, 8, now=0, max_rate=100, remembered=20)
    state, now = _accepted_at_pace(state, 0.0, 10.0)
    assert state.rate == pytest.approx(20 * p.HEADROOM)  # probing: a little above, no further (within CEILING_S)
    state, kind = p.record_rate_limited(state, "C_ANY", now, 1)
    assert kind == p.LIMIT_CHANNEL and state.rate == 20  # one refusal up there: back to what Slack accepted
    state, now = _accepted_at_pace(state, now, 20.0)
    assert state.rate == 20  # and no probing again for a while
    assert p.found_rate(state, now) == 20


def test_a_pace_that_climbed_past_an_old_ceiling_is_not_sent_back_by_one_channels_429_and_is_remembered():
    """Started from a remembered 10 a second, a long broadcast climbed well past it with Slack
    accepting every post: one throttled channel then delays that channel only, and the next
    broadcast starts from the pace reached, not from the old 10."""
    state = p.start(4, 8, now=0, max_rate=100, remembered=10)
    state, now = _accepted_at_pace(state, 0.0, 60.0)
    climbed = state.rate
    assert climbed > 10 * p.HEADROOM * 1.5
    assert p.found_rate(state, now) == climbed
    state, kind = p.record_rate_limited(state, "C_SLOW", now, 10)
    assert kind == p.LIMIT_CHANNEL and state.rate == climbed


def test_a_pace_above_what_slack_accepted_settles_on_the_accepted_rate():
    state = p.start(10, 8, now=0, max_rate=100, remembered=30)
    state, _ = p.record_rate_limited(state, "C1", 0.0, 1)
    for i in range(40):  # 40 accepted in 4 s: 10 a second, while pacing at 30
        state = p.record_success(state, 0.1 * (i + 1))
    state, kind = p.record_rate_limited(state, "C2", 4.0, 1)
    assert kind == p.LIMIT_CHANNEL
    assert state.rate == pytest.approx(10, rel=0.05)


def test_remembered_rate_starts_without_ramping_and_within_the_cap():
    warm = p.start(4, 8, now=0, max_rate=50, remembered=37.5)
    assert warm.rate == 37.5 and not warm.ramping
    assert p.start(4, 8, now=0, max_rate=50, remembered=500).rate == 50
    assert p.start(4, 8, now=0, max_rate=50).ramping


def test_priority_post_spends_the_workspace_budget():
    state = p.start(4, 1, now=0)
    state = p.record_priority_post(state, "C_COORD", 0.0)
    assert p.earliest_send(state, "C_CUST", 0.0) == pytest.approx(0.25)


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


def test_one_channel_in_twenty_refusing_is_never_read_as_the_workspace():
    """5% of channels throttled (each refusing only itself) leave the workspace's pace alone."""
    state = p.start(20, 8, now=0, max_rate=100, remembered=20)
    now = 0.0
    for i in range(400):
        now += 0.05
        if i % 20 == 7:
            state, kind = p.record_rate_limited(state, f"C_THROTTLED{i}", now, 10)
            assert kind == p.LIMIT_CHANNEL
        else:
            state = p.record_success(state, now)
    assert state.workspace_429s == 0 and state.rate >= 19
    assert p.earliest_send(state, "C_OTHER", now) <= now + 1 / state.rate + 1e-9


def test_refusals_interleaved_with_accepted_posts_are_the_workspace_when_four_channels_in_eight_are_refused():
    """A pace a little over the workspace's limit gets refusals between accepted posts, never
    three in a row: four channels refused among the last eight posts is the workspace's limit."""
    state = p.start(20, 8, now=0, max_rate=100, remembered=30)
    kinds = []
    for i in range(8):
        if i % 2:
            state, kind = p.record_rate_limited(state, f"C{i}", 1 + i / 30, 1)
            kinds.append(kind)
        else:
            state = p.record_success(state, 1 + i / 30)
    assert kinds == [p.LIMIT_CHANNEL] * 3 + [p.LIMIT_WORKSPACE]
    assert state.workspace_429s == 1 and state.rate < 30 * p.DECREASE * 1.05  # it slows down


def test_after_a_429_the_pace_climbs_no_higher_than_a_little_above_what_slack_accepted_for_a_while():
    state = p.start(10, 8, now=0, max_rate=100, remembered=30)
    state, _ = p.record_rate_limited(state, "C1", 0.0, 1)
    for i in range(60):  # 20 a second accepted for 3 s, while pacing at 30
        state = p.record_success(state, 0.05 * (i + 1))
    state, kind = p.record_rate_limited(state, "C2", 3.0, 1)
    assert kind == p.LIMIT_CHANNEL and state.ceiling == pytest.approx(20, rel=0.05) and state.rate == state.ceiling
    for i in range(200):  # no 429 since: after the hold, the pace may climb, but only HEADROOM past the ceiling
        state = p.record_success(state, 3.0 + 0.05 * (i + 1))
    assert state.ceiling < state.rate <= state.ceiling * p.HEADROOM + 1e-9
    for i in range(600):  # CEILING_S without a 429: probing further above it again
        state = p.record_success(state, 13.0 + 0.05 * (i + 1))
    assert state.rate > state.ceiling * p.HEADROOM

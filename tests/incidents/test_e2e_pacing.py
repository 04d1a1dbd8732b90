"""Adaptive pacing end to end (issue 18): one throttled channel delays itself only; the pace found
against the workspace's limit is remembered and the next broadcast starts from it."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.session import session_scope
from bot.incidents.dispatch import incident_settings, sender_config
from bot.incidents.sender import DeliverySender
from bot.incidents.tables import Broadcast, Delivery, PostRate
from tests.incidents.fixtures import COORD
from tests.incidents.test_e2e_broadcast import (
    CONFIRM,
    declare_sev0,
    per_channel,
    submit,
    wait_broadcast_done,
    world,
)


def _post_time(fake, channel: str) -> float:
    return float(fake.posts(channel)[0]["ts"])


def test_a_channel_answering_429_waits_alone_while_the_others_complete(seed, fake_slack, incident_env, bot, rt):
    channels = world(seed, fake_slack, incident_env, 30, rate=20)
    slow = channels[-1]  # the biggest account: first in line
    fake_slack.throttle_channel(slow, seconds=4)
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt, timeout=60)

    counts = per_channel(fake_slack, channels)
    assert set(counts.values()) == {1}, "every channel exactly once, the throttled one included"
    refusals = [c for c in fake_slack.calls if c.method == "chat.postMessage" and c.status == 429 and c.args["channel"] in channels]
    assert refusals and {c.args["channel"] for c in refusals} == {slow}
    first_refusal = refusals[0].at
    others = [_post_time(fake_slack, ch) for ch in channels if ch != slow]
    # the others did not wait out the slow channel's 4 s: all 29 went out before it did
    assert max(others) < _post_time(fake_slack, slow)
    assert max(others) - first_refusal < 4
    assert _post_time(fake_slack, slow) - first_refusal >= 4
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(Broadcast.status)) == "sent"
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 30/30 channels")])


def test_the_rate_found_against_the_workspace_limit_is_where_the_next_broadcast_starts(seed, fake_slack, incident_env, bot, rt, monkeypatch):
    channels = world(seed, fake_slack, incident_env, 60, rate=4)
    monkeypatch.setenv("SLACK_POST_RATE_MAX_PER_SEC", "100")
    incident_settings.cache_clear()
    fake_slack.clear_rate_limits()
    fake_slack.rate_limit("chat.postMessage", per_second=10, burst=10)  # the workspace allows 10 a second
    monkeypatch.setattr("bot.incidents.flow.start_broadcast", lambda *a, **k: None)  # rows written, sent below
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(PostRate)) is None
        broadcast_id = s.scalar(select(Broadcast.id))

    first = DeliverySender(rt, sender_config(incident_settings()))
    assert first.state.rate == 4 and first.state.ramping  # cold: SLACK_POST_RATE_PER_SEC, ramping up
    report = first.run(broadcast_id=broadcast_id)
    assert report.sent == 60 and set(per_channel(fake_slack, channels).values()) == {1}
    assert report.workspace_limited >= 1, "the ramp met the workspace's limit"
    with session_scope(rt.session_factory) as s:
        found = s.scalar(select(PostRate))
        assert 4 < found.rate < 20
        assert found.rate == report.final_rate

    second = DeliverySender(rt, sender_config(incident_settings()))
    assert second.state.rate == found.rate and not second.state.ramping  # warm: from the rate found
    with session_scope(rt.session_factory) as s:
        assert {d.status for d in s.scalars(select(Delivery))} == {"sent"}


def test_owners_notice_and_progress_message_go_out_ahead_of_customer_posts_waiting_out_429s(seed, fake_slack, incident_env, bot, rt):
    """Owners first (issue 18): the SEV 0 owners' notice precedes every customer post, and the
    CMOC's progress message does not wait for a customer post to get through: while every customer
    channel answers 429, it goes out ahead of them."""
    channels = world(seed, fake_slack, incident_env, 30, rate=10)
    for ch in channels:
        fake_slack.throttle_channel(ch, seconds=3)
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt, timeout=60)

    posts = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    customer = [i for i, c in enumerate(posts) if c.args.get("channel") in channels]
    delivered = [i for i in customer if posts[i].status == 200]
    notice = [i for i, c in enumerate(posts) if c.args.get("channel") == COORD and c.status == 200 and "SEV 0 broadcast going out" in c.args.get("text", "")]
    progress = [i for i, c in enumerate(posts) if c.args.get("channel") == COORD and c.status == 200 and c.args.get("text", "").startswith("Sending ")]
    assert set(per_channel(fake_slack, channels).values()) == {1}, "every channel exactly once"
    assert len(delivered) == 30 and len(customer) > 30, "the customer channels answered 429 first"
    assert notice and notice[0] < customer[0], "the owners' notice goes out before any customer post"
    assert progress and progress[0] < delivered[0], "the progress message did not wait behind the customer posts"
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(COORD) if m["text"].startswith("<@U_SIMON> Sent to 30/30 channels")])


def test_a_channel_that_keeps_answering_429_fails_into_the_summary_and_the_log_then_retry_sends_it(seed, fake_slack, incident_env, bot, rt):
    """Per-channel isolation does not hold the broadcast open for ever: a channel still refusing
    long after its first 429 is marked failed, listed in the summary with Retry failed and in
    `/incident log` with its channel, while every other channel is delivered."""
    from bot.incidents.blocks import ACTION_RETRY_FAILED

    channels = world(seed, fake_slack, incident_env, 20, rate=20)
    stuck = channels[-1]
    fake_slack.throttle_channel(stuck, seconds=600)  # Retry-After: 600 s
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt, timeout=60)

    counts = per_channel(fake_slack, channels)
    assert counts[stuck] == 0 and sum(counts.values()) == 19
    summary = fake_slack.wait_for(lambda: [m for m in fake_slack.posts(COORD) if "Sent to 19/20 channels" in m["text"]])[0]
    assert f"1 failed: #ext-customer-{stuck[-3:]} (ratelimited)." in summary["text"]
    log = bot.command("/incident", "log", user="U_SIMON").text()
    assert f"Customer {stuck[-3:]}: failed in <#{stuck}> (ratelimited)" in log
    assert "Customer 000: notified by broadcast" in log

    fake_slack.clear_channel_failures()
    retry = next(e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ACTION_RETRY_FAILED)
    assert bot.click(retry, user="U_SIMON", channel=COORD).text() == "Retrying 1 channel."
    fake_slack.wait_for(lambda: per_channel(fake_slack, channels)[stuck] == 1, 30)
    wait_broadcast_done(fake_slack, rt)
    assert set(per_channel(fake_slack, channels).values()) == {1}
    assert f"Customer {stuck[-3:]}: notified by broadcast" in bot.command("/incident", "log", user="U_SIMON").text()

"""Nothing is sent twice and nothing is lost: the outbox against the fake Slack."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.outbox import OutboxSender, enqueue
from tests.clock import freeze


def _sender(rt, worker="w1"):
    return OutboxSender(rt.client, rt.session_factory, worker)


def _queue(rt, key, channel="C0SALESALERTS", text="hello", **kw):
    with session_scope(rt.session_factory) as s:
        enqueue(s, key=key, channel=channel, text=text, **kw)


def _row(rt, key) -> OutboxMessage:
    with session_scope(rt.session_factory) as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()


def test_same_key_twice_is_one_message(rt, fake_slack):
    _queue(rt, "k1")
    _queue(rt, "k1", text="a different text must not create a second message")
    report = _sender(rt).deliver()
    assert report.sent == ["k1"]
    assert _sender(rt).deliver().sent == []
    posts = fake_slack.posts("C0SALESALERTS")
    assert [p["text"] for p in posts] == ["hello"]
    assert posts[0]["metadata"]["event_payload"]["outbox_key"] == "k1"
    assert _row(rt, "k1").sent_ts == posts[0]["ts"]


def test_crash_after_slack_accepted_is_reconciled_not_resent(rt, fake_slack):
    _queue(rt, "k2")
    # The state a crash leaves: Slack has the message, our row still says "sending".
    rt.client.chat_postMessage(channel="C0SALESALERTS", text="hello",
                               metadata={"event_type": "gtmbot_outbox", "event_payload": {"outbox_key": "k2"}})
    with session_scope(rt.session_factory) as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "k2")).one()
        row.status, row.claimed_at, row.attempts = "sending", datetime.now(UTC) - timedelta(minutes=3), 1
    report = _sender(rt).deliver()
    assert report.sent == []
    assert len(fake_slack.posts("C0SALESALERTS")) == 1
    assert _row(rt, "k2").status == "sent"


def test_crash_before_the_send_is_retried_once(rt, fake_slack):
    _queue(rt, "k3")
    with session_scope(rt.session_factory) as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == "k3")).one()
        row.status, row.claimed_at = "sending", datetime.now(UTC) - timedelta(minutes=3)
    assert _sender(rt).deliver().sent == ["k3"]
    assert len(fake_slack.posts("C0SALESALERTS")) == 1


def test_bot_not_in_channel_is_recorded_and_not_retried(rt, fake_slack):
    fake_slack.add_channel("C0PRIVATE", "secret-room", bot_is_member=False)
    _queue(rt, "k4", channel="C0PRIVATE")
    report = _sender(rt).deliver()
    assert report.failed == {"k4": "not_in_channel"}
    row = _row(rt, "k4")
    assert (row.status, row.last_error) == ("failed", "not_in_channel")
    assert _sender(rt).deliver().failed == {}


def test_transient_error_waits_with_backoff_then_goes_out(rt, fake_slack, monkeypatch):
    fake_slack.fail("chat.postMessage", error="internal_error")
    _queue(rt, "k5")
    first = _sender(rt).deliver()
    assert (first.sent, first.pending) == ([], ["k5"])
    assert _sender(rt).deliver().sent == []  # backed off: not due yet, not even tried
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 1
    assert (_row(rt, "k5").status, _row(rt, "k5").last_error) == ("pending", "internal_error")
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    freeze(later)
    assert _sender(rt).deliver().sent == ["k5"]
    assert len(fake_slack.posts("C0SALESALERTS")) == 1


def test_rate_limited_send_honours_retry_after(rt, fake_slack):
    fake_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    _queue(rt, "k6")
    assert _sender(rt).deliver().sent == ["k6"]
    statuses = [c.status for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert statuses == [429, 200]


def test_thread_reply_waits_for_its_parent(rt, fake_slack):
    _queue(rt, "child", text="step 2", thread_key="parent")
    assert _sender(rt).deliver().sent == []
    _queue(rt, "parent", text="root")
    _sender(rt).deliver()
    _sender(rt).deliver()
    root, reply = fake_slack.posts("C0SALESALERTS")
    assert root["text"] == "root" and reply["thread_ts"] == root["ts"]


def test_concurrent_senders_send_each_message_once(rt, fake_slack):
    for i in range(30):
        _queue(rt, f"c{i}", text=f"m{i}")
    threads = [threading.Thread(target=_sender(rt, f"w{n}").deliver) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = sorted(p["text"] for p in fake_slack.posts("C0SALESALERTS"))
    assert texts == sorted(f"m{i}" for i in range(30))

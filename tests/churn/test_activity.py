"""Which `message` events are customer activity (services.churn.activity), including malformed ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.churn.activity import author_team_hint, is_customer_side, message_time, written_by_a_person

BASE = {"type": "message", "channel": "C1", "user": "U1", "ts": "1748853000.000100"}


@pytest.mark.parametrize("change, counts", [
    ({}, True),
    ({"subtype": "thread_broadcast"}, True),
    ({"subtype": "file_share"}, True),
    ({"subtype": "message_changed"}, False),
    ({"subtype": "channel_join"}, False),
    ({"subtype": "bot_message"}, False),
    ({"bot_id": "B1"}, False),
    ({"user": None}, False),
    ({"user": {"id": "U1"}}, False),
    ({"channel": ["C1"]}, False),
    ({"type": "app_mention"}, False),
])
def test_written_by_a_person(change, counts):
    assert written_by_a_person({**BASE, **change}) is counts


def test_message_time_is_the_ts_and_bad_ts_is_none():
    assert message_time(BASE) == datetime(2025, 6, 2, 8, 30, 0, 100, tzinfo=UTC)
    for bad in (None, "", "abc", "-1", "0", "NaN", "Infinity", "1e400", 17.5):
        assert message_time({**BASE, "ts": bad}) is None


def test_customer_side_is_another_workspace():
    assert is_customer_side("T0CUSTOMER", "T0HOME") and not is_customer_side("T0HOME", "T0HOME")
    assert not is_customer_side(None, "T0HOME") and is_customer_side(None, "T0HOME", is_stranger=True)
    assert author_team_hint({"user_team": "T2"}) == "T2"
    assert author_team_hint({"user_profile": {"team": "T3"}}) == "T3"
    assert author_team_hint({"user_team": ["x"]}) is None and author_team_hint({}) is None

"""`refresh_home(rt, slack_id)`, the call jobs make after changing a user's account."""

from __future__ import annotations

from bot.home.refresh import refresh_home
from tests.churn.import_docs import document
from tests.clock import freeze


def test_refresh_publishes_the_current_book(rt, seed, fake_slack, monkeypatch):
    freeze("2025-06-02T09:00:00Z")
    seed(document())
    assert refresh_home(rt, "U0TAE01") is True
    first = fake_slack.home_views["U0TAE01"]["blocks"][0]["text"]["text"]
    assert first == "Hi Alex Rivera, here are your accounts (2)."


def test_refresh_for_an_unknown_user_does_not_raise(rt, seed, monkeypatch):
    freeze("2025-06-02T09:00:00Z")
    seed(document())
    assert refresh_home(rt, "U0GHOST") is False

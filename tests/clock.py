"""Freezing time in a test. GTMBOT_NOW is the operator's start-up time and keeps running (see
bot/clock.py); a test that needs time to stand still freezes it here. tests/conftest.py lets the
clock run again (and start afresh) after every test."""

from __future__ import annotations

from datetime import datetime

from bot import clock


def freeze(at: datetime | str) -> None:
    """Stop bot.clock at `at` (an ISO string or a datetime) until the test ends, or until moved."""
    clock.freeze(at)

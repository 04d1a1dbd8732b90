"""Tests import the fake Zendesk from here; it lives in `bot.fakes` so `gtmbot demo` can run it too."""

from bot.fakes.zendesk import FakeZendesk, RecordedRequest

__all__ = ["FakeZendesk", "RecordedRequest"]

"""The Vitally REST API fake (implementation shared with the demo)."""

from bot.fakes.vitally import FakeVitally, Request

__all__ = ["FakeVitally", "Request"]

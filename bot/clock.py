"""The one clock. Services never read it (they take `today`/`now` as arguments);
listeners and jobs ask here, so tests and the demo can pin time with GTMBOT_NOW."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime


def now() -> datetime:
    pinned = os.environ.get("GTMBOT_NOW")
    if pinned:
        value = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def today() -> date:
    return now().date()

"""Calendar-month arithmetic (what `relativedelta(months=n)` does), without a third-party package."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day: Jan 31 + 1 = Feb 28."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1  # not policy: 12 months a year
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

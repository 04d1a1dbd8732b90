"""Usage change for the health check (C06), the same windows as churn-risk's F2 (002_59a801b964a2a19e.txt:11495).

Day rows: recent = sum over [today-30d, today); baseline = mean of the three preceding 30-day sums.
Month rows only: recent = last complete month; baseline = mean of the three months before (IMPORT.md §6).
Returns the percentage change (negative = drop), or None when there is no usable baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from services.handover.months import add_months

WINDOW_DAYS = 30  # not policy: spec default, not in the handbook (churn-risk.md §4.2, the F2 window)
BASELINE_WINDOWS = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)


@dataclass(frozen=True)
class UsagePoint:
    period_start: date
    is_day: bool
    value: Decimal


def usage_change_pct(points: Iterable[UsagePoint], today: date) -> Decimal | None:
    rows = list(points)
    if not rows:
        return None
    if any(p.is_day for p in rows):
        days = [p for p in rows if p.is_day]

        def window(k: int) -> Decimal:
            end = today - timedelta(days=WINDOW_DAYS * k)
            start = end - timedelta(days=WINDOW_DAYS)
            return sum((p.value for p in days if start <= p.period_start < end), Decimal("0"))

        recent = window(0)
        baseline = sum((window(k) for k in range(1, BASELINE_WINDOWS + 1)), Decimal("0")) / BASELINE_WINDOWS
    else:
        last_complete = add_months(date(today.year, today.month, 1), -1)

        def month(k: int) -> Decimal:
            start = add_months(last_complete, -k)
            return sum((p.value for p in rows if p.period_start == start), Decimal("0"))

        recent = month(0)
        baseline = sum((month(k) for k in range(1, BASELINE_WINDOWS + 1)), Decimal("0")) / BASELINE_WINDOWS
    if baseline <= 0:
        return None
    return ((recent - baseline) / baseline * 100).quantize(Decimal("0.1"))  # not policy: rounding to one place

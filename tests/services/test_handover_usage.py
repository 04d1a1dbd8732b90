"""Usage change windows used by the C06 health check."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.handover_usage import UsagePoint, usage_change_pct

TODAY = date(2025, 5, 15)


def test_monthly_rows_compare_last_complete_month_to_three_before():
    rows = [UsagePoint(date(2025, m, 1), False, Decimal(v)) for m, v in ((1, 4000), (2, 4000), (3, 4000), (4, 2640), (5, 100))]
    assert usage_change_pct(rows, TODAY) == Decimal("-34.0")


def test_day_rows_use_thirty_day_windows():
    rows = []
    for k, per_day in enumerate((Decimal("70"), Decimal("100"), Decimal("100"), Decimal("100"))):
        end = TODAY - timedelta(days=30 * k)
        rows += [UsagePoint(end - timedelta(days=d), True, per_day) for d in range(1, 31)]
    assert usage_change_pct(rows, TODAY) == Decimal("-30.0")


def test_no_baseline_is_unknown_not_healthy():
    assert usage_change_pct([], TODAY) is None
    assert usage_change_pct([UsagePoint(date(2025, 4, 1), False, Decimal("10"))], TODAY) is None

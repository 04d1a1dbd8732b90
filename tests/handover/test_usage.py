"""Usage change windows used by the C06 health check."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.handover.usage import UsagePoint, usage_change_pct

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


def test_add_months_clamps_to_month_end_like_relativedelta():
    from services.handover.months import add_months

    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert add_months(date(2024, 9, 15), 12) == date(2025, 9, 15)

"""Retention metrics exactly as the handbook defines them (churn-risk.md §6).

Inputs are adjusted monthly MRR series (`services.churn.revenue_adjust.adjust_mrr`), one per
account: {month (1st day) -> Decimal}. A month missing from a series counts as 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.churn.policy import RETENTION_BASE_MONTHS, RETENTION_MIN_ANNUAL_REVENUE
from services.churn.revenue_adjust import month_add

ZERO = Decimal("0")
Series = Mapping[date, Decimal]

NEW, REACTIVATED, FLAT, GROWING, SHRINKING, CHURNED, INACTIVE = (
    "new", "reactivated", "flat", "growing", "shrinking", "churned", "inactive")


def lifecycle_stage(series: Series, month: date) -> str:
    """The account's stage in `month` (002_59a801b964a2a19e.txt:1766-1786, 1849-1856).

    new: first month paying; reactivated: paying again after at least one month at 0;
    flat / growing / shrinking against the previous month; churned: > 0 to 0.
    """
    cur = series.get(month, ZERO)
    prev = series.get(month_add(month, -1), ZERO)
    if cur > 0:
        if prev > 0:
            return FLAT if cur == prev else GROWING if cur > prev else SHRINKING
        paid_before = any(v > 0 for m, v in series.items() if m < month)
        return REACTIVATED if paid_before else NEW
    return CHURNED if prev > 0 else INACTIVE


@dataclass(frozen=True)
class Components:
    """Lifecycle components of one month (002:1788-1821). Contraction and churn are negative."""

    month: date
    baseline: Decimal
    new: Decimal
    reactivated: Decimal
    retained: Decimal
    expansion: Decimal
    contraction: Decimal
    churned: Decimal

    def rate(self, value: Decimal) -> Decimal | None:
        """(component / baseline) x 100 (002:1827-1845); None when there is no baseline."""
        return None if self.baseline == 0 else value / self.baseline * 100

    @property
    def ending(self) -> Decimal:
        return self.baseline + self.new + self.reactivated + self.expansion + self.contraction + self.churned


def components(accounts: Mapping[str, Series], month: date) -> Components:
    new = reactivated = retained = expansion = contraction = churned = baseline = ZERO
    prev_month = month_add(month, -1)
    for series in accounts.values():
        cur = series.get(month, ZERO)
        prev = series.get(prev_month, ZERO)
        baseline += prev  # "total monthly revenue at the end of previous month" 002:1821
        stage = lifecycle_stage(series, month)
        if stage == NEW:
            new += cur  # 002:1792
        elif stage == REACTIVATED:
            reactivated += cur  # 002:1796
        elif stage == FLAT:
            retained += cur  # 002:1800-1803
        elif stage == GROWING:
            retained += prev
            expansion += cur - prev  # 002:1807
        elif stage == SHRINKING:
            retained += prev
            contraction += cur - prev  # 002:1811 (negative)
        elif stage == CHURNED:
            churned -= prev  # 002:1815 (negative)
    return Components(month, baseline, new, reactivated, retained, expansion, contraction, churned)


@dataclass(frozen=True)
class DollarRetention:
    """NDR and GDR for one month against a base month (002:2051-2083), as ratios."""

    month: date
    base_month: date
    customers: int
    base_mrr: Decimal
    current_mrr: Decimal
    capped_mrr: Decimal

    @property
    def ndr(self) -> Decimal | None:  # Sum(current) / Sum(base), 002:2073
        return None if self.base_mrr == 0 else self.current_mrr / self.base_mrr

    @property
    def gdr(self) -> Decimal | None:  # Sum(MIN(current, base)) / Sum(base), 002:2081
        return None if self.base_mrr == 0 else self.capped_mrr / self.base_mrr


def dollar_retention(accounts: Mapping[str, Series], month: date, months_back: int) -> DollarRetention:
    """Rolling NDR/GDR: customers active in the base month with >= $5K annual revenue
    (base MRR x 12, 002:2063, §6.4 [INF]); absent now counts as 0."""
    if months_back not in RETENTION_BASE_MONTHS:
        raise ValueError(f"base month must be one of {RETENTION_BASE_MONTHS} months back")
    base_month = month_add(month, -months_back)
    n = 0
    base = current = capped = ZERO
    for series in accounts.values():
        b = series.get(base_month, ZERO)
        if b <= 0 or b * 12 < RETENTION_MIN_ANNUAL_REVENUE:  # not policy: 12 months a year
            continue
        c = series.get(month, ZERO)
        n += 1
        base += b
        current += c
        capped += min(c, b)
    return DollarRetention(month, base_month, n, base, current, capped)


@dataclass(frozen=True)
class RetentionRow:
    components: Components
    retention: tuple[DollarRetention, ...]  # one per RETENTION_BASE_MONTHS


def retention_report(accounts: Mapping[str, Series], first: date, last: date) -> tuple[RetentionRow, ...]:
    """One row per calendar month from `first` to `last` (inclusive)."""
    if last < first:
        raise ValueError("--to is before --from")
    rows = []
    month = first.replace(day=1)
    while month <= last:
        rows.append(RetentionRow(
            components(accounts, month),
            tuple(dollar_retention(accounts, month, k) for k in RETENTION_BASE_MONTHS),
        ))
        month = month_add(month, 1)
    return tuple(rows)

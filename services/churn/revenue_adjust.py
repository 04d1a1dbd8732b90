"""The handbook's revenue adjustments (002:2150-2228, churn-risk.md §4.3 / §6.5).

They run before any usage drop, churn or retention number is computed, so a bot-attack
spike or an incident credit is not read as churn (spec examples E15, E18).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.churn.model import OneTimeCredit
from services.churn.policy import (
    CREDIT_MIN_RATIO,
    CREDIT_OVERRIDE_REASONS,
    CREDIT_RECOVERY_AVERAGE_MONTHS,
    SPIKE_AVERAGE_PERIODS,
    SPIKE_FACTOR,
    SPIKE_MIN_INCREASE_USD,
    SPIKE_NEXT_MAX_RATIO,
)

ZERO = Decimal("0")


@dataclass(frozen=True)
class SpikeAdjusted:
    values: tuple[Decimal, ...]
    spikes: tuple[int, ...]  # indexes that were replaced


def adjust_spikes(values: Sequence[Decimal]) -> SpikeAdjusted:
    """Replace each spike with the average of its two previous (already adjusted) values.

    A spike (002_59a801b964a2a19e.txt:2180-2184) needs all three: value > 2 x avg(previous
    two); value - avg(previous two) >= $1,000; the next value <= 50% of it. The first two
    values and the last one cannot be judged and stay as they are. The replacement value is
    the spec's [INF] choice (§4.3 step 2).
    """
    out = list(values)
    spikes: list[int] = []
    n = SPIKE_AVERAGE_PERIODS
    for i in range(n, len(out) - 1):
        prev_avg = sum(out[i - n:i], Decimal(0)) / n
        value = out[i]
        if (
            value > SPIKE_FACTOR * prev_avg
            and value - prev_avg >= SPIKE_MIN_INCREASE_USD
            and values[i + 1] <= value * Decimal(SPIKE_NEXT_MAX_RATIO.numerator) / SPIKE_NEXT_MAX_RATIO.denominator
        ):
            out[i] = prev_avg
            spikes.append(i)
    return SpikeAdjusted(tuple(out), tuple(spikes))


def month_add(month: date, n: int) -> date:
    """First day of the month `n` months after `month`."""
    index = month.year * 12 + (month.month - 1) + n  # not policy: 12 months a year
    return date(index // 12, index % 12 + 1, 1)  # not policy: 12 months a year


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class CreditAdjusted:
    mrr: dict[date, Decimal]
    overridden: tuple[date, ...]
    pending: tuple[date, ...]  # months whose next month is not complete yet


def adjust_one_time_credits(
    mrr: dict[date, Decimal], credits: Sequence[OneTimeCredit], last_complete_month: date
) -> CreditAdjusted:
    """Override a month's revenue with the prior month's when a one-time credit explains it.

    002_59a801b964a2a19e.txt:2218-2228: the credit is for a promo, outage or billing correction,
    it is >= 0.5 x the prior month's revenue, and the next month's revenue is >= the average of
    the previous two months. While the next month is not complete, the month is "pending
    adjustment" (spec §4.3 step 5 [INF]): callers must not read it as churn or shrinkage.
    """
    out = dict(mrr)
    overridden: list[date] = []
    pending: list[date] = []
    by_month: dict[date, Decimal] = {}
    for credit in credits:
        if credit.reason in CREDIT_OVERRIDE_REASONS:
            key = month_of(credit.date)
            by_month[key] = by_month.get(key, ZERO) + credit.amount
    for month in sorted(by_month):
        if month > last_complete_month:
            continue
        prior = mrr.get(month_add(month, -1), ZERO)
        if prior <= 0 or by_month[month] < prior * CREDIT_MIN_RATIO.numerator / CREDIT_MIN_RATIO.denominator:
            continue
        nxt = month_add(month, 1)
        if nxt > last_complete_month:
            pending.append(month)
            continue
        n = CREDIT_RECOVERY_AVERAGE_MONTHS
        prev_two = sum((mrr.get(month_add(month, -k), ZERO) for k in range(1, n + 1)), ZERO) / n
        if mrr.get(nxt, ZERO) >= prev_two:
            out[month] = prior
            overridden.append(month)
    return CreditAdjusted(out, tuple(overridden), tuple(pending))


def adjust_mrr(
    mrr: dict[date, Decimal],
    credits: Sequence[OneTimeCredit],
    last_complete_month: date,
    trial_revenue: bool = False,
) -> CreditAdjusted:
    """Monthly billed MRR with trial, one-time-credit and spike adjustments applied (§4.3).

    Trial revenue is removed entirely (002_59a801b964a2a19e.txt:2156-2167). Months after
    `last_complete_month` are dropped: they are not final.
    """
    if trial_revenue:
        return CreditAdjusted({}, (), ())
    complete = {m: v for m, v in mrr.items() if m <= last_complete_month}
    if not complete:
        return CreditAdjusted({}, (), ())
    credited = adjust_one_time_credits(complete, credits, last_complete_month)
    first, last = min(complete), max(complete)
    months = []
    m = first
    while m <= last:
        months.append(m)
        m = month_add(m, 1)
    spiked = adjust_spikes([credited.mrr.get(m, ZERO) for m in months])
    return CreditAdjusted(dict(zip(months, spiked.values, strict=True)), credited.overridden, credited.pending)


def annual_mrr_value(total_mrr: Decimal, discount_pct: Decimal) -> Decimal:
    """Annual plan adjustment: total_mrr / (1 - discount). 002_59a801b964a2a19e.txt:2194"""
    if discount_pct <= 0:
        return total_mrr
    return total_mrr / (1 - discount_pct / 100)

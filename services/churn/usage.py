"""Usage and event-volume windows behind F2, W2 and the seasonal rule (churn-risk.md §4.4).

Usage value (before credits) is used, never billed MRR: credits would hide a collapse
(spec E16, 002_59a801b964a2a19e.txt:102-104). Spikes are adjusted first (E15, 002:2177-2184).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from services.churn.model import AccountSnapshot
from services.churn.policy import DOWNTREND_WEEKS, SPIKE_AVERAGE_PERIODS, ChurnPolicy
from services.churn.revenue_adjust import adjust_spikes, month_add, month_of

ZERO = Decimal("0")
SPIKE_LOOKBACK = SPIKE_AVERAGE_PERIODS  # windows before the oldest baseline window, so it can be judged as a spike
DOWNTREND_PRIOR_WEEKS = 8  # not policy: spec default, not in the handbook (churn-risk.md §4.4 W2 baseline)


@dataclass(frozen=True)
class UsageDrop:
    """Recent window against the baseline windows, after spike adjustment."""

    source: str  # "usage" (30-day windows), "usage_monthly" (calendar months), "events" (4-week blocks)
    recent: Decimal
    baseline: Decimal
    drop: Fraction | None  # 1 - recent/baseline; None when baseline is 0
    spike_adjusted: bool
    yoy_drop: Fraction | None  # the same windows a year earlier; None without the history
    #: The last day the windows cover, when the feed stopped before yesterday: days with no usage
    #: data are missing, not zero, so the windows end at the last day that has data.
    data_through: date | None = None
    missing_days: int = 0  # complete days before today with no usage data (0 when current)


@dataclass(frozen=True)
class Downtrend:
    """W2's weekly comparison: the last 4 complete weeks against the 8 before."""

    prior_mean: Fraction
    recent: tuple[int, ...]
    recent_mean: Fraction
    holds: bool
    yoy_decline: Fraction | None

    @property
    def decline(self) -> Fraction:
        return 1 - self.recent_mean / self.prior_mean if self.prior_mean else Fraction(0)


def _drop(recent: Decimal, baseline: Decimal) -> Fraction | None:
    if baseline <= 0:
        return None
    return 1 - Fraction(recent) / Fraction(baseline)


def _windowed(
    totals: Sequence[Decimal | None], n_baseline: int
) -> tuple[Decimal, Decimal, bool] | None:
    """(recent, baseline mean, spike adjusted?) from oldest->newest window totals.

    `None` marks a window not covered by the history. The baseline needs every window.
    """
    needed = totals[-(n_baseline + 1):]
    if len(needed) < n_baseline + 1 or any(v is None for v in needed):
        return None
    known = [v for v in totals if v is not None]
    # Only a run of covered windows can be spike-judged; uncovered ones are dropped from the left.
    adjusted = adjust_spikes(known)
    values = adjusted.values
    recent = values[-1]
    base = values[-(n_baseline + 1):-1]
    return recent, sum(base, ZERO) / n_baseline, bool(adjusted.spikes and max(adjusted.spikes) >= len(values) - n_baseline - 1)


def _history_start(account: AccountSnapshot) -> date | None:
    return min((row.period for row in account.usage), default=None)


def usage_drop(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> UsageDrop | None:
    """F2's drop: usage value over the last 30 complete days vs the mean of the 3 windows before.

    With monthly rows only (IMPORT.md §6), calendar months are used instead. Without usage,
    event counts in 4-week blocks are the fallback (§4.4 [INF]). `None` means not evaluable.
    """
    if account.usage:
        if usage_stale_since(account, today, policy) is not None:
            return None
        if all(not row.monthly for row in account.usage):
            return _daily_drop(account, today, policy)
        return _monthly_drop(account, today, policy)
    if account.events_weekly:
        return _events_drop(account, today, policy)
    return None


def usage_stale_since(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> date | None:
    """The last usage row's date when nothing at all was recorded in the recent window (a sync
    gap, not a measured collapse: F2 is then "not evaluated" [INF]); else None."""
    if not account.usage:
        return None
    latest = max(row.period for row in account.usage)
    if all(not row.monthly for row in account.usage):
        stale = latest < today - timedelta(days=policy.usage_recent_window_days)
    else:
        stale = month_of(latest) < month_add(month_of(today), -1)
    return latest if stale else None


def usage_data_end(account: AccountSnapshot, today: date) -> date:
    """The exclusive end of the day windows: today, or the day after the last day with usage data
    when the feed stopped earlier. A day with no data is unknown, never zero usage (a stale feed
    must not read as a drop)."""
    days = [row.period for row in account.usage if not row.monthly and row.period < today]
    if not days:
        return today
    return min(today, max(days) + timedelta(days=1))


def _daily_drop(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> UsageDrop | None:
    size = policy.usage_recent_window_days
    n = policy.usage_baseline_windows
    start = _history_start(account)
    assert start is not None
    by_day: dict[date, Decimal] = {}
    for row in account.usage:
        by_day[row.period] = by_day.get(row.period, ZERO) + row.value

    def totals(end: date) -> list[Decimal | None]:
        out: list[Decimal | None] = []
        for k in range(n + SPIKE_LOOKBACK, -1, -1):
            w_end = end - timedelta(days=size * k)
            w_start = w_end - timedelta(days=size)
            if w_start < start:
                out.append(None)
                continue
            out.append(sum((v for d, v in by_day.items() if w_start <= d < w_end), ZERO))
        return out

    end = usage_data_end(account, today)
    current = _windowed(totals(end), n)
    if current is None:
        return None
    recent, baseline, spiked = current
    yoy = None
    if start <= month_add(month_of(end), -policy.seasonal_min_history_months):
        earlier = _windowed(totals(end - timedelta(days=364)), n)  # not policy: 52 weeks, a year earlier
        if earlier is not None:
            yoy = _drop(earlier[0], earlier[1])
    missing = (today - end).days
    return UsageDrop("usage", recent, baseline, _drop(recent, baseline), spiked, yoy,
                     end - timedelta(days=1) if missing else None, missing)


def _monthly_drop(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> UsageDrop | None:
    n = policy.usage_baseline_windows
    start = month_of(_history_start(account) or today)
    by_month: dict[date, Decimal] = {}
    for row in account.usage:
        key = month_of(row.period)
        by_month[key] = by_month.get(key, ZERO) + row.value
    last = month_add(month_of(today), -1)

    def totals(end: date) -> list[Decimal | None]:
        out: list[Decimal | None] = []
        for k in range(n + SPIKE_LOOKBACK, -1, -1):
            month = month_add(end, -k)
            out.append(None if month < start else by_month.get(month, ZERO))
        return out

    current = _windowed(totals(last), n)
    if current is None:
        return None
    recent, baseline, spiked = current
    yoy = None
    if start <= month_add(month_of(today), -policy.seasonal_min_history_months):
        earlier = _windowed(totals(month_add(last, -12)), n)  # not policy: a year earlier
        if earlier is not None:
            yoy = _drop(earlier[0], earlier[1])
    return UsageDrop("usage_monthly", recent, baseline, _drop(recent, baseline), spiked, yoy)


def last_complete_monday(today: date) -> date:
    """The Monday of the last ISO week that has fully ended before `today`."""
    return today - timedelta(days=today.weekday() + 7)  # not policy: 7 days a week


def _events_drop(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> UsageDrop | None:
    n = policy.usage_baseline_windows
    last = last_complete_monday(today)
    weeks = account.events_weekly

    def totals(end: date) -> list[Decimal | None]:
        out: list[Decimal | None] = []
        for k in range(n + SPIKE_LOOKBACK, -1, -1):
            block = [end - timedelta(weeks=4 * k + j) for j in range(4)]  # not policy: spec default, not in the handbook (§4.4)
            out.append(None if any(w not in weeks for w in block) else Decimal(sum(weeks[w] for w in block)))
        return out

    # Spike adjustment is for revenue only (spec §4.3 step 2: "not applied to event counts").
    def plain(values: list[Decimal | None]) -> tuple[Decimal, Decimal] | None:
        needed = values[-(n + 1):]
        if any(v is None for v in needed):
            return None
        base = [v for v in needed[:-1] if v is not None]
        recent = needed[-1]
        assert recent is not None
        return recent, sum(base, ZERO) / n

    current = plain(totals(last))
    if current is None:
        return None
    earlier = plain(totals(last - timedelta(weeks=52)))  # not policy: a year earlier
    yoy = _drop(*earlier) if earlier else None
    return UsageDrop("events", current[0], current[1], _drop(*current), False, yoy)


def downtrend(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> Downtrend | None:
    """W2 over the last 12 complete weeks: each of the 4 recent weeks below the prior-8 mean,
    and their mean at most (1 - noise floor) x that mean (§4.4). `None` when weeks are missing."""

    def compute(last: date) -> tuple[Fraction, tuple[int, ...]] | None:
        span = [last - timedelta(weeks=k) for k in range(DOWNTREND_PRIOR_WEEKS + DOWNTREND_WEEKS - 1, -1, -1)]
        if any(w not in account.events_weekly for w in span):
            return None
        values = [account.events_weekly[w] for w in span]
        prior = Fraction(sum(values[:DOWNTREND_PRIOR_WEEKS]), DOWNTREND_PRIOR_WEEKS)
        return prior, tuple(values[DOWNTREND_PRIOR_WEEKS:])

    last = last_complete_monday(today)
    current = compute(last)
    if current is None:
        return None
    prior, recent = current
    recent_mean = Fraction(sum(recent), DOWNTREND_WEEKS)
    holds = prior > 0 and all(v < prior for v in recent) and recent_mean <= (1 - policy.downtrend_noise_floor) * prior
    yoy = None
    earlier = compute(last - timedelta(weeks=52))  # not policy: a year earlier
    if earlier is not None and earlier[0] > 0:
        yoy = 1 - Fraction(sum(earlier[1]), DOWNTREND_WEEKS) / earlier[0]
    return Downtrend(prior, recent, recent_mean, holds, yoy)


def product_spend_last_month(account: AccountSnapshot, today: date, policy: ChurnPolicy) -> dict[str, Decimal] | None:
    """Per-product spend for W8: month `billed` of the last complete month (IMPORT.md §8); when
    nothing was billed (credits), usage value; with day rows only, usage value over 30 days."""
    if not account.usage:
        return None
    last = month_add(month_of(today), -1)
    monthly = [row for row in account.usage if row.monthly and row.period == last]
    if monthly:
        billed = {row.product: row.billed for row in monthly if row.billed is not None}
        if billed and any(v > 0 for v in billed.values()):
            return billed
        return {row.product: row.value for row in monthly}
    end = usage_data_end(account, today)
    start = end - timedelta(days=policy.usage_recent_window_days)
    spend: dict[str, Decimal] = {}
    for row in account.usage:
        if not row.monthly and start <= row.period < end:
            spend[row.product] = spend.get(row.product, ZERO) + row.value
    return spend

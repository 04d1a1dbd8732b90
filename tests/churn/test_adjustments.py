"""Revenue adjustments (002:2150-2228) and the usage windows they feed (churn-risk.md §4.3-4.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.churn.model import OneTimeCredit, UsageRow
from services.churn.policy import ChurnPolicy
from services.churn.revenue_adjust import adjust_mrr, adjust_one_time_credits, adjust_spikes, annual_mrr_value
from services.churn.usage import downtrend, last_complete_monday, product_spend_last_month, usage_drop
from tests.churn.examples import NOW, TODAY, healthy, usage_windows, weekly

P = ChurnPolicy()


def test_e15_spike_replaced_by_previous_two_average():
    """E15: 6,000 > 2 x 2,100, +3,900 >= 1,000, next 2,300 <= 3,000: replaced by 2,100 (002:2180-2184)."""
    out = adjust_spikes([D(1900), D(2000), D(2000), D(2200), D(6000), D(2300)])
    assert out.values[4] == D(2100) and out.spikes == (4,)


@pytest.mark.parametrize("values,why", [
    ([2000, 2200, 4200, 1000], "not more than twice the average (4,200 = 2 x 2,100)"),
    ([200, 300, 900, 100], "increase below $1,000"),
    ([2000, 2200, 6000, 3001], "next value above 50 % of the spike"),
])
def test_not_a_spike_when_one_condition_fails(values, why):
    assert adjust_spikes([D(v) for v in values]).spikes == (), why


def test_spike_increase_of_exactly_1000_counts():
    """"The increase is at least $1000" (002:2182) is inclusive."""
    assert adjust_spikes([D(500), D(500), D(1500), D(700)]).spikes == (2,)


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=0, max_size=30))
def test_spike_adjustment_never_raises_a_value(values):
    """Adjusting only ever lowers spikes; length and non-spike values are unchanged."""
    out = adjust_spikes([D(v) for v in values])
    assert len(out.values) == len(values)
    for i, (before, after) in enumerate(zip(values, out.values, strict=True)):
        assert after <= before
        if i not in out.spikes:
            assert after == before


def test_e18_incident_credit_overrides_may():
    """E18: incident credit 5,000 >= 0.5 x 5,000 and June 5,100 >= 4,950: May := April (002:2220-2228)."""
    mrr = {date(2025, 3, 1): D(4900), date(2025, 4, 1): D(5000), date(2025, 5, 1): D(0), date(2025, 6, 1): D(5100)}
    credits = [OneTimeCredit(date(2025, 5, 3), D(5000), "incident")]
    out = adjust_one_time_credits(mrr, credits, date(2025, 6, 1))
    assert out.mrr[date(2025, 5, 1)] == D(5000) and out.overridden == (date(2025, 5, 1),)


@pytest.mark.parametrize("change,why", [
    ({"reason": "other"}, "reason is not promo, outage or billing correction"),
    ({"amount": D(2499)}, "credit below half the prior month"),
])
def test_e18_credit_conditions(change, why):
    mrr = {date(2025, 3, 1): D(4900), date(2025, 4, 1): D(5000), date(2025, 5, 1): D(0), date(2025, 6, 1): D(5100)}
    credit = replace(OneTimeCredit(date(2025, 5, 3), D(5000), "incident"), **change)
    assert adjust_one_time_credits(mrr, [credit], date(2025, 6, 1)).overridden == (), why


def test_e18_next_month_below_average_keeps_the_dip():
    mrr = {date(2025, 3, 1): D(4900), date(2025, 4, 1): D(5000), date(2025, 5, 1): D(0), date(2025, 6, 1): D(4000)}
    out = adjust_one_time_credits(mrr, [OneTimeCredit(date(2025, 5, 3), D(5000), "promo")], date(2025, 6, 1))
    assert out.mrr[date(2025, 5, 1)] == D(0)


def test_e18_pending_while_next_month_open():
    mrr = {date(2025, 4, 1): D(5000), date(2025, 5, 1): D(0)}
    out = adjust_one_time_credits(mrr, [OneTimeCredit(date(2025, 5, 3), D(5000), "incident")], date(2025, 5, 1))
    assert out.pending == (date(2025, 5, 1),)


def test_trial_revenue_is_removed():
    assert adjust_mrr({date(2025, 5, 1): D(900)}, [], date(2025, 5, 1), trial_revenue=True).mrr == {}


def test_annual_plan_adjustment():
    """annual_mrr_value = total_mrr / (1 - discount) (002:2194)."""
    assert annual_mrr_value(D(7500), D(25)) == D(10000)
    assert annual_mrr_value(D(7500), D(0)) == D(7500)


def test_monthly_usage_rows_use_calendar_months():
    """IMPORT.md §6: with month rows only, recent = last complete month, baseline = 3 before."""
    months = [date(2025, m, 1) for m in range(1, 6)]
    rows = tuple(UsageRow("product_analytics", m, D(v), monthly=True, billed=D(v))
                 for m, v in zip(months, [4000, 4000, 4100, 3900, 2640], strict=True))
    drop = usage_drop(healthy("m", "Monthly", "1000", usage=rows), TODAY, P)
    assert drop.source == "usage_monthly" and drop.recent == D(2640) and drop.baseline == D(4000)
    assert drop.drop == Fraction(34, 100)


def test_event_fallback_without_usage():
    """§4.4 F2 fallback: no usage value, so event counts in 4-week blocks."""
    acct = healthy("ev", "Events only", "1000", usage=(),
                   events_weekly=weekly([1000] * 16 + [600] * 4))
    drop = usage_drop(acct, TODAY, P)
    assert drop.source == "events" and drop.drop == Fraction(40, 100)


def test_no_usage_and_no_events_is_not_evaluable():
    assert usage_drop(healthy("x", "Nothing", "1", usage=(), events_weekly={}), TODAY, P) is None


def test_short_history_is_not_evaluable():
    """Fewer than 4 windows of history: no baseline, so F2 is not evaluated (never healthy)."""
    acct = healthy("s", "Short", "1", usage=usage_windows([1000, 1000, 500]))
    assert usage_drop(acct, TODAY, P) is None


def test_last_complete_monday():
    assert last_complete_monday(date(2025, 6, 2)) == date(2025, 5, 26)
    assert last_complete_monday(date(2025, 6, 8)) == date(2025, 5, 26)


def test_w2_needs_every_recent_week_below_prior():
    """W2: one recent week at the prior mean breaks the downtrend."""
    acct = healthy("w", "W", "1", events_weekly=weekly([1000] * 8 + [700, 1000, 600, 600]))
    assert not downtrend(acct, TODAY, P).holds


def test_w2_noise_floor():
    """Mean of the last 4 weeks must be <= 90 % of the prior mean ([INF] noise floor)."""
    just = healthy("w", "W", "1", events_weekly=weekly([1000] * 8 + [900] * 4))
    above = healthy("w", "W", "1", events_weekly=weekly([1000] * 8 + [910] * 4))
    assert downtrend(just, TODAY, P).holds and not downtrend(above, TODAY, P).holds


def test_w8_uses_billed_month_or_usage_when_on_credits():
    last = date(2025, 5, 1)
    rows = (UsageRow("product_analytics", last, D(3000), monthly=True, billed=D(0)),
            UsageRow("session_replay", last, D(150), monthly=True, billed=D(0)))
    spend = product_spend_last_month(healthy("c", "C", "1", usage=rows), TODAY, P)
    assert spend == {"product_analytics": D(3000), "session_replay": D(150)}


def test_usage_window_sums_are_exact_days():
    """The recent window is [today-30d, today): a row dated today is not counted yet."""
    rows = usage_windows([1000] * 4) + (UsageRow("product_analytics", TODAY, D(99999)),)
    drop = usage_drop(healthy("d", "D", "1", usage=rows), TODAY, P)
    assert drop.recent == D(1000)
    assert NOW.date() - timedelta(days=30) in {r.period for r in rows}


def test_sync_gap_is_not_a_collapse():
    """No usage row at all in the last 30 days: F2 is not evaluated (a sync gap), not −100 %."""
    from services.churn.signals import evaluate_signals

    rows = usage_windows([2400] * 8, TODAY - timedelta(days=31))
    report = evaluate_signals(healthy("g", "Gap", "1", usage=rows), NOW, P)
    assert not report.holds("F2")
    assert [(g.code, g.reason[:26]) for g in report.not_evaluated] == [("F2", "no usage recorded since 20")]

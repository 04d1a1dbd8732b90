"""CB-ELIG and CB-RUNWAY: spec billing-alerts.md §6.1 worked examples C1-C6, C11-C15, on a fixed day.

Common setup (spec §6): term 1 Jan 2026 for 12 months, credit_expires_at 2027-01-01, usage invoices
are calendar months billed on the 1st."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.billing.runway import (
    Band,
    CreditCustomer,
    DataGap,
    RunwayParams,
    Status,
    UsageInvoice,
    add_months,
    band_for,
    billing_date_on_or_before,
    compute_runway,
    half_term_end,
    is_truthy_metadata,
    parse_credit_expires_at,
)

T_END = date(2027, 1, 1)
PARAMS = RunwayParams()


def month(year: int, mon: int, total: str) -> UsageInvoice:
    start = date(year, mon, 1)
    return UsageInvoice(f"in_{year}{mon:02d}", start, add_months(start, 1), Decimal(total))


def acme(balance: str, **kw) -> CreditCustomer:
    fields = dict(
        customer_id="cus_ACME", name="Acme Inc", credit_left=Decimal(balance), expires_on=T_END,
        term_start=date(2026, 1, 1), term_months=12,
    )
    fields.update(kw)
    return CreditCustomer(**fields)


C1_USAGE = [month(2026, 1, "12000"), month(2026, 2, "13000"), month(2026, 3, "14000"), month(2026, 4, "15000")]


def test_c1_band_b_with_the_figures_behind_it():
    """C1: burn 42,000/89 = $471.91/day; R = 2026-09-17; runway 130 d; 106 d before the end."""
    r = compute_runway(acme("66000"), C1_USAGE, date(2026, 5, 10), PARAMS)
    assert r.status is Status.ALERT
    assert r.band is Band.B_2_TO_6_MONTHS
    assert (r.burn_total, r.burn_days) == (Decimal("42000"), 89)
    assert r.burn_per_day.quantize(Decimal("0.01")) == Decimal("471.91")
    assert r.last_billed_end == date(2026, 5, 1)
    assert r.run_out == date(2026, 9, 17)
    assert r.runway_days == 130
    assert r.days_before_end == 106
    assert r.new_order_form_start == date(2026, 9, 1)
    assert r.expansion_window_open and r.half_end == date(2026, 7, 1)
    assert r.early_renewal_deadline == date(2026, 9, 17)


@pytest.mark.parametrize(
    "example, today, balance, usage, band, run_out, runway_days",
    [
        # C2: burn 78,000/90; R = Apr 1 + 48 -> band A
        ("C2", date(2026, 4, 5), "42000",
         [month(2026, 1, "25000"), month(2026, 2, "26000"), month(2026, 3, "27000")],
         Band.A_FIRST_HALF, date(2026, 5, 19), 44),
        # C3: burn 27,300/92; R = Oct 1 + 50 -> band C
        ("C3", date(2026, 10, 6), "15000",
         [month(2026, 7, "9000"), month(2026, 8, "9300"), month(2026, 9, "9000")],
         Band.C_LAST_2_MONTHS, date(2026, 11, 20), 45),
        # C4b: R = 2026-12-24, 8 days before the end, runway 228 d -> band C
        ("C4b", date(2026, 5, 10), "80000",
         [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")],
         Band.C_LAST_2_MONTHS, date(2026, 12, 24), 228),
    ],
)
def test_bands_a_and_c(example, today, balance, usage, band, run_out, runway_days):
    r = compute_runway(acme(balance), usage, today, PARAMS)
    assert (r.status, r.band, r.run_out, r.runway_days) == (Status.ALERT, band, run_out, runway_days), example


def test_c2_band_a_keeps_the_expansion_window_open_and_has_no_new_order_form_date():
    r = compute_runway(
        acme("42000"), [month(2026, 1, "25000"), month(2026, 2, "26000"), month(2026, 3, "27000")],
        date(2026, 4, 5), PARAMS,
    )
    assert r.burn_per_day.quantize(Decimal("0.01")) == Decimal("866.67")
    assert r.expansion_window_open
    assert r.new_order_form_start is None


def test_c3_early_renewal_deadline_is_60_days_before_expiry():
    """C3: deadline = min(R, T_end - 60 d) = 2026-11-02 (002_59a801b964a2a19e.txt:4442)."""
    r = compute_runway(
        acme("15000"), [month(2026, 7, "9000"), month(2026, 8, "9300"), month(2026, 9, "9000")],
        date(2026, 10, 6), PARAMS,
    )
    assert r.burn_per_day.quantize(Decimal("0.01")) == Decimal("296.74")
    assert r.early_renewal_deadline == date(2026, 11, 2)
    assert not r.expansion_window_open
    assert r.days_before_end == 42


def test_c4a_credit_lasts_past_the_term_end_so_no_alert():
    r = compute_runway(
        acme("90000"), [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")],
        date(2026, 5, 10), PARAMS,
    )
    assert r.status is Status.OK
    assert r.run_out == date(2027, 1, 23)
    assert r.burn_per_day.quantize(Decimal("0.01")) == Decimal("337.08")


def test_c5_startup_plan_credit_is_out_of_scope_by_default():
    assert compute_runway(acme("66000", startup_plan=True), C1_USAGE, date(2026, 5, 10), PARAMS).status is Status.STARTUP


def test_c5_startup_included_when_the_setting_says_so():
    params = RunwayParams(include_startup=True)
    assert compute_runway(acme("66000", startup_plan=True), C1_USAGE, date(2026, 5, 10), params).status is Status.ALERT


def test_c6_eleven_days_of_history_is_insufficient():
    usage = [UsageInvoice("in_x", date(2026, 4, 20), date(2026, 5, 1), Decimal("3000"))]
    r = compute_runway(acme("50000"), usage, date(2026, 5, 10), PARAMS)
    assert r.status is Status.INSUFFICIENT_DATA
    assert r.burn_days == 11


def test_c11_multi_year_gap_is_band_b_gap_and_more_credit_makes_it_band_b():
    """C11: 3-year term; R = 2028-05-08 fits no handbook case -> B_gap; with $150,000 R = 2028-09-10 -> B."""
    usage = [month(2027, 6, "12000"), month(2027, 7, "12400"), month(2027, 8, "12400")]
    three_year = dict(expires_on=date(2029, 1, 1), term_start=date(2026, 1, 1), term_months=36)
    gap = compute_runway(acme("100000", **three_year), usage, date(2027, 9, 10), PARAMS)
    assert gap.burn_per_day == Decimal("400")
    assert (gap.status, gap.band, gap.run_out) == (Status.ALERT, Band.B_GAP, date(2028, 5, 8))
    assert gap.half_end == date(2027, 7, 1)
    later = compute_runway(acme("150000", **three_year), usage, date(2027, 9, 10), PARAMS)
    assert (later.band, later.run_out) == (Band.B_2_TO_6_MONTHS, date(2028, 9, 10))


def test_c12_amortized_without_schedule_is_a_data_gap():
    c = acme("8000", billing_config="amortized")
    usage = [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")]
    r = compute_runway(c, usage, date(2026, 5, 10), PARAMS)
    assert (r.status, r.data_gap) == (Status.DATA_GAP, DataGap.AMORTIZED_SCHEDULE)


def test_amortized_with_known_schedule_counts_the_credit_still_to_come():
    c = acme("8000", billing_config="amortized", scheduled_remaining=Decimal("40000"))
    usage = [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")]
    r = compute_runway(c, usage, date(2026, 5, 10), PARAMS)
    assert r.credit_left == Decimal("48000")
    assert r.status is Status.ALERT


def test_c13_expired_credit_is_not_evaluated():
    r = compute_runway(acme("5000"), C1_USAGE, date(2027, 1, 2), PARAMS)
    assert r.status is Status.EXPIRED


def test_c14_payg_credit_without_expiry_is_out_of_scope():
    r = compute_runway(acme("1000", expires_on=None), C1_USAGE, date(2026, 5, 10), PARAMS)
    assert r.status is Status.NO_TERM


def test_c15_unparseable_expiry_is_a_data_gap():
    with pytest.raises(ValueError):
        parse_credit_expires_at("soon")
    r = compute_runway(acme("66000", expires_on=None, expires_invalid=True), C1_USAGE, date(2026, 5, 10), PARAMS)
    assert (r.status, r.data_gap) == (Status.DATA_GAP, DataGap.CREDIT_EXPIRES_AT)


def test_no_credit_left_is_not_evaluated():
    assert compute_runway(acme("0"), C1_USAGE, date(2026, 5, 10), PARAMS).status is Status.NO_CREDIT


def test_manual_credit_purchase_invoices_are_left_out_by_the_caller_and_zero_burn_is_reported():
    usage = [month(2026, 2, "0"), month(2026, 3, "0"), month(2026, 4, "0")]
    assert compute_runway(acme("66000"), usage, date(2026, 5, 10), PARAMS).status is Status.NO_BURN


def test_invoices_older_than_the_lookback_are_ignored():
    """Only invoices whose period ended within 100 days count (spec §2.4)."""
    old = [month(2025, 12, "90000")]
    r = compute_runway(acme("66000"), old + C1_USAGE[1:], date(2026, 5, 10), PARAMS)
    assert r.burn_total == Decimal("42000")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2027-01-01", date(2027, 1, 1)),
        ("2027-01-01T00:00:00Z", date(2027, 1, 1)),
        ("1798761600", date(2027, 1, 1)),
        (None, None),
        ("", None),
    ],
)
def test_credit_expires_at_formats(value, expected):
    assert parse_credit_expires_at(value) == expected


@pytest.mark.parametrize("value, truthy", [("true", True), ("TRUE", True), ("1", True), ("yes", True),
                                           ("false", False), ("", False), (None, False), ("no", False)])
def test_startup_metadata_truthiness(value, truthy):
    assert is_truthy_metadata(value) is truthy


def test_band_boundaries():
    """Exactly 2 months left is B; exactly at half_end is B_gap only when 6+ months remain (spec §2.4)."""
    t_end, half = date(2027, 1, 1), date(2026, 7, 1)
    assert band_for(date(2026, 11, 1), t_end, half) is Band.B_2_TO_6_MONTHS
    assert band_for(date(2026, 11, 2), t_end, half) is Band.C_LAST_2_MONTHS
    assert band_for(date(2026, 6, 30), t_end, half) is Band.A_FIRST_HALF
    assert band_for(date(2026, 7, 1), t_end, half) is Band.B_GAP
    assert band_for(date(2026, 7, 2), t_end, half) is Band.B_2_TO_6_MONTHS


@pytest.mark.parametrize("months, half", [(12, date(2026, 7, 1)), (24, date(2027, 1, 1)), (36, date(2027, 7, 1)),
                                          (9, date(2026, 5, 16))])
def test_first_half_of_the_term(months, half):
    """"1 year = 6 months, 2 years = 12 months, 3 years = 18 months" 002_59a801b964a2a19e.txt:4697."""
    assert half_term_end(date(2026, 1, 1), months) == half


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_new_order_form_starts_on_the_billing_date_on_or_before_run_out():
    assert billing_date_on_or_before(date(2026, 9, 17), date(2026, 5, 1)) == date(2026, 9, 1)
    assert billing_date_on_or_before(date(2026, 9, 10), date(2026, 5, 15)) == date(2026, 8, 15)
    assert billing_date_on_or_before(date(2026, 3, 10), date(2026, 1, 31)) == date(2026, 2, 28)

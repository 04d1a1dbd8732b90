"""Rule by rule (spec §2 R-numbers): what a rep sees besides the numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quotes.approvals import Approvers
from services.quotes.discounts import check_discount
from services.quotes.grammar import parse_discount, parse_quote
from services.quotes.pricing import CUSTOM, NOT_AVAILABLE, OK, REFUSED, QuotePolicy, price_quote, volume_tier

D = Decimal


def quote(text: str, policy: QuotePolicy | None = None):
    deal = parse_quote(text).deal
    return price_quote(deal, policy) if policy else price_quote(deal)


def joined(r) -> str:
    return " ".join((*r.warnings, *r.infos, *r.invoices, r.reason))


# R11/A2: half-open tiers
@pytest.mark.parametrize(("basis", "rate"), [
    (24999, 0), (25000, 20), (59999, 20), (60000, 25), (99999, 25), (100000, 30), (249999, 30), (250000, 35),
    (499999, 35), (500000, 40), (999999, 40),
])
def test_volume_tiers_are_half_open(basis, rate):
    assert volume_tier(D(basis))[0] == D(rate)


def test_r1_r2_monthly_quarterly_split_not_available():
    for schedule in ("monthly", "quarterly", "split"):
        r = quote(f"50k {schedule} --new --signatory-confirmed")
        assert r.status == NOT_AVAILABLE and r.price is None
        assert r.alternative.total_pct == D(25)  # 20 + forecast 5, paid upfront instead
    assert "fewer credits upfront" in quote("50k split").reason


def test_r7_check_is_refused():
    r = quote("50k check")
    assert r.status == REFUSED and "check" in r.reason and r.reason_cite.endswith(":4643")


def test_r63_sanctions_refused_and_russia_points_to_legal():
    assert quote("50k --country=KP").status == REFUSED
    ru = quote("50k --country=RU")
    assert ru.status == REFUSED and "#legal" in ru.reason
    assert quote("50k --country=DE").status == OK


def test_r12_levers_2_to_4_need_the_tier():
    r = quote("24k 2y --new --signatory-confirmed")
    assert r.total_pct == 0
    assert any("Levers 2-4 need" in i for i in r.infos)
    assert any("--self-serve" in i for i in r.infos)


def test_r13_three_years_does_not_stack():
    levers = {lv.key: lv.pct for lv in quote("300k 3y").levers}
    assert levers["commitment"] == D(5)


def test_r16_r19_yearly_payment_earns_no_upfront_bonus():
    levers = {lv.key: lv.pct for lv in quote("300k 3y yearly").levers}
    assert levers["cash"] == 0
    assert len([i for i in quote("300k 3y yearly").invoices if i.startswith("Invoice")]) == 3


def test_yearly_invoices_on_an_uneven_term_split_by_months():
    r = quote("90k 18m yearly")  # basis $60k/yr -> 25 % -> $67,500.00: 12 months then 6 months
    assert r.invoices[:2] == ("Invoice 1 (year 1): $45,000.00, due contract start + 30 days",
                              "Invoice 2 (year 2): $22,500.00, raised when year 2 starts")


def test_a3_started_block_is_flagged_and_faster_than_net30_earns_nothing():
    assert any("started 15-day block" in i for i in quote("300k net40").infos)
    r = quote("100k net15")
    assert r.total_pct == 30 and any("earns nothing extra" in i for i in r.infos)


def test_a4_clamp_is_warned():
    assert any("clamped to 0%" in w for w in quote("25k net180").warnings)


def test_r20_signatory_warning_and_hint():
    assert any("designated signatory" in w for w in quote("60k --new --signatory-confirmed").warnings)
    assert any("--signatory-confirmed" in i for i in quote("60k --new").infos)
    assert any("not an end-of-quarter" in i for i in quote("60k").infos)


def test_r21_renewal_hints():
    assert any("--days-to-expiry" in i for i in quote("70k --renewal").infos)
    assert any("ask Ben Bradley/Simon Fisher (spec A8)" in i for i in quote("70k --renewal --days-to-expiry=90 --credits-ran-out").infos)


def test_r22_missed_date_withdraws():
    r = quote("60k --new --signatory-confirmed --missed-sign-date")
    forecast = next(lv for lv in r.levers if lv.key == "forecast")
    assert forecast.pct == 0 and "withdrawn" in forecast.reason


def test_r26_self_serve_eligibility_is_listed():
    assert any("3+ paid invoices" in i and "$280" in i for i in quote("18k --self-serve").infos)


def test_r29_non_profit_needs_proof():
    assert any("proof of status" in i for i in quote("40k --nonprofit").infos)


def test_r33_startup_paperwork_default():
    extra = quote("25k --startup").extras[0]
    assert "2 months later" in extra.note and "One time" in extra.note
    assert "spec A10" in quote("150k 3y --startup").extras[0].note
    assert quote("150k 3y --startup").extras[0].amount == D("8333.33")  # one year's credit / 6


def test_r35_r36_expansion_window_and_yearly_window():
    inside = quote("50k --expansion-of=300k:3y:40%:yearly --month=14")  # month 2 of year 2
    assert inside.is_expansion and inside.total_pct == D(35)
    outside = quote("50k --expansion-of=300k:3y:40%:yearly --month=20")  # month 8 of year 2
    assert not outside.is_expansion and outside.total_pct == D(20)


def test_a26_multi_year_gap_is_flagged():
    r = quote("50k --expansion-of=300k:3y:40% --month=24")
    assert any("spec A26" in i for i in r.infos)


def test_r37_late_case_mentions_free_usage_until_renewal():
    r = quote("50k --expansion-of=60k:12m:25% --month=12")
    assert any("covered for free" in i for i in r.infos)


def test_r41_buyout_at_exactly_20k_a_year():
    """$25k at 20 % is a $20k/yr contract: "$20k+/year" includes it (002_59a801b964a2a19e.txt:4658)."""
    extras = {e.key: e.amount for e in quote("25k --buyout-months=6").extras}
    assert extras["buyout"] == D("10000.00")


@pytest.mark.parametrize("text", ["19k --buyout-months=6", "50k 2y yearly --buyout-months=6", "30k 6m --buyout-months=3"])
def test_r41_buyout_refused_below_20k_or_not_annual_upfront(text):
    r = quote(text)
    assert not any(e.key == "buyout" for e in r.extras)
    assert any("No contract buyout" in w for w in r.warnings)


def test_r45_aws_is_twelve_months_only_with_a_100k_minimum():
    r = quote("200k 2y aws")
    assert r.status == NOT_AVAILABLE and r.alternative.status == OK
    assert any("AWS Marketplace minimum" in i for i in quote("50k aws").infos)


def test_r13_four_years_custom():
    r = quote("100k 48m --role=csm")
    assert r.status == CUSTOM and r.approvers == ("Simon Fisher",) and "spec A29" in r.approver_text


def test_thresholds_sla_paper_redlines():
    text = joined(quote("400k"))  # 35 % -> $260k ARR
    assert "uptime SLA" in text and "customer paper" in text and "Hector or Fraser" in text
    small = joined(quote("25k"))
    assert "uptime SLA" not in small


def test_sales_assist_warning_below_20k_arr():
    assert any("sales-assist" in w for w in quote("19,999").warnings)
    assert not any("sales-assist" in w for w in quote("25k").warnings)  # exactly $20k/yr


def test_approvers_come_from_settings():
    policy = QuotePolicy(approvers=Approvers(tae_tam="Pat Doe", csm="Sam Roe"))
    assert price_quote(parse_quote("2m --role=tae").deal, policy).approvers == ("Pat Doe",)
    assert check_discount(parse_discount("40% 60k --role=csm"), policy).approvers == ("Sam Roe",)


def test_volume_basis_setting_total():
    policy = QuotePolicy(volume_basis="total")
    r = price_quote(parse_quote("150k 3y --conversion --signatory-confirmed").deal, policy)
    assert r.total_pct == 45 and r.alternative.total_pct == 35


# /discount rule families
def test_discount_exceeds_says_quota_consequence():
    r = check_discount(parse_discount("35% 60k --role=tae"))
    assert "quota" in r.approval_route and "Ben Bradley" in r.approval_route


def test_discount_unknown_role_names_both():
    r = check_discount(parse_discount("35% 60k --role=bdr"))
    assert r.approvers == ("Ben Bradley", "Simon Fisher")
    assert check_discount(parse_discount("35% 60k")).approvers == ("Ben Bradley", "Simon Fisher")


def test_discount_monthly_explains_why():
    r = check_discount(parse_discount("10% 40k monthly --role=csm"))
    assert any("monthly" in x for x in r.reasons)


def test_discount_below_gate_hints_self_serve_and_non_profit():
    r = check_discount(parse_discount("15% 20k --role=tam"))
    assert any("self-serve" in x and "non-profits" in x for x in r.reasons)


def test_discount_margin_negative_route():
    r = check_discount(parse_discount("45% 300k --exception=competitor-takeaway --role=tae"))
    assert "manager first" in r.approval_route and "~1 per year" in " ".join(r.reasons)


def test_discount_d10_mentions_total_basis_reading():
    r = check_discount(parse_discount("40% 150k 3y --conversion --signatory-confirmed --role=tam"))
    assert r.alternative_allowed_pct == D(45)
    assert any("would allow 45.0%" in x for x in r.reasons)


@pytest.mark.parametrize("reason", ["case-study", "price-guarantee", "year1-ratchet", "free-services",
                                    "legacy-coupon"])
def test_discount_refusals_no_approver_can_lift(reason):
    r = check_discount(parse_discount(f"5% 100k --reason={reason} --role=tae"))
    assert r.verdict == "NOT_PERMITTED" and r.approvers == () and "No approver" in r.approval_route


def test_discount_side_approvals():
    r = check_discount(parse_discount("20% 55k card --buyout-months=3"))
    assert any("team lead" in s for s in r.side_approvals)
    assert any("Mine" in s for s in r.side_approvals)


def test_startup_customer_cannot_self_serve():
    assert any("not eligible for self-serve" in w for w in quote("18k --self-serve --startup").warnings)


def test_a19_short_term_is_not_annualised():
    r = quote("30k 6m")
    assert r.basis == D(30000) and r.total_pct == 20 and r.arr is None
    assert any("spec A19" in i for i in r.infos)


def test_a20_eighteen_months_is_one_year_of_levers():
    assert any("18 months counts as 1 year(s)" in i for i in quote("80k 18m").infos)


def test_monthly_spend_over_a_multi_year_term():
    r = quote("10k/mo 2y")
    assert r.credit == D(240000) and r.basis == D(120000) and r.total_pct == D("35.5")  # 30 + 3 + 2.5
    assert any("$10,000.00/month x 24 months" in i for i in r.infos)


def test_r50_multi_year_quota_is_the_year_one_equivalent():
    """Q14: $50k/yr annual credit at the 1-year 20 % -> $40,000.00 quota ARR (002_59a801b964a2a19e.txt:8620)."""
    r = quote("150k 3y --conversion --signatory-confirmed")
    assert any("Quota ARR" in i and "$40,000.00" in i for i in r.infos)
    assert not any("Quota ARR" in i for i in quote("150k").infos)


@pytest.mark.parametrize(("text", "weeks"), [("60k --new", "2 weeks"), ("100k --new", "4 weeks")])
def test_r58_trial_length_for_net_new(text, weeks):
    # 60k at 25 % = $45k ARR -> 2 weeks; 100k at 30 % = $70k ARR -> 4 weeks (002_59a801b964a2a19e.txt:11625-11636)
    assert any(f"Sales-led trial: {weeks}" in i for i in quote(text).infos)
    assert not any("Sales-led trial" in i for i in quote("20k --new").infos)


def test_lever_three_label_says_how_cash_arrives():
    labels = {text: next(lv.label for lv in quote(text).levers if lv.key == "cash")
              for text in ("300k 3y", "300k 3y yearly", "300k 3y --years-upfront=2", "100k net45", "100k card")}
    assert labels == {
        "300k 3y": "Timing of cash (3 yrs upfront, Net 30)",
        "300k 3y yearly": "Timing of cash (paid yearly, Net 30)",
        "300k 3y --years-upfront=2": "Timing of cash (2 yrs upfront, Net 30)",
        "100k net45": "Timing of cash (upfront, Net 45)",
        "100k card": "Timing of cash (upfront, card on start date)",
    }


def test_r63_watch_list_warns_and_r62_taxes_are_noted():
    r = quote("60k --country=VE")
    assert r.status == OK and any("Sanctions Search" in w and "#legal" in w for w in r.warnings)
    assert any("Withholding tax is exclusive" in i for i in r.infos)
    assert any("GSTIN" in i for i in quote("60k --country=IN").infos)
    assert not any("Sanctions Search" in w for w in quote("60k --country=DE").warnings)

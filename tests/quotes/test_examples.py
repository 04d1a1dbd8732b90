"""Every worked example of quote-and-discount.md §5, through the grammar and the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quotes.credit_formulas import (
    annual_mrr_value,
    billing_limit_volume,
    buyout_credit,
    rollover_credit,
)
from services.quotes.discounts import check_discount
from services.quotes.grammar import parse_discount, parse_quote
from services.quotes.pricing import price_quote
from tests.quotes.examples import (
    DISCOUNT_EXAMPLES,
    EXPANSION_EXAMPLES,
    EXTRA_EXAMPLES,
    QUOTE_EXAMPLES,
)

D = Decimal


def quote(text: str):
    return price_quote(parse_quote(text).deal)


@pytest.mark.parametrize(("ex_id", "text", "status", "basis", "levers", "total", "discount", "price"),
                         QUOTE_EXAMPLES, ids=[r[0] for r in QUOTE_EXAMPLES])
def test_quote_worked_example(ex_id, text, status, basis, levers, total, discount, price):
    r = quote(text)
    assert r.status == status
    assert r.basis.quantize(D("0.01")) == D(basis)
    assert r.total_pct == D(total)
    assert r.discount_amount == (D(discount) if discount else None)
    assert r.price == (D(price) if price else None)
    if levers is not None:
        by_key = {lv.key: lv.pct for lv in r.levers}
        l1, l2, l3, l4, np = levers
        assert by_key["volume"] == D(str(l1))
        assert by_key["commitment"] == D(str(l2))
        assert by_key["cash"] == D(str(l3))
        assert by_key["forecast"] == D(str(l4))
        assert by_key.get("nonprofit") == (D(str(np)) if np is not None else None)
        # the lever lines add up to the total unless clamped (Q11, spec A4)
        assert sum(by_key.values()) == r.total_pct or r.total_pct == 0


@pytest.mark.parametrize(("ex_id", "text", "verdict", "allowed", "excess", "approvers"),
                         DISCOUNT_EXAMPLES, ids=[r[0] for r in DISCOUNT_EXAMPLES])
def test_discount_worked_example(ex_id, text, verdict, allowed, excess, approvers):
    r = check_discount(parse_discount(text))
    assert r.verdict == verdict
    assert r.allowed_pct == (D(allowed) if allowed is not None else None)
    assert r.excess_pts == (D(excess) if excess is not None else None)
    assert r.approvers == approvers


@pytest.mark.parametrize(("ex_id", "text", "total", "price"), EXPANSION_EXAMPLES,
                         ids=[r[0] for r in EXPANSION_EXAMPLES])
def test_expansion_worked_example(ex_id, text, total, price):
    r = quote(text)
    assert r.total_pct == D(total)
    assert r.price == D(price)


@pytest.mark.parametrize(("ex_id", "text", "key", "amount"), EXTRA_EXAMPLES, ids=[r[0] for r in EXTRA_EXAMPLES])
def test_extra_credit_worked_example(ex_id, text, key, amount):
    extras = {e.key: e.amount for e in quote(text).extras}
    assert extras[key] == D(amount)


# --- §5 rows the replies show beyond the lever table ----------------------------------------------


def test_q12_q13_show_the_upfront_alternative():
    """Q12/Q13: not available, but the upfront alternative is priced (002_59a801b964a2a19e.txt:4421)."""
    q12, q13 = quote("50k quarterly"), quote("40k monthly")
    assert (q12.alternative.total_pct, q12.alternative.price) == (D(20), D("40000.00"))
    assert (q13.alternative.total_pct, q13.alternative.price) == (D(20), D("32000.00"))
    assert "monthly" in q13.reason and "upfront" in q12.reason


def test_q14_arr_and_total_basis_alternative():
    r = quote("150k 3y --conversion --signatory-confirmed")
    assert r.arr == D("32500.00")
    assert len([i for i in r.invoices if "One invoice" in i]) == 1
    assert (r.alternative.total_pct, r.alternative.price) == (D(45), D("82500.00"))


def test_q15_two_yearly_invoices():
    r = quote("200k 2y yearly --renewal --days-to-expiry=75")
    assert r.invoices[:2] == ("Invoice 1 (year 1): $62,000.00, due contract start + 30 days",
                              "Invoice 2 (year 2): $62,000.00, raised when year 2 starts")
    assert r.alternative is None  # both A1 readings give the same tier


def test_q16_two_years_upfront_then_year_three():
    """Q16: $187,500.00 over 36 months; years 1-2 in the first invoice, year 3 invoiced when it starts."""
    r = quote("300k 3y --years-upfront=2")
    assert r.invoices[:2] == ("Invoice 1 (years 1-2): $125,000.00, due contract start + 30 days",
                              "Invoice 2 (year 3): $62,500.00, raised when year 3 starts")


def test_q17_q34_q35_total_basis_reading_is_shown():
    assert quote("100k 2y --new --signatory-confirmed").alternative.price == D("59500.00")
    q34 = quote("45k 3y")
    assert (q34.alternative.total_pct, q34.alternative.price) == (D(30), D("31500.00"))
    assert any("sales-assist" in w for w in q34.warnings)  # $15k/yr
    q35 = quote("80k 18m")
    assert (q35.alternative.total_pct, q35.alternative.price) == (D(25), D("60000.00"))


def test_q18_total_basis_would_be_custom():
    r = quote("1.5m 3y --new --signatory-confirmed")
    assert r.alternative.status == "CUSTOM"


def test_q19_q20_custom_name_the_approver():
    assert quote("1.2m --role=csm").approvers == ("Simon Fisher",)
    assert quote("400k 4y --role=tae").approvers == ("Ben Bradley",)
    assert quote("1.2m").approvers == ("Ben Bradley", "Simon Fisher")


def test_q29_self_serve_tranches():
    r = quote("18k --self-serve")
    assert any("$1,500.00/month x 12" in i for i in r.invoices)


def test_q36_card_notifies_mine():
    r = quote("50k card")
    assert any("Mine (Simon as backup)" in w for w in r.warnings)
    assert any("start date" in i for i in r.invoices)


def test_x01_to_x04_expansion_levers():
    x01 = quote("50k --expansion-of=60k:12m:30% --month=4")
    assert {lv.key: lv.pct for lv in x01.levers} == {"original": D(30), "volume": D(5)}
    assert x01.term_months == 9  # ends with the original
    x03 = quote("40k --expansion-of=300k:3y:40% --month=10")
    assert {lv.key: lv.pct for lv in x03.levers} == {"original": D(40), "commitment": D(-5)}
    x02 = quote("50k --expansion-of=60k:12m:30% --month=7")
    assert {lv.key: lv.pct for lv in x02.levers}["forecast"] == 0


@pytest.mark.parametrize(("months", "expected"), [(6, "25000.00"), (9, "25000.00"), (2, "8333.33")])
def test_x07_buyout(months, expected):
    assert buyout_credit(D(50000), months) == D(expected)


def test_x07_buyout_through_quote_uses_the_annual_price():
    # $55k credit at 20 % = $44k/yr; 9 months left is capped at 6 -> $22k
    extras = {e.key: e for e in quote("55k --buyout-months=9").extras}
    assert extras["buyout"].amount == D("22000.00")
    assert "team lead" in extras["buyout"].note


@pytest.mark.parametrize(("unused", "renewal", "expected"),
                         [("70000", "100000", "60000.00"), ("70000", "90000", "0"), ("40000", "100000", "40000.00")],
                         ids=["X08a", "X08b", "X08c"])
def test_x08_rollover(unused, renewal, expected):
    assert rollover_credit(D(120000), D(96000), D(unused), D(renewal)) == D(expected)


def test_x09_billing_limit_with_discount():
    assert billing_limit_volume(D(200), D(20)) == D("250.00")
    assert billing_limit_volume(D(1000), D(35)) == D("1538.46")


def test_x10_annual_mrr_value():
    assert annual_mrr_value(D(6500), D(35)) == D("10000.00")


def test_x11_startup_twelve_months_coverage():
    r = quote("5k/mo --startup")
    assert r.credit == D(60000) and r.total_pct == D(25) and r.price == D("45000.00")

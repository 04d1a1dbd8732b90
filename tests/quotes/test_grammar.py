"""The /quote and /discount grammar (spec §4.1): what parses, and what is refused with an example."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quotes.grammar import (
    DISCOUNT_EXAMPLE,
    QUOTE_EXAMPLE,
    DiscountCommand,
    HelpRequest,
    ParseError,
    parse_discount,
    parse_money,
    parse_quote,
)

D = Decimal


@pytest.mark.parametrize(("raw", "value"), [
    ("25k", "25000"), ("$120,000", "120000"), ("1.5m", "1500000"), ("24,999", "24999"), ("$1.5M", "1500000"),
    ("59999.50", "59999.50"), ("100K", "100000"),
])
def test_money_forms(raw, value):
    assert parse_money(raw.lower()) == D(value)


@pytest.mark.parametrize("raw", ["1,2,3", "k", "$", "12,34", "abc", "1e5", "-5k"])
def test_not_money(raw):
    assert parse_money(raw) is None


def test_defaults_are_twelve_months_upfront_net30():
    deal = parse_quote("25k").deal
    assert (deal.term_months, deal.schedule, deal.method, deal.net_days) == (12, "upfront", "bank", 30)


@pytest.mark.parametrize(("text", "months"), [
    ("100k 2y", 24), ("100k 3yr", 36), ("100k 18m", 18), ("100k 18mo", 18), ("100k 30months", 30), ("100k 6m", 6),
])
def test_terms(text, months):
    assert parse_quote(text).deal.term_months == months


def test_amount_position_decides_money_versus_months():
    """'18m' after the amount is a term; first it is $18M."""
    assert parse_quote("100k 18m").deal.term_months == 18
    assert parse_quote("18m").deal.credit == D(18000000)


def test_monthly_spend_times_term():
    deal = parse_quote("10k/mo 2y").deal
    assert deal.credit == D(240000) and deal.monthly_spend == D(10000)


def test_flags_and_case_and_em_dashes():
    deal = parse_quote("60K NET45 \u2014new \u2014signatory-confirmed --Country=de").deal
    assert deal.motion == "new" and deal.signatory_confirmed and deal.net_days == 45 and deal.country == "DE"


def test_net_with_a_space():
    assert parse_quote("80k net 45").deal.net_days == 45


@pytest.mark.parametrize("text", ["", "help", "  HELP  ", "?"])
def test_help(text):
    result = parse_quote(text)
    assert isinstance(result, HelpRequest) and result.example == QUOTE_EXAMPLE


def test_discount_proposed_forms():
    cmd = parse_discount("30% 60k --role=tae")
    assert isinstance(cmd, DiscountCommand) and cmd.proposed_pct == D(30) and cmd.deal.role == "TAE"
    assert parse_discount("price=90000 120k").proposed_pct == D(25)
    assert parse_discount("60k 30%").proposed_pct == D(30)  # either order: % and money cannot be confused


@pytest.mark.parametrize(("role", "expected"), [("ae", "TAE"), ("am", "TAM"), ("cse", "CSM"), ("bdr", "BDR")])
def test_role_synonyms_from_the_team_directory(role, expected):
    assert parse_discount(f"10% 60k --role={role}").deal.role == expected


@pytest.mark.parametrize(("text", "fragment"), [
    ("banana", "not an amount"),
    ("25k banana", "I don't know 'banana'"),
    ("25k --frobnicate", "I don't know the flag"),
    ("25k new", "--new"),
    ("25k 2y 3y", "given twice"),
    ("25k monthly quarterly", "given twice"),
    ("25k --new --renewal", "given twice"),
    ("25k card net60", "card"),
    ("25k 0m", "out of range"),
    ("25k net999", "365"),
    ("0", "more than zero"),
    ("25k --days-to-expiry=90", "--renewal"),
    ("25k --renewal --signatory-confirmed", "60+ days"),
    ("25k 2y --years-upfront=3", "does not fit"),
    ("100k 3y card --years-upfront=2", "drop --years-upfront"),
    ("100k 3y card yearly", "drop 'yearly'"),
    ("25k --self-serve 2y", "12 monthly tranches"),
    ("25k --self-serve --new", "no negotiated levers"),
    ("25k --expansion-of=60k:12m:30%", "--month"),
    ("25k --expansion-of=60k --month=3", "credit:term:discount"),
    ("25k --expansion-of=60k:12m:30% --expansion-of=70k:12m:30% --month=3", "given twice"),
    ("25k --country=iran", "two-letter"),
    ("100k --rollover=120k:96k:70k", "add --renewal"),
    ("100k --renewal --rollover=120k:96k", "three amounts"),
    ("25k --role=ceo", "--role"),
    ("25k --reason=case-study", "I don't know the flag"),
    ("1e9", "not an amount"),
    ("99999999999999k", "too large"),
    ("25k 30%", "only for /discount"),
    ("5m events", "not usage volumes"),
    ("120k 2y net30 renewal-early", "--renewal --days-to-expiry=N"),
])
def test_quote_errors_say_what_and_show_an_example(text, fragment):
    with pytest.raises(ParseError) as err:
        parse_quote(text)
    assert fragment in err.value.message
    assert err.value.example == QUOTE_EXAMPLE
    assert parse_quote(err.value.example[len("/quote "):])  # the example itself works


@pytest.mark.parametrize(("text", "fragment"), [
    ("30%", "needs the proposed discount"),
    ("60k 120k", "not a proposed discount"),
    ("130% 60k", "more than 100%"),
    ("price=200k 120k", "not a discount"),
    ("30% 60k --exception=friendship", "--exception"),
    ("30% 60k --reason=because", "--reason"),
    ("30% 60k --reason=case-study --reason=price-guarantee", "given twice"),
    ("30% 60k --exception=strategic-logo --exception=competitor-takeaway", "given twice"),
])
def test_discount_errors(text, fragment):
    with pytest.raises(ParseError) as err:
        parse_discount(text)
    assert fragment in err.value.message
    assert err.value.example == DISCOUNT_EXAMPLE
    assert parse_discount(err.value.example[len("/discount "):])

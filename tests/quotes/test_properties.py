"""Property tests (hypothesis): the discount never exceeds the policy maximum, is monotone in the credit
amount within a term, and the parser never raises anything but ParseError on arbitrary text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.quotes.discounts import check_discount
from services.quotes.grammar import ParseError, parse_discount, parse_quote
from services.quotes.pricing import OK, price_quote

STANDARD_MAX = Decimal(55)  # 40 + 5 + 5 + 5 (spec R24)

TERMS = st.sampled_from(["", "6m", "12m", "18m", "2y", "30m", "3y", "4y"])
PAYMENTS = st.sampled_from(["", "yearly", "net45", "net60", "net40", "net90", "card", "aws", "monthly", "net15"])
MOTIONS = st.sampled_from(["", "--new", "--new --signatory-confirmed", "--conversion --signatory-confirmed",
                           "--renewal --days-to-expiry=30", "--renewal --days-to-expiry=75",
                           "--conversion --signatory-confirmed --missed-sign-date"])
EXTRAS = st.sampled_from(["", "--startup", "--basis=total", "--competitor-quote=80k", "--buyout-months=4"])


def _flags(term, pay, motion, extra, upfront):
    return " ".join(x for x in (term, pay, motion, extra, upfront) if x)


deal_flags = st.builds(_flags, TERMS, PAYMENTS, MOTIONS, EXTRAS, st.sampled_from(["", "--years-upfront=2"]))
amounts = st.integers(min_value=1, max_value=2_000_000)


def _quote(text: str):
    try:
        cmd = parse_quote(text)
    except ParseError:
        assume(False)
    return price_quote(cmd.deal)


@settings(max_examples=400, deadline=None)
@given(amount=amounts, flags=deal_flags, nonprofit=st.booleans())
def test_discount_never_exceeds_the_policy_maximum(amount, flags, nonprofit):
    r = _quote(f"{amount} {flags}" + (" --nonprofit" if nonprofit else ""))
    assert Decimal(0) <= r.total_pct <= STANDARD_MAX
    if r.status == OK:
        assert r.price == (r.credit * (100 - r.total_pct) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)  # spec §4.2 step 12
        assert r.discount_amount + r.price == r.credit
        assert sum(r.invoice_amounts) == r.price and all(a > 0 for a in r.invoice_amounts) or r.price == 0


@settings(max_examples=400, deadline=None)
@given(a=amounts, b=amounts, flags=deal_flags)
def test_discount_is_monotone_in_the_credit_amount(a, b, flags):
    """Within one term and set of flags, buying more credit never lowers the discount (non-profit excepted:
    above $100k its +5 stops, 002_59a801b964a2a19e.txt:4498)."""
    low, high = sorted((a, b))
    r_low, r_high = _quote(f"{low} {flags}"), _quote(f"{high} {flags}")
    assume(r_low.status == OK and r_high.status == OK)
    assert r_low.total_pct <= r_high.total_pct


@settings(max_examples=300, deadline=None)
@given(amount=amounts, flags=deal_flags, proposed=st.decimals(min_value=0, max_value=100, places=1),
       role=st.sampled_from(["", "--role=tae", "--role=csm", "--role=bdr"]))
def test_discount_check_agrees_with_the_quote(amount, flags, proposed, role):
    try:
        cmd = parse_discount(f"{proposed}% {amount} {flags} {role}")
    except ParseError:
        assume(False)
    check = check_discount(cmd)
    if check.verdict == "WITHIN_POLICY":
        assert proposed <= check.allowed_pct
    if check.verdict == "EXCEEDS_POLICY":
        assert check.excess_pts == proposed - check.allowed_pct > 0
        assert check.approvers


def test_non_profit_bonus_stops_above_100k():
    """The one deliberate non-monotonicity: $100k non-profit is 35 %, $100,001 is 30 % (spec A11)."""
    assert _quote("100k --nonprofit").total_pct == 35
    assert _quote("100001 --nonprofit").total_pct == 30


TOKENS = st.sampled_from(["25k", "1.5m", "10k/mo", "2y", "18m", "net60", "card", "check", "monthly", "--new",
                          "--renewal", "--days-to-expiry=", "--expansion-of=", "--month=3", "30%", "price=",
                          "--role=", "--basis=total", "help", "\u2014new", "$", ",", "=", "%", "--", "0", "-1"])
texts = st.one_of(st.text(max_size=80), st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=8).map(" ".join))


@settings(max_examples=600, deadline=None)
@given(text=texts)
def test_parser_never_raises_anything_but_parse_error(text):
    for parse in (parse_quote, parse_discount):
        try:
            cmd = parse(text)
        except ParseError as err:
            assert err.message and err.example
            continue
        if hasattr(cmd, "deal"):
            result = price_quote(cmd.deal) if parse is parse_quote else check_discount(cmd)
            assert result is not None


@settings(max_examples=300, deadline=None)
@given(amount=amounts, flags=deal_flags)
def test_the_quoted_maximum_is_exactly_the_discount_boundary(amount, flags):
    """/discount at the /quote total is within policy; half a point more needs an approver."""
    r = _quote(f"{amount} {flags}")
    assume(r.status == OK)
    at = check_discount(parse_discount(f"{r.total_pct}% {amount} {flags}"))
    assert at.verdict == "WITHIN_POLICY" and at.allowed_pct == r.total_pct
    if r.total_pct < 100:
        over = check_discount(parse_discount(f"{r.total_pct + Decimal('0.5')}% {amount} {flags}"))
        assert over.verdict == "EXCEEDS_POLICY" and over.excess_pts == Decimal("0.5")

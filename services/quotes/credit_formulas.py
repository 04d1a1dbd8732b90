"""The handbook's credit formulas, each a pure function with its line (spec §5.2 X05-X11)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from services.quotes import policy as p

ZERO = Decimal(0)


def _cents(x: Decimal) -> Decimal:
    return x.quantize(p.CENT, rounding=ROUND_HALF_UP)


def startup_free_credit(credit: Decimal, annual_basis: Decimal) -> Decimal:
    """1/6 of the purchase (~2 of 12 months), at most one year's worth (002_59a801b964a2a19e.txt:4541, 4876; A10)."""
    return _cents(min(credit, annual_basis) * p.STARTUP_FREE_FRACTION)


def competitor_renewal_credit(our_price: Decimal, competitor_quote: Decimal) -> Decimal:
    """First-year credit to undercut a competitor's renewal quote by 40 % (002_59a801b964a2a19e.txt:4686; A22)."""
    return max(ZERO, our_price - _cents(competitor_quote * p.COMPETITOR_PRICE_FRACTION))


def buyout_credit(annual_contract_value: Decimal, months_left: int) -> Decimal:
    """Free usage while a competitor contract runs out, at most 6 months (002_59a801b964a2a19e.txt:4651, 4660; A23).

    Zero when the contract is under $20k/year (002_59a801b964a2a19e.txt:4658).
    """
    if annual_contract_value < p.BUYOUT_MIN_ANNUAL or months_left <= 0:
        return ZERO
    return _cents(annual_contract_value * min(months_left, p.BUYOUT_MAX_MONTHS) / p.MONTHS_A_YEAR)


def rollover_credit(original_credit: Decimal, original_annual_spend: Decimal, unused_credit: Decimal,
                    renewal_annual_spend: Decimal) -> Decimal:
    """Up to half the original credit rolls over, only on a renewal of equal or higher annual spend
    (002_59a801b964a2a19e.txt:4716; A25)."""
    if renewal_annual_spend < original_annual_spend:
        return ZERO
    return _cents(min(max(unused_credit, ZERO), original_credit * p.ROLLOVER_MAX_FRACTION))


def billing_limit_volume(limit: Decimal, discount_pct: Decimal) -> Decimal:
    """Usage a billing limit buys when a discount applies first (002_59a801b964a2a19e.txt:3784)."""
    return _cents(limit * 100 / (100 - discount_pct))


def annual_mrr_value(total_mrr: Decimal, discount_pct: Decimal) -> Decimal:
    """Revenue adjustment for annual plans: total_mrr / (1 - discount) (002_59a801b964a2a19e.txt:2194)."""
    return _cents(total_mrr * 100 / (100 - discount_pct))

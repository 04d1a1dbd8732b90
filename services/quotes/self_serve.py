"""Self-serve credit eligibility (R26): pure check over invoice history the caller already has."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.quotes import policy as p
from services.quotes.policy import cite


@dataclass(frozen=True)
class SelfServeEligibility:
    eligible: bool
    reasons: tuple[str, ...]  # why not, one line per failed condition


def self_serve_eligibility(paid_invoice_totals: list[Decimal], open_invoices: int, on_startup_or_legacy_plan: bool,
                           has_existing_credits: bool) -> SelfServeEligibility:
    """All conditions of 002_59a801b964a2a19e.txt:4468-4474; `paid_invoice_totals` oldest first.

    "Not currently on the up plan" is read as the startup plan (spec A21).
    """
    reasons: list[str] = []
    if len(paid_invoice_totals) < p.SELF_SERVE_MIN_PAID_INVOICES:
        reasons.append(f"{len(paid_invoice_totals)} paid invoices; needs {p.SELF_SERVE_MIN_PAID_INVOICES} or more "
                       f"({cite(4468)}).")
    else:
        last = paid_invoice_totals[-p.SELF_SERVE_AVERAGE_OF_LAST:]
        average = sum(last, Decimal(0)) / p.SELF_SERVE_AVERAGE_OF_LAST
        if average < p.SELF_SERVE_MIN_AVG_LAST3:
            reasons.append(f"Average of the last three invoices is ${average:,.2f}; needs "
                           f"${p.SELF_SERVE_MIN_AVG_LAST3:,.0f} or more ({cite(4470)}).")
    if open_invoices:
        reasons.append(f"{open_invoices} open invoice(s); needs none ({cite(4472)}).")
    if on_startup_or_legacy_plan:
        reasons.append(f"On the startup or a legacy plan ({cite(4474)}, spec A21).")
    if has_existing_credits:
        reasons.append(f"Already has credits ({cite(4474)}).")
    return SelfServeEligibility(not reasons, tuple(reasons))

"""`/discount`: a proposed discount checked against the policy maximum for the same deal (spec §4.3).

The maximum is whatever `/quote` allows; beyond it the rep learns the gap and who must clear it, by
the rep's team role. Refusals (case study, price guarantee, checks, sanctions...) no approver can lift.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.quotes import policy as p
from services.quotes.approvals import approver_phrase, approvers_for
from services.quotes.grammar import DiscountCommand
from services.quotes.policy import cite
from services.quotes.pricing import (
    CUSTOM,
    DEFAULT_POLICY,
    NOT_AVAILABLE,
    REFUSED,
    QuotePolicy,
    QuoteResult,
    price_quote,
)

WITHIN_POLICY = "WITHIN_POLICY"
EXCEEDS_POLICY = "EXCEEDS_POLICY"
NOT_PERMITTED = "NOT_PERMITTED"
CUSTOM_PRICING = "CUSTOM_PRICING"
MARGIN_NEGATIVE_EXCEPTION = "MARGIN_NEGATIVE_EXCEPTION"


@dataclass(frozen=True)
class DiscountCheck:
    verdict: str
    proposed_pct: Decimal
    proposed_price: Decimal | None
    allowed_pct: Decimal | None
    excess_pts: Decimal | None
    approvers: tuple[str, ...]
    approval_route: str
    reasons: tuple[str, ...]
    side_approvals: tuple[str, ...]
    alternative_allowed_pct: Decimal | None
    quote: QuoteResult


def check_discount(cmd: DiscountCommand, policy: QuotePolicy = DEFAULT_POLICY) -> DiscountCheck:
    """Verdict for `cmd.proposed_pct` on `cmd.deal`, with approver and reasons."""
    deal = cmd.deal
    role = deal.role
    quote = price_quote(deal, policy)
    proposed = cmd.proposed_pct
    side = _side_approvals(cmd, quote, policy)

    def result(verdict: str, allowed: Decimal | None, excess: Decimal | None, approvers: tuple[str, ...],
               route: str, reasons: list[str], alt: Decimal | None = None) -> DiscountCheck:
        return DiscountCheck(verdict, proposed, cmd.proposed_price, allowed, excess, approvers, route,
                             tuple(reasons), side, alt, quote)

    # 2. Refusals no approver can lift.
    if cmd.reason is not None:
        text, cited = p.NEVER_ALLOWED[cmd.reason]
        allowed = quote.total_pct if quote.status == "OK" else None
        return result(NOT_PERMITTED, allowed, None, (), "No approver can lift this.",
                      [f"{text} ({cited})"])
    if quote.status == REFUSED:
        return result(NOT_PERMITTED, None, None, (), "No approver can lift this.",
                      [f"{quote.reason} ({quote.reason_cite})"])
    # 3. Custom pricing.
    if quote.status == CUSTOM:
        return result(CUSTOM_PRICING, None, None, quote.approvers, quote.approver_text,
                      [f"{quote.reason} ({quote.reason_cite})"])

    allowed = Decimal(0) if quote.status == NOT_AVAILABLE else quote.total_pct
    reasons: list[str] = []
    if quote.status == NOT_AVAILABLE:
        reasons.append(f"{quote.reason} ({quote.reason_cite})")
    alt_allowed = None
    if quote.alternative is not None and quote.status != NOT_AVAILABLE and quote.alternative.status == "OK":
        alt_allowed = quote.alternative.total_pct

    # 4. Within policy.
    if proposed <= allowed:
        if proposed < allowed:
            reasons.append(f"Below the policy maximum of {allowed:.1f}%.")
        else:
            reasons.append(f"At the policy maximum of {allowed:.1f}%.")
        reasons += _how_to_earn_more(quote)
        return result(WITHIN_POLICY, allowed, None, (), "No approval needed.", reasons, alt_allowed)

    excess = proposed - allowed
    approvers = approvers_for(role, policy.approvers)
    who = approver_phrase(role, policy.approvers)
    # 5. Margin-negative exception route (R40, A13): the bot never approves, it routes.
    if cmd.exception is not None:
        case = p.MARGIN_NEGATIVE_CASES[cmd.exception]
        route = f"Your manager first (with the margin calculation), then {who} ({p.MARGIN_NEGATIVE_CITE})."
        reasons += [
            f"Claimed exception: {case}.",
            "Margin-negative deals are very rare (~1 per year) and not for customers with standard usage volumes "
            f"({cite(4562)}); the handbook also says 'we don't do margin negative deals' ({cite(10265)}), so "
            "expect a hard look (spec A13).",
        ]
        return result(MARGIN_NEGATIVE_EXCEPTION, allowed, excess, ("your manager", *approvers), route, reasons,
                      alt_allowed)

    # 6. Exceeds policy.
    route = (f"Clear it with {who} before offering it; otherwise assume the deal will not count toward your quota "
             f"({p.APPROVAL_CITE}).")
    if quote.status != NOT_AVAILABLE and allowed == 0 and quote.basis < p.VOLUME_GATE and not deal.self_serve:
        reasons.append(f"No discount below {money_k(p.VOLUME_GATE)} credit ({p.VOLUME_GATE_CITE}); self-serve "
                       f"in-app credits get {p.SELF_SERVE_SMALL_PCT}% ({p.SELF_SERVE_CITE}) and non-profits "
                       f"{p.NONPROFIT_SMALL_PCT}% ({p.NONPROFIT_SMALL_CITE}).")
    if alt_allowed is not None and alt_allowed != allowed:
        reasons.append(f"The total-credit basis reading would allow {alt_allowed:.1f}% (needs {who} to confirm, "
                       "spec A1).")
    reasons += _how_to_earn_more(quote)
    return result(EXCEEDS_POLICY, allowed, excess, approvers, route, reasons, alt_allowed)


def money_k(x: Decimal) -> str:
    return f"${x / 1000:,.0f}k"  # not policy: 1000 is "k"


def _how_to_earn_more(quote: QuoteResult) -> list[str]:
    """Levers the deal could still move on (R3): better pricing comes only from the levers."""
    out = []
    for lever in quote.levers:
        if lever.key == "forecast" and lever.pct == 0 and lever.reason != "not claimed":
            out.append("Lever 4 (forecast) is not earned: " + lever.reason + ".")
    return out


def _side_approvals(cmd: DiscountCommand, quote: QuoteResult, policy: QuotePolicy) -> tuple[str, ...]:
    out = []
    if any(e.key == "buyout" for e in quote.extras):
        out.append(f"Contract buyout credit: team lead approval before it goes on the order form ({cite(4664)}).")
    if cmd.deal.method == "card" and quote.status not in (REFUSED,):
        out.append(f"Card payment: tell {policy.card_contact} before the order form is signed ({p.CARD_CITE}).")
    return tuple(out)

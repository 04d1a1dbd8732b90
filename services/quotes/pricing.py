"""Lever-by-lever pricing of a prepaid credit purchase (spec §4.2).

Pure: a `Deal` in, a frozen `QuoteResult` out. Money is `Decimal`, rounded half-up to cents only at
the end; every percentage comes from `services.quotes.policy` with its handbook line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from services.quotes import policy as p
from services.quotes.approvals import Approvers, approver_phrase, approvers_for
from services.quotes.credit_formulas import (
    buyout_credit,
    competitor_renewal_credit,
    rollover_credit,
    startup_free_credit,
)
from services.quotes.grammar import Deal
from services.quotes.policy import MONTHS_A_YEAR, cite

OK = "OK"
NOT_AVAILABLE = "NOT_AVAILABLE"
CUSTOM = "CUSTOM"
REFUSED = "REFUSED"

ZERO = Decimal(0)


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    pct: Decimal
    reason: str
    cite: str


@dataclass(frozen=True)
class Extra:
    """A credit on top of the priced purchase (startup roll-off, competitor renewal, buyout)."""

    key: str
    label: str
    amount: Decimal
    note: str
    cite: str


@dataclass(frozen=True)
class Alternative:
    """The same deal under another reading or payment (upfront alternative, total-credit basis)."""

    label: str
    status: str
    total_pct: Decimal
    price: Decimal | None


@dataclass(frozen=True)
class QuoteResult:
    status: str
    credit: Decimal
    term_months: int
    basis: Decimal
    basis_kind: str
    levers: tuple[Lever, ...] = ()
    total_pct: Decimal = ZERO
    discount_amount: Decimal | None = None
    price: Decimal | None = None
    arr: Decimal | None = None
    invoices: tuple[str, ...] = ()
    invoice_amounts: tuple[Decimal, ...] = ()
    payment_summary: str = ""
    reason: str = ""
    reason_cite: str = ""
    approvers: tuple[str, ...] = ()
    approver_text: str = ""
    alternative: Alternative | None = None
    extras: tuple[Extra, ...] = ()
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()
    not_allowed: tuple[tuple[str, str], ...] = field(default_factory=lambda: p.STANDING_REFUSALS)
    monthly_spend: Decimal | None = None
    is_expansion: bool = False


@dataclass(frozen=True)
class QuotePolicy:
    """The settings-level choices, as plain values (spec A1, approver names, contacts)."""

    volume_basis: str = "annual"
    approvers: Approvers = Approvers()
    card_contact: str = "Mine (Simon as backup)"
    legal_contact: str = "Hector or Fraser in #legal"


DEFAULT_POLICY = QuotePolicy()


def _both(policy: QuotePolicy) -> str:
    return f"{policy.approvers.tae_tam}/{policy.approvers.csm}"


def money(x: Decimal) -> str:
    return f"${x:,.2f}"


def pct(x: Decimal) -> str:
    return f"{x:.1f}%"


def signed(x: Decimal) -> str:
    return f"+{x:.1f}%" if x >= 0 else f"{x:.1f}%"


def cents(x: Decimal) -> Decimal:
    return x.quantize(p.CENT, rounding=ROUND_HALF_UP)


def volume_tier(basis: Decimal) -> tuple[Decimal, str, str]:
    """Lever 1 for a basis below $1M: (pct, band label, citation); 0 below the first tier (A2)."""
    found = (ZERO, f"below the {money(p.VOLUME_GATE)} first tier", p.VOLUME_GATE_CITE)
    for i, (low, rate, cited) in enumerate(p.VOLUME_TIERS):
        if basis >= low:
            high = p.VOLUME_TIERS[i + 1][0] if i + 1 < len(p.VOLUME_TIERS) else p.VOLUME_CUSTOM_FROM
            found = (rate, f"{_k(low)}-{money(high - 1)[:-3]} tier", cited)  # not policy: [:-3] drops ".00"
    return found


def _k(x: Decimal) -> str:
    return f"${x / 1000:,.0f}k"  # not policy: 1000 is "k"


def _n(x: Decimal | int) -> str:
    """A policy number for prose: 5, 2.5, 40 (no trailing zeros)."""
    text = f"{Decimal(x):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def volume_basis(credit: Decimal, term_months: int, kind: str) -> Decimal:
    """Spec A1: annual credit (credit x 12 / term) for terms over 12 months unless `total`."""
    if term_months <= MONTHS_A_YEAR or kind == "total":
        return credit
    return credit * MONTHS_A_YEAR / term_months


def annual_price(price: Decimal, term_months: int) -> Decimal:
    """ARR (discounted) = price x 12 / term for terms of 12+ months (002_59a801b964a2a19e.txt:5440)."""
    return cents(price * MONTHS_A_YEAR / term_months) if term_months >= MONTHS_A_YEAR else price


_NONPROFIT_BONUS_REASON = (f"{_k(p.VOLUME_GATE)}-{_k(p.NONPROFIT_BONUS_MAX)}: +{_n(p.NONPROFIT_BONUS_PCT)}% on top of "
                           "volume")


def price_quote(deal: Deal, policy: QuotePolicy = DEFAULT_POLICY) -> QuoteResult:
    """Price `deal` under the contract rules; statuses OK, NOT_AVAILABLE, CUSTOM, REFUSED."""
    result = _price(deal, policy)
    kind = deal.basis or policy.volume_basis
    if deal.term_months > MONTHS_A_YEAR and result.status in (OK, CUSTOM) and not deal.self_serve and not result.is_expansion:
        other_kind = "total" if kind == "annual" else "annual"
        other = _price(replace(deal, basis=other_kind), policy)
        if other.status != result.status or other.total_pct != result.total_pct:
            label = (
                f"Alternative reading (total-credit basis, needs {_both(policy)} to confirm)"
                if other_kind == "total"
                else "Conservative reading (annual-credit basis, spec A1)"
            )
            result = replace(
                result, alternative=Alternative(label, other.status, other.total_pct, other.price)
            )
    return result


def _price(deal: Deal, policy: QuotePolicy) -> QuoteResult:
    kind = deal.basis or policy.volume_basis
    credit, term = deal.credit, deal.term_months
    basis = volume_basis(credit, term, kind)
    base = QuoteResult(
        status=OK, credit=credit, term_months=term, basis=basis,
        basis_kind="credit" if term <= MONTHS_A_YEAR else kind, monthly_spend=deal.monthly_spend,
    )

    # 1. Refusals no approver can lift.
    if deal.country in p.EMBARGOED:
        name = p.EMBARGOED[deal.country]
        why = f"No service to companies in {name} (US sanctions)."
        cited = p.SANCTIONS_CITE
        if deal.country == "RU":
            why = ("No payments accepted from Russia; paid accounts terminated since Sept 2024. A US-owned entity "
                   "may be exempt: ask #legal before anything else.")
            cited = p.RUSSIA_CITE
        return replace(base, status=REFUSED, reason=why, reason_cite=cited)
    if deal.method == "check":
        return replace(base, status=REFUSED, reason="We absolutely do not accept payment by check; bank transfer only.",
                       reason_cite=p.NO_CHECK_CITE)

    # 2. Not available: monthly / quarterly / split payment (R1, R2, A5); AWS is 12 months only (R45).
    if deal.schedule in ("monthly", "quarterly", "split"):
        alt = _price(replace(deal, schedule="upfront", net_days=p.STANDARD_NET_DAYS, net_given=False), policy)
        if deal.schedule == "monthly":
            why = "No discounts for customers paying monthly, irrespective of commitment."
            cited = p.NO_MONTHLY_CITE
        else:
            kind_of = "split" if deal.schedule == "split" else f"{deal.schedule} or split"
            why = (f"No {kind_of} payment: discounted contracts are paid upfront (we are vendors, "
                   "not lenders). If the full amount exceeds budget, buy fewer credits upfront at their tier "
                   "and add more later.")
            cited = p.NO_SPLIT_CITE
        return replace(
            base, status=NOT_AVAILABLE, reason=why, reason_cite=cited,
            alternative=Alternative(f"Paid upfront instead (Net {p.STANDARD_NET_DAYS})", alt.status, alt.total_pct, alt.price),
        )
    if deal.method == "aws" and term != p.AWS_TERM_MONTHS:
        alt = _price(replace(deal, method="bank"), policy)
        return replace(
            base, status=NOT_AVAILABLE,
            reason=f"AWS Marketplace private offers are {p.AWS_TERM_MONTHS}-month annual prepayments only.",
            reason_cite=p.AWS_CITE,
            alternative=Alternative("By bank transfer instead", alt.status, alt.total_pct, alt.price),
        )

    # Expansions follow the original order form (R35-R37, A7, A26).
    if deal.expansion_of is not None and deal.expansion_month is not None:
        return _price_expansion(deal, policy, base)

    # 3. Custom pricing: $1M+ basis or 4+ years (A29: approver inferred).
    if basis >= p.VOLUME_CUSTOM_FROM or term >= p.COMMITMENT_CUSTOM_FROM_MONTHS:
        if term >= p.COMMITMENT_CUSTOM_FROM_MONTHS:
            why = f"{p.COMMITMENT_CUSTOM_FROM_MONTHS // MONTHS_A_YEAR} years or more: contact us for custom pricing."
            cited = p.COMMITMENT_CUSTOM_CITE
        else:
            why, cited = (f"{money(p.VOLUME_CUSTOM_FROM)[:-3]}+ credit: contact us for custom pricing.",  # not policy: cents
                         p.VOLUME_CUSTOM_CITE)
        names = approvers_for(deal.role, policy.approvers)
        return replace(
            base, status=CUSTOM, reason=why, reason_cite=cited, approvers=names,
            approver_text=(f"Take it to {approver_phrase(deal.role, policy.approvers)} (the handbook names no "
                           f"approver for custom pricing; inferred from {p.APPROVAL_CITE}, spec A29)."),
            infos=_basis_infos(deal, basis, kind),
        )

    warnings: list[str] = []
    infos: list[str] = list(_basis_infos(deal, basis, kind))

    # 4./5. Self-serve and below-the-gate paths.
    if deal.self_serve:
        levers = _self_serve_levers(deal, basis)
        infos.append(
            f"Self-serve eligibility unverified: needs {p.SELF_SERVE_MIN_PAID_INVOICES}+ paid invoices, an average "
            f"of ${p.SELF_SERVE_MIN_AVG_LAST3:,.0f}+ over the last three, no open invoices, not on the startup or a legacy plan, no existing credits "
            f"({p.SELF_SERVE_ELIGIBILITY_CITE})."
        )
        if deal.startup:
            warnings.append(f"Startup-plan customers are not eligible for self-serve credits ({cite(4474)}, "
                            "spec A21): quote it sales-led without --self-serve.")
    elif basis < p.VOLUME_GATE:
        levers = _below_gate_levers(deal)
        if deal.motion or deal.signatory_confirmed or term > MONTHS_A_YEAR or deal.years_upfront:
            infos.append(f"Levers 2-4 need the {_k(p.VOLUME_GATE)} volume tier first ({p.VOLUME_GATE_CITE}).")
        if not deal.nonprofit:
            infos.append(f"If eligible, self-serve in-app credits get {pct(p.SELF_SERVE_SMALL_PCT)} below "
                         f"{_k(p.VOLUME_GATE)} ({p.SELF_SERVE_CITE}): try --self-serve.")
    else:
        levers, lever_warnings, lever_infos = _standard_levers(deal, basis, policy)
        warnings += lever_warnings
        infos += lever_infos

    total = sum((lv.pct for lv in levers), ZERO)
    if total < 0:
        warnings.append(f"Extended terms take the discount below zero ({pct(total)}); clamped to 0% - never a "
                        f"surcharge (spec A4, {p.EXT_TERMS_CITE}).")
        total = ZERO
    price = cents(credit * (100 - total) / 100)
    arr = annual_price(price, term)

    if not deal.self_serve and arr < p.SALES_ASSIST_MIN_ARR:
        warnings.append(f"{money(arr)}/yr is below the {_k(p.SALES_ASSIST_MIN_ARR)} ARR sales-assist threshold: "
                        f"route to self-serve ({p.SALES_ASSIST_CITE}).")
    if deal.country in p.SANCTIONS_WATCH:
        warnings.append(f"{p.SANCTIONS_WATCH[deal.country]} is on the sanctions watch list: check the company in the US "
                        f"Treasury's Sanctions Search first; unsure, ask #legal ({p.SANCTIONS_WATCH_CITE}).")
    if deal.country:
        infos.append(f"Withholding tax is exclusive of the invoice: the full amount is due ({p.WITHHOLDING_TAX_CITE}).")
    if deal.country == "IN":
        infos.append(f"India: the customer gives its GSTIN and manages GST under reverse charge ({p.INDIA_GST_CITE}).")
    if deal.nonprofit:
        infos.append(f"Non-profit: needs proof of status under the customer's country's tax law and a margin "
                     f"check ({p.NONPROFIT_PROOF_CITE}).")

    invoices, summary, pay_warnings, pay_infos = _payment(deal, price, policy)
    warnings += pay_warnings
    infos += pay_infos
    extras, extra_warnings = _extras(deal, basis, price, arr)
    warnings += extra_warnings
    infos += _threshold_infos(deal, price, arr, policy)

    return replace(
        base, levers=tuple(levers), total_pct=total, discount_amount=credit - price, price=price,
        arr=arr if term >= MONTHS_A_YEAR else None, invoices=invoices, invoice_amounts=invoice_amounts(deal, price),
        payment_summary=summary, extras=extras,
        warnings=tuple(warnings), infos=tuple(infos),
    )


def _basis_infos(deal: Deal, basis: Decimal, kind: str) -> tuple[str, ...]:
    term = deal.term_months
    out: list[str] = []
    if deal.monthly_spend is not None:
        out.append(f"Credit = {money(deal.monthly_spend)}/month x {term} months (002_59a801b964a2a19e.txt:4527).")
    if term > MONTHS_A_YEAR and not deal.self_serve:
        if kind == "annual":
            out.append(f"Volume basis {money(cents(basis))}/yr: annual credit of a multi-year deal (spec A1).")
        else:
            out.append(f"Volume basis {money(basis)}: the whole multi-year credit (--basis=total, spec A1).")
        if term % MONTHS_A_YEAR:
            out.append(f"{term} months counts as {term // MONTHS_A_YEAR} year(s) for levers 2 and 3 (spec A20).")
    elif term < MONTHS_A_YEAR and deal.expansion_of is None:
        out.append(f"A {term}-month term is allowed; no commitment lever, credit not annualised (spec A19).")
    return tuple(out)


def _self_serve_levers(deal: Deal, basis: Decimal) -> list[Lever]:
    """A28: tier (or 10 % / 15 % below $25k) plus the non-profit +5; no negotiated levers."""
    if basis < p.VOLUME_GATE:
        if deal.nonprofit:
            return [Lever("nonprofit", f"Non-profit (below {_k(p.VOLUME_GATE)})", p.NONPROFIT_SMALL_PCT,
                          f"{_n(p.NONPROFIT_SMALL_PCT)}% instead of the {_n(p.SELF_SERVE_SMALL_PCT)}% self-serve "
                          "discount", p.NONPROFIT_SMALL_CITE)]
        return [Lever("self_serve", f"Self-serve (below {_k(p.VOLUME_GATE)})", p.SELF_SERVE_SMALL_PCT,
                      f"in-app credit purchase below {money(p.VOLUME_GATE)}", p.SELF_SERVE_CITE)]
    rate, band, cited = volume_tier(basis)
    levers = [Lever("volume", f"Volume ({band})", rate, f"self-serve {_k(p.VOLUME_GATE)}+ follows the volume tiers",
                    f"{cited}, {p.SELF_SERVE_CITE}")]
    if deal.nonprofit and basis <= p.NONPROFIT_BONUS_MAX:
        levers.append(Lever("nonprofit", "Non-profit", p.NONPROFIT_BONUS_PCT, _NONPROFIT_BONUS_REASON,
                            p.NONPROFIT_BONUS_CITE))
    return levers


def _below_gate_levers(deal: Deal) -> list[Lever]:
    if deal.nonprofit:
        return [Lever("nonprofit", f"Non-profit (below {_k(p.VOLUME_GATE)})", p.NONPROFIT_SMALL_PCT,
                      f"flat {_n(p.NONPROFIT_SMALL_PCT)}%; levers 2-4 need the volume tier (spec A12)",
                      p.NONPROFIT_SMALL_CITE)]
    return [Lever("volume", f"Volume (below the {_k(p.VOLUME_GATE)} first tier)", ZERO,
                  f"no discount below {_k(p.VOLUME_GATE)} credit", f"{p.VOLUME_GATE_CITE}, {p.VOLUME_TIERS[0][-1]}")]


def _standard_levers(deal: Deal, basis: Decimal, policy: QuotePolicy) -> tuple[list[Lever], list[str], list[str]]:
    warnings: list[str] = []
    infos: list[str] = []
    term = deal.term_months
    years = term // MONTHS_A_YEAR

    rate, band, cited = volume_tier(basis)
    levers = [Lever("volume", f"Volume ({band})", rate, "earned on the credit purchase amount", cited)]

    l2, l2_cite = p.COMMITMENT_PCT[min(years, max(p.COMMITMENT_PCT))]
    commit = "under a year" if years == 0 else f"{years} year" + ("s" if years > 1 else "")
    levers.append(Lever("commitment", f"Length of commitment ({commit})", l2,
                        f"{p.COMMITMENT_2Y[0]} years +{_n(p.COMMITMENT_2Y[1])}%, "
                        f"{p.COMMITMENT_3Y[0]} years +{_n(p.COMMITMENT_3Y[1])}% (does not "
                        "stack)" if l2 else "no extra for a year or less",
                        l2_cite))

    # Lever 3: +2.5 per extra year paid upfront, -2.5 per started 15 days beyond Net 30 (A3, A27).
    if deal.schedule == "yearly":
        upfront_years = 1
    else:
        upfront_years = deal.years_upfront or max(years, 1)
    net = 0 if deal.method == "card" else deal.net_days
    bonus = p.CASH_PER_EXTRA_UPFRONT_YEAR * (upfront_years - 1)
    blocks = -(-max(0, net - p.STANDARD_NET_DAYS) // p.EXT_TERMS_STEP_DAYS)
    penalty = p.EXT_TERMS_STEP_PCT * blocks
    if years <= 1:
        paid = "upfront"
    elif deal.schedule == "yearly":
        paid = "paid yearly"
    else:
        paid = f"{upfront_years} yr{'s' if upfront_years > 1 else ''} upfront"
    terms = "card on start date" if deal.method == "card" else f"Net {net}"
    cash_cites = [p.STANDARD_NET_CITE]
    if bonus:
        cash_cites.append(p.CASH_UPFRONT_CITE)
    if penalty:
        cash_cites.append(p.EXT_TERMS_CITE)
    reason_bits = []
    if bonus:
        reason_bits.append(f"+{bonus:.1f} for {upfront_years - 1} extra year(s) paid upfront")
    if penalty:
        reason_bits.append(f"-{penalty:.1f} for {blocks} x {p.EXT_TERMS_STEP_DAYS} days beyond Net "
                           f"{p.STANDARD_NET_DAYS}")
    if deal.schedule == "yearly" and years > 1:
        reason_bits.append("paid yearly: no upfront bonus")
    levers.append(Lever("cash", f"Timing of cash ({paid}, {terms})", bonus - penalty,
                        "; ".join(reason_bits) or f"Net {p.STANDARD_NET_DAYS} is our standard: no change",
                        ", ".join(c.split(":", 1)[1] if i else c for i, c in enumerate(cash_cites))))
    if net > p.STANDARD_NET_DAYS and (net - p.STANDARD_NET_DAYS) % p.EXT_TERMS_STEP_DAYS:
        infos.append(f"Net {net}: every started {p.EXT_TERMS_STEP_DAYS}-day block beyond Net {p.STANDARD_NET_DAYS} "
                     "counts (spec A3).")
    if deal.net_given and net < p.STANDARD_NET_DAYS:
        infos.append(f"Paying faster than Net {p.STANDARD_NET_DAYS} earns nothing extra ({p.STANDARD_NET_CITE}).")

    l4, l4_reason, l4_cite, l4_hint = _forecast(deal, policy)
    levers.append(Lever("forecast", "Ability to forecast" + (f" ({deal.motion})" if deal.motion else ""),
                        l4, l4_reason, l4_cite))
    if l4_hint:
        infos.append(l4_hint)
    if l4 and deal.motion in ("new", "conversion"):
        warnings.append("The signature date must be confirmed in writing by the customer's designated signatory "
                        f"(the person who will sign); the +{_n(p.FORECAST_PCT)}% is withdrawn if they miss it "
                        f"({cite(4431, 4448)}).")
    if deal.startup and l4 and deal.motion in ("new", "conversion"):
        infos.append(f"Startup roll-off with the net-new +{_n(p.FORECAST_PCT)}%: a startup's first paid contract is new revenue "
                     "(spec A9).")

    if deal.nonprofit:
        if basis <= p.NONPROFIT_BONUS_MAX:
            levers.append(Lever("nonprofit", "Non-profit", p.NONPROFIT_BONUS_PCT,
                                _NONPROFIT_BONUS_REASON + " (inclusive, spec A11)", p.NONPROFIT_BONUS_CITE))
        else:
            infos.append(f"Non-profit: above {_k(p.NONPROFIT_BONUS_MAX)} standard volume discounts apply, no extra ({cite(4498)}).")
    return levers, warnings, infos


def _forecast(deal: Deal, policy: QuotePolicy) -> tuple[Decimal, str, str, str]:
    """Lever 4 (R20-R22, A8, A31): (pct, reason, cite, hint about how to earn it)."""
    earn = (f"+{_n(p.FORECAST_PCT)}% is earned by a net-new or monthly-to-annual deal with a signature date confirmed in writing by "
            f"the signatory (--new/--conversion --signatory-confirmed; not an end-of-quarter discount), or a "
            f"renewal signed {p.EARLY_RENEWAL_MIN_DAYS}+ days before expiry on an active credit plan ({p.FORECAST_NEW_CITE}).")
    if deal.missed_sign_date and deal.motion:
        return (ZERO, "withdrawn: the customer missed the agreed signature date", p.FORECAST_WITHDRAWN_CITE,
                f"The forecast discount is withdrawn when the agreed date is missed ({p.FORECAST_WITHDRAWN_CITE}).")
    if deal.motion in ("new", "conversion"):
        if deal.signatory_confirmed:
            what = "net-new" if deal.motion == "new" else "monthly-to-annual conversion"
            return (p.FORECAST_PCT, f"{what}, signature date confirmed by the signatory (one-time)",
                    p.FORECAST_NEW_CITE, "")
        return (ZERO, "no written signatory confirmation of a signature date", p.FORECAST_NEW_CITE,
                f"+{_n(p.FORECAST_PCT)}% once the customer's signatory confirms in writing a specific signature date "
                f"(--signatory-confirmed; not an end-of-quarter discount) ({p.FORECAST_NEW_CITE}).")
    if deal.motion == "renewal":
        if deal.credits_ran_out:
            return (ZERO, "credits ran out: a re-entry into a credit plan, not an early renewal",
                    p.FORECAST_RENEWAL_CITE,
                    f"Whether a re-entry may claim the conversion +{_n(p.FORECAST_PCT)}% instead is not stated: ask "
                    f"{_both(policy)} (spec A8).")
        if deal.days_to_expiry is None:
            return (ZERO, "renewal timing not given", p.FORECAST_RENEWAL_CITE,
                    f"+{_n(p.FORECAST_PCT)}% for renewing {p.EARLY_RENEWAL_MIN_DAYS}+ days before expiry: add --days-to-expiry=N.")
        if deal.days_to_expiry >= p.EARLY_RENEWAL_MIN_DAYS:
            return (p.FORECAST_PCT, f"early renewal, {deal.days_to_expiry} days before expiry", p.FORECAST_RENEWAL_CITE,
                    "")
        return (ZERO, f"renewal {deal.days_to_expiry} days before expiry (needs {p.EARLY_RENEWAL_MIN_DAYS}+)",
                p.FORECAST_RENEWAL_CITE, "")
    if deal.signatory_confirmed:
        return (ZERO, "deal type not given", p.FORECAST_NEW_CITE,
                "--signatory-confirmed counts for a net-new deal or a conversion: add --new or --conversion.")
    return (ZERO, "not claimed", p.FORECAST_NEW_CITE, earn)


def invoice_months(deal: Deal) -> list[int]:
    """Months each invoice covers: one for the whole term, or yearly (R19), or N years upfront then yearly."""
    term = deal.term_months
    first_years = 1 if deal.schedule == "yearly" else deal.years_upfront
    if deal.self_serve or deal.method in ("card", "aws") or not first_years or first_years * MONTHS_A_YEAR >= term:
        return [term]
    chunks = [first_years * MONTHS_A_YEAR]
    while sum(chunks) < term:
        chunks.append(min(MONTHS_A_YEAR, term - sum(chunks)))
    return chunks


def invoice_amounts(deal: Deal, price: Decimal) -> tuple[Decimal, ...]:
    """The price split by the months each invoice covers; the last absorbs the rounding, so they sum to it."""
    chunks = invoice_months(deal)
    amounts = [cents(price * months / deal.term_months) for months in chunks[:-1]]
    return (*amounts, price - sum(amounts, ZERO))


def _payment(deal: Deal, price: Decimal, policy: QuotePolicy) -> tuple[tuple[str, ...], str, list[str], list[str]]:
    warnings: list[str] = []
    infos: list[str] = []
    years = deal.term_months // MONTHS_A_YEAR
    if deal.self_serve:
        tranche = cents(deal.credit / p.SELF_SERVE_TRANCHES)
        summary = "In-app purchase: card on file or invoice; credits applied once paid"
        invoices = (f"One payment of {money(price)} (card on file or invoice) ({cite(4463)})",
                    f"Credits: {money(tranche)}/month x {p.SELF_SERVE_TRANCHES}, each valid 1 year after it is "
                    f"applied; extra usage billed at the standard rate ({cite(4483, 4485)})")
        return invoices, summary, warnings, infos
    if deal.method == "card":
        summary = f"Card, charged in full on the contract start date (no Net {p.STANDARD_NET_DAYS})"
        invoices = (f"One charge of {money(price)} on the contract start date ({p.CARD_CITE})",)
        warnings.append(f"Card for an upfront purchase only if a card on file can be charged the full amount on the "
                        f"start date; tell {policy.card_contact} before the order form is signed ({p.CARD_CITE}).")
        return invoices, summary, warnings, infos
    if deal.method == "aws":
        summary = "AWS Marketplace private offer: lump-sum annual prepayment"
        invoices = (f"One AWS Marketplace charge of {money(price)} for {p.AWS_TERM_MONTHS} months ({p.AWS_CITE})",)
        if price < p.AWS_MIN_DEAL:
            infos.append(f"AWS Marketplace minimum is {_k(p.AWS_MIN_DEAL)} (flexible) ({cite(12364)}).")
        return invoices, summary, warnings, infos
    chunks = invoice_months(deal)
    if len(chunks) > 1:
        first_years = chunks[0] // MONTHS_A_YEAR
        amounts = invoice_amounts(deal, price)
        invoices = []
        start_year = 1
        for i, (months, amount) in enumerate(zip(chunks, amounts, strict=True)):
            last_year = start_year + -(-months // MONTHS_A_YEAR) - 1
            years_label = f"year {start_year}" if last_year == start_year else f"years {start_year}-{last_year}"
            when = f"due contract start + {deal.net_days} days" if i == 0 else f"raised when year {start_year} starts"
            invoices.append(f"Invoice {i + 1} ({years_label}): {money(amount)}, {when}")
            start_year = last_year + 1
        invoices.append(f"Each year's credit is allocated when its invoice is raised; using it early means paying "
                        f"that invoice early; bank transfer only ({p.YEARLY_INVOICES_CITE})")
        if deal.schedule == "yearly":
            summary = f"{len(chunks)} yearly invoices, Net {deal.net_days}, bank transfer"
        else:
            summary = f"{first_years} years upfront then yearly, Net {deal.net_days}, bank transfer"
        return tuple(invoices), summary, warnings, infos
    due = f"contract start + {deal.net_days} days"
    invoices = (f"One invoice of {money(price)}, bank transfer only, due {due} ({p.BANK_TRANSFER_CITE})",)
    paid = f"{years} years paid upfront" if years > 1 else "paid upfront"
    summary = f"{paid}, Net {deal.net_days}, bank transfer"
    return invoices, summary, warnings, infos


def _extras(deal: Deal, basis: Decimal, price: Decimal, arr: Decimal) -> tuple[tuple[Extra, ...], list[str]]:
    extras: list[Extra] = []
    warnings: list[str] = []
    if deal.startup:
        free = startup_free_credit(deal.credit, basis)
        note = (f"Default: start the contract {p.STARTUP_START_DELAY_MONTHS} months later and apply it as a one-time credit before the start "
                "date (not in the contract); or name it under Special Terms, applied on signature with the same "
                "expiry. One time only; discount the purchase as normal.")
        if deal.term_months > MONTHS_A_YEAR:
            note += " Multi-year: 1/6 of one year's credit (spec A10)."
        extras.append(Extra("startup", f"Startup roll-off free credit (~{p.STARTUP_START_DELAY_MONTHS} months)", free, note,
                            f"{p.STARTUP_CITE}, {p.STARTUP_DEFAULT_CITE.split(':', 1)[1]}"))
    if deal.competitor_quote is not None:
        target = cents(deal.competitor_quote * p.COMPETITOR_PRICE_FRACTION)
        extra = competitor_renewal_credit(price, deal.competitor_quote)
        note = (f"First-year credit so our {money(price)} undercuts the competitor's {money(deal.competitor_quote)} by "
                f"{_n((1 - p.COMPETITOR_PRICE_FRACTION) * 100)}% (target {money(target)}). Needs the competitor's full quote document; one-time, the "
                "contract price stays at policy (spec A15, A22).")
        if deal.term_months != MONTHS_A_YEAR:
            note += " Compared against the whole price of this order form."
        extras.append(Extra("competitor", "Competitor-renewal credit (first year)", extra, note, p.COMPETITOR_CITE))
    if deal.buyout_months is not None:
        months = min(deal.buyout_months, p.BUYOUT_MAX_MONTHS)
        annual_upfront = deal.term_months >= MONTHS_A_YEAR and deal.schedule == "upfront"
        if not annual_upfront or arr < p.BUYOUT_MIN_ANNUAL:
            warnings.append(f"No contract buyout: it needs an annual contract of {_k(p.BUYOUT_MIN_ANNUAL)}+/year paid "
                            f"up front ({cite(4658)}).")
        else:
            credit = buyout_credit(arr, months)
            note = ("Free usage while the competitor contract runs out; our contract starts when theirs expires. "
                    "Needs proof of the current contract and a real competitor; team lead approval before it goes "
                    "on the order form. No cash buy-outs (spec A14, A23).")
            if deal.buyout_months > p.BUYOUT_MAX_MONTHS:
                note = f"Capped at {p.BUYOUT_MAX_MONTHS} months. " + note
            extras.append(Extra("buyout", f"Contract buyout credit ({months} months)", credit, note, p.BUYOUT_CITE))
    if deal.rollover is not None:
        ro = deal.rollover
        amount = rollover_credit(ro.original_credit, ro.original_annual_spend, ro.unused, arr)
        cap = cents(ro.original_credit * p.ROLLOVER_MAX_FRACTION)
        if arr < ro.original_annual_spend:
            note = (f"None: the renewal's {money(arr)}/yr is below the original {money(ro.original_annual_spend)}/yr; "
                    "rollover needs equal or higher annual spend.")
        else:
            note = (f"Unused {money(ro.unused)} carried into the new term, at most half the original order form's "
                    f"credit ({money(cap)}) (spec A25).")
        extras.append(Extra("rollover", "Rollover of unused credit", amount, note, p.ROLLOVER_CITE))
    return tuple(extras), warnings


def _threshold_infos(deal: Deal, price: Decimal, arr: Decimal, policy: QuotePolicy) -> list[str]:
    out: list[str] = []
    if deal.term_months > MONTHS_A_YEAR and not deal.self_serve:
        annual = deal.credit * MONTHS_A_YEAR / deal.term_months
        quota = cents(annual * (100 - volume_tier(annual)[0]) / 100) if annual < p.VOLUME_CUSTOM_FROM else None
        if quota is not None:
            out.append(f"Quota ARR (year-1 equivalent: the annual credit at the 1-year volume discount) "
                       f"{money(quota)} ({p.QUOTA_CITE}, spec A32).")
    if deal.motion == "new" and arr > p.TRIAL_MIN_ARR:
        weeks = p.TRIAL_LONG_WEEKS if arr > p.TRIAL_LONG_FROM_ARR else p.TRIAL_DEFAULT_WEEKS
        out.append(f"Sales-led trial: {weeks} weeks by default at this ARR ({p.TRIAL_LONG_WEEKS} weeks over {_k(p.TRIAL_LONG_FROM_ARR)} "
                   f"ARR or for complex set-ups, many stakeholders, competitive evaluations) ({p.TRIAL_CITE}).")
    if arr >= p.SLA_MIN_ARR_POST_DISCOUNT:
        out.append(f"{_k(p.SLA_MIN_ARR_POST_DISCOUNT)}+ ARR after discount: an uptime SLA may be agreed as a special "
                   f"term ({p.SLA_CITE}).")
    if arr > p.CUSTOMER_PAPER_MIN_ARR:
        out.append(f"Over {_k(p.CUSTOMER_PAPER_MIN_ARR)}/yr: customer paper may be considered ({p.CUSTOMER_PAPER_CITE}).")
    if arr > p.LEGAL_REDLINES_MIN_ARR:
        out.append(f"Over {_k(p.LEGAL_REDLINES_MIN_ARR)}/yr: legal redlines possible via {policy.legal_contact} "
                   f"({p.LEGAL_CITE}).")
    return out


# --- Expansions (R35-R37, A7, A26) ---------------------------------------------------------------------


def _price_expansion(deal: Deal, policy: QuotePolicy, base: QuoteResult) -> QuoteResult:
    orig = deal.expansion_of
    month = deal.expansion_month
    assert orig is not None and month is not None
    remaining = orig.term_months - month + 1  # signed 1 June on a 1 January 12-month term: 7 months (002:4699)
    if orig.paid_yearly and orig.term_months > MONTHS_A_YEAR:
        in_window = (month - 1) % MONTHS_A_YEAR < p.EXPANSION_YEARLY_WINDOW_MONTHS
        window = f"first {p.EXPANSION_YEARLY_WINDOW_MONTHS} months of a contract year (paid yearly)"
        window_cite = cite(4600)
    else:
        in_window = month * p.EXPANSION_WINDOW_DIVISOR <= orig.term_months
        window = f"first half of the term (first {orig.term_months // p.EXPANSION_WINDOW_DIVISOR} months)"
        window_cite = p.EXPANSION_CITE
    if not in_window:
        fresh = _price(replace(deal, expansion_of=None, expansion_month=None), policy)
        infos = [f"Month {month} of {orig.term_months} is past the {window}: a new order form of {p.MIDDLE_CASE_MIN_TERM_MONTHS} months or "
                 f"longer, priced fresh on the expansion's credit, no forecast lever ({p.MIDDLE_CASE_CITE})."]
        if remaining <= p.LATE_RENEWAL_MONTHS:
            infos.append(f"Under {p.LATE_RENEWAL_MONTHS} months left: if a renewal of equal or greater amount starting at term end is "
                         "signed before credit runs out, usage until the renewal date is covered for free "
                         f"({p.LATE_RENEWAL_CITE}).")
        elif orig.term_months > 24 and not orig.paid_yearly:  # not policy: spec A26, terms over two years
            infos.append("Between the first half and the last 6 months of a multi-year term the handbook is silent: "
                         "treated as the 'new order form' case (spec A26).")
        warnings = list(fresh.warnings)
        if deal.term_months < p.MIDDLE_CASE_MIN_TERM_MONTHS:
            warnings.insert(0, f"The new order form should run {p.MIDDLE_CASE_MIN_TERM_MONTHS} months or longer ({cite(4703)}).")
        return replace(fresh, infos=tuple(infos) + fresh.infos, warnings=tuple(warnings))

    kind = deal.basis or policy.volume_basis
    orig_basis = volume_basis(orig.credit, orig.term_months, kind)
    orig_years = orig.term_months // MONTHS_A_YEAR
    orig_l2 = (p.COMMITMENT_PCT[min(orig_years, max(p.COMMITMENT_PCT))][0]
               if orig.term_months < p.COMMITMENT_CUSTOM_FROM_MONTHS else ZERO)
    new_basis = orig_basis + deal.credit
    if new_basis >= p.VOLUME_CUSTOM_FROM:
        names = approvers_for(deal.role, policy.approvers)
        return replace(base, status=CUSTOM, basis=new_basis, is_expansion=True, approvers=names,
                       reason="The expansion takes the deal to $1M+: contact us for custom pricing.",
                       reason_cite=p.VOLUME_CUSTOM_CITE,
                       approver_text=f"Take it to {approver_phrase(deal.role, policy.approvers)} (spec A29).")
    old_rate = volume_tier(orig_basis)[0]
    new_rate, band, tier_cite = volume_tier(new_basis)
    levers = [Lever("original", "Original order form's discount", orig.discount_pct,
                    "honoured for credit bought in the first half of the term", window_cite)]
    if orig_l2:
        levers.append(Lever("commitment", "Length of commitment excluded", -orig_l2,
                            "lever 2 applies only to the initial order form", cite(4407)))
    if new_rate > old_rate:
        levers.append(Lever("volume", f"Volume tier upgrade ({band})", new_rate - old_rate,
                            f"original {money(cents(orig_basis))} + expansion {money(deal.credit)} reaches a higher "
                            "tier; no refund on the original", f"{tier_cite}, {p.EXPANSION_TIER_UP_CITE.split(':', 1)[1]}"))
    total = max(ZERO, sum((lv.pct for lv in levers), ZERO))
    price = cents(deal.credit * (100 - total) / 100)
    invoices, summary, pay_warnings, pay_infos = _payment(
        replace(deal, term_months=MONTHS_A_YEAR, years_upfront=None), price, policy)
    infos = [f"Expansion signed in month {month} of {orig.term_months}: a new order form of {remaining} months that "
             f"expires with the original ({cite(4697, 4699)}).",
             "The original's cash-timing and forecast components are kept; its commitment lever is not (spec A7)."]
    if deal.term_given and deal.term_months != remaining:
        pay_warnings.insert(0, f"The expansion runs {remaining} months to end with the original, not "
                               f"{deal.term_months} ({cite(4697)}).")
    return replace(
        base, status=OK, is_expansion=True, term_months=remaining, basis=new_basis, basis_kind="cumulative",
        levers=tuple(levers), total_pct=total, discount_amount=deal.credit - price, price=price, arr=None,
        invoices=invoices, invoice_amounts=(price,), payment_summary=summary, warnings=tuple(pay_warnings),
        infos=tuple(infos + pay_infos),
    )

"""Every number of the contract rules, in one place, each a rule with its handbook source.

Each policy value is declared once with `rule(...)` (services/rules): its id, the value the services
use, and where the handbook states it (page, section heading, a locator phrase, the line in
`002_59a801b964a2a19e.txt`), so `gtmbot handbook check` can tell when the handbook moves or changes it.
The other quote modules import the constants from here. Citations for replies are `cite(LINE)`.
Defaults the spec marks as open (the multi-year volume basis, approver names) are not here: they
are settings (`bot/quotes/settings.py`) passed into the services as plain values.
"""

from __future__ import annotations

from decimal import Decimal

from services.rules import Source, rule

H = "002_59a801b964a2a19e.txt"


def cite(*lines: int | str) -> str:
    """`002_59a801b964a2a19e.txt:4380` for one line, `...:4380, 4382` for several."""
    return f"{H}:" + ", ".join(str(x) for x in lines)


# Pages and section headings (as in services/handbook_citations.py) the rules sit under.
CONTRACT_RULES = "growth/sales/contract-rules"
S_VOLUME = ("1. Volume discount (based on credit purchase amount - Customers must qualify for this discount "
            "before receiving discounts 2 through 4)")
S_COMMITMENT = "2. Length of commitment discount (additive)"
S_CASH = "3. Timing of cash discount (additive)"
S_FORECAST = "4. Ability to forecast - mutual commitment to timing (additive)"
S_SELF_SERVE = "Self-serve discounts"
S_NONPROFIT = "Non-profit discounts"
S_STARTUP = "Startup plan discounts"
S_ORDER_FORM = "Creating an order form"
S_PAID_YEARLY = "Paid yearly"
S_NOT_ENOUGH_CREDIT = "When they don't have enough credit to cover their term"
S_CREDIT_REMAINING = "When they will end the contract term with credit remaining"
S_BUYOUTS = "Contract buyouts"
S_RENEWAL_CREDITS = "New business renewal credits"
S_SLA = "Uptime SLA"
S_VARY_TERMS = "When we vary terms"
S_CUSTOMER_PAPER = "Using non-PostHog contracts"
RISK = "growth/sales/risk-mitigation-and-churn-prevention"

# --- Lever 1: volume, on the credit purchase amount (list value before discount) ----------------
# Lower bounds inclusive, half-open bands (spec A2): $59,999 is in the 20 % band. Each tier is
# (lower bound, discount %); the passage also states the band's upper end.
_TIER_25K = rule("quotes.volume.tier_25k", (Decimal("25000"), Decimal("20")), page=CONTRACT_RULES, section=S_VOLUME,
                 locator="$25-59k", line=4380, numbers=(25000, 59000, 20), summary="Volume tier $25-59k: 20%")
_TIER_60K = rule("quotes.volume.tier_60k", (Decimal("60000"), Decimal("25")), page=CONTRACT_RULES, section=S_VOLUME,
                 locator="$60-99k", line=4382, numbers=(60000, 99000, 25), summary="Volume tier $60-99k: 25%")
_TIER_100K = rule("quotes.volume.tier_100k", (Decimal("100000"), Decimal("30")), page=CONTRACT_RULES,
                  section=S_VOLUME, locator="$100-249k", line=4384, numbers=(100000, 249000, 30),
                  summary="Volume tier $100-249k: 30%")
_TIER_250K = rule("quotes.volume.tier_250k", (Decimal("250000"), Decimal("35")), page=CONTRACT_RULES,
                  section=S_VOLUME, locator="$250-499k", line=4386, numbers=(250000, 499000, 35),
                  summary="Volume tier $250-499k: 35%")
_TIER_500K = rule("quotes.volume.tier_500k", (Decimal("500000"), Decimal("40")), page=CONTRACT_RULES,
                  section=S_VOLUME, locator="$500-999k", line=4388, numbers=(500000, 999000, 40),
                  summary="Volume tier $500-999k: 40%")
VOLUME_TIERS: tuple[tuple[Decimal, Decimal, str], ...] = (
    (*_TIER_25K, cite(4380)),
    (*_TIER_60K, cite(4382)),
    (*_TIER_100K, cite(4384)),
    (*_TIER_250K, cite(4386)),
    (*_TIER_500K, cite(4388)),
)
VOLUME_GATE = VOLUME_TIERS[0][0]  # levers 2-4 need a tier: 002_59a801b964a2a19e.txt:4377
VOLUME_GATE_CITE = cite(4377)
VOLUME_CUSTOM_FROM = rule("quotes.volume.custom_from", Decimal("1000000"), page=CONTRACT_RULES, section=S_VOLUME,
                          locator="Contact us for custom pricing", line=4390,
                          summary="Volume $1M+: custom pricing")
VOLUME_CUSTOM_CITE = cite(4390)

# --- Lever 2: length of commitment (whole years; 3 years = +5, not +3 +5) ------------------------
COMMITMENT_1Y_PCT = rule("quotes.commitment.one_year_pct", Decimal("0"), page=CONTRACT_RULES,
                         section=S_COMMITMENT, locator="1-year commitment", line=4397, numbers=(1,),
                         summary="1-year commitment: no additional discount")
# (years, additional %)
COMMITMENT_2Y = rule("quotes.commitment.two_years", (2, Decimal("3")), page=CONTRACT_RULES, section=S_COMMITMENT,
                     locator="2-year commitment", line=4399, summary="2-year commitment: +3%")
COMMITMENT_3Y = rule("quotes.commitment.three_years", (3, Decimal("5")), page=CONTRACT_RULES,
                     section=S_COMMITMENT, locator="3-year commitment", line=4401,
                     summary="3-year commitment: +5% (doesn't stack)")
COMMITMENT_PCT: dict[int, tuple[Decimal, str]] = {
    0: (COMMITMENT_1Y_PCT, cite(4397)),  # under a year: no lever 2 (spec A19)
    1: (COMMITMENT_1Y_PCT, cite(4397)),
    COMMITMENT_2Y[0]: (COMMITMENT_2Y[1], cite(4399)),
    COMMITMENT_3Y[0]: (COMMITMENT_3Y[1], cite(4401)),
}
COMMITMENT_CUSTOM_FROM_MONTHS = rule("quotes.commitment.custom_from_months", 48, page=CONTRACT_RULES,
                                     section=S_COMMITMENT, locator="years or more", line=4403, numbers=(4,),
                                     summary="4+ years: custom pricing (48 months)")
COMMITMENT_CUSTOM_CITE = cite(4403)
DEFAULT_TERM_MONTHS = rule("quotes.term.default_months", 12, page=CONTRACT_RULES, section=S_ORDER_FORM,
                           locator="Contract.Term", line=4906, summary="Contract term: 12 months by default")

# --- Lever 3: timing of cash --------------------------------------------------------------------
CASH_PER_EXTRA_UPFRONT_YEAR = rule("quotes.cash.per_extra_upfront_year_pct", Decimal("2.5"), page=CONTRACT_RULES,
                                   section=S_CASH, locator="Multi-year deals", line=4415,
                                   summary="+2.5% per additional year paid upfront")
CASH_UPFRONT_CITE = cite(4415)
STANDARD_NET_DAYS = rule("quotes.net_terms.standard_days", 30, page=CONTRACT_RULES, section=S_CASH,
                         locator="our standard", line=4413, summary="Standard payment terms: Net 30",
                         also=(Source("growth/sales/billing", "Upfront Payment Setup", "our standard payment terms",
                                      3585),))
STANDARD_NET_CITE = cite(4413)
EXT_TERMS_STEP_DAYS = rule("quotes.net_terms.extended_step_days", 15, page=CONTRACT_RULES, section=S_CASH,
                           locator="Extended payment terms", line=4417,
                           summary="Extended terms: a step per 15 days beyond Net 30")
EXT_TERMS_STEP_PCT = rule("quotes.net_terms.extended_step_pct", Decimal("2.5"), page=CONTRACT_RULES, section=S_CASH,
                          locator="Extended payment terms", line=4417,
                          summary="Extended terms: -2.5% per 15 days beyond Net 30")
EXT_TERMS_CITE = cite(4417)

# --- Lever 4: ability to forecast ---------------------------------------------------------------
FORECAST_PCT = rule("quotes.forecast.pct", Decimal("5"), page=CONTRACT_RULES, section=S_FORECAST,
                    locator="net new agreements", line=4426, summary="Forecast lever: +5% (net-new, conversion)",
                    also=(Source(CONTRACT_RULES, S_FORECAST, "For renewals", 4439),))
FORECAST_NEW_CITE = cite("4426-4435")
FORECAST_RENEWAL_CITE = cite("4439-4444")
FORECAST_WITHDRAWN_CITE = cite(4448)
EARLY_RENEWAL_MIN_DAYS = rule("quotes.forecast.early_renewal_min_days", 60, page=CONTRACT_RULES,
                              section=S_FORECAST, locator="Early renewal commitment", line=4442,
                              summary="Early renewal: 60+ days before expiration")

# --- Self-serve (in-app credit purchase) --------------------------------------------------------
SELF_SERVE_SMALL_PCT = rule("quotes.self_serve.small_pct", Decimal("10"), page=CONTRACT_RULES,
                            section=S_SELF_SERVE, locator="For credit purchases below", line=4481,
                            summary="Self-serve below $25k: 10%")
SELF_SERVE_CITE = cite(4481)
SELF_SERVE_TRANCHES = rule("quotes.self_serve.tranches", 12, page=CONTRACT_RULES, section=S_SELF_SERVE,
                           locator="of the credits each month", line=4483, numbers=(1, 12, 12),
                           summary="Self-serve credits: 1/12 each month for 12 months")
SELF_SERVE_TRANCHES_CITE = cite(4483)
SELF_SERVE_MIN_PAID_INVOICES = rule("quotes.self_serve.min_paid_invoices", 3, page=CONTRACT_RULES,
                                    section=S_SELF_SERVE, locator="or more paid invoices", line=4468,
                                    summary="Self-serve: 3+ paid invoices")
SELF_SERVE_MIN_AVG_LAST3 = rule("quotes.self_serve.min_average", Decimal("280"), page=CONTRACT_RULES,
                                section=S_SELF_SERVE, locator="Average of", line=4470,
                                summary="Self-serve: average $280+ over the last three invoices")
SELF_SERVE_AVERAGE_OF_LAST = rule("quotes.self_serve.average_of_last_invoices", 3, page=CONTRACT_RULES,
                                  section=S_SELF_SERVE, locator="Average of", line=4470,
                                  summary="Self-serve: the average is over the last three invoices")
SELF_SERVE_ELIGIBILITY_CITE = cite("4468-4474")

# --- Non-profit -----------------------------------------------------------------------------------
NONPROFIT_SMALL_PCT = rule("quotes.nonprofit.small_pct", Decimal("15"), page=CONTRACT_RULES, section=S_NONPROFIT,
                           locator="instead of standard", line=4494, summary="Non-profit below $25k: 15%")
NONPROFIT_SMALL_CITE = cite(4494)
NONPROFIT_BONUS_PCT = rule("quotes.nonprofit.bonus_pct", Decimal("5"), page=CONTRACT_RULES, section=S_NONPROFIT,
                           locator="$25k - $100k", line=4496, summary="Non-profit $25k-$100k: +5% on top of volume",
                           also=(Source(CONTRACT_RULES, S_NONPROFIT, "only provide an additional", 4508),))
# inclusive (spec A11)
NONPROFIT_BONUS_MAX = rule("quotes.nonprofit.bonus_max", Decimal("100000"), page=CONTRACT_RULES,
                           section=S_NONPROFIT, locator="no additional non-profit discount", line=4498,
                           summary="Non-profit bonus up to $100k",
                           also=(Source(CONTRACT_RULES, S_NONPROFIT, "only provide an additional", 4508),))
NONPROFIT_BONUS_CITE = cite(4496, 4508)
NONPROFIT_PROOF_CITE = cite("4502-4504")

# --- Startup plan roll-off -------------------------------------------------------------------------
STARTUP_FREE_FRACTION = rule("quotes.startup.free_fraction", Decimal(1) / Decimal(6), page=CONTRACT_RULES,
                             section=S_STARTUP, locator="of the amount they wish to purchase", line=4541, numbers=(1, 6),
                             summary="Startup roll-off: 1/6 of the purchase free")
STARTUP_CITE = cite(4541, 4876)
STARTUP_START_DELAY_MONTHS = rule("quotes.startup.start_delay_months", 2, page=CONTRACT_RULES,
                                  section=S_ORDER_FORM, locator="months in the future", line=4901, numbers=(2,),
                                  summary="Startup roll-off: contract starts 2 months later")
STARTUP_DEFAULT_CITE = cite(4519, 4901)

# --- Expansions, rollover ---------------------------------------------------------------------------
EXPANSION_CITE = cite(4568, 4697)
EXPANSION_TIER_UP_CITE = cite(4711)
# Credit bought within the first 1/N of the term keeps the original discount; the passage spells the
# half out ("1 year = 6 months, 2 years = 12 months, 3 years = 18 months").
EXPANSION_WINDOW_DIVISOR = rule("quotes.expansion.same_discount_window_divisor", 2, page=CONTRACT_RULES,
                                section=S_NOT_ENOUGH_CREDIT, locator="within the first half", line=4697,
                                numbers=(1, 6, 2, 12, 3, 18),
                                summary="Expansion in the first half of the term keeps the discount")
EXPANSION_YEARLY_WINDOW_MONTHS = rule("quotes.expansion.yearly_window_months", 6, page=CONTRACT_RULES,
                                      section=S_PAID_YEARLY, locator="each year separately", line=4600,
                                      summary="Paid yearly: expand in the first 6 months of each year")
LATE_RENEWAL_MONTHS = rule("quotes.expansion.late_renewal_months", 2, page=CONTRACT_RULES,
                           section=S_NOT_ENOUGH_CREDIT, locator="months remaining on their initial term", line=4701,
                           summary="Under 2 months left: usage covered until the renewal")
LATE_RENEWAL_CITE = cite(4701)
MIDDLE_CASE_CITE = cite("4703-4709")
MIDDLE_CASE_MIN_TERM_MONTHS = rule("quotes.expansion.middle_case_min_term_months", 12, page=CONTRACT_RULES,
                                   section=S_NOT_ENOUGH_CREDIT, locator="fall in between the two cases", line=4703,
                                   summary="Between the cases: a new order form of 12+ months")
# "up to half": the passage writes the half as a word ("half" is 0.5), no digits.
ROLLOVER_MAX_FRACTION = rule("quotes.rollover.max_fraction", Decimal("0.5"), page=CONTRACT_RULES,
                             section=S_CREDIT_REMAINING, locator="roll up to half", line=4716, numbers=("0.5",),
                             summary="Rollover: up to half the original credit")
ROLLOVER_CITE = cite(4716)

# --- Buyouts and competitor-renewal credits -------------------------------------------------------
BUYOUT_MAX_MONTHS = rule("quotes.buyout.max_months", 6, page=CONTRACT_RULES, section=S_BUYOUTS,
                         locator="use PostHog for free", line=4651, summary="Contract buyout: free for up to 6 months")
BUYOUT_MIN_ANNUAL = rule("quotes.buyout.min_annual", Decimal("20000"), page=CONTRACT_RULES, section=S_BUYOUTS,
                         locator="annual contract worth", line=4658, summary="Contract buyout: $20k+/year paid up front")
BUYOUT_CITE = cite(4651, 4658, 4660, 4664)
# undercut by 40 %: the bot's price is 0.6 x the competitor's quote (spec A22)
COMPETITOR_PRICE_FRACTION = rule("quotes.competitor_renewal.price_fraction", Decimal("0.6"), page=CONTRACT_RULES,
                                 section=S_RENEWAL_CREDITS, locator="undercut the total quote", line=4686,
                                 numbers=(40,), summary="Competitor renewal: undercut the quote by 40%")
COMPETITOR_CITE = cite(4686, 4688)

# --- Payment -----------------------------------------------------------------------------------------
NO_MONTHLY_CITE = cite(4350)
NO_SPLIT_CITE = cite(4421, 4455)
NO_CHECK_CITE = cite(4643)
BANK_TRANSFER_CITE = cite(3585, 4623)
YEARLY_INVOICES_CITE = cite("4594-4598")
CARD_CITE = cite("4635-4641")
AWS_TERM_MONTHS = rule("quotes.aws.term_months", 12, page=RISK, section="Creating a private offer via Clazar",
                       locator="we're annual only", line=12405, summary="AWS Marketplace: 12-month contracts only")
AWS_MIN_DEAL = rule("quotes.aws.min_deal", Decimal("100000"), page=RISK, section="Current requirements",
                    locator="deal size", line=12364, summary="AWS Marketplace: $100k minimum deal (flexible)")
AWS_CITE = cite(12362, 12364, 12405)

# --- Thresholds that add info lines (never change the number) ---------------------------------------
# below: route to self-serve (also the heading at 002_59a801b964a2a19e.txt:9280, growth/sales/lead-scoring)
SALES_ASSIST_MIN_ARR = rule("quotes.sales_assist.min_arr", Decimal("20000"), page="growth/sales/overview",
                            section="How to work with different types of customer", locator="could pay",
                            line=10331, summary="Sales-assist: customers paying $20k+/yr")
SALES_ASSIST_CITE = cite(9280, 10331)
SLA_MIN_ARR_POST_DISCOUNT = rule("quotes.sla.min_arr_post_discount", Decimal("100000"), page=CONTRACT_RULES,
                                 section=S_SLA, locator="special term", line=4611,
                                 summary="Uptime SLA: $100k+ ARR post discount")
SLA_CITE = cite(4611)
LEGAL_REDLINES_MIN_ARR = rule("quotes.legal.redlines_min_arr", Decimal("20000"), page=CONTRACT_RULES,
                              section=S_VARY_TERMS, locator="At a minimum", line=4728,
                              summary="Legal redlines: contracts above $20k a year")
LEGAL_CITE = cite(4728, 5042)
CUSTOMER_PAPER_MIN_ARR = rule("quotes.legal.customer_paper_min_arr", Decimal("200000"), page=CONTRACT_RULES,
                              section=S_CUSTOMER_PAPER, locator="consider using customer paper", line=4782,
                              summary="Customer paper: deals over $200k annually")
CUSTOMER_PAPER_CITE = cite(4782)

# --- Approval ------------------------------------------------------------------------------------------
APPROVAL_CITE = cite(4450)
MARGIN_NEGATIVE_CITE = cite("4554-4564")
MARGIN_NEGATIVE_CASES = {
    "strategic-logo": "a strategic logo we'd like to land as a brand-new customer",
    "competitor-takeaway": "taking their business from a competitor",
    "churn-to-competitor": "preventing them from churning to a competitor",
}

# --- Sanctions ------------------------------------------------------------------------------------------
EMBARGOED: dict[str, str] = {
    "CU": "Cuba",  # 002_59a801b964a2a19e.txt:14200-14209
    "IR": "Iran",
    "KP": "North Korea",
    "SY": "Syria",
    "RU": "Russia",  # no payments accepted since Sept 2024: 002_59a801b964a2a19e.txt:14215-14224
}
SANCTIONS_CITE = cite("14200-14209")
# "be mindful of companies … based in the following territories" (check the Sanctions Search, ask #legal):
# 002_59a801b964a2a19e.txt:14159-14196, 14235. "Balkans" is read as the Western Balkans; Crimea is part of UA.
SANCTIONS_WATCH: dict[str, str] = {
    "AL": "the Balkans", "BA": "the Balkans", "ME": "the Balkans", "MK": "the Balkans", "RS": "the Balkans",
    "XK": "the Balkans", "BY": "Belarus", "BI": "Burundi", "CF": "Central African Republic",
    "CD": "Democratic Republic of the Congo", "IQ": "Iraq", "LY": "Libya", "LB": "Lebanon", "MM": "Myanmar",
    "SD": "Sudan", "SS": "South Sudan", "SO": "Somalia", "UA": "Ukraine (incl. Crimea)", "VE": "Venezuela",
    "YE": "Yemen", "ZW": "Zimbabwe",
}
SANCTIONS_WATCH_CITE = cite("14159-14196", 14235)
WITHHOLDING_TAX_CITE = cite(3713)  # "The full invoice amount is due. Any tax withheld is exclusive"
INDIA_GST_CITE = cite(3694)  # GSTIN, reverse charge
RUSSIA_CITE = cite("14215-14228")

# --- Refusals no approver can lift (the `--reason=` values of /discount) -----------------------------
NEVER_ALLOWED: dict[str, tuple[str, str]] = {
    "case-study": ("No discount in exchange for a case study (it devalues them).", cite(4459)),
    "price-guarantee": ("No price guarantees or lock-ins.", cite("4572-4585")),
    "year1-ratchet": ("No cheap-year-1-then-ratchet deals and no buying customers out of contracts.", cite(9679)),
    "free-services": ("Professional services are never free or a negotiation item (from $10k).", cite(10846, 10848)),
    "legacy-coupon": ("The legacy 30% monthly coupon is not offered to anyone new.", cite(4513)),
}

# Shown on every quote so a rep never has to ask (most common asks first).
STANDING_REFUSALS: tuple[tuple[str, str], ...] = (
    ("No discount for monthly payers", NO_MONTHLY_CITE),
    ("no quarterly or split payments (upfront only)", cite(4421)),
    ("no checks", NO_CHECK_CITE),
    ("no case-study discounts", cite(4459)),
    ("no price guarantees", cite(4572)),
)

PCT_STEP = Decimal("0.5")  # not policy: spec default, not in the handbook (spec 4.2): levers are multiples of 0.5
CENT = Decimal("0.01")  # not policy: money is rounded to cents
MONTHS_A_YEAR = 12  # not policy: 12 months a year

# --- Info lines beyond the price -------------------------------------------------------------------------
QUOTA_CITE = cite("8618-8620")  # multi-year quota: annual credit at the standard 1-year discount (spec A32)
S_TRIALS = "When to offer Trials"
TRIAL_MIN_ARR = rule("quotes.trial.min_arr", Decimal("20000"), page=RISK, section=S_TRIALS,
                     locator="Qualified for sales-assist", line=11600, summary="Sales-led trial: >$20k ARR potential")
TRIAL_DEFAULT_WEEKS = rule("quotes.trial.default_weeks", 2, page=RISK, section=S_TRIALS, locator="We default to",
                           line=11625, summary="Trial: 2 weeks by default")
# "Deal value >$60K ARR" and other reasons: 002_59a801b964a2a19e.txt:11630-11636
TRIAL_LONG_WEEKS = rule("quotes.trial.long_weeks", 4, page=RISK, section=S_TRIALS, locator="compelling reason",
                        line=11625, summary="Trial: 4 weeks for a compelling reason")
TRIAL_LONG_FROM_ARR = rule("quotes.trial.long_from_arr", Decimal("60000"), page=RISK, section=S_TRIALS,
                           locator="Deal value", line=11630, summary="Trial: 4 weeks over $60k ARR")
TRIAL_CITE = cite("11625-11636")

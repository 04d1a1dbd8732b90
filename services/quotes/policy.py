"""Every number of the contract rules, in one place, each with its handbook line.

Citations are `FILE:LINE` in the handbook seeds (`002_59a801b964a2a19e.txt:4380` etc.).
Defaults the spec marks as open (the multi-year volume basis, approver names) are not here: they
are settings (`bot/quotes/settings.py`) passed into the services as plain values.
"""

from __future__ import annotations

from decimal import Decimal

H = "002_59a801b964a2a19e.txt"


def cite(*lines: int | str) -> str:
    """`002_59a801b964a2a19e.txt:4380` for one line, `...:4380, 4382` for several."""
    return f"{H}:" + ", ".join(str(x) for x in lines)


# --- Lever 1: volume, on the credit purchase amount (list value before discount) ----------------
# Lower bounds inclusive, half-open bands (spec A2): $59,999 is in the 20 % band.
VOLUME_TIERS: tuple[tuple[Decimal, Decimal, str], ...] = (
    (Decimal("25000"), Decimal("20"), cite(4380)),  # 002_59a801b964a2a19e.txt:4380 "$25-59k: 20%"
    (Decimal("60000"), Decimal("25"), cite(4382)),  # 002_59a801b964a2a19e.txt:4382
    (Decimal("100000"), Decimal("30"), cite(4384)),  # 002_59a801b964a2a19e.txt:4384
    (Decimal("250000"), Decimal("35"), cite(4386)),  # 002_59a801b964a2a19e.txt:4386
    (Decimal("500000"), Decimal("40"), cite(4388)),  # 002_59a801b964a2a19e.txt:4388
)
VOLUME_GATE = VOLUME_TIERS[0][0]  # levers 2-4 need a tier: 002_59a801b964a2a19e.txt:4377
VOLUME_GATE_CITE = cite(4377)
VOLUME_CUSTOM_FROM = Decimal("1000000")  # "$1M+: Contact us for custom pricing" 002_59a801b964a2a19e.txt:4390
VOLUME_CUSTOM_CITE = cite(4390)

# --- Lever 2: length of commitment (whole years; 3 years = +5, not +3 +5) ------------------------
COMMITMENT_PCT: dict[int, tuple[Decimal, str]] = {
    0: (Decimal("0"), cite(4397)),  # under a year: no lever 2 (spec A19)
    1: (Decimal("0"), cite(4397)),  # 002_59a801b964a2a19e.txt:4397
    2: (Decimal("3"), cite(4399)),  # 002_59a801b964a2a19e.txt:4399
    3: (Decimal("5"), cite(4401)),  # 002_59a801b964a2a19e.txt:4401 "(doesn't stack)"
}
COMMITMENT_CUSTOM_FROM_MONTHS = 48  # "4-years or more: Contact us" 002_59a801b964a2a19e.txt:4403
COMMITMENT_CUSTOM_CITE = cite(4403)
DEFAULT_TERM_MONTHS = 12  # Contract.Term "12 months by default" 002_59a801b964a2a19e.txt:4906

# --- Lever 3: timing of cash --------------------------------------------------------------------
CASH_PER_EXTRA_UPFRONT_YEAR = Decimal("2.5")  # 002_59a801b964a2a19e.txt:4415
CASH_UPFRONT_CITE = cite(4415)
STANDARD_NET_DAYS = 30  # "Net 30 (our standard)" 002_59a801b964a2a19e.txt:4413, 3585
STANDARD_NET_CITE = cite(4413)
EXT_TERMS_STEP_DAYS = 15  # "-2.5% for every 15 days beyond Net 30" 002_59a801b964a2a19e.txt:4417
EXT_TERMS_STEP_PCT = Decimal("2.5")
EXT_TERMS_CITE = cite(4417)

# --- Lever 4: ability to forecast ---------------------------------------------------------------
FORECAST_PCT = Decimal("5")  # net-new / conversion 002_59a801b964a2a19e.txt:4426; renewal 4439
FORECAST_NEW_CITE = cite("4426-4435")
FORECAST_RENEWAL_CITE = cite("4439-4444")
FORECAST_WITHDRAWN_CITE = cite(4448)
EARLY_RENEWAL_MIN_DAYS = 60  # "60+ days before expiration" 002_59a801b964a2a19e.txt:4442

# --- Self-serve (in-app credit purchase) --------------------------------------------------------
SELF_SERVE_SMALL_PCT = Decimal("10")  # below $25k: 002_59a801b964a2a19e.txt:4481
SELF_SERVE_CITE = cite(4481)
SELF_SERVE_TRANCHES = 12  # 1/12 each month, each valid a year: 002_59a801b964a2a19e.txt:4483
SELF_SERVE_TRANCHES_CITE = cite(4483)
SELF_SERVE_MIN_PAID_INVOICES = 3  # 002_59a801b964a2a19e.txt:4468
SELF_SERVE_MIN_AVG_LAST3 = Decimal("280")  # 002_59a801b964a2a19e.txt:4470
SELF_SERVE_ELIGIBILITY_CITE = cite("4468-4474")

# --- Non-profit -----------------------------------------------------------------------------------
NONPROFIT_SMALL_PCT = Decimal("15")  # below $25k, flat: 002_59a801b964a2a19e.txt:4494
NONPROFIT_SMALL_CITE = cite(4494)
NONPROFIT_BONUS_PCT = Decimal("5")  # $25k-$100k on top of volume: 002_59a801b964a2a19e.txt:4496
NONPROFIT_BONUS_MAX = Decimal("100000")  # inclusive (spec A11): 002_59a801b964a2a19e.txt:4498, 4508
NONPROFIT_BONUS_CITE = cite(4496, 4508)
NONPROFIT_PROOF_CITE = cite("4502-4504")

# --- Startup plan roll-off -------------------------------------------------------------------------
STARTUP_FREE_FRACTION = Decimal(1) / Decimal(6)  # 1/6 of the purchase: 002_59a801b964a2a19e.txt:4541, 4876
STARTUP_CITE = cite(4541, 4876)
STARTUP_START_DELAY_MONTHS = 2  # "start date … 2 months in the future" 002_59a801b964a2a19e.txt:4901
STARTUP_DEFAULT_CITE = cite(4519, 4901)

# --- Expansions, rollover ---------------------------------------------------------------------------
EXPANSION_CITE = cite(4568, 4697)
EXPANSION_TIER_UP_CITE = cite(4711)
EXPANSION_YEARLY_WINDOW_MONTHS = 6  # paid yearly: first 6 months of each year 002_59a801b964a2a19e.txt:4600
LATE_RENEWAL_MONTHS = 2  # "<2 months remaining" 002_59a801b964a2a19e.txt:4701
LATE_RENEWAL_CITE = cite(4701)
MIDDLE_CASE_CITE = cite("4703-4709")
ROLLOVER_MAX_FRACTION = Decimal("0.5")  # "up to half" 002_59a801b964a2a19e.txt:4716
ROLLOVER_CITE = cite(4716)

# --- Buyouts and competitor-renewal credits -------------------------------------------------------
BUYOUT_MAX_MONTHS = 6  # "free for up to 6 months" 002_59a801b964a2a19e.txt:4651
BUYOUT_MIN_ANNUAL = Decimal("20000")  # "$20k+/year, paid up front" 002_59a801b964a2a19e.txt:4658
BUYOUT_CITE = cite(4651, 4658, 4660, 4664)
COMPETITOR_PRICE_FRACTION = Decimal("0.6")  # undercut by 40 %: 002_59a801b964a2a19e.txt:4686 (spec A22)
COMPETITOR_CITE = cite(4686, 4688)

# --- Payment -----------------------------------------------------------------------------------------
NO_MONTHLY_CITE = cite(4350)
NO_SPLIT_CITE = cite(4421, 4455)
NO_CHECK_CITE = cite(4643)
BANK_TRANSFER_CITE = cite(3585, 4623)
YEARLY_INVOICES_CITE = cite("4594-4598")
CARD_CITE = cite("4635-4641")
AWS_TERM_MONTHS = 12  # "Contract Duration - 12 months (we're annual only)" 002_59a801b964a2a19e.txt:12405
AWS_MIN_DEAL = Decimal("100000")  # "Minimum $100k deal size (this is flexible" 002_59a801b964a2a19e.txt:12364
AWS_CITE = cite(12362, 12364, 12405)

# --- Thresholds that add info lines (never change the number) ---------------------------------------
SALES_ASSIST_MIN_ARR = Decimal("20000")  # below: route to self-serve 002_59a801b964a2a19e.txt:9280, 10331
SALES_ASSIST_CITE = cite(9280, 10331)
SLA_MIN_ARR_POST_DISCOUNT = Decimal("100000")  # 002_59a801b964a2a19e.txt:4611
SLA_CITE = cite(4611)
LEGAL_REDLINES_MIN_ARR = Decimal("20000")  # "only … above $20k a year" 002_59a801b964a2a19e.txt:4728
LEGAL_CITE = cite(4728, 5042)
CUSTOMER_PAPER_MIN_ARR = Decimal("200000")  # 002_59a801b964a2a19e.txt:4782
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

PCT_STEP = Decimal("0.5")  # every lever is a multiple of 0.5 points (spec §4.2)
CENT = Decimal("0.01")

# --- Info lines beyond the price -------------------------------------------------------------------------
QUOTA_CITE = cite("8618-8620")  # multi-year quota: annual credit at the standard 1-year discount (spec A32)
TRIAL_MIN_ARR = Decimal("20000")  # sales-led trial needs >$20k ARR potential: 002_59a801b964a2a19e.txt:11600
TRIAL_DEFAULT_WEEKS = 2  # "$20-$60K ARR": 002_59a801b964a2a19e.txt:11625
TRIAL_LONG_WEEKS = 4  # "Deal value >$60K ARR" and other reasons: 002_59a801b964a2a19e.txt:11630-11636
TRIAL_LONG_FROM_ARR = Decimal("60000")
TRIAL_CITE = cite("11625-11636")

"""Every number and word list /handover-check uses, each in one place with its handbook line.

Citations: `002_59a801b964a2a19e.txt:LINE` (the handbook seed file 002). Values the handbook leaves
open are marked DEFAULT: they are exposed as settings in `bot/handover/settings.py`, which takes its
default from here so the number still lives in one place.
"""

from __future__ import annotations

from decimal import Decimal

from services.rules import Source, rule

# --- thresholds -----------------------------------------------------------------------------
# Each number is a rule (services/rules): its id, value and where the handbook states it.
ALLOCATION = "growth/sales/account-allocation"
RISK_PAGE = "growth/sales/risk-mitigation-and-churn-prevention"

# "Once customers hit $20k a year in spend with us they should have a dedicated TAM or CSM"
# (also 002_59a801b964a2a19e.txt:2263, :10331)
MANAGED_ARR_MIN = rule(
    "handover.threshold.managed_arr_min", Decimal("20000"),
    page=ALLOCATION, section="TAM vs CSM", locator="primary owner of customers", line=2267,
    summary="TAM/CSM own accounts from $20k ARR",
    also=(Source(ALLOCATION, "Accounts to remove from your book", "Churned or dropped below", 2311),))
# "accounts $20k-$50k on the YC plan will go to the YC role on the CS team"
YC_CS_ROLE_ARR_MAX = rule(
    "handover.threshold.yc_cs_role_arr_max", Decimal("50000"),
    page=ALLOCATION, section="Accounts to remove from your book", locator="On YC Plan", line=2313,
    summary="YC plan accounts up to $50k go to the CS YC role")
# "landing at $100k+ a year or have high expansion potential" -> involve a TAM early
HIGH_POTENTIAL_LANDING_ARR = rule(
    "handover.threshold.high_potential_landing_arr", Decimal("100000"),
    page=ALLOCATION, section="Handing over customers", locator="involve a TAM early", line=2408,
    summary="Landing at $100k+: involve a TAM early",
    also=(Source(ALLOCATION, "High potential customers", "introduce a TAM earlier", 2717),))
# Startup/YC accounts have "mrr = 0 while on credits": effective ARR = forecasted MRR x 12 (spec A18,
# 002_59a801b964a2a19e.txt:72)
MONTHS_PER_YEAR = 12  # not policy: 12 months a year

# The routing set of primary products, not the 11-product commission list (spec A1).
CORE_PRODUCTS: tuple[str, ...] = ("session_replay", "feature_flags", "error_tracking")  # 002_59a801b964a2a19e.txt:2269-2276, :2315
CORE_PRODUCT_LABELS: dict[str, str] = {
    "session_replay": "Replay",
    "feature_flags": "Flags",
    "error_tracking": "Errors",
}

# "typically 3 months after initial credit purchase OR 12 months ... if retained by the TAE"
TAE_HANDOVER_MONTHS = rule(
    "handover.timing.tae_handover_months", 3,
    page=ALLOCATION, section="Handing over customers", locator="TAE → TAM", line=2406,
    summary="TAE hands over 3 months after the credit purchase",
    also=(Source("growth/sales/lead-scoring", "Technical Account Executives", "Customers move off of a TAE",
                 8544),))
TAE_RETAINED_HANDOVER_MONTHS = rule(
    "handover.timing.tae_retained_handover_months", 12,
    page=ALLOCATION, section="Handing over customers", locator="Typical timing", line=2406,
    summary="TAE-retained accounts hand over 12 months after the pre-purchase")

# DEFAULT (spec A8): plans are quarterly, so "up to date" = updated within 90 days
# (002_59a801b964a2a19e.txt:11316, :2421, :2694 say "once per quarter" / "current", no day count).
DEFAULT_ACCOUNT_PLAN_MAX_AGE_DAYS = 90  # not policy: spec default, not in the handbook (spec A8)
# DEFAULT (spec A9): an open invoice not yet due is a warning; True makes it blocking.
DEFAULT_OPEN_INVOICE_NOT_DUE_BLOCKS = False  # 002_59a801b964a2a19e.txt:2413, :3642

TAM_BOOK_MAX = rule(
    "handover.book.tam_max", 15,
    page=ALLOCATION, section="Quarterly book planning", locator="Maximum book size", line=2304,
    summary="TAM book: at most 15 accounts",
    also=(Source("growth/sales/product-led-lead-qualification", "What you're actually deciding",
                 "soft cap of", 10623),))
TAM_HARD_CAP_WITH_LEADS = rule(
    "handover.book.tam_hard_cap_with_leads", 25,
    page="growth/sales/how-we-work", section="Technical Account Managers",
    locator="hard cap on existing book", line=8120, summary="TAM book + leads: hard cap 25")
CSM_BOOK_TARGET = rule(
    "handover.book.csm_target", 30,
    page="growth/sales/team-leads", section="Customer Success", locator="book of business of around",
    line=12737, summary="CSM book: around 30 customers")
TOP_N_ACCOUNTS = rule(
    "handover.book.top_n_accounts", 40,
    page=ALLOCATION, section="Top 40 account management", locator="highest-spend customers", line=2387,
    summary="Top 40 accounts by ARR get special ownership review")

MIN_ACTIVE_USERS = rule(  # also "Only 1-2 active users" 002_59a801b964a2a19e.txt:11404
    "handover.health.min_active_users", 3,
    page=ALLOCATION, section="Engagement", locator="User concentration", line=2687,
    summary="Usage concentrated among fewer than 3 users is a risk")
SLACK_SILENCE_DAYS = rule(
    "handover.health.slack_silence_days", 14,
    page=RISK_PAGE, section="Early warning signals", locator="No Slack activity", line=11404,
    summary="No Slack activity for 14+ days")
CHURN_USAGE_DROP_PCT = rule(
    "handover.health.usage_drop_pct", Decimal("30"),
    page=RISK_PAGE, section="When to flag an account as at risk", locator="Usage has dropped", line=11495,
    summary="Usage dropped 30%+: churn risk")
STEADY_STATE_MAX_FLAGS = 1  # "multiple flags ... push back" 002_59a801b964a2a19e.txt:2711
HANDOVER_CALL_MINUTES = rule(
    "handover.timing.call_minutes", (15, 30),
    page=ALLOCATION, section="Account handover checklist", locator="between the outgoing and incoming owner",
    line=2504, summary="Handover call: 15-30 minutes")
POST_HANDOVER_ACTION_DAYS = rule(
    "handover.timing.post_handover_action_days", 7,
    page=ALLOCATION, section="Immediate actions (within 1 week)", locator="Immediate actions", line=2622,
    numbers=(1,), summary="Immediate actions within 1 week of the handover")
NO_PREVIOUS_OWNER_GRACE_MONTHS = rule(  # also 002_59a801b964a2a19e.txt:8288
    "handover.timing.no_previous_owner_grace_months", 3,
    page=ALLOCATION, section="Mid-quarter changes", locator="no previous owner", line=2380,
    summary="Accounts with no previous owner: 3 month grace period")

# --- vocabularies ---------------------------------------------------------------------------
NEW_OWNER_VALUES: tuple[str, ...] = ("US TAM", "US CSM", "EU TAM", "EU CSM")  # 002_59a801b964a2a19e.txt:2345-2351
NEW_OWNER_READY = "Ready to move"  # 002_59a801b964a2a19e.txt:2416
GROWTH_SEGMENTS: tuple[str, ...] = ("AM referral",)  # 002_59a801b964a2a19e.txt:8481
CHURN_RISK_SEGMENT = "Churn Risk"  # 002_59a801b964a2a19e.txt:11304, :11490
STARTUP_PLAN_SEGMENT = "Startup Plan"  # 002_59a801b964a2a19e.txt:3058
POOR_HEALTH_LABEL = "Poor"  # 002_59a801b964a2a19e.txt:11503

EARLY_WARNING_INDICATORS: tuple[str, ...] = ("down_trending_volume", "champion_left")  # 002_59a801b964a2a19e.txt:11404
# "only paying for what they need": Vitally risk indicators 002_59a801b964a2a19e.txt:11442-11455, :2676
BILLING_WASTE_INDICATORS: dict[str, str] = {
    "group_analytics_not_implemented": "Group Analytics enabled but not implemented",
    "autocapture_noise": "autocapture noise with no actions",
    "replay_no_min_duration": "replay without a minimum duration",
    "identify_overcalling": "identify() called on every page",
}

# Sales roles that own a book and can receive a handover (002_59a801b964a2a19e.txt:2267).
RECEIVING_ROLES: tuple[str, ...] = ("TAM", "CSM")
# The allowed matrix (spec §4.4): the table 002_59a801b964a2a19e.txt:2406 plus rebalances
# TAM->TAM (:2511, :2366) and CSM->CSM (:12740).
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("TAE", "TAM"), ("TAE", "CSM"), ("TAM", "CSM"), ("CSM", "TAM"), ("TAM", "TAM"), ("CSM", "CSM")}
)

# Handover confirmations a person records (IMPORT.md §7 flag kinds), keyed by the check they answer.
CONFIRMATION_KINDS: dict[str, str] = {
    "C08": "onboarding_confirmed",
    "C10": "customer_told",
    "C11": "handover_call_booked",
    "X01b": "tam_intro_confirmed",
    "X02b": "no_expansion_path",
    "X05b": "expansion_questions_confirmed",
    "X10": "rebalance_reason_confirmed",
}

# Product onboarding checklist essentials, shown in the C08 confirmation (002_59a801b964a2a19e.txt:2430-2496).
ONBOARDING_ESSENTIALS: dict[str, str] = {
    "product_analytics": "identify()/group() right, capture tuned, Actions & Cohorts training, dashboards",
    "session_replay": "recording and privacy controls set, training on finding recordings",
    "feature_flags": "integrated in the workflow, calls not inflating the bill, targeting, Flags & Experiments training",
    "data_warehouse": "sources connected, sync mode and its billing impact, SQL/views training",
    "error_tracking": "posthog-js error tracking set up",
}

POLICY_PATH = "growth/sales/account-allocation"  # under HANDBOOK_BASE_URL
POLICY_URL = "https://posthog.com/handbook/" + POLICY_PATH

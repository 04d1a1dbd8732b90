"""Every number and word list /handover-check uses, each in one place with its handbook line.

Citations: `002_59a801b964a2a19e.txt:LINE` (the handbook seed file 002). Values the handbook leaves
open are marked DEFAULT: they are exposed as settings in `bot/handover/settings.py`, which takes its
default from here so the number still lives in one place.
"""

from __future__ import annotations

from decimal import Decimal

# --- thresholds -----------------------------------------------------------------------------
# "Once customers hit $20k a year in spend with us they should have a dedicated TAM or CSM"
MANAGED_ARR_MIN = Decimal("20000")  # 002_59a801b964a2a19e.txt:2263, :2267, :2311, :10331
# "accounts $20k-$50k on the YC plan will go to the YC role on the CS team"
YC_CS_ROLE_ARR_MAX = Decimal("50000")  # 002_59a801b964a2a19e.txt:2313
# "landing at $100k+ a year or have high expansion potential" -> involve a TAM early
HIGH_POTENTIAL_LANDING_ARR = Decimal("100000")  # 002_59a801b964a2a19e.txt:2408, :2717
# Startup/YC accounts have "mrr = 0 while on credits": effective ARR = forecasted MRR x 12 (spec A18)
MONTHS_PER_YEAR = 12  # 002_59a801b964a2a19e.txt:72

# The routing set of primary products, not the 11-product commission list (spec A1).
CORE_PRODUCTS: tuple[str, ...] = ("session_replay", "feature_flags", "error_tracking")  # 002_59a801b964a2a19e.txt:2269-2276, :2315
CORE_PRODUCT_LABELS: dict[str, str] = {
    "session_replay": "Replay",
    "feature_flags": "Flags",
    "error_tracking": "Errors",
}

# "typically 3 months after initial credit purchase OR 12 months ... if retained by the TAE"
TAE_HANDOVER_MONTHS = 3  # 002_59a801b964a2a19e.txt:2406, :8544
TAE_RETAINED_HANDOVER_MONTHS = 12  # 002_59a801b964a2a19e.txt:2406

# DEFAULT (spec A8): plans are quarterly, so "up to date" = updated within 90 days.
DEFAULT_ACCOUNT_PLAN_MAX_AGE_DAYS = 90  # 002_59a801b964a2a19e.txt:11316, :2421, :2694
# DEFAULT (spec A9): an open invoice not yet due is a warning; True makes it blocking.
DEFAULT_OPEN_INVOICE_NOT_DUE_BLOCKS = False  # 002_59a801b964a2a19e.txt:2413, :3642

TAM_BOOK_MAX = 15  # 002_59a801b964a2a19e.txt:2304, :10623
TAM_HARD_CAP_WITH_LEADS = 25  # 002_59a801b964a2a19e.txt:8120
CSM_BOOK_TARGET = 30  # 002_59a801b964a2a19e.txt:12737
TOP_N_ACCOUNTS = 40  # "~Top 40 by ARR" 002_59a801b964a2a19e.txt:2387

MIN_ACTIVE_USERS = 3  # "usage concentrated among fewer than 3 users" 002_59a801b964a2a19e.txt:2687, :11404
SLACK_SILENCE_DAYS = 14  # "No Slack activity for 14+ days" 002_59a801b964a2a19e.txt:11404
CHURN_USAGE_DROP_PCT = Decimal("30")  # "Usage has dropped 30%+" 002_59a801b964a2a19e.txt:11495
STEADY_STATE_MAX_FLAGS = 1  # "multiple flags ... push back" 002_59a801b964a2a19e.txt:2711
HANDOVER_CALL_MINUTES = (15, 30)  # 002_59a801b964a2a19e.txt:2504
POST_HANDOVER_ACTION_DAYS = 7  # "Immediate actions (within 1 week)" 002_59a801b964a2a19e.txt:2622
NO_PREVIOUS_OWNER_GRACE_MONTHS = 3  # 002_59a801b964a2a19e.txt:2380, :8288

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

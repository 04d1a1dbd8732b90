"""Every churn-risk number in one place.

Numbers the handbook states are module constants, each with its line
(`002:` = handbook/002_59a801b964a2a19e.txt). Numbers the handbook leaves
open (the spec's [INF] defaults, churn-risk.md §4.2) live in `ChurnPolicy`,
a frozen dataclass the settings class in `bot/churn/settings.py` fills from
the environment; services receive it as a plain value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# --- Handbook numbers (constants) -------------------------------------------

#: F2: "Usage has dropped 30%+ with no seasonal explanation" (inclusive). 002_59a801b964a2a19e.txt:11495
USAGE_DROP_FLAG = Fraction(30, 100)
#: W2 / pause cross-sell: "Usage declining for 4+ weeks". 002_59a801b964a2a19e.txt:278
DOWNTREND_WEEKS = 4
#: W3: "Only 1-2 active users". 002_59a801b964a2a19e.txt:11404
ACTIVE_USERS_MAX_WARNING = 2
#: W4: "No Slack activity for 14+ days" (inclusive). 002_59a801b964a2a19e.txt:11404
SLACK_QUIET_DAYS = 14
#: W1: "Recommendation not actioned for 2+ weeks" (inclusive). 002_59a801b964a2a19e.txt:11404
RECOMMENDATION_STALE_DAYS = 14
#: W8: a product is paid when its invoice amount is greater than $200 (strict). 002_59a801b964a2a19e.txt:8230
PAID_PRODUCT_MIN_USD = Decimal("200")
#: F6: health score "Poor" for 4+ consecutive weeks. 002_59a801b964a2a19e.txt:11503
HEALTH_POOR_LABEL = "Poor"
HEALTH_POOR_WEEKS = 4
#: F7: renewal in <90 days (strict). 002_59a801b964a2a19e.txt:11505
RENEWAL_WINDOW_DAYS = 90
#: LEADERSHIP: ">$50k ARR at serious risk, involve Ben or Simon" (strict). 002_59a801b964a2a19e.txt:11558
LEADERSHIP_ESCALATION_ARR = Decimal("50000")
#: Team leads lean in with customers over $100k ARR (context). 002_59a801b964a2a19e.txt:12721
TEAM_LEAD_LEAN_IN_ARR = Decimal("100000")
#: STALE: "at-risk for 4+ weeks with no improvement" (inclusive). 002_59a801b964a2a19e.txt:11547
STALE_AT_RISK_DAYS = 28
#: Recovery call "Within 48 hours of flagging". 002_59a801b964a2a19e.txt:11588
RECOVERY_CALL_HOURS = 48
#: Churn retro "Within 1 week of churn". 002_59a801b964a2a19e.txt:11588
RETRO_DAYS = 7
#: Unmanaged accounts with a failed payment "of $1500 or more": Simon and Dana tagged. 002_59a801b964a2a19e.txt:3654
UNMANAGED_FAILED_PAYMENT_USD = Decimal("1500")
#: Access suspended if unpaid within 7 calendar days of the late date. 002_59a801b964a2a19e.txt:3658
SUSPEND_AFTER_DAYS = 7
#: Cancel the subscription 7 days after suspension (day 14). 002_59a801b964a2a19e.txt:3681-3685
CANCEL_AFTER_DAYS = 14
#: Digest scope: TAM/CSM own $20k+ accounts. 002_59a801b964a2a19e.txt:2263-2267, 3035-3046
DIGEST_SCOPE_MIN_ARR = Decimal("20000")
#: Churned accounts stay in the digest for the retro week. 002_59a801b964a2a19e.txt:11588
DIGEST_CHURNED_DAYS = 7
#: Early renewal +5% needs a signature 60+ days before expiry. 002_59a801b964a2a19e.txt:4442
EARLY_RENEWAL_DAYS = 60
#: Pause cross-sell in the customer's first 30 days. 002_59a801b964a2a19e.txt:272
FIRST_PAID_DAYS = 30
#: New-owner grace period: 3 months. 002_59a801b964a2a19e.txt:2380
NEW_OWNER_GRACE_DAYS = 90
#: Annual contract months 10-12: focus on "why stay". 002_59a801b964a2a19e.txt:295
RENEWAL_FOCUS_FROM_MONTH = 10

# Revenue adjustments (churn-risk.md §4.3 / §6.5).
#: Spike: more than twice the average of the previous two periods. 002_59a801b964a2a19e.txt:2180
SPIKE_FACTOR = 2
#: Spike: the increase is at least $1000. 002_59a801b964a2a19e.txt:2182
SPIKE_MIN_INCREASE_USD = Decimal("1000")
#: Spike: the following period drops by 50% or more. 002_59a801b964a2a19e.txt:2184
SPIKE_NEXT_MAX_RATIO = Fraction(1, 2)
#: One-time credit: credit >= 0.5 x prior month revenue. 002_59a801b964a2a19e.txt:2222
CREDIT_MIN_RATIO = Fraction(1, 2)
#: "issued for a promo, outage, or a billing correction" (002:2220) mapped onto the
#: Billing Admin reasons Promo / Incident / Bug Credit (002:1554-1574).
CREDIT_OVERRIDE_REASONS = frozenset({"promo", "incident", "bug"})

# Retention (churn-risk.md §6.4).
#: Base-month population: "minimum $5K annual revenue". 002_59a801b964a2a19e.txt:2063
RETENTION_MIN_ANNUAL_REVENUE = Decimal("5000")
#: Base month "3, 6, or 12 months prior". 002_59a801b964a2a19e.txt:2061
RETENTION_BASE_MONTHS = (3, 6, 12)

# Scoring weights live in ChurnPolicy ([INF]).

#: Handbook lines behind each signal, shown in replies.
CITES: dict[str, str] = {
    "F0": "002:11490",
    "F1": "002:11493",
    "F2": "002:11495",
    "F3": "002:11497",
    "F4": "002:11499",
    "F5": "002:11501",
    "F6": "002:11503",
    "F7": "002:11505",
    "F8": "002:11507",
    "W1": "002:11404",
    "W2": "002:11404",
    "W3": "002:11404",
    "W4": "002:11404",
    "W5": "002:11404",
    "W6": "002:11404",
    "W7": "002:11404",
    "W8": "002:8230",
    "W9": "002:11404",
    "W10": "002:3654",
    "W11": "002:2330",
    "W12": "002:10670",
    "W13": "002:274",
}


@dataclass(frozen=True)
class ChurnPolicy:
    """The thresholds the handbook leaves open (churn-risk.md §4.2, all [INF]).

    Defaults are the spec's; `bot.churn.settings.ChurnSettings.policy()` overrides them from
    the environment.
    """

    usage_recent_window_days: int = 30
    usage_baseline_windows: int = 3
    downtrend_noise_floor: Fraction = Fraction(10, 100)
    seasonal_yoy_tolerance: Fraction = Fraction(10, 100)
    seasonal_min_history_months: int = 13
    optimization_note_days: int = 120
    owner_fact_memory_days: int = 90
    billing_visit_window_days: int = 14
    billing_context_days: int = 30
    champion_recent_days: int = 90
    ticket_spike_window_days: int = 14
    ticket_spike_min: int = 3
    ticket_spike_ratio: Fraction = Fraction(2)
    ticket_baseline_days: int = 90
    warehouse_only_max_inapp_actions_30d: int = 10
    not_source_of_truth_inapp_actions_30d: int = 0
    payment_unresponsive_days: int = 3
    suggest_flag_min_warnings: int = 3
    health_stale_days: int = 14
    #: Day usage whose last day is this many complete days before today is reported as stale (the
    #: drop is then measured up to that day, never over the missing days) [INF, §3.2 "not evaluated"].
    usage_stale_days: int = 2
    one_sided_days: int = 30
    points_f: int = 10
    points_w: int = 3
    competitor_vendors: tuple[str, ...] = ("Amplitude", "Mixpanel")

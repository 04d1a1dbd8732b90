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

from services.rules import Source, rule

# --- Handbook numbers (rules) -----------------------------------------------
# Each is a rule (services/rules): its id, value and the handbook passage that states it.
RISK_PAGE = "growth/sales/risk-mitigation-and-churn-prevention"
CROSS_SELL = "growth/cross-selling/cross-sell-motions"
SALES_BILLING = "growth/sales/billing"
ADJUSTMENTS = "growth/revops/revenue-adjustments"
RETENTION = "growth/revops/retention-metrics"
EARLY_WARNING = "Early warning signals"
FLAG_AT_RISK = "When to flag an account as at risk"
SPIKES = "2. Revenue spike adjustments"
CREDITS = "Revenue credits that temporarily drop a customer’s billed MRR to zero (e.g., one time promo credit, incident credit etc.)"

#: F2: "Usage has dropped 30%+ with no seasonal explanation" (inclusive).
USAGE_DROP_FLAG = rule(
    "churn.usage.drop_flag", Fraction(30, 100), numbers=(30,),
    page=RISK_PAGE, section=FLAG_AT_RISK, locator="Usage has dropped", line=11495,
    summary="F2: usage dropped 30%+")
#: W2 / pause cross-sell: "Usage declining for 4+ weeks".
DOWNTREND_WEEKS = rule(
    "churn.usage.downtrend_weeks", 4,
    page=CROSS_SELL, section="Optimal timing for discussions", locator="Usage declining for", line=278,
    summary="W2: usage declining for 4+ weeks")
#: W3: "Only 1-2 active users".
ACTIVE_USERS_MAX_WARNING = rule(
    "churn.warning.active_users_max", 2, numbers=(1, 2),
    page=RISK_PAGE, section=EARLY_WARNING, locator="active users", line=11404,
    summary="W3: only 1-2 active users")
#: W4: "No Slack activity for 14+ days" (inclusive).
SLACK_QUIET_DAYS = rule(
    "churn.warning.slack_quiet_days", 14,
    page=RISK_PAGE, section=EARLY_WARNING, locator="No Slack activity", line=11404,
    summary="W4: no Slack activity for 14+ days")
#: W1: "Recommendation not actioned for 2+ weeks" (inclusive).
RECOMMENDATION_STALE_DAYS = rule(
    "churn.warning.recommendation_stale_days", 14, numbers=(2,),
    page=RISK_PAGE, section=EARLY_WARNING, locator="Recommendation not actioned", line=11404,
    summary="W1: recommendation not actioned for 2+ weeks")
#: W8: a product is paid when its invoice amount is greater than $200 (strict).
PAID_PRODUCT_MIN_USD = rule(
    "churn.warning.paid_product_min_usd", Decimal("200"),
    page="growth/sales/how-we-work", section="Variables", locator="counted as paid", line=8230,
    summary="W8: a product is paid above $200 a month")
#: F6: health score "Poor" for 4+ consecutive weeks. 002_59a801b964a2a19e.txt:11503
HEALTH_POOR_LABEL = "Poor"
HEALTH_POOR_WEEKS = rule(
    "churn.flag.health_poor_weeks", 4,
    page=RISK_PAGE, section=FLAG_AT_RISK, locator="Health score has been", line=11503,
    summary="F6: health Poor for 4+ consecutive weeks")
#: F7: renewal in <90 days (strict).
RENEWAL_WINDOW_DAYS = rule(
    "churn.flag.renewal_window_days", 90,
    page=RISK_PAGE, section=FLAG_AT_RISK, locator="up for renewal", line=11505,
    summary="F7: renewal in under 90 days")
#: LEADERSHIP: ">$50k ARR at serious risk, involve Ben or Simon" (strict).
LEADERSHIP_ESCALATION_ARR = rule(
    "churn.escalation.leadership_arr", Decimal("50000"),
    page=RISK_PAGE, section="3. Escalation", locator="involve Ben or Simon", line=11558,
    summary="Over $50k ARR at serious risk: involve leadership")
#: Team leads lean in with customers over $100k ARR (context).
TEAM_LEAD_LEAN_IN_ARR = rule(
    "churn.escalation.team_lead_arr", Decimal("100000"),
    page="growth/sales/team-leads", section="Product-led Sales", locator="lean in and help", line=12721,
    summary="Over $100k ARR: team lead leans in")
#: STALE: "at-risk for 4+ weeks with no improvement" (inclusive).
STALE_AT_RISK_DAYS = rule(
    "churn.escalation.stale_at_risk_days", 28, numbers=(4,),
    page=RISK_PAGE, section="2. Weekly at-risk account review", locator="with no improvement", line=11547,
    summary="At risk 4+ weeks with no improvement: escalate")
#: Recovery call "Within 48 hours of flagging".
RECOVERY_CALL_HOURS = rule(
    "churn.cadence.recovery_call_hours", 48,
    page=RISK_PAGE, section="Summary", locator="Recovery calls with at-risk accounts", line=11588,
    summary="Recovery call within 48 hours of flagging")
#: Churn retro "Within 1 week of churn".
RETRO_DAYS = rule(
    "churn.cadence.retro_days", 7, numbers=(1,),
    page=RISK_PAGE, section="Summary", locator="Churn retros in", line=11588,
    summary="Churn retro within 1 week of churn")
#: Unmanaged accounts with a failed payment "of $1500 or more": Simon and Dana tagged.
UNMANAGED_FAILED_PAYMENT_USD = rule(
    "churn.payment.unmanaged_failed_payment_usd", Decimal("1500"),
    page=SALES_BILLING, section="Step 1 - On the day their payment becomes late",
    locator="unmanaged accounts with a failed payment", line=3654,
    summary="Unmanaged failed payment of $1500+: Simon and Dana tagged")
#: Access suspended if unpaid within 7 calendar days of the late date.
SUSPEND_AFTER_DAYS = rule(
    "churn.payment.suspend_after_days", 7,
    page=SALES_BILLING, section="Step 1 - On the day their payment becomes late",
    locator="user access will be suspended", line=3658,
    summary="Access suspended 7 days after the payment is late")
#: Cancel the subscription 7 days after suspension (day 14). 002_59a801b964a2a19e.txt:3681-3685
CANCEL_AFTER_DAYS = rule(
    "churn.payment.cancel_after_days", 14, numbers=(7,),
    page=SALES_BILLING, section="Step 3 - Suspending user access", locator="resolved within the next",
    line=3669, summary="Subscription cancelled 7 days after suspension (day 14)")
#: Digest scope: TAM/CSM own $20k+ accounts. 002_59a801b964a2a19e.txt:2263-2267, 3035-3046
DIGEST_SCOPE_MIN_ARR = rule(
    "churn.digest.scope_min_arr", Decimal("20000"),
    page="growth/sales/account-allocation", section="TAM vs CSM", locator="primary owner of customers",
    line=2267, summary="Digest covers $20k+ ARR accounts",
    also=(Source("growth/sales/automations", "Vitally Segmentation", "AND ARR <", 3046),))
#: Churned accounts stay in the digest for the retro week.
DIGEST_CHURNED_DAYS = rule(
    "churn.digest.churned_days", 7, numbers=(1,),
    page=RISK_PAGE, section="Summary", locator="Churn retros in", line=11588,
    summary="Churned accounts stay in the digest for the retro week")
#: Early renewal +5% needs a signature 60+ days before expiry.
EARLY_RENEWAL_DAYS = rule(
    "churn.renewal.early_renewal_days", 60,
    page="growth/sales/contract-rules",
    section="4. Ability to forecast - mutual commitment to timing (additive)",
    locator="Early renewal commitment", line=4442, summary="Early renewal: 60+ days before expiry")
#: Pause cross-sell in the customer's first 30 days.
FIRST_PAID_DAYS = rule(
    "churn.cross_sell.first_paid_days", 30,
    page=CROSS_SELL, section="Optimal timing for discussions", locator="unless customer-initiated", line=272,
    summary="No cross-sell in the first 30 days")
#: New-owner grace period: 3 months.
NEW_OWNER_GRACE_DAYS = rule(
    "churn.ownership.new_owner_grace_days", 90, numbers=(3,),
    page="growth/sales/account-allocation", section="Mid-quarter changes", locator="no previous owner",
    line=2380, summary="New owner: 3 month grace period")
#: Annual contract months 10-12: focus on "why stay".
RENEWAL_FOCUS_FROM_MONTH = rule(
    "churn.renewal.focus_from_month", 10, numbers=(10, 12),
    page=CROSS_SELL, section="Optimal timing for discussions", locator="Why stay with PostHog", line=295,
    summary="Contract months 10-12: focus on why stay")

# Revenue adjustments (churn-risk.md §4.3 / §6.5).
#: Spike: more than twice the average of the previous two periods.
SPIKE_FACTOR = rule(
    "churn.revenue.spike_factor", 2,
    page=ADJUSTMENTS, section=SPIKES, locator="current month revenue", line=2180,
    summary="Spike: more than twice the previous average")
#: Spike: the average it is compared with is over the previous two periods.
SPIKE_AVERAGE_PERIODS = rule(
    "churn.revenue.spike_average_periods", 2,
    page=ADJUSTMENTS, section=SPIKES, locator="average of the previous", line=2180,
    summary="Spike: against the average of the previous two months")
#: Spike: the increase is at least $1000.
SPIKE_MIN_INCREASE_USD = rule(
    "churn.revenue.spike_min_increase_usd", Decimal("1000"),
    page=ADJUSTMENTS, section=SPIKES, locator="The increase is at least", line=2182,
    summary="Spike: an increase of at least $1000")
#: Spike: the following period drops by 50% or more.
SPIKE_NEXT_MAX_RATIO = rule(
    "churn.revenue.spike_next_max_ratio", Fraction(1, 2), numbers=(50,),
    page=ADJUSTMENTS, section=SPIKES, locator="decreases by", line=2184,
    summary="Spike: the next month drops by 50%+")
#: One-time credit: credit >= 0.5 x prior month revenue.
CREDIT_MIN_RATIO = rule(
    "churn.revenue.credit_min_ratio", Fraction(1, 2), numbers=("0.5",),
    page=ADJUSTMENTS, section=CREDITS, locator="total credit amount", line=2222,
    summary="One-time credit: at least 0.5x the prior month")
#: One-time credit: the next month is back to the previous 2 months' average.
CREDIT_RECOVERY_AVERAGE_MONTHS = rule(
    "churn.revenue.credit_recovery_average_months", 2,
    page=ADJUSTMENTS, section=CREDITS, locator="next month revenue is", line=2224,
    summary="One-time credit: next month back to the previous 2-month average")
#: "issued for a promo, outage, or a billing correction" (002:2220) mapped onto the
#: Billing Admin reasons Promo / Incident / Bug Credit (002:1554-1574).
CREDIT_OVERRIDE_REASONS = frozenset({"promo", "incident", "bug"})

# Retention (churn-risk.md §6.4).
#: Base-month population: "minimum $5K annual revenue".
RETENTION_MIN_ANNUAL_REVENUE = rule(
    "churn.retention.min_annual_revenue", Decimal("5000"),
    page=RETENTION, section="How we calculate", locator="active in that base month", line=2063,
    summary="Retention base: customers with $5K+ annual revenue")
#: Base month "3, 6, or 12 months prior".
RETENTION_BASE_MONTHS = rule(
    "churn.retention.base_months", (3, 6, 12),
    page=RETENTION, section="How we calculate", locator="look backward to identify", line=2061,
    summary="Retention base month: 3, 6 or 12 months prior")

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

    usage_recent_window_days: int = 30  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    usage_baseline_windows: int = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    downtrend_noise_floor: Fraction = Fraction(10, 100)  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    seasonal_yoy_tolerance: Fraction = Fraction(10, 100)  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    seasonal_min_history_months: int = 13  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    optimization_note_days: int = 120  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    owner_fact_memory_days: int = 90  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    billing_visit_window_days: int = 14  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    billing_context_days: int = 30  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    champion_recent_days: int = 90  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    ticket_spike_window_days: int = 14  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    ticket_spike_min: int = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    ticket_spike_ratio: Fraction = Fraction(2)  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    ticket_baseline_days: int = 90  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    warehouse_only_max_inapp_actions_30d: int = 10  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    not_source_of_truth_inapp_actions_30d: int = 0  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    payment_unresponsive_days: int = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    suggest_flag_min_warnings: int = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    health_stale_days: int = 14  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    #: Day usage whose last day is this many complete days before today is reported as stale (the
    #: drop is then measured up to that day, never over the missing days) [INF, §3.2 "not evaluated"].
    usage_stale_days: int = 2  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    one_sided_days: int = 30  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    points_f: int = 10  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    points_w: int = 3  # not policy: spec default, not in the handbook (churn-risk.md §4.2)
    competitor_vendors: tuple[str, ...] = ("Amplitude", "Mixpanel")  # not policy: spec default, not in the handbook (churn-risk.md §4.2)

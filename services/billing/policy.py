"""Every billing number in one place, each with the handbook line it comes from.

Each handbook number is a rule (services/rules) naming its page, section and passage, and the line it
comes from (`002_59a801b964a2a19e.txt:LINE`); runway.py and payment_escalation.py import them from here.
Numbers the handbook leaves open are marked [INF] (spec billing-alerts.md) and `# not policy: spec
default`; they, like the rules, are the defaults of `bot.billing.settings.BillingSettings`, which reads
them from here.
"""

from __future__ import annotations

from decimal import Decimal

from services.rules import Source, rule

BILLING_PAGE = "growth/sales/billing"
CONTRACT_RULES = "growth/sales/contract-rules"
CREDIT_SHORTFALL = "When they don't have enough credit to cover their term"  # 002_59a801b964a2a19e.txt:4692

# --- CreditBot -------------------------------------------------------------------------------

# "Term (Months): Default is 12" 002_59a801b964a2a19e.txt:5434; "Contract.Term ... (12 months by
# default)" 002_59a801b964a2a19e.txt:4906
DEFAULT_TERM_MONTHS = rule(
    "billing.creditbot.default_term_months", 12,
    page=CONTRACT_RULES, section="Creating an opportunity from scratch", locator="Term (Months): Default is",
    line=5434, summary="Default contract term: 12 months",
    also=(Source(CONTRACT_RULES, "Creating an order form", "Contract.Term - The term in months", 4906),))

# Band edges, in calendar months before the term end: "<2 months remaining" 002_59a801b964a2a19e.txt:4701,
# "<6 months and >2 months to go" 002_59a801b964a2a19e.txt:4703. The first half of the term is
# term_months // 2 (1 year = 6 months ...) 002_59a801b964a2a19e.txt:4697.
BAND_C_MONTHS_BEFORE_END = rule(
    "billing.creditbot.band_c_months_before_end", 2,
    page=CONTRACT_RULES, section=CREDIT_SHORTFALL, locator="cover their usage for free", line=4701,
    summary="Band C: under 2 months of the term left",
    also=(Source(CONTRACT_RULES, CREDIT_SHORTFALL, "fall in between the two cases", 4703),))
BAND_B_MONTHS_BEFORE_END = rule(
    "billing.creditbot.band_b_months_before_end", 6,
    page=CONTRACT_RULES, section=CREDIT_SHORTFALL, locator="fall in between the two cases", line=4703,
    summary="Band B: 2-6 months of the term left")
# Band A is the first half of the term: the term divides by this (the handbook's examples,
# "1 year = 6 months, 2 years = 12 months, 3 years = 18 months", are the numbers it writes).
BAND_A_TERM_DIVISOR = rule(
    "billing.creditbot.band_a_first_half_divisor", 2,
    page=CONTRACT_RULES, section=CREDIT_SHORTFALL, locator="within the first half of the contract term",
    line=4697, numbers=(1, 6, 2, 12, 3, 18), summary="Band A: the first half of the term")
# An odd term's half has half a month more [INF, spec §2.4].
ODD_TERM_HALF_EXTRA_DAYS = 15  # not policy: spec default, not in the handbook (spec 2.4)

# "Early renewal commitment (60+ days before expiration)" 002_59a801b964a2a19e.txt:4442
EARLY_RENEWAL_DAYS = rule(
    "billing.creditbot.early_renewal_days", 60,
    page=CONTRACT_RULES, section="4. Ability to forecast - mutual commitment to timing (additive)",
    locator="Early renewal commitment", line=4442, summary="Early renewal: 60+ days before expiry")

# Runway inputs [INF, spec §2.4]: the last 3 billed months ("last 3 months of usage"
# 002_59a801b964a2a19e.txt:4463), no older than 100 days, at least 28 days of history.
BURN_MAX_INVOICES = rule(
    "billing.creditbot.burn_invoices", 3,
    page=CONTRACT_RULES, section="Self-serve discounts", locator="based on their last", line=4463,
    summary="Burn rate from the last 3 months of usage")
BURN_LOOKBACK_DAYS = 100  # not policy: spec default, not in the handbook (spec 2.4)
BURN_MIN_DAYS = 28  # not policy: spec default, not in the handbook (spec 2.4)

# Re-alert only when the run-out moves this many days earlier [INF, spec §2.6].
REALERT_EARLIER_DAYS = 30  # not policy: spec default, not in the handbook (spec 2.6)
# An episode closes after this many consecutive OK days [INF, spec §2.6 (d)].
EPISODE_RESET_OK_DAYS = 30  # not policy: spec default, not in the handbook (spec 2.6)

# Daily CreditBot run, 09:30 UTC [INF, spec §2.6].
CREDITBOT_CRON = "30 9 * * *"

# Stripe metadata strings that mean "true" (spec §2.2, CB-ELIG 3).
TRUTHY_METADATA = frozenset({"true", "1", "yes"})

# --- Failed and late payments ----------------------------------------------------------------

# "we will attempt 4 automated payments" 002_59a801b964a2a19e.txt:3644
PAYG_MAX_ATTEMPTS = rule(
    "billing.dunning.payg_max_attempts", 4,
    page=BILLING_PAGE, section="Failed/late payments", locator="automated payments using the card",
    line=3644, summary="Pay-as-you-go: 4 automated payment attempts")

# "if we don't receive payment in the next 7 calendar days, their user access will be suspended"
# 002_59a801b964a2a19e.txt:3658
SUSPEND_AFTER_DAYS = rule(
    "billing.dunning.suspend_after_days", 7,
    page=BILLING_PAGE, section="Step 1 - On the day their payment becomes late",
    locator="user access will be suspended", line=3658, summary="Suspend access 7 days after a late payment")
# "if this isn't resolved within the next 7 days we will revert them back to the Free tier"
# 002_59a801b964a2a19e.txt:3669
CANCEL_AFTER_SUSPEND_DAYS = rule(
    "billing.dunning.cancel_after_suspend_days", 7,
    page=BILLING_PAGE, section="Step 3 - Suspending user access", locator="revert them back to the Free tier",
    line=3669, summary="Back to the Free tier 7 days after suspension")
# Steps 2 and 4 come "1 day before" 002_59a801b964a2a19e.txt:3661, 002_59a801b964a2a19e.txt:3674
PRE_NOTICE_DAYS = rule(
    "billing.dunning.pre_notice_days", 1,
    page=BILLING_PAGE, section="Step 2 - 1 day before suspending user access",
    locator="before suspending user access", line=3661, summary="Warn 1 day before suspending or cancelling",
    also=(Source(BILLING_PAGE, "Step 4 - 1 day before cancelling their subscription",
                 "before cancelling their subscription", 3674),))

# "For unmanaged accounts with a failed payment of $1500 or more Simon and Dana are tagged instead."
# 002_59a801b964a2a19e.txt:3654 (inclusive)
UNMANAGED_ESCALATION_THRESHOLD_USD = rule(
    "billing.escalation.unmanaged_threshold_usd", Decimal("1500.00"),
    page=BILLING_PAGE, section="Step 1 - On the day their payment becomes late",
    locator="For unmanaged accounts with a failed payment", line=3654, numbers=(1500,),
    summary="Unmanaged failed payment of $1500+: Simon and Dana")
ESCALATION_UNMANAGED_LARGE = ("Simon", "Dana")  # 002_59a801b964a2a19e.txt:3654
# "If there is no owner in Vitally, Simon will handle this process." 002_59a801b964a2a19e.txt:3648
ESCALATION_NO_OWNER = ("Simon",)
# CreditBot has no rule for a missing owner; by analogy with 002_59a801b964a2a19e.txt:3648 [INF].
CREDITBOT_NO_OWNER_FALLBACK = ("Simon",)

# "After three consecutive missed payment periods, the customer must provide advance payment
# covering three months of service" 002_59a801b964a2a19e.txt:3689
REPEAT_MISSED_PERIODS = rule(
    "billing.dunning.repeat_missed_periods", 3,
    page=BILLING_PAGE, section="Repeated failed payments", locator="consecutive missed payment periods",
    line=3689, summary="Advance payment after 3 missed periods")
ADVANCE_MONTHS = rule(
    "billing.dunning.advance_months", 3,
    page=BILLING_PAGE, section="Repeated failed payments", locator="advance payment covering", line=3689,
    summary="Advance payment covers 3 months")

# An already-late invoice first seen more than this many days late goes to the backlog summary,
# not into an escalation [INF, spec §3.9].
BACKLOG_DAYS = 14  # not policy: spec default, not in the handbook (spec 3.9)

# Hourly reconcile of open invoices as the safety net for missed webhooks [INF, spec §4.3].
PAYMENTS_RECONCILE_MINUTES = 60  # not policy: spec default, not in the handbook (spec 4.3)
# Daily, every open escalation is compared with Stripe invoice by invoice, whatever the listings and
# webhooks said [INF, spec §4.3 "the poll is the source of truth"; issue 15]. 07:00 UTC, before the
# working day's steps are read.
PAYMENTS_AUDIT_CRON = "0 7 * * *"

# Extensions granted with "More time…" [INF, spec §3.6]; owner discretion 002_59a801b964a2a19e.txt:3658
EXTEND_MIN_DAYS = 1
EXTEND_MAX_DAYS = 30  # not policy: spec default, not in the handbook (spec 3.6)

# Country whose banks need 3DS for international cards 002_59a801b964a2a19e.txt:3694-3696
THREE_DS_COUNTRIES = frozenset({"IN"})

# The handbook's suspension reason, verbatim. 002_59a801b964a2a19e.txt:3667
SUSPEND_REASON = "Access revoked due to an unpaid balance."

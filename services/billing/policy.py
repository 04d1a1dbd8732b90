"""Every billing number in one place, each with the handbook line it comes from.

Handbook citations use the seed file name and line: `002_59a801b964a2a19e.txt:3654`.
Numbers the handbook leaves open are marked [INF] (spec billing-alerts.md); they are the
defaults of `bot.billing.settings.BillingSettings`, which reads them from here.
"""

from __future__ import annotations

from decimal import Decimal

# --- CreditBot -------------------------------------------------------------------------------

# "Term (Months): Default is 12" 002_59a801b964a2a19e.txt:5434; "Contract.Term ... (12 months by
# default)" 002_59a801b964a2a19e.txt:4906
DEFAULT_TERM_MONTHS = 12

# Band edges, in calendar months before the term end: "<2 months remaining" 002_59a801b964a2a19e.txt:4701,
# "<6 months and >2 months to go" 002_59a801b964a2a19e.txt:4703. The first half of the term is
# term_months // 2 (1 year = 6 months ...) 002_59a801b964a2a19e.txt:4697.
BAND_C_MONTHS_BEFORE_END = 2
BAND_B_MONTHS_BEFORE_END = 6
# An odd term's half has half a month more [INF, spec §2.4].
ODD_TERM_HALF_EXTRA_DAYS = 15

# "Early renewal commitment (60+ days before expiration)" 002_59a801b964a2a19e.txt:4442
EARLY_RENEWAL_DAYS = 60
EARLY_RENEWAL_UPLIFT_PCT = Decimal("5")  # "+5%" 002_59a801b964a2a19e.txt:4444

# Runway inputs [INF, spec §2.4]: the last 3 billed months ("last 3 months of usage"
# 002_59a801b964a2a19e.txt:4463), no older than 100 days, at least 28 days of history.
BURN_MAX_INVOICES = 3
BURN_LOOKBACK_DAYS = 100
BURN_MIN_DAYS = 28

# Re-alert only when the run-out moves this many days earlier [INF, spec §2.6].
REALERT_EARLIER_DAYS = 30
# An episode closes after this many consecutive OK days [INF, spec §2.6 (d)].
EPISODE_RESET_OK_DAYS = 30

# Daily CreditBot run, 09:30 UTC [INF, spec §2.6].
CREDITBOT_CRON = "30 9 * * *"

# Stripe metadata strings that mean "true" (spec §2.2, CB-ELIG 3).
TRUTHY_METADATA = frozenset({"true", "1", "yes"})

# --- Failed and late payments ----------------------------------------------------------------

# "we will attempt 4 automated payments" 002_59a801b964a2a19e.txt:3644
PAYG_MAX_ATTEMPTS = 4

# "if we don't receive payment in the next 7 calendar days, their user access will be suspended"
# 002_59a801b964a2a19e.txt:3658
SUSPEND_AFTER_DAYS = 7
# "if this isn't resolved within the next 7 days we will revert them back to the Free tier"
# 002_59a801b964a2a19e.txt:3669
CANCEL_AFTER_SUSPEND_DAYS = 7
# Steps 2 and 4 come "1 day before" 002_59a801b964a2a19e.txt:3661, 002_59a801b964a2a19e.txt:3674
PRE_NOTICE_DAYS = 1

# "For unmanaged accounts with a failed payment of $1500 or more Simon and Dana are tagged instead."
# 002_59a801b964a2a19e.txt:3654 (inclusive)
UNMANAGED_ESCALATION_THRESHOLD_USD = Decimal("1500.00")
ESCALATION_UNMANAGED_LARGE = ("Simon", "Dana")  # 002_59a801b964a2a19e.txt:3654
# "If there is no owner in Vitally, Simon will handle this process." 002_59a801b964a2a19e.txt:3648
ESCALATION_NO_OWNER = ("Simon",)
# CreditBot has no rule for a missing owner; by analogy with 002_59a801b964a2a19e.txt:3648 [INF].
CREDITBOT_NO_OWNER_FALLBACK = ("Simon",)

# "After three consecutive missed payment periods, the customer must provide advance payment
# covering three months of service" 002_59a801b964a2a19e.txt:3689
REPEAT_MISSED_PERIODS = 3
ADVANCE_MONTHS = 3

# An already-late invoice first seen more than this many days late goes to the backlog summary,
# not into an escalation [INF, spec §3.9].
BACKLOG_DAYS = 14

# Hourly reconcile of open invoices as the safety net for missed webhooks [INF, spec §4.3].
PAYMENTS_RECONCILE_MINUTES = 60
# Daily, every open escalation is compared with Stripe invoice by invoice, whatever the listings and
# webhooks said [INF, spec §4.3 "the poll is the source of truth"; issue 15]. 07:00 UTC, before the
# working day's steps are read.
PAYMENTS_AUDIT_CRON = "0 7 * * *"

# Extensions granted with "More time…" [INF, spec §3.6]; owner discretion 002_59a801b964a2a19e.txt:3658
EXTEND_MIN_DAYS = 1
EXTEND_MAX_DAYS = 30

# Country whose banks need 3DS for international cards 002_59a801b964a2a19e.txt:3694-3696
THREE_DS_COUNTRIES = frozenset({"IN"})

# The handbook's suspension reason, verbatim. 002_59a801b964a2a19e.txt:3667
SUSPEND_REASON = "Access revoked due to an unpaid balance."

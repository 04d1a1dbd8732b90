"""Demo extension for billing alerts: tour lines that run the CreditBot and payment jobs on the
demo accounts (as of 2025-06-02) and show what lands in #sales-alerts."""

from __future__ import annotations

from bot.demo import TOUR

TOUR.extend([
    ("CreditBot, dry run: what today's run would post, without posting", "jobs run creditbot --dry-run"),
    ("CreditBot: prepaid credit that runs out before the term ends, owner tagged in #sales-alerts",
     "jobs run creditbot"),
    ("Failed and late payments: day-0 roots, the due step, each posted once", "jobs run payments_reconcile"),
    ("Running the same job again posts nothing new", "jobs run payments_reconcile"),
])

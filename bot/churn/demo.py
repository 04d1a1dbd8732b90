"""Demo tour lines for churn risk (`gtmbot demo --tour`); the slash command needs nothing else."""

from __future__ import annotations

from bot.demo import TOUR

TOUR.extend([
    ("Churn risk of one account: level, why, next steps", "/churn-risk cobalt"),
    ("Churn risk of your own book, worst first", "/churn-risk"),
    ("The weekly churn-risk digest in #customer-churn", "jobs run churn_digest"),
])

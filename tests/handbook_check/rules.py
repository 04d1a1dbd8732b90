"""Test-only rules for the small handbook fixture (tests/handbook_fixtures/small): the checker is
given these, never the real registry."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from services.rules.registry import Rule, Source

FIXTURES = Path(__file__).resolve().parents[1] / "handbook_fixtures"
SMALL = FIXTURES / "small"
PAGES = SMALL / "contents" / "handbook"
CONTRACT = "growth/sales/contract-rules"
BILLING = "growth/sales/billing"
CHURN = "growth/sales/churn-signals"
ALLOCATION = "growth/sales/account-allocation"


def rule(id: str, numbers: tuple, page: str, section: str, locator: str, summary: str = "",
         also: tuple[Source, ...] = ()) -> Rule:
    nums = tuple(Decimal(str(n)) for n in numbers)
    return Rule(id, nums, Source(page, section, locator), nums, summary or id, also)


RULES = [
    rule("quotes.volume.tier_25k_pct", (25000, 59000, 20), CONTRACT, "1. Volume discount", "$25-59k",
         "Volume tier $25-59k: 20%"),
    rule("quotes.volume.tier_60k_pct", (60000, 99000, 25), CONTRACT, "1. Volume discount", "$60-99k",
         "Volume tier $60-99k: 25%"),
    rule("quotes.volume.custom_from", (1000000,), CONTRACT, "1. Volume discount", "custom pricing",
         "Custom pricing from $1M"),
    rule("quotes.net_terms.standard_days", (30,), CONTRACT, "3. Timing of cash discount (additive)",
         "our standard", "Standard terms: Net 30"),
    rule("quotes.net_terms.step", (Decimal("2.5"), 15), CONTRACT, "3. Timing of cash discount (additive)",
         "extended payment terms", "-2.5% per 15 days beyond Net 30"),
    rule("quotes.approval.lead_from", (100000,), CONTRACT, "Approvals", "Sales lead", "Sales lead approves over $100k"),
    rule("billing.dunning.pause_days", (20,), BILLING, "Failed payments", "before the account is paused",
         "Pause after twenty days"),
    rule("billing.credits.runway_fraction", (1, 6), BILLING, "Credits", "would run out within",
         "Runway flag: 1/6 of the term"),
    rule("churn.usage.drop_pct", (30, 4), CHURN, "Signals we watch", "Usage dropped",
         "Usage drop over 30% in 4 weeks"),
    rule("churn.logins.quiet_weeks", (2,), CHURN, "Signals we watch", "No logins", "No logins for two weeks"),
    rule("handover.threshold.arr", (20000, 2), ALLOCATION, "Handover thresholds", "handed to a TAM",
         "Handover over $20k ARR, within 2 weeks"),
]

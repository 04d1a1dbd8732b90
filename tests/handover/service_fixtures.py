"""The spec's §5 fixed clock, baseline and team directory (handover-check.md §5), as plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from bot.handover.settings import HandoverSettings
from services.handover import policy as P
from services.handover.model import AccountSnapshot, Target, TeamMember

TODAY = date(2025, 5, 15)  # Q2 2025; quarter end 2025-06-30

ALEX = TeamMember("U0TAE01", "Alex", "TAE", "US")
TARA = TeamMember("U0TAM01", "Tara", "TAM", "US")
CHRIS = TeamMember("U0CSM01", "Chris", "CSM", "US")
PRIYA = TeamMember("U0TAM02", "Priya", "TAM", "US", managed_count=12, leads_count=4)
SAM = TeamMember("U0TAM03", "Sam", "TAM", "EU", managed_count=18, leads_count=7)
LENA = TeamMember("U0CSM02", "Lena", "CSM", "EU", managed_count=22)
TEAM = {m.slack_id: m for m in (ALEX, TARA, CHRIS, PRIYA, SAM, LENA)}

# The settings' defaults, without reading the environment.
OPTIONS = HandoverSettings.model_construct().options()

R, F, E = "session_replay", "feature_flags", "error_tracking"
LEVERS = date(2025, 5, 1)


def discount(pct: str, start: date = date(2025, 1, 1), end: date = date(2025, 12, 31)) -> dict:
    return {"discount_pct": Decimal(pct), "term_start": start, "term_end": end}


def account(name: str, owner: TeamMember | None, arr: str | int, products: tuple[str, ...] = (), **overrides) -> AccountSnapshot:
    """The §5 baseline with the example's overrides."""
    base = AccountSnapshot(
        id=name.lower().replace(" ", "-"),
        name=name,
        owner_slack_id=owner.slack_id if owner else None,
        arr=Decimal(str(arr)),
        paying_for=frozenset(products),
        account_plan_updated_at=date(2025, 4, 20),
        health_label="Good",
        usage_change_pct=Decimal("-5"),
        active_users_30d=12,
        days_since_customer_slack=3,
        billing_email="finance@example.com",
        top40=False,
        user_region_counts={"US": 40, "EU": 5},
        new_owner=P.NEW_OWNER_READY if owner is not None and owner.role == "TAE" else None,
    )
    return replace(base, **overrides)


def role(name: str, region: str | None = None) -> Target:
    return Target(role=name, region=region)


def person(member: TeamMember) -> Target:
    return Target(role=member.role, region=member.region, member=member)

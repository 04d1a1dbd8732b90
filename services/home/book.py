"""A rep's book at a glance for App Home: rows from the commands' own services, grouped, ordered, capped.

Pure: callers pass plain rows (built from churn assessments and handover state) and the row cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.churn.risk import AT_RISK, CHURNED, HEALTHY, WATCH

# Same order as `/churn-risk` with no account (services.churn.digest.own_book): the saveable at-risk
# accounts first, then churned, watch, healthy.
LEVEL_TITLES = {AT_RISK: "At risk", CHURNED: "Churned", WATCH: "Watch", HEALTHY: "Healthy"}


@dataclass(frozen=True)
class HomeRow:
    """One account line: what it is, how much it is worth, what to do next, which commands fit."""

    account_id: str
    name: str
    arr: Decimal
    next_action: str
    commands: tuple[str, ...] = ("churn-risk",)
    detail: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[HomeRow, ...]
    more: int  # rows beyond the cap
    total_arr: Decimal


@dataclass(frozen=True)
class Book:
    """What App Home shows. `sections` holds only non-empty sections, worst first."""

    scope: str  # "your accounts" or "your team's accounts"
    sections: tuple[Section, ...]
    account_count: int

    @property
    def empty(self) -> bool:
        return self.account_count == 0


def _section(title: str, rows: Iterable[HomeRow], cap: int) -> Section | None:
    ordered = sorted(rows, key=lambda r: (-r.arr, r.name.lower(), r.account_id))
    if not ordered:
        return None
    return Section(title, tuple(ordered[:cap]), max(0, len(ordered) - cap), sum((r.arr for r in ordered), Decimal(0)))


def build_book(churn: Sequence[tuple[str, HomeRow]], handovers: Sequence[HomeRow], *, cap: int,
               team: bool = False, tickets: Sequence[HomeRow] = (),
               payments: Sequence[HomeRow] = ()) -> Book:
    """Open payment escalations, then churn rows grouped by level (at risk, churned, watch, healthy), then handovers in flight, then
    accounts with tickets opened this week.

    Within a section rows go by ARR (the money at risk first); each section shows at most `cap` rows and
    counts the rest, so the home stays readable on a phone."""
    if cap < 1:
        raise ValueError("cap must be at least 1 (e.g. HOME_ROWS_PER_SECTION=10)")
    sections: list[Section] = []
    p = _section("Open payment escalations", payments, cap)  # money already late comes first
    if p:
        sections.append(p)
    for level in LEVEL_TITLES:
        s = _section(LEVEL_TITLES[level], (r for lv, r in churn if lv == level), cap)
        if s:
            sections.append(s)
    h = _section("Handovers in flight", handovers, cap)
    if h:
        sections.append(h)
    t = _section("Tickets opened this week", tickets, cap)
    if t:
        sections.append(t)
    ids = {r.account_id for _, r in churn} | {r.account_id for r in (*handovers, *tickets, *payments)}
    return Book("your team's accounts" if team else "your accounts", tuple(sections), len(ids))

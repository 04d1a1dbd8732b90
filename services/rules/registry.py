"""Rules: a policy value, its id, and where the handbook states it.

A rule is declared where its capability's policy lives, by calling `rule()`, which records it and
returns the value, so a policy module reads

    STANDARD_NET_DAYS = rule("quotes.net_terms.standard_days", 30,
                             page=CONTRACT_RULES, section="3. Timing of cash discount (additive)",
                             locator="Net 30 (our standard)", line=4413)

`numbers` are the numbers the passage itself states, as it writes them (20 for "20%", 25000 and
59000 for "$25-59k", 20 for "twenty days"): what `gtmbot handbook check` looks for in the passage.
They default to the value when the value is one number; give them when the bot's value is derived
(a fraction from "1/6", a percentage the handbook writes as a share) or when the passage states
more than one number the rule depends on. `line` is the rule's line in the handbook copy the code
cites (`002_59a801b964a2a19e.txt:LINE`); the page, section and locator are what survive edits.

Pure: no I/O. Importing `all_rules()` imports every area's policy module (AREAS)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")

# The policy modules that declare rules, by area. A new capability with policy numbers adds its module.
AREAS: dict[str, tuple[str, ...]] = {
    "quotes": ("services.quotes.policy",),
    "billing": ("services.billing.policy",),
    "handover": ("services.handover.policy",),
    "churn": ("services.churn.policy",),
    "incidents": ("services.incidents.policy",),
    "tickets": ("services.tickets.policy",),
}

HANDBOOK_FILE = "002_59a801b964a2a19e.txt"


@dataclass(frozen=True)
class Source:
    """Where the handbook states a rule: the page (its path, as in the page's `Source:` URL under
    /handbook/), the heading of the section it sits under, and a few words that find the passage."""

    page: str  # e.g. "growth/sales/contract-rules"
    section: str  # the heading's text, e.g. "How our discounts work"
    locator: str  # a short phrase from the passage, e.g. "$25-59k"
    line: int | None = None  # line in HANDBOOK_FILE the code was written against

    @property
    def citation(self) -> str:
        return f"{HANDBOOK_FILE}:{self.line}" if self.line else self.page


@dataclass(frozen=True)
class Rule:
    id: str  # dotted, area first: "quotes.volume.tier_25k_pct"
    value: Any  # what the services use
    source: Source
    numbers: tuple[Decimal, ...]  # the numbers the passage writes (see the module docstring)
    summary: str = ""  # a few words for a report: "Volume tier $25-59k: 20%"
    extra: tuple[Source, ...] = field(default=())  # further passages stating the same value

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]


_RULES: dict[str, Rule] = {}


def _as_numbers(value: Any) -> tuple[Decimal, ...]:
    if isinstance(value, bool):
        return ()
    if isinstance(value, (int, Decimal)):
        return (Decimal(value),)
    if isinstance(value, float):
        return (Decimal(str(value)),)
    if isinstance(value, (tuple, list)):
        return tuple(n for v in value for n in _as_numbers(v))
    return ()


def rule(id: str, value: T, *, page: str, section: str, locator: str, line: int | None = None,
         numbers: Iterable[int | str | Decimal] | None = None, summary: str = "",
         also: Iterable[Source] = ()) -> T:
    """Declare a rule and return its value (so the declaration is the module constant)."""
    nums = tuple(Decimal(str(n)) for n in numbers) if numbers is not None else _as_numbers(value)
    new = Rule(id, value, Source(page, section, locator, line), nums, summary, tuple(also))
    old = _RULES.get(id)
    if old is not None and old != new:
        raise ValueError(f"rule {id!r} declared twice with different values or sources")
    _RULES[id] = new
    return value


def all_rules() -> list[Rule]:
    """Every rule of every area, in id order."""
    for modules in AREAS.values():
        for name in modules:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
    return sorted(_RULES.values(), key=lambda r: r.id)


def get(id: str) -> Rule:
    all_rules()
    return _RULES[id]

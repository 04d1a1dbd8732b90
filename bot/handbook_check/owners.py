"""HANDBOOK_OWNERS: who owns each area's policy, to be tagged when its rules drift from the handbook."""

from __future__ import annotations


def parse_owners(text: str | None) -> dict[str, tuple[str, ...]]:
    """`"quotes=U123,U456;churn=U789"` -> {"quotes": ("U123", "U456"), "churn": ("U789",)}.

    Areas are the rule ids' first part (quotes, billing, handover, churn, incidents, tickets); `*`
    names owners for every area without its own. Blank parts are ignored, so a trailing `;` is fine."""
    out: dict[str, tuple[str, ...]] = {}
    for part in (text or "").split(";"):
        if "=" not in part:
            continue
        area, people = part.split("=", 1)
        ids = tuple(p.strip().lstrip("@") for p in people.split(",") if p.strip())
        if area.strip() and ids:
            out[area.strip().lower()] = ids
    return out


def owners_for(owners: dict[str, tuple[str, ...]], area: str) -> tuple[str, ...]:
    return owners.get(area) or owners.get("*", ())

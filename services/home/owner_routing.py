"""Who to tag about an account: its owner, or the regional backup while the owner is away.

Pure policy over plain data. The handbook names the duty but nobody to fill it: owners send comms to their
accounts and "a regional backup (Americas / EMEA / APAC)" covers when they are offline
(002_59a801b964a2a19e.txt:4221). With no owner at all, Simon handles it
("If there is no owner in Vitally, Simon will handle this process", 002_59a801b964a2a19e.txt:3648).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Handbook region names (002_59a801b964a2a19e.txt:4221) keyed by the account model's `region` (IMPORT.md §4:
# `Americas`->US, `EMEA`->EU).
REGION_NAMES: Mapping[str, str] = {"US": "Americas", "EU": "EMEA", "APAC": "APAC"}
REGION_ALIASES: Mapping[str, str] = {"AMERICAS": "US", "US": "US", "EMEA": "EU", "EU": "EU", "APAC": "APAC"}

# Spec default for REGIONAL_BACKUPS (incidents-and-tickets.md §B.3): roles only, nobody named (002:4221).
DEFAULT_REGIONAL_BACKUPS: Mapping[str, tuple[str, ...]] = {"US": (), "EU": (), "APAC": ()}
# billing-alerts.md §2.9 / §3.3: no owner -> Simon (002_59a801b964a2a19e.txt:3648).
DEFAULT_NO_OWNER_FALLBACK: tuple[str, ...] = ("Simon",)

# Words in a Slack status that mean "away" (spec: ":palm_tree:", "Out of office", "OOO", "vacation").
AWAY_EMOJI: frozenset[str] = frozenset({":palm_tree:", ":airplane:", ":desert_island:", ":beach_with_umbrella:",
                                        ":face_with_thermometer:", ":sick:"})
AWAY_WORDS: tuple[str, ...] = ("out of office", "ooo", "vacation", "holiday", "on leave", "pto", "off sick",
                               "sick leave", "away until", "parental leave")


@dataclass(frozen=True)
class Member:
    """The parts of a team member routing needs."""

    slack_id: str
    name: str
    region: str | None = None
    out_of_office: bool = False
    status_text: str = ""
    status_emoji: str = ""


@dataclass(frozen=True)
class Route:
    """Whom to tag and, in one sentence, why (shown to people so they trust the tag)."""

    tag: tuple[str, ...]  # Slack ids, or names when a setting names someone not in the directory
    reason: str
    owner_away: bool = False
    fallback: bool = False


def normalise_region(region: str | None) -> str | None:
    """Map `Americas`/`EMEA`/`US`/`EU`/`APAC` (any case) to the account model's region code."""
    if not region:
        return None
    return REGION_ALIASES.get(region.strip().upper())


def away_reason(member: Member) -> str | None:
    """Why the member counts as away, or None: the account model's flag first, then their Slack status."""
    if member.out_of_office:
        return "is out of office"
    emoji = member.status_emoji.strip().lower()
    if emoji in AWAY_EMOJI:
        return f"has the status {emoji}"
    text = member.status_text.strip().lower()
    padded = f" {''.join(c if c.isalnum() else ' ' for c in text)} "
    for word in AWAY_WORDS:
        if f" {word} " in padded:
            return f'has the status "{member.status_text.strip()}"'
    return None


def route(owner: Member | None, *, backups: Mapping[str, Sequence[Member]],
          no_owner_fallback: Sequence[Member]) -> Route:
    """Tag the owner; if away, the backup(s) of the owner's region who are not away themselves."""
    if owner is None:
        names = " and ".join(m.name for m in no_owner_fallback) or "nobody (set ESCALATION_NO_OWNER)"
        return Route(tuple(m.slack_id for m in no_owner_fallback),
                     f"The account has no owner; tagging {names}.", fallback=True)
    why = away_reason(owner)
    if why is None:
        return Route((owner.slack_id,), f"Tagging the owner {owner.name}.")
    code = normalise_region(owner.region)
    if code is None:
        return Route((owner.slack_id,), f"{owner.name} {why} but has no region, so no regional backup is known; "
                     f"tagging {owner.name} anyway.", owner_away=True)
    region = REGION_NAMES[code]
    present = [m for m in backups.get(code, ()) if m.slack_id != owner.slack_id and away_reason(m) is None]
    if not present:
        return Route((owner.slack_id,), f"{owner.name} {why} and no {region} backup is available "
                     f"(set HOME_REGIONAL_BACKUPS); tagging {owner.name} anyway.", owner_away=True)
    names = " and ".join(m.name for m in present)
    return Route(tuple(m.slack_id for m in present),
                 f"{owner.name} {why}; tagging the {region} backup {names}.", owner_away=True)

"""Drafting a customer message: defaults from the incident, then validation before any row is written.

A draft is refused (Slack `response_action: errors`) when a `[…]` placeholder is left, the text
is over Block Kit's 3,000 characters, "next update" is outside the band, or a broadcast that
needs a reason has none (spec B.5.7, C.5, C.6, E14, E20). Tone hints never block (B.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.incidents.policy import (
    ROUTE_BROADCAST,
    broadcast_needs_reason,
    next_update_bounds,
    validate_next_update,
)
from services.incidents.templates import (
    PER_CHANNEL_FIELDS,
    PER_SENDER_FIELDS,
    Template,
    ToneHint,
    fields_of,
    fill_per_channel,
    first_name,
    format_duration,
    format_utc_time,
    format_window,
    render,
    template_for,
    tone_warnings,
    unfilled_fields,
)

SLACK_SECTION_LIMIT = 3000  # not policy: Block Kit section text limit [external], spec C.5


@dataclass(frozen=True)
class IncidentFacts:
    """What a draft can be filled from."""

    public_id: str
    level: int
    feature: str
    symptom: str
    declared_at: datetime
    resolved_at: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    postmortem_url: str | None = None


def draft_fields(kind: str, level: int, route: str = ROUTE_BROADCAST) -> tuple[str, ...]:
    """The modal's fields for a message kind, per-channel ones left out (and the signature on
    the owner route, where each owner signs their own sends)."""
    later = PER_CHANNEL_FIELDS | (PER_SENDER_FIELDS if route != ROUTE_BROADCAST else frozenset())
    return tuple(f for f in fields_of(template_for(kind, level)) if f not in later and f != "next_minutes")


def draft_defaults(kind: str, facts: IncidentFacts, now: datetime, sender_name: str, route: str = ROUTE_BROADCAST) -> dict[str, str]:
    """Prefill: feature/symptom from the declaration, `[time UTC]` = now, `[start–end]` =
    declared → now in UTC (spec B.5.7), the signature = the sender's first name (4172)."""
    values = {
        "feature": facts.feature,
        "symptom": facts.symptom,
        "sender": first_name(sender_name),
        "resolved_time": format_utc_time(facts.resolved_at or now),
        "duration": format_duration(facts.declared_at, facts.resolved_at or now),
        "date": f"{facts.declared_at.day} {facts.declared_at:%b}",
    }
    if facts.window_start and facts.window_end:
        values["window"] = format_window(facts.window_start, facts.window_end)
        values["system"] = facts.feature
    if facts.postmortem_url:
        values["link"] = facts.postmortem_url
    return {k: v for k, v in values.items() if k in draft_fields(kind, facts.level, route)}


@dataclass(frozen=True)
class DraftCheck:
    """The outcome: errors by field (block ids `f_<field>`, `next_minutes`, `reason`) or a text."""

    text: str
    template: Template
    next_minutes: int | None
    errors: Mapping[str, str]
    tone: tuple[ToneHint, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_draft(
    kind: str,
    level: int,
    values: Mapping[str, str],
    *,
    next_minutes: str | None = None,
    route: str = "owners",
    reason: str = "",
    is_security: bool = False,
) -> DraftCheck:
    template = template_for(kind, level)
    errors: dict[str, str] = {}
    minutes: int | None = None
    band = next_update_bounds(level)
    if kind == "update" and band:
        raw = (next_minutes or "").strip() or str(band[0])
        if not raw.isdigit():
            errors["next_minutes"] = f"Type a number of minutes, e.g. {band[0]}."
        else:
            minutes = int(raw)
            problem = validate_next_update(level, minutes)
            if problem:
                errors["next_minutes"] = problem
    elif kind == "initial" and band:
        minutes = band[0]  # the initial templates promise the lower bound (4144, 4168, 4184)
    filled = dict(values)
    if minutes is not None:
        filled["next_minutes"] = str(minutes)
    text = render(template, filled)
    later = PER_CHANNEL_FIELDS | (PER_SENDER_FIELDS if route != ROUTE_BROADCAST else frozenset())
    for field, message in unfilled_fields(text, later).items():
        errors.setdefault(f"f_{field}", message)
    longest = fill_per_channel(text, "X" * 60, "X" * 40)  # not policy: a long recipient and sender name, to size the worst case
    if len(longest) > SLACK_SECTION_LIMIT:
        first = next(iter(draft_fields(kind, level)), "text")
        errors.setdefault(f"f_{first}", f"The message is {len(longest)} characters; Slack shows at most {SLACK_SECTION_LIMIT} in one block. Shorten it.")
    if route == ROUTE_BROADCAST and broadcast_needs_reason(level, is_security) and not reason.strip():
        errors["reason"] = "A broadcast at this severity needs a reason, e.g. owners offline (002_59a801b964a2a19e.txt:4273)."
    return DraftCheck(text, template, minutes, errors, tone_warnings(text))

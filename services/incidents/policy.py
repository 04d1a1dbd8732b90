"""Incident severities, routes, roles and the CMOC rota: the handbook's numbers in one place.

Every number is a rule (services/rules) naming its handbook page, section and passage, and the line
it comes from (`002_59a801b964a2a19e.txt:LINE`); the other incident modules import them from here.
Anything the handbook leaves open (working hours, regional backups) arrives as an argument
from `bot/incidents/settings.py`; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.rules import Source, rule

SEVERITY_TABLE = "002_59a801b964a2a19e.txt:4131"
SEV0_OVERRIDE = "002_59a801b964a2a19e.txt:4228"
BROADCAST_EXCEPTION = "002_59a801b964a2a19e.txt:4273"
SEND_AS_COMPANY = "002_59a801b964a2a19e.txt:4284"
ROLES_TABLE = "002_59a801b964a2a19e.txt:4221"
COORDINATION_RULE = "002_59a801b964a2a19e.txt:4223"
ENGAGEMENT_RULE = "002_59a801b964a2a19e.txt:4294"
CMOC_ROTA = "002_59a801b964a2a19e.txt:12811"

ROUTE_OWNERS = "owners"
ROUTE_BROADCAST = "broadcast"

# --- Rules (002_59a801b964a2a19e.txt:4131 and the templates under it) ---------------------------

INCIDENTS_PAGE = "growth/sales/communications-templates-incidents"

# The table's levels, SEV 0 to SEV 4 (4131): the numbers `/incident declare sev2` accepts. One rule
# per row, found by the level's name, so a renumbered row reads as changed.
SEV_EMERGENCY = rule(
    "incidents.severity.emergency_level", 0,
    page=INCIDENTS_PAGE, section="Severity levels", locator="– Emergency", line=4131,
    summary="SEV 0 – Emergency")
SEV_CRITICAL = rule(
    "incidents.severity.critical_level", 1,
    page=INCIDENTS_PAGE, section="Severity levels", locator="– Critical", line=4131,
    summary="SEV 1 – Critical")
SEV_MAJOR = rule(
    "incidents.severity.major_level", 2,
    page=INCIDENTS_PAGE, section="Severity levels", locator="– Major", line=4131,
    summary="SEV 2 – Major")
SEV_MINOR = rule(
    "incidents.severity.minor_level", 3,
    page=INCIDENTS_PAGE, section="Severity levels", locator="– Minor", line=4131,
    summary="SEV 3 – Minor")
SEV_PLANNED = rule(
    "incidents.severity.planned_level", 4,
    page=INCIDENTS_PAGE, section="Severity levels", locator="– Informational / Planned", line=4131,
    summary="SEV 4 – Informational / Planned")
SEVERITY_LEVELS = (SEV_EMERGENCY, SEV_CRITICAL, SEV_MAJOR, SEV_MINOR, SEV_PLANNED)

# "Next update in N minutes" bands (4131 "Cadence" column); SEV 1/2 repeated in the workflow (4242).
SEV0_UPDATE_MINUTES = rule(
    "incidents.cadence.sev0_update_minutes", (15, 30),
    page=INCIDENTS_PAGE, section="Severity levels", locator="Immediate broadcast, then every", line=4131,
    summary="SEV 0 updates every 15-30 min",
    also=(Source(INCIDENTS_PAGE, "Emergency (SEV 0)", "post updates here every", 4144),))
SEV1_UPDATE_MINUTES = rule(
    "incidents.cadence.sev1_update_minutes", (30, 60),
    page=INCIDENTS_PAGE, section="Severity levels", locator="SEV 1 – Critical", line=4131,
    summary="SEV 1 updates every 30-60 min",
    also=(Source(INCIDENTS_PAGE, "Workflow", "Updates drafted by CMOC", 4242),))
SEV2_UPDATE_MINUTES = rule(
    "incidents.cadence.sev2_update_minutes", (60, 120),
    page=INCIDENTS_PAGE, section="Severity levels", locator="SEV 2 – Major", line=4131,
    numbers=(1, 2), summary="SEV 2 updates every 1-2 hrs",
    also=(Source(INCIDENTS_PAGE, "Workflow", "Updates drafted by CMOC", 4242),))

# Postmortem promises, counted from resolution (spec Part F #7); repeated in the templates.
SEV0_POSTMORTEM_HOURS = rule(
    "incidents.postmortem.sev0_hours", 24,
    page=INCIDENTS_PAGE, section="Severity levels", locator="SEV 0 – Emergency", line=4131,
    summary="SEV 0 postmortem within 24h",
    also=(Source(INCIDENTS_PAGE, "Emergency (SEV 0)", "A full postmortem will follow", 4158),))
SEV1_POSTMORTEM_HOURS = rule(
    "incidents.postmortem.sev1_hours", 48,
    page=INCIDENTS_PAGE, section="Severity levels", locator="SEV 1 – Critical", line=4131,
    summary="SEV 1 postmortem within 48h",
    also=(Source(INCIDENTS_PAGE, "Critical", "share a full write-up", 4176),))


@dataclass(frozen=True)
class Severity:
    """One row of the severity table (002_59a801b964a2a19e.txt:4131), normalised."""

    level: int
    name: str
    description: str
    examples: str
    channels: str
    cadence: str
    band_minutes: tuple[int, int] | None  # periodic customer updates, (lower, upper)
    postmortem_hours: int | None  # counted from resolution (spec Part F #7)
    default_route: str

    @property
    def label(self) -> str:
        """"SEV 1 – Critical", as the handbook's table writes it."""
        return f"SEV {self.level} – {self.name}"

    @property
    def default_next_update(self) -> int | None:
        """The lower bound of the band: what the templates promise (4144, 4168, 4184)."""
        return self.band_minutes[0] if self.band_minutes else None


# 002_59a801b964a2a19e.txt:4131 (table); bands for SEV 1/2 repeated at 4242;
# postmortem promises repeated in the templates at 4158 (24 h) and 4176 (48 h).
SEVERITIES: Mapping[int, Severity] = {
    SEV_EMERGENCY: Severity(
        SEV_EMERGENCY,
        "Emergency",
        "Existential service failure; all or most customers impacted with no workaround. "
        "CMOC sends immediately via broadcast. Account owners do not gate comms.",
        "Full platform outage, data loss, security breach with active customer impact.",
        "Pylon broadcast → Email → DM/SMS",
        "Immediate broadcast, then every 15–30 min; postmortem within 24h",
        SEV0_UPDATE_MINUTES,
        SEV0_POSTMORTEM_HOURS,
        ROUTE_BROADCAST,
    ),
    SEV_CRITICAL: Severity(
        SEV_CRITICAL,
        "Critical",
        "Major outage or data loss; widespread impact.",
        "API unavailable, ingestion halted, login failures.",
        "Slack → Email → (DM or SMS if needed)",
        "Every 30–60 min; postmortem within 48h",
        SEV1_UPDATE_MINUTES,
        SEV1_POSTMORTEM_HOURS,
        ROUTE_OWNERS,
    ),
    SEV_MAJOR: Severity(
        SEV_MAJOR,
        "Major",
        "Partial degradation or downtime; workaround available.",
        "Replay or query delays >30 min, flag evaluation slow.",
        "Slack or Email",
        "Every 1–2 hrs",
        SEV2_UPDATE_MINUTES,
        None,
        ROUTE_OWNERS,
    ),
    SEV_MINOR: Severity(
        SEV_MINOR,
        "Minor",
        "Limited impact or slow recovery.",
        "Billing sync delays, isolated org issues.",
        "Slack",
        "Start and close",
        None,
        None,
        ROUTE_OWNERS,
    ),
    SEV_PLANNED: Severity(
        SEV_PLANNED,
        "Informational / Planned",
        "Maintenance or recovered incidents.",
        "DB upgrade, scaling events.",
        "Email or Slack broadcast",
        "Before + after window",
        None,
        None,
        ROUTE_OWNERS,
    ),
}

# Spec C.2 parsing: names accepted for each level (case-insensitive).
SEVERITY_NAMES: Mapping[str, int] = {
    "emergency": SEV_EMERGENCY,
    "critical": SEV_CRITICAL,
    "major": SEV_MAJOR,
    "minor": SEV_MINOR,
    "maintenance": SEV_PLANNED,
    "planned": SEV_PLANNED,
    "info": SEV_PLANNED,
    "informational": SEV_PLANNED,
}


def severity(level: int) -> Severity:
    """The table row for a level; raises KeyError for anything outside 0-4."""
    return SEVERITIES[level]


def next_update_bounds(level: int) -> tuple[int, int] | None:
    """Allowed "next update in N minutes" (spec C.6); None when the cadence is not periodic."""
    return SEVERITIES[level].band_minutes


def validate_next_update(level: int, minutes: int) -> str | None:
    """An error message when N lies outside the severity's band (4131), else None."""
    band = next_update_bounds(level)
    if band is None:
        return f"{SEVERITIES[level].label} has no periodic updates ({SEVERITIES[level].cadence}, {SEVERITY_TABLE})."
    low, high = band
    if not low <= minutes <= high:
        return (
            f"Next update must be {low}–{high} minutes for {SEVERITIES[level].label} "
            f"({SEVERITY_TABLE}), e.g. {low}."
        )
    return None


def postmortem_due(level: int, resolved_at: datetime) -> datetime | None:
    """When the postmortem is due: 24 h (SEV 0) / 48 h (SEV 1) after resolution (4131, 4158, 4176)."""
    hours = SEVERITIES[level].postmortem_hours
    return resolved_at + timedelta(hours=hours) if hours is not None else None


@dataclass(frozen=True)
class RouteOption:
    """Whether a route may be used, and whether the CMOC must type a reason (logged)."""

    route: str
    needs_reason: bool
    why: str


def allowed_routes(level: int, is_security: bool = False) -> tuple[RouteOption, ...]:
    """Routes for a customer message, default first.

    SEV 0 always broadcasts; owners do not gate comms (4131, 4228). SEV 4 may use a Slack
    broadcast (4131). SEV 1 or a security issue may broadcast "if speed is of the essence"
    (4273); the spec (Part F #14, E14) asks for a typed reason there and for SEV 2/3.
    """
    if level == SEV_EMERGENCY:
        return (RouteOption(ROUTE_BROADCAST, False, f"SEV 0 override ({SEV0_OVERRIDE})"),)
    owners = RouteOption(ROUTE_OWNERS, False, f"owners send CMOC drafts ({ROLES_TABLE})")
    if level == SEV_PLANNED:
        return (owners, RouteOption(ROUTE_BROADCAST, False, f"SEV 4 allows a Slack broadcast ({SEVERITY_TABLE})"))
    if level == SEV_CRITICAL or is_security:
        why = f"speed is of the essence for a SEV 1 or security issue ({BROADCAST_EXCEPTION})"
    else:
        why = f"exception to the owner route; the handbook names SEV 1 or security only ({BROADCAST_EXCEPTION})"
    return (owners, RouteOption(ROUTE_BROADCAST, True, why))


def broadcast_needs_reason(level: int, is_security: bool = False) -> bool:
    """True when a broadcast at this severity must carry a typed reason (E14, Part F #14)."""
    for option in allowed_routes(level, is_security):
        if option.route == ROUTE_BROADCAST:
            return option.needs_reason
    return True


def draft_kind(action: str, severity: int, *, sev0_initial_approved: bool = True) -> str:
    """Which message `/incident update|resolve` drafts.

    For SEV 4 the update is the before-message and the resolution the after-window message
    ("Before + after window", 4131; 4198). An incident upgraded to SEV 0 whose SEV 0 initial
    broadcast has not gone out yet drafts that initial first: the override makes the CMOC tell
    every affected channel at once (4228; spec C.6), and an "update" would only reach channels
    that already had a broadcast."""
    if severity == SEV_PLANNED:
        return "maintenance_after" if action == "resolve" else "maintenance_before"
    if action == "update":
        return "initial" if severity == SEV_EMERGENCY and not sev0_initial_approved else "update"
    return "resolution"


# --- CMOC rota (002_59a801b964a2a19e.txt:12811) ------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingWindow:
    """A region's working day: days of week, start in one zone, end in another.

    The US day starts at 09:00 New York and ends at 18:00 Los Angeles (spec B.3; the US team
    runs East and West, 002_59a801b964a2a19e.txt:10276), so start and end zones may differ.
    """

    region: str
    days: frozenset[int]  # 0 = Monday
    start: time
    start_tz: str
    end: time
    end_tz: str

    def bounds_on(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.start, ZoneInfo(self.start_tz))
        end = datetime.combine(day, self.end, ZoneInfo(self.end_tz))
        return start, end

    def current_bounds(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The working-day interval containing `now`, if any."""
        candidates = {now.astimezone(ZoneInfo(self.start_tz)).date(), now.astimezone(ZoneInfo(self.end_tz)).date()}
        for day in sorted(candidates):
            if day.weekday() not in self.days:
                continue
            start, end = self.bounds_on(day)
            if start <= now < end:
                return start, end
        return None

    def contains(self, now: datetime) -> bool:
        return self.current_bounds(now) is not None


def parse_window(region: str, spec: str) -> WorkingWindow:
    """Parse "Mon-Fri 09:00-18:00 Europe/London" or
    "Mon-Fri 09:00 America/New_York - 18:00 America/Los_Angeles". Raises ValueError with an example."""
    example = 'e.g. "Mon-Fri 09:00-18:00 Europe/London"'
    parts = spec.replace("–", "-").split()
    try:
        days_part = parts[0].lower()
        first, last = days_part.split("-")
        i, j = WEEKDAYS.index(first[:3]), WEEKDAYS.index(last[:3])  # not policy: "Mon" is a day's 3-letter name
        days = frozenset(range(i, j + 1)) if i <= j else frozenset(list(range(i, 7)) + list(range(0, j + 1)))  # not policy: 7 days a week
        rest = parts[1:]
        if len(rest) == 2:  # not policy: parser shape, "09:00-18:00 Zone"
            start_s, end_s = rest[0].split("-")
            start_tz = end_tz = rest[1]
        elif len(rest) == 5 and rest[2] == "-":  # not policy: parser shape, "09:00 ZoneA - 18:00 ZoneB"
            start_s, start_tz, _, end_s, end_tz = rest
        else:
            raise ValueError
        ZoneInfo(start_tz)
        ZoneInfo(end_tz)
        return WorkingWindow(region, days, time.fromisoformat(start_s), start_tz, time.fromisoformat(end_s), end_tz)
    except Exception as exc:  # noqa: BLE001 - any parse failure becomes one clear message
        raise ValueError(f"Cannot read working hours {spec!r} for {region}; {example}.") from exc


@dataclass(frozen=True)
class RotaPair:
    region: str  # "EU" or "US"
    members: tuple[str, ...]  # Slack user ids (settings CMOC_EU / CMOC_US)


@dataclass(frozen=True)
class CmocSuggestion:
    """Who the rota suggests right now. The bot only suggests; whoever claims is CMOC (spec B.3)."""

    on_duty: tuple[RotaPair, ...]  # in suggestion order, EU first in the overlap
    all_pairs: tuple[RotaPair, ...]
    text: str

    @property
    def on_rota(self) -> bool:
        return bool(self.on_duty)


REGION_HOURS_LABEL = {"EU": "EU working hours", "US": "US working day"}


def _pair_names(pair: RotaPair, names: Mapping[str, str]) -> str:
    return " or ".join(names.get(member, member) for member in pair.members)


def suggest_cmoc(
    now: datetime,
    pairs: Sequence[RotaPair],
    windows: Mapping[str, WorkingWindow],
    names: Mapping[str, str] | None = None,
) -> CmocSuggestion:
    """Suggest the CMOC pair whose region is working at `now` (002_59a801b964a2a19e.txt:12811).

    In the EU/US overlap both pairs show, EU first (it is named first at 12811). Outside
    both windows there is nobody on the rota ("not quite ready for a full on-call rotation").
    """
    names = names or {}
    on_duty = tuple(p for p in pairs if p.region in windows and windows[p.region].contains(now))
    if on_duty:
        text = "; ".join(f"{_pair_names(p, names)} ({REGION_HOURS_LABEL.get(p.region, p.region)})" for p in on_duty)
    else:
        listed = "; ".join(f"{_pair_names(p, names)} ({p.region})" for p in pairs)
        text = f"No CMOC on the rota now ({CMOC_ROTA}). Rota: {listed}"
    return CmocSuggestion(on_duty, tuple(pairs), text)


def cmoc_region(cmoc_id: str, pairs: Sequence[RotaPair]) -> str | None:
    """The rota region a CMOC belongs to, if any."""
    for pair in pairs:
        if cmoc_id in pair.members:
            return pair.region
    return None


def can_command(user_id: str, allowed: Sequence[str], current_cmoc: str | None = None) -> bool:
    """Only the incident's current CMOC or a member of CMOC_ALLOWED (rota + team leads) may
    broadcast, change severity, hand off, resolve or close (spec C.2)."""
    return user_id == current_cmoc or user_id in allowed

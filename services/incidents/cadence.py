"""When the CMOC must act next: update cadence, coverage gaps, handoffs, postmortem, maintenance.

Each reminder has a unique key (`inc:<id>:…`), so the job can hand it to the outbox and it fires
once across restarts and replicas (spec C.6). Reminders are computed from the latest customer
message only: a newer update replaces the whole series, which is how "an update sent at 10:28
cancels the 10:30 and 11:00 reminders" (E18) falls out.
Lead times the spec proposes (5 min, 4 h, 24 h, 1 h, 30 min, 10/30 min) are settings, passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.incidents.policy import (
    SEV_MINOR,
    SEVERITIES,
    SEVERITY_TABLE,
    RotaPair,
    WorkingWindow,
    cmoc_region,
    postmortem_due,
)

DM_CMOC = "dm_cmoc"
THREAD = "thread"
THREAD_MENTION_ROTA = "thread_mention_rota"


@dataclass(frozen=True)
class Reminder:
    key: str
    series: str  # reminders of one series supersede each other
    kind: str
    at: datetime
    where: str
    text: str


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


def next_update_due(sent_at: datetime, minutes: int) -> datetime:
    """`next_update_due_at = sent_at + N` (spec C.6; E13, E15)."""
    return sent_at + timedelta(minutes=minutes)


def update_reminders(
    incident_id: int,
    public_id: str,
    level: int,
    comm_seq: int,
    sent_at: datetime,
    next_minutes: int,
    lead_minutes: int,
) -> tuple[Reminder, ...]:
    """DM the CMOC `lead` minutes before the promised update, post in the thread when it is due,
    and post again mentioning the CMOC and the rota pair at the band's upper bound (4131; E18).
    SEV 3 and SEV 4 have no periodic cadence ("Start and close", "Before + after window")."""
    sev = SEVERITIES[level]
    if sev.band_minutes is None:
        return ()
    low, high = sev.band_minutes
    due = next_update_due(sent_at, next_minutes)
    overdue = sent_at + timedelta(minutes=high)
    series = f"inc:{incident_id}:due:{comm_seq}"
    out = [
        Reminder(
            f"{series}:soon",
            series,
            "update_soon",
            due - timedelta(minutes=lead_minutes),
            DM_CMOC,
            f"Next update for {public_id} (SEV {level}) is due at {_hhmm(due)}.",
        )
    ]
    if due < overdue:
        out.append(
            Reminder(
                f"{series}:due",
                series,
                "update_due",
                due,
                THREAD,
                f"Update due now for {public_id} (SEV {level}): the last customer update went out at {_hhmm(sent_at)}.",
            )
        )
    out.append(
        Reminder(
            f"{series}:overdue",
            series,
            "update_overdue",
            overdue,
            THREAD_MENTION_ROTA,
            f"SEV {level} cadence is every {low}–{high} min ({SEVERITY_TABLE}); the last customer update was {high} min ago.",
        )
    )
    return tuple(out)


def postmortem_reminders(incident_id: int, public_id: str, level: int, resolved_at: datetime, lead_hours: int) -> tuple[Reminder, ...]:
    """DM the CMOC `lead` hours before the postmortem is due and when it is due (spec C.7; E19)."""
    due = postmortem_due(level, resolved_at)
    if due is None:
        return ()
    text = (
        f"Postmortem for {public_id} is due by {_hhmm(due)} on {due.day} {due:%b} ({SEVERITY_TABLE}). "
        f"Share it with `/incident postmortem {public_id} <url>`."
    )
    series = f"inc:{incident_id}:postmortem"
    return (
        Reminder(f"{series}:soon", f"{series}:soon", "postmortem_soon", due - timedelta(hours=lead_hours), DM_CMOC, text),
        Reminder(f"{series}:due", f"{series}:due", "postmortem_due", due, DM_CMOC, text),
    )


def maintenance_reminders(
    incident_id: int,
    public_id: str,
    declared_at: datetime,
    window_start: datetime,
    window_end: datetime,
    before_sent: bool,
    before_lead_hours: int,
    last_call_hours: int,
) -> tuple[Reminder, ...]:
    """SEV 4 "Before + after window" (4131): a before-message reminder at start − 24 h (or at
    declaration if later), a last call at start − 1 h while it is unsent, and "confirm
    completion" at the window's end (4198 "We’ll confirm once complete"; E24)."""
    series = f"inc:{incident_id}:maint"
    out: list[Reminder] = []
    if not before_sent:
        first = max(window_start - timedelta(hours=before_lead_hours), declared_at)
        text = f"Maintenance {public_id} starts at {_hhmm(window_start)} on {window_start.day} {window_start:%b}: send the before-message."
        out.append(Reminder(f"{series}:before", f"{series}:before", "maintenance_before", first, DM_CMOC, text))
        last_call = window_start - timedelta(hours=last_call_hours)
        if last_call > first:
            out.append(Reminder(f"{series}:before_last_call", f"{series}:before_last_call", "maintenance_before", last_call, DM_CMOC, text + " It has not gone out yet."))
    out.append(
        Reminder(
            f"{series}:after",
            f"{series}:after",
            "maintenance_after",
            window_end,
            DM_CMOC,
            f"Maintenance {public_id} window has ended: confirm completion to customers (002_59a801b964a2a19e.txt:4198).",
        )
    )
    return tuple(out)


def coverage_check(
    incident_id: int,
    level: int,
    comm_seq: int,
    shared_at: datetime,
    minutes_sev1: int,
    minutes_other: int,
) -> datetime | None:
    """When to check that every account heard about a draft shared with owners (spec C.4):
    SEV 1 sooner than the others; SEV 0 broadcasts and needs no owner check."""
    if level == 0:
        return None
    return shared_at + timedelta(minutes=minutes_sev1 if level == 1 else minutes_other)


def coverage_gap_text(unnotified: Sequence[tuple[str, str | None]]) -> str:
    """"1 account not notified yet (owners <@U_BOB>)…" (E14). Items: (account name, owner id)."""
    n = len(unnotified)
    owners = sorted({o for _, o in unnotified if o})
    who = ", ".join(f"<@{o}>" for o in owners) or "no owner on record"
    noun = "account" if n == 1 else "accounts"
    return f"{n} {noun} not notified yet (owners {who}): {', '.join(name for name, _ in unnotified)}."


def handoff_prompt(
    incident_id: int,
    public_id: str,
    now: datetime,
    cmoc_id: str,
    pairs: Sequence[RotaPair],
    windows: Mapping[str, WorkingWindow],
    lead_minutes: int,
    names: Mapping[str, str] | None = None,
) -> Reminder | None:
    """`lead` minutes before the CMOC's region's day ends, offer a handoff to the other pair
    (002_59a801b964a2a19e.txt:4221, 4244; E25)."""
    names = names or {}
    region = cmoc_region(cmoc_id, pairs)
    if region is None or region not in windows:
        return None
    bounds = windows[region].current_bounds(now)
    if bounds is None:
        return None
    _, end = bounds
    if not end - timedelta(minutes=lead_minutes) <= now < end:
        return None
    others = [p for p in pairs if p.region != region]
    to = "; ".join(" or ".join(names.get(m, m) for m in p.members) for p in others) or "the next CMOC"
    series = f"inc:{incident_id}:handoff:{cmoc_id}:{end.date().isoformat()}"
    return Reminder(series, series, "handoff", end - timedelta(minutes=lead_minutes), DM_CMOC, f"{region} day ends at {end:%H:%M}. Hand off {public_id} to {to}?")


def still_open_reminder(incident_id: int, public_id: str, level: int, declared_at: datetime, now: datetime) -> Reminder | None:
    """SEV 3: no cadence ("Start and close", 4131); a daily "still open?" DM instead (spec C.6 [proposal])."""
    if level != SEV_MINOR:
        return None
    days = int((now - declared_at) / timedelta(days=1))
    if days < 1:
        return None
    at = declared_at + timedelta(days=days)
    key = f"inc:{incident_id}:still_open:{days}"
    return Reminder(key, key, "still_open", at, DM_CMOC, f"{public_id} (SEV 3) has been open {days} day{'s' if days > 1 else ''}. Still open? Resolve it with `/incident resolve {public_id}`.")


def due_now(reminders: Iterable[Reminder], now: datetime, fired: Iterable[str]) -> tuple[Reminder, ...]:
    """Reminders to send at `now`: due, not sent before, and only the latest of each series
    (after downtime the bot says the current thing once, not a burst of stale ones)."""
    done = set(fired)
    latest: dict[str, Reminder] = {}
    for r in reminders:
        if r.at <= now and (r.series not in latest or latest[r.series].at < r.at):
            latest[r.series] = r
    return tuple(sorted((r for r in latest.values() if r.key not in done), key=lambda r: (r.at, r.key)))

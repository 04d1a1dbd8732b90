"""The handbook's incident message templates as data, filled from the incident, plus the tone lint.

Templates are stored unescaped and otherwise byte-exact (spec B.5): the SEV 0 block uses
straight apostrophes, the Critical/Major/Minor/Maintenance blocks use ’. Defaults that fill
gaps in the handbook (spec B.5.8) are marked `handbook=False` so the UI can label them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from services.incidents.policy import SEV_CRITICAL, SEV_EMERGENCY, SEV_MAJOR, SEV_MINOR, SEV_PLANNED

HB = "002_59a801b964a2a19e.txt"


@dataclass(frozen=True)
class Template:
    """One customer message shape. Paragraphs are joined by a blank line."""

    key: str
    label: str
    paragraphs: tuple[str, ...]
    source: str
    subject: str | None = None
    handbook: bool = True

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


SEV0_SYMPTOM = '[Symptom — e.g., "Event ingestion is fully stopped" or "The PostHog app is unreachable."]'
SEV0_STATUS = '[Status — e.g., "Root cause identified. Fix is being deployed." or "Still investigating. No ETA yet, but narrowing it down."]'

TEMPLATES: Mapping[str, Template] = {
    t.key: t
    for t in (
        Template(
            "sev0.initial",
            "SEV 0 initial broadcast",
            (
                f"We're investigating a major incident affecting [feature/service]. {SEV0_SYMPTOM}",
                "Our engineering team is actively working on a fix. We'll post updates here every 15–30 minutes until this is resolved.",
            ),
            f"{HB}:4142-4144",
        ),
        Template(
            "sev0.update",
            "SEV 0 update",
            (f"Update on [feature/service]: {SEV0_STATUS}", "Next update in ~[15/30] minutes."),
            f"{HB}:4148-4150",
        ),
        Template(
            "sev0.resolution",
            "SEV 0 resolution",
            (
                "[Feature/service] is back online as of [time UTC].",
                "Root cause: [one-line summary]. Duration: [start–end]. Impact: [brief description of what customers experienced].",
                "We're monitoring closely. A full postmortem will follow within 24 hours.",
                "If you experienced data gaps or have concerns about impact to your project, reply here and your account owner will follow up directly.",
            ),
            f"{HB}:4154-4160",
        ),
        Template(
            "critical.initial",
            "Critical (SEV 1) initial",
            (
                "Hey [Name/Team],",
                "We’re investigating a major outage affecting [feature]. You may see [symptom]. Engineers are on it — updates every 30 minutes until resolved.",
                "We know this may disrupt your work — thanks for your patience while we get things back online.",
                "— [Your Name], PostHog",
            ),
            f"{HB}:4164-4172",
            subject="PostHog Outage – We’re investigating",
        ),
        Template(
            "critical.resolution",
            "Critical (SEV 1) resolution",
            (
                "Good news — the issue is resolved. Root cause: [summary]. Duration: [start–end]. Impact: [brief effect].",
                "We’re monitoring and will share a full write-up within 48 hours.",
            ),
            f"{HB}:4174-4176",
        ),
        Template(
            "major.initial",
            "Major (SEV 2) initial",
            (
                "Hey [Name],",
                "We’re seeing performance issues in [component]. You might notice [impact]. We’re mitigating and will update within the hour.",
                "Thanks for your patience! — [Your Name], PostHog",
            ),
            f"{HB}:4180-4186",
            subject="Performance issues in [Feature]",
        ),
        Template(
            "minor.initial",
            "Minor (SEV 3) initial",
            ("FYI — This shouldn’t block you, but we’re monitoring closely. I’ll update once it’s stable.",),
            f"{HB}:4190-4192",
            subject="Slower performance in [area]",
        ),
        Template(
            "maintenance.before",
            "Planned maintenance (SEV 4) before the window",
            (
                "Heads up — maintenance on [system] from [time window]. No downtime expected, but queries or replays may be briefly delayed. We’ll confirm once complete.",
            ),
            f"{HB}:4196-4198",
            subject="Maintenance – [Service/Region]",
        ),
        # Spec B.5.8: gaps in the handbook, labelled "not a handbook template" in the UI.
        Template(
            "derived.update",
            "Update (SEV 1/2; the SEV 0 update's shape)",
            ("Update on [feature/service]: [Status]", "Next update in ~[N] minutes."),
            f"not a handbook template; shape of {HB}:4148-4150",
            handbook=False,
        ),
        Template(
            "derived.resolution",
            "Resolution (SEV 2/3)",
            ("Good news — the [feature] issue is resolved. Root cause: [summary]. Duration: [start–end]. Impact: [brief effect].",),
            f"not a handbook template; {HB}:4174 without the 48-hour promise",
            handbook=False,
        ),
        Template(
            "derived.maintenance_after",
            "Planned maintenance (SEV 4) after the window",
            ("Maintenance on [system] is complete. [anything customers should check]",),
            f"not a handbook template; answers {HB}:4198 “We’ll confirm once complete”",
            handbook=False,
        ),
        Template(
            "derived.postmortem",
            "Postmortem follow-up (SEV 0/1)",
            (
                "The postmortem for [feature/service] on [date] is here: [link]. If you have questions about impact to your project, reply here and your account owner will follow up.",
            ),
            f"not a handbook template; {HB}:4250",
            handbook=False,
        ),
    )
}

# Placeholder text (exact spelling) -> the incident/draft field that fills it (spec B.5.7).
PLACEHOLDER_FIELDS: Mapping[str, str] = {
    "[feature/service]": "feature",
    "[Feature/service]": "feature",
    "[feature]": "feature",
    "[Feature]": "feature",
    "[component]": "feature",
    "[area]": "feature",
    SEV0_SYMPTOM: "symptom",
    "[symptom]": "symptom",
    "[impact]": "symptom",
    SEV0_STATUS: "status",
    "[Status]": "status",
    "[15/30]": "next_minutes",
    "[N]": "next_minutes",
    "[time UTC]": "resolved_time",
    "[one-line summary]": "root_cause",
    "[summary]": "root_cause",
    "[start–end]": "duration",
    "[brief description of what customers experienced]": "impact",
    "[brief effect]": "impact",
    "[Name/Team]": "recipient",
    "[Name]": "recipient",
    "[Your Name]": "sender",
    "[Service/Region]": "system",
    "[system]": "system",
    "[time window]": "window",
    "[anything customers should check]": "note",
    "[date]": "date",
    "[link]": "link",
}

# Filled per channel at send time, not in the draft (spec B.5.7).
PER_CHANNEL_FIELDS = frozenset({"recipient"})
# On the owner route each owner signs their own sends (spec C.4: "signed with the clicker's name").
PER_SENDER_FIELDS = frozenset({"sender"})
# May be left empty: the bracket and its sentence drop out.
OPTIONAL_FIELDS = frozenset({"note"})
# Filled with the first letter upper-cased (B.5.7: "[Feature/service]" is the same value).
CAPITALISED = frozenset({"[Feature/service]", "[Feature]"})

_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,160}\]")


def template_for(kind: str, level: int) -> Template:
    """Which template a message of `kind` uses at severity `level` (spec C.3, C.6, C.7, B.5.8)."""
    if kind == "initial":
        return TEMPLATES[{SEV_EMERGENCY: "sev0.initial", SEV_CRITICAL: "critical.initial", SEV_MAJOR: "major.initial",
                          SEV_MINOR: "minor.initial", SEV_PLANNED: "maintenance.before"}[level]]
    if kind == "update":
        return TEMPLATES["sev0.update" if level == SEV_EMERGENCY else "derived.update"]
    if kind == "resolution":
        return TEMPLATES[{SEV_EMERGENCY: "sev0.resolution", SEV_CRITICAL: "critical.resolution"}.get(level, "derived.resolution")]
    if kind == "maintenance_before":
        return TEMPLATES["maintenance.before"]
    if kind == "maintenance_after":
        return TEMPLATES["derived.maintenance_after"]
    if kind == "postmortem":
        return TEMPLATES["derived.postmortem"]
    raise KeyError(f"unknown message kind {kind!r}")


def fields_of(template: Template, include_subject: bool = False) -> tuple[str, ...]:
    """The draft fields a template needs, in order of appearance."""
    text = template.body + ("\n" + template.subject if include_subject and template.subject else "")
    seen: list[str] = []
    for ph in _PLACEHOLDER.findall(text):
        field = PLACEHOLDER_FIELDS.get(ph)
        if field and field not in seen:
            seen.append(field)
    return tuple(seen)


def _fill(text: str, values: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        ph = match.group(0)
        field = PLACEHOLDER_FIELDS.get(ph)
        if field is None or field not in values:
            return ph
        value = str(values[field]).strip()
        if ph in CAPITALISED and value:
            value = value[0].upper() + value[1:]
        # "Root cause: [summary]." with a summary that already ends in "." keeps one stop.
        if value.endswith(".") and text[match.end() : match.end() + 1] == ".":
            value = value[:-1]
        return value

    out = _PLACEHOLDER.sub(sub, text)
    for field in OPTIONAL_FIELDS:
        if not str(values.get(field, "")).strip():
            for ph, f in PLACEHOLDER_FIELDS.items():
                if f == field:
                    out = out.replace(" " + ph, "").replace(ph, "")
    return out


def render(template: Template, values: Mapping[str, str]) -> str:
    """The Slack text: the body only; Slack posts drop the `Subject:` line (spec B.5.8)."""
    return _fill(template.body, values)


def render_email(template: Template, values: Mapping[str, str]) -> str:
    """The owner's email copy keeps subject + body (spec B.5.8)."""
    body = _fill(template.body, values)
    return f"Subject: {_fill(template.subject, values)}\n\n{body}" if template.subject else body


def unfilled_placeholders(text: str) -> tuple[str, ...]:
    """Every `[…]` still in a draft; a draft with any left is refused (spec B.5.7, E20)."""
    return tuple(_PLACEHOLDER.findall(text))


def unfilled_fields(text: str, allow: frozenset[str] = PER_CHANNEL_FIELDS) -> dict[str, str]:
    """Map each leftover placeholder to the draft field to blame ("text" when unknown).
    Fields in `allow` are filled later, per channel or per sender, and are not errors."""
    errors: dict[str, str] = {}
    for ph in unfilled_placeholders(text):
        field = PLACEHOLDER_FIELDS.get(ph, "text")
        if field in allow:
            continue
        errors.setdefault(field, f"Fill in {ph} before sending (002_59a801b964a2a19e.txt:4135-4198 templates).")
    return errors


def fill_per_channel(text: str, account_name: str | None, sender_name: str | None = None) -> str:
    """Per-delivery greeting: "[Name/Team]" → "Acme team" (E13); unmapped channels get "there".
    On the owner route the signature is the sending owner's first name (4172, 4119)."""
    values = {"recipient": f"{account_name} team" if account_name else "there"}
    if sender_name:
        values["sender"] = first_name(sender_name)
    return _fill(text, values)


def first_name(full_name: str) -> str:
    """Signatures use the sender's first name: "— Alice, PostHog" (E13; 4172)."""
    return full_name.strip().split()[0] if full_name.strip() else full_name


def format_utc_time(at: datetime) -> str:
    """"11:42 UTC" for `[time UTC]` (4154)."""
    return at.strftime("%H:%M UTC")


def format_duration(start: datetime, end: datetime) -> str:
    """`[start–end]` in UTC (spec B.5.7 default: declared → resolved); dates shown when they differ."""
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M} UTC"
    return f"{start:%d %b %H:%M}–{end:%d %b %H:%M} UTC"


def format_window(start: datetime, end: datetime) -> str:
    """`[time window]` for maintenance: "02:00–04:00 UTC, 25 Nov" (E24)."""
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M} UTC, {start.day} {start:%b}"
    return f"{start:%H:%M} UTC, {start.day} {start:%b} – {end:%H:%M} UTC, {end.day} {end:%b}"


# --- tone lint (002_59a801b964a2a19e.txt:4202, 4119): warnings only, never blocking ----------


@dataclass(frozen=True)
class ToneHint:
    phrase: str
    principle: str
    instead: str
    source: str

    def text(self) -> str:
        return f"{self.principle}: avoid “{self.phrase}”; try “{self.instead}” ({self.source})"


_TONE_RULES: tuple[tuple[str, str, str, str], ...] = (
    # (pattern, principle, example to use instead, source)
    (r"we are experiencing an issue", "Direct", "Event ingestion is paused.", f"{HB}:4202"),
    (r"subset of users", "Direct", "Event ingestion is paused.", f"{HB}:4202"),
    (r"apologi[sz]e for the inconvenience", "Empathetic", "I know this blocks work; it’s our top priority.", f"{HB}:4202"),
    (r"degraded query latency", "Plain English", "Dashboards might not update.", f"{HB}:4202"),
    (r"third[- ]party dependency", "Ownership", "We identified a config issue on our side.", f"{HB}:4202"),
    (r"the posthog team", "Human-centric", "— [Your Name], PostHog", f"{HB}:4119"),
)


def tone_warnings(text: str) -> tuple[ToneHint, ...]:
    """Hints for the preview when a draft uses a phrase the handbook says to avoid."""
    hints: list[ToneHint] = []
    for pattern, principle, instead, source in _TONE_RULES:
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            hints.append(ToneHint(m.group(0), principle, instead, source))
    return tuple(hints)

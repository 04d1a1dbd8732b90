"""Parse the text after `/incident` into a typed command, or a usage error with a working example.

Grammar: spec C.2. Severity spellings: `sev0`–`sev4`, `sev 0`, `0`–`4`, and the names
emergency|critical|major|minor|maintenance|planned|info (case-insensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services import mrkdwn as md
from services.incidents.policy import SEV_PLANNED, SEVERITY_LEVELS, SEVERITY_NAMES

EXAMPLE_DECLARE = "/incident declare sev1 Flag evaluation failing in EU"

USAGE_LINES: tuple[tuple[str, str], ...] = (
    ("/incident declare [sev0-4] [title…]", EXAMPLE_DECLARE),
    ("/incident update [INC-7]", "/incident update INC-7"),
    ("/incident resolve [INC-7]", "/incident resolve INC-7"),
    ("/incident sev [INC-7] sev2", "/incident sev INC-7 sev2"),
    ("/incident handoff [INC-7] @user", "/incident handoff INC-7 @Landon"),
    ("/incident status [INC-7]", "/incident status"),
    ("/incident list", "/incident list"),
    ("/incident log [INC-7] [csv]", "/incident log INC-7 csv"),
    ("/incident close [INC-7]", "/incident close INC-7"),
    ("/incident maintenance", "/incident maintenance"),
    ("/incident postmortem [INC-7] <url>", "/incident postmortem INC-7 https://example.com/pm"),
)

_INCIDENT_ID = re.compile(r"^inc-?(\d+)$", re.IGNORECASE)
_SEV = re.compile(r"^(?:sev)?([0-9]+)$", re.IGNORECASE)
_MENTION = re.compile(r"^<@([UW][A-Z0-9_]+)(?:\|([^>]*))?>$")
_URL = re.compile(r"^<?(https?://[^\s>|]+)(?:\|[^>]*)?>?$")


@dataclass(frozen=True)
class UserRef:
    """A person named in a command: a Slack id from an escaped mention, or a bare @name to resolve."""

    slack_id: str | None
    name: str | None


@dataclass(frozen=True)
class IncidentCommand:
    """A parsed `/incident` command. `incident` is the number in INC-n, or None ("the one open")."""

    action: str
    incident: int | None = None
    severity: int | None = None
    title: str = ""
    user: UserRef | None = None
    url: str | None = None
    csv: bool = False


@dataclass(frozen=True)
class UsageError:
    """What was wrong, plus a command that works."""

    message: str
    example: str

    def text(self) -> str:
        return f"{self.message} For example: `{self.example}`"


def usage_text() -> str:
    """The help reply: every subcommand with an example."""
    lines = ["*/incident*: CMOC comms from declaration to postmortem."]
    lines += [f"• {md.code(form)}  e.g. {md.code(example)}" for form, example in USAGE_LINES]
    return "\n".join(lines)


def parse_severity(token: str) -> int | None:
    """0-4 from any accepted spelling, else None."""
    t = token.strip().lower()
    if t in SEVERITY_NAMES:
        return SEVERITY_NAMES[t]
    m = _SEV.match(t)
    if m and int(m.group(1)) in SEVERITY_LEVELS:
        return int(m.group(1))
    return None


def _looks_like_severity(token: str) -> bool:
    """`sev…` or a lone digit; "500 errors" stays a title."""
    return token.lower().startswith("sev") or (token.isdigit() and len(token) == 1)


def _join_sev(tokens: list[str]) -> list[str]:
    """Treat `sev 0` as one token."""
    if len(tokens) >= 2 and tokens[0].lower() == "sev" and tokens[1].isdigit():  # not policy: two tokens, "sev" "0"
        return [tokens[0] + tokens[1], *tokens[2:]]  # not policy: the tokens after "sev" "0"
    return tokens


def _take_incident(tokens: list[str]) -> tuple[int | None, list[str]]:
    if tokens:
        m = _INCIDENT_ID.match(tokens[0])
        if m:
            return int(m.group(1)), tokens[1:]
    return None, tokens


def _bad_severity(token: str, example: str) -> UsageError:
    return UsageError(f"Unknown severity `{token}`. Use sev0–sev4 (or emergency, critical, major, minor, maintenance).", example)


def parse(text: str) -> IncidentCommand | UsageError:
    """Parse the command text (without the leading `/incident`)."""
    tokens = text.split()
    if not tokens or tokens[0].lower() in {"help", "-h", "--help", "?"}:
        return IncidentCommand("help")
    action, rest = tokens[0].lower(), tokens[1:]

    if action == "declare":
        rest = _join_sev(rest)
        sev = None
        if rest and (_looks_like_severity(rest[0]) or rest[0].lower() in SEVERITY_NAMES):
            sev = parse_severity(rest[0])
            if sev is None:
                return _bad_severity(rest[0], EXAMPLE_DECLARE)
            rest = rest[1:]
        return IncidentCommand("declare", severity=sev, title=" ".join(rest))

    if action in {"update", "resolve", "status", "close"}:
        number, rest = _take_incident(rest)
        if rest:
            return UsageError(f"`/incident {action}` takes only an incident id, not `{' '.join(rest)}`.", f"/incident {action} INC-7")
        return IncidentCommand(action, incident=number)

    if action == "list":
        if rest:
            return UsageError(f"`/incident list` takes nothing after it, not `{' '.join(rest)}`.", "/incident list")
        return IncidentCommand("list")

    if action == "log":
        number, rest = _take_incident(rest)
        want_csv = False
        if rest and rest[0].lower() == "csv":
            want_csv, rest = True, rest[1:]
        if rest:
            return UsageError(f"`/incident log` takes an incident id and optionally `csv`, not `{' '.join(rest)}`.", "/incident log INC-7 csv")
        return IncidentCommand("log", incident=number, csv=want_csv)

    if action == "sev":
        number, rest = _take_incident(rest)
        rest = _join_sev(rest)
        example = "/incident sev INC-7 sev2"
        if len(rest) != 1:
            return UsageError("`/incident sev` needs the new severity.", example)
        sev = parse_severity(rest[0])
        if sev is None:
            return _bad_severity(rest[0], example)
        return IncidentCommand("sev", incident=number, severity=sev)

    if action == "handoff":
        number, rest = _take_incident(rest)
        example = "/incident handoff INC-7 @Landon"
        if len(rest) != 1:
            return UsageError("`/incident handoff` needs the person taking over as CMOC.", example)
        m = _MENTION.match(rest[0])
        if m:
            return IncidentCommand("handoff", incident=number, user=UserRef(m.group(1), m.group(2) or None))  # not policy: regex groups
        if rest[0].startswith("@") and len(rest[0]) > 1:
            return IncidentCommand("handoff", incident=number, user=UserRef(None, rest[0][1:]))
        return UsageError(f"`{rest[0]}` is not a person; mention them with @.", example)

    if action == "maintenance":
        return IncidentCommand("maintenance", severity=SEV_PLANNED, title=" ".join(rest))

    if action == "postmortem":
        number, rest = _take_incident(rest)
        example = "/incident postmortem INC-7 https://example.com/postmortem"
        if len(rest) != 1:
            return UsageError("`/incident postmortem` needs the postmortem's link.", example)
        m = _URL.match(rest[0])
        if not m:
            return UsageError(f"`{rest[0]}` is not a link (http:// or https://).", example)
        return IncidentCommand("postmortem", incident=number, url=m.group(1))

    return UsageError(f"Unknown subcommand `{tokens[0]}`. Try declare, update, resolve, sev, handoff, status, list, log, close, maintenance or postmortem.", EXAMPLE_DECLARE)

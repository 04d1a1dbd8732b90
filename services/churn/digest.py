"""The weekly churn-risk digest as plain data (churn-risk.md §4.8).

Grouped by level, escalations first, ordered by ARR at risk; each line tags the owner
(Simon when there is none, 002_59a801b964a2a19e.txt:3648), Ben and Simon on >$50k lines
(002:11558), Simon and Dana for unmanaged failed payments >= $1,500 (002:3654).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.churn.model import Person
from services.churn.policy import DIGEST_CHURNED_DAYS, DIGEST_SCOPE_MIN_ARR, ChurnPolicy
from services.churn.risk import AT_RISK, CHURNED, HEALTHY, WATCH, Assessment, ChurnPeople, NextStep
from services.churn.signals import NotEvaluated

ZERO = Decimal("0")


@dataclass(frozen=True)
class DigestLine:
    account_id: str
    name: str
    url: str | None
    arr: Decimal
    level: str
    score: int
    tagged: tuple[Person, ...]
    badges: tuple[str, ...]
    reasons: tuple[str, ...]
    next_step: str | None
    next_due: date | None
    is_new: bool = False
    churned_at: date | None = None
    # Whose thread reply lists the account: its owner, Simon when it has none (002:3648).
    owner: Person | None = None
    # Tagged because ARR > $50k (002:11558): in the summary, not again in the owner's reply.
    leaders: tuple[Person, ...] = ()


@dataclass(frozen=True)
class DataGap:
    name: str
    arr: Decimal
    reasons: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # GAP_KINDS keys, one per reason
    account_id: str = ""
    url: str | None = None
    owner: Person | None = None


#: What a data-gap line says after its count: "14 accounts without usage history".
GAP_KINDS = {
    "no_usage": "without usage history",
    "stale_usage": "with a stale usage feed",
    "no_health": "without a health score in the last 2 weeks",
    "few_event_weeks": "with fewer than 12 weeks of event counts",
    "no_active_users": "without an active-user count",
    "no_slack_channel": "without a shared Slack channel",
    "no_slack_message": "without a customer Slack message on record",
    "no_product_usage": "without product usage or spend",
    "no_inapp_actions": "without in-app analysis counts",
    "no_owner": "without an owner (Simon handles them)",
}
_GAP_BY_CODE = {"F6": "no_health", "W2": "few_event_weeks", "W3": "no_active_users", "W8": "no_product_usage",
                "W9": "no_inapp_actions"}


def gap_kind(gap: NotEvaluated) -> str:
    """The kind of a missing input, so a digest counts gaps per kind instead of listing accounts."""
    if gap.code == "F2":
        return "stale_usage" if "since" in gap.reason else "no_usage"
    if gap.code == "W4":
        return "no_slack_channel" if "channel" in gap.reason else "no_slack_message"
    return _GAP_BY_CODE.get(gap.code, f"{gap.code}: {gap.reason}")


def gap_phrase(kind: str) -> str:
    return GAP_KINDS.get(kind) or f"with {kind.split(': ', 1)[-1]} ({kind.split(':', 1)[0]} not evaluated)"


@dataclass(frozen=True)
class GapCount:
    kind: str
    phrase: str
    gaps: tuple[DataGap, ...]  # the accounts, largest ARR first


def gap_counts(gaps: Iterable[DataGap]) -> list[GapCount]:
    """One entry per kind of gap, the commonest first (an account with two gaps counts in both)."""
    by_kind: dict[str, list[DataGap]] = {}
    for g in gaps:
        for kind in dict.fromkeys(g.kinds):
            by_kind.setdefault(kind, []).append(g)
    return [GapCount(k, gap_phrase(k), tuple(v)) for k, v in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


@dataclass(frozen=True)
class Digest:
    week: str  # ISO year-week, e.g. 2025-W23
    as_of: datetime
    team_leads: tuple[Person, ...]
    churned: tuple[DigestLine, ...]
    escalate: tuple[DigestLine, ...]
    at_risk: tuple[DigestLine, ...]
    watch: tuple[DigestLine, ...]
    recovered: tuple[DigestLine, ...]
    data_gaps: tuple[DataGap, ...]
    new_at_risk: int

    @property
    def at_risk_count(self) -> int:
        return len(self.escalate) + len(self.at_risk)

    @property
    def at_risk_arr(self) -> Decimal:
        return sum((line.arr for line in self.escalate + self.at_risk), ZERO)

    @property
    def watch_count(self) -> int:
        return len(self.watch)

    @property
    def new_at_risk_lines(self) -> tuple[DigestLine, ...]:
        """Newly at risk and not already an escalation: with escalations and churn, what leadership sees."""
        return tuple(line for line in self.at_risk if line.is_new)

    @property
    def is_empty(self) -> bool:
        return not (self.churned or self.escalate or self.at_risk or self.watch or self.recovered or self.data_gaps)


@dataclass(frozen=True)
class PreviousDigest:
    """The latest digest posted before this one: "new" means new since then."""

    week: str
    as_of: datetime


def is_new_at_risk(a: Assessment, previous: PreviousDigest | None) -> bool:
    """:new: marks an account at risk now that was not at risk at the previous digest (§4.8). The first
    digest has nothing to compare with, so it marks nothing; an account flagged into the Churn Risk
    segment before the previous digest is not new either, whatever the bot saw then."""
    if previous is None or a.level != AT_RISK:
        return False
    then = next((ev for ev in reversed(a.account.history) if iso_week(ev.at.date()) == previous.week), None)
    if then is not None and then.level == AT_RISK:
        return False
    flagged = a.account.churn_risk_flagged_at
    return flagged is None or flagged > previous.as_of


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def dedupe_key(week: str, channel: str) -> str:
    """One digest per week per channel, ever (DESIGN.md outbox principle)."""
    return f"churn-digest:{week}:{channel}"


def in_scope(a: Assessment, today: date) -> bool:
    """Owned, or ARR >= $20k (002:2263-2267), or in the Churn Risk segment, or churned in 7 days."""
    if a.level == CHURNED:
        return a.churned_at is not None and (today - a.churned_at).days <= DIGEST_CHURNED_DAYS
    return a.account.owner is not None or a.arr >= DIGEST_SCOPE_MIN_ARR or a.account.in_churn_risk_segment


def stale_usage_note(last_day: date) -> str:
    """A stale usage feed is said, not read as a drop (churn-risk.md §3.2: missing data is never evidence)."""
    return f"usage data stale after {last_day}"


def _line(a: Assessment, people: ChurnPeople, is_new: bool) -> DigestLine:
    badges: list[str] = []
    tagged: list[Person] = list(a.tagged)
    leaders: list[Person] = []
    for e in a.escalations:
        if e.code == "LEADERSHIP":
            badges.append("ESCALATE >$50k")
            leaders += [p for p in e.people if p not in tagged]
            tagged += [p for p in e.people if p not in tagged]
        elif e.code in ("STALE", "CALL_OVERDUE", "RETRO_OVERDUE"):
            badges.append(e.label)
        elif e.code == "PAYMENT_ESC":
            badges.append("no owner, failed payment ≥ $1,500")
        elif e.code == "PAYMENT_OWNER" and not a.has("PAYMENT_ESC"):
            badges.append("no owner")
    if a.suggest_flag:
        badges.append(":warning: suggest flag")
    if a.level == CHURNED:
        reasons = ("subscription cancelled " + str(a.churned_at) if a.account.subscription_status == "canceled"
                   else f"MRR went to $0 in {a.churned_at:%b %Y}",)
    else:
        shown = [s for s in a.report.signals if s.suppressed_by is None and s.code != "F0"]
        if not shown and a.report.holds("F0"):
            shown = [s for s in a.report.signals if s.code == "F0"]
        reasons = tuple(f"{s.short} ({s.code})" for s in shown)
        if a.report.usage_stale is not None:
            reasons += (stale_usage_note(a.report.usage_stale),)
    step = digest_step(a)
    due = step.due.date() if step and isinstance(step.due, datetime) else (step.due if step else None)
    return DigestLine(
        account_id=a.account.id, name=a.account.name, url=a.account.vitally_url, arr=a.arr, level=a.level,
        score=a.score, tagged=tuple(tagged), badges=tuple(badges), reasons=reasons,
        next_step=step.brief if step else None, next_due=due, is_new=is_new, churned_at=a.churned_at,
        owner=a.account.owner or people.no_owner, leaders=tuple(leaders),
    )


#: Which next step a digest line shows when several apply: the most time-critical first.
DIGEST_STEP_PRIORITY = ("retro", "stale", "payment", "call", "unflag", "flag", "segment", "leadership")


def digest_step(a: Assessment) -> NextStep | None:
    """The one next action a digest line carries (§4.8 line format)."""
    overdue_call = a.has("CALL_OVERDUE")
    for kind in DIGEST_STEP_PRIORITY:
        if kind == "call" and not overdue_call:
            continue
        for step in a.next_steps:
            if step.kind == kind:
                return step
    return a.next_steps[0] if a.next_steps else None


def _by_arr(lines: Iterable[DigestLine]) -> list[DigestLine]:
    return sorted(lines, key=lambda x: (-x.arr, -x.score, x.name.lower()))


def build_digest(
    assessments: Iterable[Assessment],
    as_of: datetime,
    policy: ChurnPolicy | None = None,
    people: ChurnPeople | None = None,
    previous: PreviousDigest | None = None,
) -> Digest:
    """Group and order the week's assessments. "New" compares with the previous digest (none on the
    first), "recovered" with each account's last stored evaluation."""
    policy = policy or ChurnPolicy()
    people = people or ChurnPeople()
    today = as_of.date()
    churned, escalate, at_risk, watch, recovered, gaps = [], [], [], [], [], []
    new_count = 0
    for a in assessments:
        if not in_scope(a, today):
            continue
        if a.recovered:
            recovered.append(_line(a, people, False))
            continue
        if a.level == CHURNED:
            churned.append(_line(a, people, False))
        elif a.level == AT_RISK:
            is_new = is_new_at_risk(a, previous)
            new_count += is_new
            line = _line(a, people, is_new)
            (escalate if a.has("LEADERSHIP") or a.has("STALE") else at_risk).append(line)
        elif a.level == WATCH:
            watch.append(_line(a, people, False))
        elif a.level == HEALTHY:
            reasons = [f"{g.reason}, {g.code} not evaluated" for g in a.report.not_evaluated]
            kinds = [gap_kind(g) for g in a.report.not_evaluated]
            if a.report.usage_stale is not None:
                reasons.append(stale_usage_note(a.report.usage_stale))
                kinds.append("stale_usage")
            if a.account.owner is None:
                reasons.append("no owner")
                kinds.append("no_owner")
            if reasons:
                gaps.append(DataGap(a.account.name, a.arr, tuple(reasons), tuple(kinds), a.account.id,
                                    a.account.vitally_url, a.account.owner or people.no_owner))
    return Digest(
        week=iso_week(today),
        as_of=as_of,
        team_leads=people.team_leads,
        churned=tuple(sorted(churned, key=lambda x: (x.churned_at or today, x.name.lower()))),
        escalate=tuple(_by_arr(escalate)),
        at_risk=tuple(_by_arr(at_risk)),
        watch=tuple(_by_arr(watch)),
        recovered=tuple(_by_arr(recovered)),
        data_gaps=tuple(sorted(gaps, key=lambda g: (-g.arr, g.name.lower()))),
        new_at_risk=new_count,
    )


#: Worst first within one owner's reply: escalations, other at-risk, churned, watch, recovered.
OWNER_ORDER = ("escalate", "at_risk", "churned", "watch", "recovered")


@dataclass(frozen=True)
class OwnerBook:
    """One owner's accounts in the digest, worst first, for that owner's thread reply."""

    owner: Person
    lines: tuple[tuple[str, DigestLine], ...]  # (section in OWNER_ORDER, line)

    def count(self, *sections: str) -> int:
        return sum(1 for section, _ in self.lines if section in sections)

    @property
    def at_risk_arr(self) -> Decimal:
        return sum((line.arr for section, line in self.lines if section in ("escalate", "at_risk")), ZERO)


def owner_books(d: Digest) -> list[OwnerBook]:
    """Every owner with an account in the digest (Simon for accounts without one, 002:3648), the
    most ARR at risk first; each owner's accounts in the digest's own order, worst section first."""
    books: dict[str, tuple[Person, list[tuple[str, DigestLine]]]] = {}
    sections = {"escalate": d.escalate, "at_risk": d.at_risk, "churned": d.churned, "watch": d.watch,
                "recovered": d.recovered}
    for section in OWNER_ORDER:
        for line in sections[section]:
            owner = line.owner or Person("Simon")
            books.setdefault(owner.ref, (owner, []))[1].append((section, line))
    out = [OwnerBook(owner, tuple(lines)) for owner, lines in books.values()]
    return sorted(out, key=lambda b: (-b.at_risk_arr, -b.count("escalate", "at_risk"), -len(b.lines),
                                      b.owner.label.lower()))


def own_book(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The caller's own accounts, worst first: level, then score, then ARR, then name."""
    rank = {CHURNED: 1, AT_RISK: 0, WATCH: 2, HEALTHY: 3}  # not policy: sort order
    return sorted(assessments, key=lambda a: (rank[a.level], -a.score, -a.arr, a.account.name.lower()))

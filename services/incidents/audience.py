"""Who hears about an incident: affected accounts, who sends to them, and broadcast audiences.

Pure functions over plain dataclasses built from the account model (IMPORT.md: `cloud`,
`products_used`, `slack_channel_ids`, `owner_slack_id`, team `region` / `out_of_office`).
Step 3 of the workflow, "which customers are using which components in which cloud
environment" (002_59a801b964a2a19e.txt:4236); owners or regional backups send (4221, 4240);
SEV 0 broadcasts reach all affected customer channels (4228).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

CLOUD_UNKNOWN = "cloud unknown"
UNMAPPED = "unmapped, no owner"


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    channel_ids: tuple[str, ...] = ()
    cloud: str | None = None  # "US" | "EU" | None = unknown (IMPORT.md §5)
    products: frozenset[str] = frozenset()
    owner_slack_id: str | None = None
    uptime_sla: bool = False
    arr: Decimal | None = None


@dataclass(frozen=True)
class Member:
    slack_id: str
    name: str
    region: str | None = None  # "US" | "EU" | "APAC" (IMPORT.md §4; Americas→US, EMEA→EU)
    out_of_office: bool = False


@dataclass(frozen=True)
class Channel:
    """A Slack channel the bot knows, linked to at most one account."""

    id: str
    name: str
    account_id: str | None = None
    is_ext_shared: bool = True
    bot_is_member: bool = True
    is_archived: bool = False


@dataclass(frozen=True)
class Scope:
    """What the incident affects: empty sets mean "all"."""

    clouds: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()


def account_matches(account: Account, scope: Scope) -> bool:
    """Cloud and product filter. An unknown cloud stays in ("cloud unknown", IMPORT.md §5);
    an account with no product data stays in too, since we cannot rule it out."""
    if scope.clouds and account.cloud is not None and account.cloud not in scope.clouds:
        return False
    if scope.products and account.products and not (account.products & scope.products):
        return False
    return True


def affected_accounts(accounts: Iterable[Account], scope: Scope) -> tuple[Account, ...]:
    """Accounts in scope, biggest first then by name (spec D.3 order: big accounts hear first)."""
    return tuple(sorted((a for a in accounts if account_matches(a, scope)), key=_order))


def _order(account: Account) -> tuple[Decimal, str]:
    return (-(account.arr or Decimal(0)), account.name.lower())


def account_labels(account: Account) -> tuple[str, ...]:
    labels = []
    if account.cloud is None:
        labels.append(CLOUD_UNKNOWN)
    if account.uptime_sla:
        labels.append("uptime SLA")  # 002_59a801b964a2a19e.txt:4604-4617
    if account.owner_slack_id is None:
        labels.append("no owner")
    return tuple(labels)


# --- standard route: who sends to each account ------------------------------------------------

REGION_NAMES = {"US": "Americas", "EU": "EMEA", "APAC": "APAC"}  # 002_59a801b964a2a19e.txt:4221


@dataclass(frozen=True)
class Assignment:
    """Who should send to one account on the owner route, and why."""

    account: Account
    sender_slack_id: str | None
    reason: str  # "owner" | "backup: owner out of office" | …
    problem: str | None = None  # set when nobody can send


def assign_senders(
    affected: Sequence[Account],
    team: Mapping[str, Member],
    backups: Mapping[str, Sequence[str]],
    assigned: Mapping[str, str] | None = None,
) -> tuple[Assignment, ...]:
    """The owner sends; if the owner is out (PTO, off-hours) the regional backup for the owner's
    region does (002_59a801b964a2a19e.txt:4221, 4240). `assigned` holds backups the CMOC picked
    per account id and wins. A region with no configured backup is reported, not guessed
    (spec Part F #5)."""
    assigned = assigned or {}
    out: list[Assignment] = []
    for account in affected:
        if account.id in assigned:
            out.append(Assignment(account, assigned[account.id], "backup assigned by CMOC"))
            continue
        owner = team.get(account.owner_slack_id or "")
        if owner is None:
            out.append(Assignment(account, None, "no owner", "no owner on record; CMOC assigns someone or broadcasts"))
            continue
        if not owner.out_of_office:
            out.append(Assignment(account, owner.slack_id, "owner"))
            continue
        region = owner.region
        candidates = [b for b in backups.get(region or "", ()) if b != owner.slack_id and not _ooo(team, b)]
        if candidates:
            out.append(Assignment(account, candidates[0], f"backup ({REGION_NAMES.get(region or '', region)}): owner out of office"))
        else:
            where = REGION_NAMES.get(region or "", region or "unknown region")
            out.append(Assignment(account, None, "owner out of office", f"owner {owner.name} is out and no {where} backup is configured"))
    return tuple(out)


def _ooo(team: Mapping[str, Member], slack_id: str) -> bool:
    member = team.get(slack_id)
    return bool(member and member.out_of_office)


def senders_summary(assignments: Sequence[Assignment]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """[(sender id, account names)] for the draft post's owner line, senders in first-seen order."""
    grouped: dict[str, list[str]] = {}
    for a in assignments:
        if a.sender_slack_id:
            grouped.setdefault(a.sender_slack_id, []).append(a.account.name)
    return tuple((k, tuple(v)) for k, v in grouped.items())


def accounts_for_sender(assignments: Sequence[Assignment], slack_id: str) -> tuple[Account, ...]:
    """The accounts a clicker of "Send to my channels" acts on: their own plus backups assigned to them."""
    return tuple(a.account for a in assignments if a.sender_slack_id == slack_id)


# --- broadcast route --------------------------------------------------------------------------


@dataclass(frozen=True)
class AudienceChannel:
    channel: Channel
    account: Account | None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Excluded:
    channel: Channel
    account: Account | None
    reason: str


@dataclass(frozen=True)
class Audience:
    included: tuple[AudienceChannel, ...]
    excluded: tuple[Excluded, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.included)

    @property
    def channel_ids(self) -> tuple[str, ...]:
        return tuple(a.channel.id for a in self.included)

    @property
    def sla_accounts(self) -> tuple[Account, ...]:
        return tuple(a.account for a in self.included if a.account and a.account.uptime_sla)

    def excluded_by_reason(self) -> dict[str, tuple[Excluded, ...]]:
        out: dict[str, list[Excluded]] = {}
        for e in self.excluded:
            out.setdefault(e.reason, []).append(e)
        return {k: tuple(v) for k, v in out.items()}


def broadcast_audience(
    channels: Iterable[Channel],
    accounts: Iterable[Account],
    scope: Scope,
    *,
    include_unmapped: bool,
    team: Mapping[str, Member] | None = None,
    handled_1to1: Mapping[str, str] | None = None,
    exclude_owners: Collection[str] = (),
    exclude_channels: Collection[str] = (),
    include_channels: Collection[str] = (),
    already_notified: Collection[str] = (),
) -> Audience:
    """The channels a broadcast goes to (spec C.5), and every channel left out with its reason.

    Default: customer (ext-shared) channels the bot is in, not archived, whose account is in
    scope; SEV 0 also takes unmapped customer channels ("all or most customers impacted",
    4131). Channels of owners handling 1:1 are left out (the Pylon filter, 4288), as are
    accounts already notified for this message (4206 "without duplication"). Accounts are
    keyed by id in `handled_1to1` (account id → Slack id of who is handling).
    """
    team = team or {}
    handled_1to1 = handled_1to1 or {}
    by_id = {a.id: a for a in accounts}
    included: list[AudienceChannel] = []
    excluded: list[Excluded] = []
    for ch in channels:
        account = by_id.get(ch.account_id or "")
        if ch.id in include_channels and not ch.is_archived and ch.id not in already_notified:
            included.append(AudienceChannel(ch, account, account_labels(account) if account else (UNMAPPED,)))
            continue
        if not ch.is_ext_shared:
            continue  # internal channels are never customer audiences and need no listing
        reason = _exclusion(ch, account, scope, include_unmapped, team, handled_1to1, exclude_owners, exclude_channels, already_notified)
        if reason:
            excluded.append(Excluded(ch, account, reason))
        else:
            included.append(AudienceChannel(ch, account, account_labels(account) if account else (UNMAPPED,)))
    included.sort(key=lambda a: (_order(a.account) if a.account else (Decimal(1), "~"), a.channel.name.lower()))
    return Audience(tuple(included), tuple(excluded))


def _exclusion(
    ch: Channel,
    account: Account | None,
    scope: Scope,
    include_unmapped: bool,
    team: Mapping[str, Member],
    handled_1to1: Mapping[str, str],
    exclude_owners: Collection[str],
    exclude_channels: Collection[str],
    already_notified: Collection[str],
) -> str | None:
    if ch.is_archived:
        return "archived"
    if not ch.bot_is_member:
        return "bot not in channel"
    if ch.id in already_notified:
        return "already notified for this message"
    if ch.id in exclude_channels:
        return "excluded by CMOC"
    if account is None:
        return None if include_unmapped else "no account mapped"
    if not account_matches(account, scope):
        return "not affected (cloud/products)"
    if account.id in handled_1to1:
        who = handled_1to1[account.id]
        return f"handled 1:1 by {team[who].name if who in team else who}"
    if account.owner_slack_id and account.owner_slack_id in exclude_owners:
        owner = team.get(account.owner_slack_id)
        return f"owned by {owner.name if owner else account.owner_slack_id} (excluded)"
    return None

"""Read API over the one account model, for every capability's listeners and jobs.

`resolve_account` turns what a rep typed ("acme", "acme.io", "<#C0ACME|acme>", "0189-acme")
into exactly one account, or up to three suggestions; it never guesses between several.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Row, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import Account, AccountSlackChannel, TeamMember

MAX_SUGGESTIONS = 3
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9_]+)(\|[^>]*)?>$")
_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9_]+)(\|[^>]*)?>$")


@dataclass(frozen=True)
class Resolution:
    """Exactly one `account`, or none and up to three `suggestions` (ambiguous or misspelt)."""

    query: str
    account: Account | None = None
    suggestions: tuple[Account, ...] = field(default_factory=tuple)
    ambiguous: bool = False

    @property
    def found(self) -> bool:
        return self.account is not None


def _bare_domain(text: str) -> str:
    text = re.sub(r"^[a-z]+://", "", text.strip().lower())
    text = text.split("/")[0]
    return text[4:] if text.startswith("www.") else text


def _unique(accounts: list[Account]) -> list[Account]:
    seen: dict[str, Account] = {}
    for account in accounts:
        seen.setdefault(account.id, account)
    return sorted(seen.values(), key=lambda a: (a.name.lower(), a.id))


def _refs(session: Session) -> list[Row]:
    """Every account, light: rows of (id, name, domain, posthog_org_id). Matching reads only these
    columns, so a lookup among 10,000 accounts builds no ORM object for the ones that do not match."""
    return list(session.execute(select(Account.id, Account.name, Account.domain, Account.posthog_org_id)))


def _load(session: Session, refs: list[Row]) -> list[Account]:
    """The full accounts for these refs, in their order."""
    if not refs:
        return []
    by_id = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_([r.id for r in refs])))}
    return [by_id[r.id] for r in refs if r.id in by_id]


def resolve_account(session: Session, text: str) -> Resolution:
    """Find the account `text` names: id, PostHog org id, Slack channel id or mention, domain,
    exact name, then partial name; case-insensitive. Several matches are never auto-picked."""
    query = (text or "").strip()
    if not query:
        return Resolution(query)
    mention = _CHANNEL_MENTION.match(query)
    if mention:
        account = account_by_channel(session, mention.group(1))
        return Resolution(query, account) if account else Resolution(query)
    lowered = query.lower()
    bare = _bare_domain(query)
    channel = account_by_channel(session, query.upper()) if re.match(r"^[CcGg][A-Za-z0-9_]+$", query) else None

    # Exact matches are asked of the database first, so a rep naming an account exactly does not
    # pull every account's row into Python (430 ms at 100,000 accounts). SQL's lower() folds ASCII
    # only: when it finds nothing, the scan below applies Python's full case folding.
    exact = list(session.scalars(select(Account).where(or_(
        func.lower(Account.id) == lowered, func.lower(Account.posthog_org_id) == lowered,
        Account.domain == bare, func.lower(Account.name) == lowered))))
    refs: list[Row] | None = None
    if not exact:
        refs = _refs(session)
        exact = _load(session, [
            a for a in refs
            if a.id.lower() == lowered
            or (a.posthog_org_id or "").lower() == lowered
            or (a.domain and a.domain == bare)
            or a.name.lower() == lowered
        ])
    if channel is not None:
        exact.append(channel)
    exact = _unique(exact)
    if len(exact) == 1:
        return Resolution(query, exact[0])
    if len(exact) > 1:
        return Resolution(query, None, tuple(exact[:MAX_SUGGESTIONS]), ambiguous=True)
    if refs is None:
        refs = _refs(session)

    partial = sorted((
        a for a in refs
        if lowered in a.name.lower() or (a.domain and lowered in a.domain) or lowered in a.id.lower()
    ), key=lambda a: (a.name.lower(), a.id))
    if len(partial) == 1:
        return Resolution(query, _load(session, partial)[0])
    if partial:
        starts = [a for a in partial if a.name.lower().startswith(lowered)]
        ordered = starts + [a for a in partial if not a.name.lower().startswith(lowered)]
        return Resolution(query, None, tuple(_load(session, ordered[:MAX_SUGGESTIONS])), ambiguous=True)

    scored = sorted(
        ((score, a.name.lower(), a) for a in refs if (score := _similarity(lowered, a)) >= SUGGEST_CUTOFF),
        key=lambda item: (-item[0], item[1]),
    )
    return Resolution(query, None, tuple(_load(session, [a for _, _, a in scored[:MAX_SUGGESTIONS]])))


SUGGEST_CUTOFF = 0.75


def _similarity(query: str, account: Account | Row) -> float:
    """How close a misspelling is to the account's name, one of its words, its id or domain."""
    name = account.name.lower()
    candidates = [name, account.id.lower(), *name.split()]
    if account.domain:
        candidates += [account.domain, account.domain.split(".")[0]]
    return max(difflib.SequenceMatcher(None, query, c).ratio() for c in candidates)


def lookup_view(resolution: Resolution, *, command: str = "", example: str = "") -> dict[str, object]:
    """Plain data for `bot.importer.blocks.account_lookup_blocks` when nothing was found."""
    return {
        "query": resolution.query,
        "command": command,
        "example": example,
        "ambiguous": resolution.ambiguous,
        "suggestions": [
            {"id": a.id, "name": a.name, "owner": a.owner.name if a.owner is not None else None}
            for a in resolution.suggestions
        ],
    }


def card_view(account: Account) -> dict[str, object]:
    """Plain data for `bot.importer.blocks.account_card_blocks`."""
    health = account.series("health_history")
    return {
        "id": account.id,
        "name": account.name,
        "owner": account.owner.name if account.owner is not None else None,
        "owner_role": account.owner.role if account.owner is not None else None,
        "arr": f"${account.arr:,.2f}" if account.arr is not None else None,
        "segments": list(account.segments or []),
        "channel": account.primary_channel_id,
        "credit_balance": f"${account.credit_balance:,.2f}" if account.credit_balance is not None else None,
        "credit_term_end": account.effective_credit_term_end.isoformat() if account.effective_credit_term_end else None,
        "health": health[-1].label if health else None,
    }


def account_by_channel(session: Session, channel_id: str) -> Account | None:
    """The account a Slack channel belongs to (any of its channels, not only the primary)."""
    row = session.scalar(select(AccountSlackChannel).where(AccountSlackChannel.channel_id == channel_id))
    return row.account if row is not None else None


def account_by_id(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def book_of(session: Session, slack_id: str) -> list[Account]:
    """The accounts a team member owns, by name."""
    return list(
        session.scalars(select(Account).where(Account.owner_slack_id == slack_id).order_by(Account.name, Account.id))
    )


def owner_member(account: Account) -> TeamMember | None:
    """The owner's team row (role, region, email, name are derived from it, IMPORT.md §8)."""
    return account.owner


def resolve_member(session: Session, text: str) -> TeamMember | None:
    """A team member named by Slack id, `<@U…>` mention, email or exact name (case-insensitive).

    Settings that name people (`CMOC_EU`, approvers, escalations) resolve through this (IMPORT.md §4).
    """
    query = (text or "").strip()
    if not query:
        return None
    mention = _USER_MENTION.match(query)
    if mention:
        query = mention.group(1)
    member = session.get(TeamMember, query)
    if member is not None:
        return member
    lowered = query.lower()
    matches = list(
        session.scalars(
            select(TeamMember).where((func.lower(TeamMember.email) == lowered) | (func.lower(TeamMember.name) == lowered))
        )
    )
    return matches[0] if len(matches) == 1 else None


def managed_count(session: Session, member: TeamMember) -> int:
    """`managed_count`, derived when not imported: a TAM's owned accounts in "AM Managed",
    anyone else's owned accounts (IMPORT.md §4, H C15). Counted through the owner index, so the
    cost is one person's book, not every account's."""
    if member.managed_count is not None:
        return member.managed_count
    if member.role == "TAM":
        return _owned_in_segment(session, member.slack_id, "AM Managed")
    owned = select(func.count()).select_from(Account).where(Account.owner_slack_id == member.slack_id)
    return session.scalar(owned) or 0


def leads_count(session: Session, member: TeamMember) -> int:
    """`leads_count`, derived when not imported: owned accounts in "Leads" (IMPORT.md §4, H C15)."""
    if member.leads_count is not None:
        return member.leads_count
    return _owned_in_segment(session, member.slack_id, "Leads")


def _owned_in_segment(session: Session, slack_id: str, segment: str) -> int:
    """Owned accounts whose segments list holds `segment`. The text match only narrows which
    stored lists are decoded; membership is still checked on the list ("AM Managed" ≠ "Not AM Managed")."""
    rows = session.scalars(select(Account.segments).where(
        Account.owner_slack_id == slack_id, cast(Account.segments, Text).like(f"%{segment}%")))
    return sum(1 for segments in rows if segment in (segments or []))


TOP_RANK = 40  # IMPORT.md §5 `top40`: null means "ARR rank <= 40" (H C12, C§3.2)


def arr_rank(session: Session, arr: Decimal, *, up_to: int) -> int:
    """1 + the number of accounts with a higher ARR (ties share a rank), counted no further than
    `up_to`: a rank past that line comes back as `up_to + 1`. Callers only ask "within the top N?",
    and the ARR index (migration 0006) then stops after N entries instead of counting every account."""
    higher = select(Account.id).where(Account.arr > arr).limit(up_to).subquery()
    return 1 + (session.scalar(select(func.count()).select_from(higher)) or 0)


def is_top40(session: Session, account: Account) -> bool:
    """`top40` when imported, else whether the account's ARR ranks in the top 40 (ties share a rank)."""
    if account.top40 is not None:
        return account.top40
    if account.arr is None:
        return False
    return arr_rank(session, account.arr, up_to=TOP_RANK) <= TOP_RANK


def cmoc_for(session: Session, region: str) -> TeamMember | None:
    """The member whose `cmoc` is `region` (fills CMOC_EU / CMOC_US while those settings are unset)."""
    return session.scalar(select(TeamMember).where(TeamMember.cmoc == region).order_by(TeamMember.slack_id))

"""Owner routing I/O: who to tag about an account, read from the account model, HOME_* settings and the
people's Slack status. Policy lives in services/home/owner_routing.py.

Usage from an alert: `r = route_account(rt, session, account_id)`; tag `r.tag`, show `r.reason`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Account, TeamMember
from bot.guard import user_info
from bot.home.settings import HomeSettings
from bot.runtime import Runtime
from services.home.owner_routing import Member, Route, route


def _member(rt: Runtime, tm: TeamMember) -> Member:
    """The account model's OOO flag plus the Slack status (read through the guard's cached users.info)."""
    profile = ((user_info(rt, tm.slack_id) or {}).get("profile")) or {}
    return Member(tm.slack_id, tm.name, region=tm.region, out_of_office=bool(tm.out_of_office),
                  status_text=profile.get("status_text") or "", status_emoji=profile.get("status_emoji") or "")


def _resolve(rt: Runtime, session: Session, refs: list[str]) -> list[Member]:
    """A setting names people by Slack id or name (IMPORT.md §4); unknown names are kept as plain names."""
    out: list[Member] = []
    for ref in refs:
        tm = session.get(TeamMember, ref) or session.scalars(
            select(TeamMember).where(TeamMember.name.ilike(ref))).first() or session.scalars(
            select(TeamMember).where(TeamMember.name.ilike(f"{ref} %"))).first()
        out.append(_member(rt, tm) if tm is not None else Member(ref, ref))
    return out


def route_account(rt: Runtime, session: Session, account_id: str,
                  settings: HomeSettings | None = None) -> Route | None:
    """None when the account does not exist."""
    account = session.get(Account, account_id)
    if account is None:
        return None
    s = settings or HomeSettings()
    owner = _member(rt, account.owner) if account.owner is not None else None
    backups = {code: _resolve(rt, session, refs) for code, refs in s.backups_by_region().items()}
    return route(owner, backups=backups, no_owner_fallback=_resolve(rt, session, s.no_owner_fallback))

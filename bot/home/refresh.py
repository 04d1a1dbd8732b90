"""App Home I/O: read the caller's book through the commands' own flows and publish it (`views.publish`).

`refresh_home(rt, slack_id)` is what listeners and jobs call after an account of that user changes.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import clock
from bot.billing.tables import PaymentCase
from bot.churn.flow import assess_accounts
from bot.churn.snapshot import _LOAD
from bot.db.models import Account, TeamMember
from bot.db.session import session_scope
from bot.guard import is_internal_user
from bot.home.blocks import book_home, stranger_home
from bot.home.settings import HomeSettings
from bot.runtime import Runtime
from services.churn.digest import own_book
from services.home.book import Book, HomeRow, build_book

log = logging.getLogger(__name__)

# An owner change this recent still counts as a handover in flight (spec: "previous owner recently changed").
RECENT_HANDOVER_DAYS = 30


def book_accounts(session: Session, member: TeamMember | None, slack_id: str) -> list[Account]:
    """The user's own accounts (owner or TAM overlay); a team lead also sees their team's."""
    people = [slack_id]
    if member is not None and member.is_team_lead:
        people += list(session.scalars(select(TeamMember.slack_id).where(TeamMember.team_lead_slack_id == slack_id)))
    return list(session.scalars(select(Account).options(*_LOAD).where(or_(
        Account.owner_slack_id.in_(people), Account.tam_overlay_slack_id.in_(people))).order_by(Account.name)))


def _recent_change(acc: Account, today: date) -> bool:
    return bool(acc.previous_owner_slack_id and acc.owner is not None and acc.owner_since
                and acc.owner_since >= today - timedelta(days=RECENT_HANDOVER_DAYS))


def handover_command_text(acc: Account, today: date) -> str:
    """What the row's Handover check button runs: the check of the recent move to the current owner, else
    `/handover-check <account>` with no target (the policy's next step)."""
    return f"{acc.name} to {acc.owner.name}" if _recent_change(acc, today) else acc.name


def _handover_row(acc: Account, today: date) -> HomeRow | None:
    arr = acc.arr or 0
    if _recent_change(acc, today):
        prev = acc.previous_owner.name if acc.previous_owner else acc.previous_owner_slack_id
        return HomeRow(acc.id, acc.name, arr, f"Check the handover from {prev} to {acc.owner.name}",
                       ("handover-check",), f"Owner since {acc.owner_since.isoformat()}")
    if acc.new_owner:
        return HomeRow(acc.id, acc.name, arr,
                       f"Marked “{acc.new_owner}”: check it is ready for its next owner",
                       ("handover-check",))
    return None


def _tickets_row(acc: Account, today: date) -> HomeRow | None:
    """Tickets created since Monday: the ISO week the churn digest also uses (services.churn.digest.iso_week)."""
    start = today - timedelta(days=today.weekday())
    new = sorted((t for t in acc.tickets if t.created_at.date() >= start), key=lambda t: t.created_at, reverse=True)
    if not new:
        return None
    latest = new[0]
    what = f"#{latest.id} {latest.subject or '(no subject)'}" + (f" ({latest.priority})" if latest.priority else "")
    count = f"{len(new)} tickets" if len(new) > 1 else "1 ticket"
    return HomeRow(acc.id, acc.name, acc.arr or 0, f"{count} this week, latest {what}: check it is being handled",
                   ("churn-risk",))


def build_user_book(session: Session, slack_id: str, now: datetime, cap: int) -> tuple[Book, str]:
    member = session.get(TeamMember, slack_id)
    accounts = book_accounts(session, member, slack_id)
    churn = []
    for a in own_book(assess_accounts(session, accounts, now)):
        step = a.next_steps[0].brief if a.next_steps else "Nothing due; keep in touch"
        churn.append((a.level, HomeRow(a.account.id, a.account.name, a.arr, step, ("churn-risk",))))
    handovers = [r for r in (_handover_row(acc, now.date()) for acc in accounts) if r is not None]
    ids = [acc.id for acc in accounts]
    payments = [HomeRow(c.account_id, c.account_name, next((a.arr or 0 for a in accounts if a.id == c.account_id), 0),
                        f"Payment late since {c.late_day.isoformat()}: follow the escalation thread in #sales-alerts",
                        ("churn-risk",))
                for c in session.scalars(select(PaymentCase).where(PaymentCase.status == "open",
                                                                   PaymentCase.account_id.in_(ids)))] if ids else []
    tickets = [r for r in (_tickets_row(acc, now.date()) for acc in accounts) if r is not None]
    team = bool(member and member.is_team_lead)
    return build_book(churn, handovers, cap=cap, team=team, tickets=tickets, payments=payments), (member.name if member else "there")


def home_view(rt: Runtime, slack_id: str) -> dict:
    if not is_internal_user(rt, {}, slack_id):
        return stranger_home()
    with session_scope(rt.session_factory) as s:
        book, name = build_user_book(s, slack_id, clock.now(), HomeSettings().rows_per_section)
    return book_home(book, name=name)


def refresh_home(rt: Runtime, slack_id: str) -> bool:
    """Rebuild and publish the user's App Home; False (logged) when Slack refuses, so a job never fails on it."""
    view = home_view(rt, slack_id)
    try:
        rt.client.views_publish(user_id=slack_id, view=view)
    except SlackApiError as exc:
        log.warning("home publish failed", extra={"user": slack_id, "error": exc.response.get("error")})
        return False
    return True

"""Builds the handover checker's plain inputs from the account model (bot/db/models.py).

Everything derived (health label, days since the customer's last Slack message, failed payments,
champion left, discount dates, book sizes) is computed here from stored data, so the checker in
services/ stays a pure function. No network: invoices come from Stripe data already stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import accounts
from bot.db import models as m
from bot.handover.people import email_alias
from services.handover.grammar import AccountRef, AccountResolution, Ambiguous, Found, NotFound, Resolver
from services.handover.model import AccountSnapshot, Confirmation, Invoice, Target, TeamMember
from services.handover.policy import CONFIRMATION_KINDS, TOP_N_ACCOUNTS
from services.handover.usage import UsagePoint, usage_change_pct

HEALTH_LABELS = {"healthy": "Good", "good": "Good", "fair": "Concerning", "concerning": "Concerning", "poor": "Poor"}


def _ref(account: m.Account) -> AccountRef:
    return AccountRef(account.id, account.name, account.domain, account.posthog_org_id, account.owner_slack_id)


def shared_resolver(session: Session) -> Resolver:
    """The resolver every command uses (bot/accounts.py), in the shape the handover grammar takes."""

    def resolve(text: str) -> AccountResolution:
        found = accounts.resolve_account(session, text)
        if found.account is not None:
            return Found(_ref(found.account))
        refs = tuple(_ref(a) for a in found.suggestions)
        if found.ambiguous:
            return Ambiguous(refs, complete=len(refs) < accounts.MAX_SUGGESTIONS)
        return NotFound(refs)

    return resolve


def has_accounts(session: Session) -> bool:
    return session.scalar(select(m.Account.id).limit(1)) is not None  # not count(*): one row answers


def account_refs(session: Session) -> list[AccountRef]:
    """Every account, light: what resolution and suggestions need."""
    rows = session.execute(
        select(m.Account.id, m.Account.name, m.Account.domain, m.Account.posthog_org_id, m.Account.owner_slack_id)
    ).all()
    return [AccountRef(*row) for row in rows]


def team_directory(session: Session) -> dict[str, TeamMember]:
    """The team as the grammar reads it: names, roles, regions, with book sizes as imported (0 when
    not given). Only a named new owner's book matters (C15), so `counted` derives that one."""
    return {
        row.slack_id: TeamMember(
            slack_id=row.slack_id, name=row.name, role=row.role, region=row.region,
            is_team_lead=bool(row.is_team_lead), managed_count=row.managed_count or 0,
            leads_count=row.leads_count or 0, aliases=email_alias(row.email),
        )
        for row in session.scalars(select(m.TeamMember))
    }


def counted(session: Session, target: Target | None) -> Target | None:
    """The target with its person's book sizes: given counts win, else derived from the accounts
    they own (IMPORT.md §4), counted for this one person through the owner index."""
    member = target.member if target is not None else None
    row = session.get(m.TeamMember, member.slack_id) if member is not None else None
    if row is None:
        return target
    sizes = replace(member, managed_count=accounts.managed_count(session, row), leads_count=accounts.leads_count(session, row))
    return replace(target, member=sizes)


def load_account(session: Session, account_id: str) -> m.Account | None:
    return session.scalars(
        select(m.Account).where(m.Account.id == account_id).options(
            selectinload(m.Account.invoices), selectinload(m.Account.notes), selectinload(m.Account.flags),
            selectinload(m.Account.series_points), selectinload(m.Account.contacts),
            selectinload(m.Account.stripe_customers),
        )
    ).first()


def _arr_rank(session: Session, account: m.Account) -> int | None:
    """Rank by ARR (spec A15: Top 40 by ARR when no flag is set), exact up to the Top-N line."""
    if account.arr is None:
        return None
    return accounts.arr_rank(session, account.arr, up_to=TOP_N_ACCOUNTS)


def _latest_note(account: m.Account, kind: str) -> date | None:
    dates = [n.updated_at.date() for n in account.notes if n.kind == kind]
    return max(dates) if dates else None


def _health_label(account: m.Account, today: date) -> str | None:
    rows = [p for p in account.series("health_history") if p.period_start <= today and p.label]
    if not rows:
        return None
    label = rows[-1].label or ""
    return HEALTH_LABELS.get(label.casefold(), label)


def _usage_change(account: m.Account, today: date) -> Decimal | None:
    points = [
        UsagePoint(p.period_start, len(p.period) == 10, p.value)
        for p in account.series_points
        if p.series == "usage" and p.value is not None and p.period_start < today
    ]
    seasonal = any(
        f.kind == "seasonal_explanation" and f.cleared_at is None and f.until is not None and f.until >= today
        for f in account.flags
    )
    return None if seasonal else usage_change_pct(points, today)  # churn-risk F2: seasonality explains a drop


def _champion_left(account: m.Account) -> bool:
    if any(f.kind == "champion_left" and f.cleared_at is None for f in account.flags):
        return True
    return any(c.role == "champion" and c.status == "left" for c in account.contacts)


def snapshot(session: Session, account: m.Account, today: date) -> AccountSnapshot:
    risk = set(account.risk_indicators or [])
    if _champion_left(account):
        risk.add("champion_left")
    has_stripe = bool(account.stripe_customer_ids) or bool(account.invoices)
    invoices = tuple(
        Invoice(
            id=i.id, status=i.status, amount_due=i.effective_amount_remaining or i.amount_due, due_date=i.due_date,
            payment_failed=i.status == "open" and (i.effective_attempt_count >= 1 or i.effective_first_failed_at is not None),
        )
        for i in account.invoices
    )
    last_msg = account.last_customer_slack_message_at
    return AccountSnapshot(
        id=account.id, name=account.name, domain=account.domain,
        owner_slack_id=account.owner_slack_id, owner_since=account.owner_since,
        arr=account.arr, forecasted_mrr=account.forecasted_mrr, new_owner=account.new_owner,
        segments=frozenset(account.segments or []),
        yc_plan=bool(account.credit_yc_plan), startup_plan=bool(account.credit_startup_plan),
        top40=account.top40, arr_rank=_arr_rank(session, account) if account.top40 is None else None,
        paying_for=frozenset(account.paying_for or []),
        first_purchase_date=account.credit_first_purchase_date if account.credit_present else None,
        closed_won_date=account.closed_won_date, initial_deal_arr=account.initial_deal_arr,
        high_potential=bool(account.high_potential), retained_by_tae=bool(account.retained_by_tae),
        discount_pct=account.effective_credit_discount_pct,
        term_start=account.credit_term_start if account.credit_present else None,
        term_end=account.effective_credit_term_end,
        account_plan_updated_at=_latest_note(account, "account_plan"),
        expansion_levers_updated_at=_latest_note(account, "expansion_levers"),
        growth_note_updated_at=_latest_note(account, "growth_potential"),
        plan_above_20k=_latest_note(account, "plan_above_20k") is not None,
        invoices=invoices,
        health_label=_health_label(account, today),
        usage_change_pct=_usage_change(account, today),
        active_users_30d=account.active_users_30d,
        days_since_customer_slack=(today - last_msg.date()).days if last_msg else None,
        risk_indicators=frozenset(risk),
        billing_email=account.billing_email,
        onboarding_checklist=account.onboarding_checklist,
        open_cross_sell_opps=account.open_cross_sell_opps or 0,
        user_region_counts=account.user_region_counts,
        unavailable_sources=frozenset() if has_stripe else frozenset({"Stripe"}),
    )


def confirmations(account: m.Account) -> list[Confirmation]:
    """Recorded handover confirmations still standing (not cleared)."""
    kinds = set(CONFIRMATION_KINDS.values())
    return [Confirmation(f.kind, f.at, f.author) for f in account.flags if f.kind in kinds and f.cleared_at is None]

"""The merge upsert of IMPORT.md §11, applied to a validated plan inside the caller's transaction.

Present fields replace, absent fields stay, null clears to the default; lists replace; `last_*_at`
only move forward; nested rows upsert by their keys and are never deleted (series too, unless
`replace_series`); an owner change records `previous_owner_slack_id` and `owner_since`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db.models import (
    Account,
    AccountSlackChannel,
    AccountStripeCustomer,
    Contact,
    Flag,
    Invoice,
    Note,
    OneTimeCredit,
    SeriesPoint,
    TeamMember,
    Ticket,
)
from bot.importer import schema
from bot.importer.conventions import CHURN_RISK_SEGMENT
from bot.importer.fields import ABSENT, CleanAccount, CleanChild, CleanMember, CleanSeriesRow
from bot.importer.validate import Plan


@dataclass
class WriteCounts:
    members_created: int = 0
    members_updated: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    series_rows: int = 0
    children: int = 0

    def summary(self) -> str:
        members = self.members_created + self.members_updated
        accounts = self.accounts_created + self.accounts_updated
        return (
            f"{members} team members ({self.members_created} new), "
            f"{accounts} accounts ({self.accounts_created} new), "
            f"{self.series_rows} series rows, {self.children} invoices/notes/flags/contacts/tickets/credits"
        )


def _later(stored: datetime | None, given: datetime | None) -> datetime | None:
    if given is None or stored is None:
        return given
    return max(stored, given)


def write_plan(plan: Plan, session: Session, *, today: date, now: datetime, replace_series: bool = False) -> WriteCounts:
    counts = WriteCounts()
    for member in plan.members:
        _write_member(member, session, counts)
    session.flush()
    for account in plan.accounts:
        _write_account(account, session, counts, today=today, now=now, replace_series=replace_series)
    for account_id, rows in plan.orphan_series.items():
        stored = session.get(Account, account_id)
        assert stored is not None  # validated: E_REF otherwise
        _write_series(stored, rows, session, counts, replace_series)
    session.flush()
    return counts


def _write_member(member: CleanMember, session: Session, counts: WriteCounts) -> None:
    row = session.get(TeamMember, member.slack_id)
    if row is None:
        row = TeamMember(slack_id=member.slack_id, is_team_lead=False, out_of_office=False)
        session.add(row)
        counts.members_created += 1
    else:
        counts.members_updated += 1
    for name, value in member.fields.items():
        if value is None:
            value = schema.MEMBER_DEFAULTS.get(name)
        if getattr(row, name) != value:
            setattr(row, name, value)


def _write_account(
    account: CleanAccount, session: Session, counts: WriteCounts, *, today: date, now: datetime, replace_series: bool
) -> None:
    row = session.get(Account, account.id)
    created = row is None
    if row is None:
        row = Account(
            id=account.id, segments=[], high_potential=False, retained_by_tae=False, open_cross_sell_opps=0,
            subscription_status="active", nonprofit=False, trial_revenue=False, uptime_sla=False, paying_for=[],
            billing_limits={}, destinations=[], billing_page_views=[], risk_indicators=[], credit_present=False,
        )
        session.add(row)
        counts.accounts_created += 1
    else:
        counts.accounts_updated += 1
    fields = dict(account.fields)
    old_owner = row.owner_slack_id
    old_segments = list(row.segments or [])

    id_lists = {name: fields.pop(name) or [] for name in ("stripe_customer_ids", "slack_channel_ids") if name in fields}
    for name, value in fields.items():
        if value is None:
            value = schema.ACCOUNT_DEFAULTS.get(name)
            if isinstance(value, list | dict):
                value = type(value)()
        elif name in schema.FORWARD_ONLY:
            value = _later(getattr(row, name), value)
        if getattr(row, name) != value:
            setattr(row, name, value)

    for map_name, patch in account.map_patches.items():
        current = dict(getattr(row, map_name) or {})
        for key, value in patch.items():
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
        if current != (getattr(row, map_name) or {}):
            setattr(row, map_name, current or ({} if map_name == "billing_limits" else None))

    # Owner change (IMPORT.md §5, §11): remember who had it and since when the new owner has it.
    if not created and "owner_slack_id" in fields and fields["owner_slack_id"] != old_owner:
        if "owner_since" not in fields:
            row.owner_since = today
        if "previous_owner_slack_id" not in fields and old_owner is not None:
            row.previous_owner_slack_id = old_owner

    # `churn_risk_flagged_at`: set when "Churn Risk" is added without it, cleared when removed.
    if "segments" in fields and "churn_risk_flagged_at" not in fields:
        had = CHURN_RISK_SEGMENT in old_segments and not created
        has = CHURN_RISK_SEGMENT in (row.segments or [])
        if has and not had and row.churn_risk_flagged_at is None:
            row.churn_risk_flagged_at = now
        elif had and not has:
            row.churn_risk_flagged_at = None

    if account.credit is None:
        if row.credit_present:
            row.credit_present = False
            for name in schema.CREDIT_FIELDS:
                setattr(row, f"credit_{name}", None)
    elif account.credit is not ABSENT:
        if not row.credit_present:
            row.credit_present = True
        for name, value in account.credit.items():
            if getattr(row, f"credit_{name}") != value:
                setattr(row, f"credit_{name}", value)

    session.flush()
    for name, values in id_lists.items():
        _replace_ids(row, name, values, session)
    _write_children(row, account.children, session, counts)
    _write_series(row, account.series, session, counts, replace_series)


def _replace_ids(row: Account, name: str, values: list[str], session: Session) -> None:
    """Lists replace the stored list (IMPORT.md §11); deletions flush first so ids can move between accounts."""
    if name == "stripe_customer_ids":
        current, model, attr, collection = row.stripe_customer_ids, AccountStripeCustomer, "customer_id", row.stripe_customers
    else:
        current, model, attr, collection = row.slack_channel_ids, AccountSlackChannel, "channel_id", row.slack_channels
    if current == values:
        return
    collection.clear()
    session.flush()
    # Another account in this import may be giving the id up later; remove its row now.
    session.execute(delete(model).where(getattr(model, attr).in_(values)))
    for position, value in enumerate(values):
        collection.append(model(**{attr: value, "position": position}))
    session.flush()


def _apply(target: Any, data: dict[str, Any], defaults: dict[str, Any]) -> bool:
    changed = False
    for name, value in data.items():
        if value is None and name in defaults:
            value = defaults[name]
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _write_children(row: Account, children: dict[str, list[CleanChild]], session: Session, counts: WriteCounts) -> None:
    for child in children.get("invoices", []):
        invoice = session.get(Invoice, child.data["id"])
        if invoice is None:
            invoice = Invoice(id=child.data["id"], account_id=row.id)
            session.add(invoice)
        _apply(invoice, {k: v for k, v in child.data.items() if k != "id"}, {})
        counts.children += 1
    for child in children.get("tickets", []):
        ticket = session.get(Ticket, child.data["id"])
        if ticket is None:
            ticket = Ticket(id=child.data["id"], account_id=row.id, tags=[])
            session.add(ticket)
        _apply(ticket, {k: v for k, v in child.data.items() if k != "id"}, {"tags": []})
        counts.children += 1
    contacts = {c.email: c for c in row.contacts}
    for child in children.get("contacts", []):
        contact = contacts.get(child.data["email"])
        data = dict(child.data)
        if contact is None:
            contact = Contact(email=data["email"], role="user", status="active")
            row.contacts.append(contact)
            contacts[contact.email] = contact
        elif data.get("last_inbound_at") is not None:
            data["last_inbound_at"] = _later(contact.last_inbound_at, data["last_inbound_at"])
        _apply(contact, data, {"role": "user", "status": "active"})
        counts.children += 1
    flags = {(f.kind, f.at): f for f in row.flags}
    for child in children.get("flags", []):
        key = (child.data["kind"], child.data["at"])
        flag = flags.get(key)
        if flag is None:
            flag = Flag(kind=key[0], at=key[1], note="")
            row.flags.append(flag)
            flags[key] = flag
        _apply(flag, child.data, {"note": ""})
        counts.children += 1
    credits = {(c.date, c.reason): c for c in row.one_time_credits}
    for child in children.get("one_time_credits", []):
        key = (child.data["date"], child.data["reason"])
        credit = credits.get(key)
        if credit is None:
            credit = OneTimeCredit(date=key[0], reason=key[1], amount=child.data["amount"])
            row.one_time_credits.append(credit)
            credits[key] = credit
        _apply(credit, child.data, {})
        counts.children += 1
    for child in children.get("notes", []):
        _write_note(row, child.data)
        counts.children += 1


def _write_note(row: Account, data: dict[str, Any]) -> None:
    data = dict(data)
    note_id = data.pop("id", None)
    created_at = data.get("created_at") or data["updated_at"]
    note = None
    for existing in row.notes:
        if note_id is not None and existing.note_id == note_id:
            note = existing
            break
        if (
            note_id is None
            and existing.note_id is None
            and (existing.kind, existing.title, existing.created_at) == (data["kind"], data["title"], created_at)
        ):
            note = existing
            break
    if note is None:
        note = Note(note_id=note_id, body="", created_at=created_at, kind=data["kind"], title=data["title"])
        if data["kind"] == "recommendation":
            note.status = "open"
        row.notes.append(note)
    if "created_at" in data and data["created_at"] is None:
        data["created_at"] = data["updated_at"]
    defaults: dict[str, Any] = {"body": ""}
    if data["kind"] == "recommendation":
        defaults["status"] = "open"
    _apply(note, data, defaults)


def _write_series(
    row: Account, rows: list[CleanSeriesRow], session: Session, counts: WriteCounts, replace_series: bool
) -> None:
    if not rows:
        return
    if replace_series:
        given = {r.series for r in rows}
        for point in list(row.series_points):
            if point.series in given:
                row.series_points.remove(point)
        session.flush()
    existing = {(p.series, p.period, p.product): p for p in row.series_points}
    for item in rows:
        key = (item.series, item.period, item.product)
        point = existing.get(key)
        if point is None:
            point = SeriesPoint(series=item.series, period=item.period, product=item.product, period_start=item.period_start)
            row.series_points.append(point)
            existing[key] = point
        _apply(point, {"value": item.value, "billed": item.billed, "label": item.label, "period_start": item.period_start}, {})
        counts.series_rows += 1

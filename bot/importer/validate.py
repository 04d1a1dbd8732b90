"""Stage 2 of validation: the whole import against itself and the database (IMPORT.md §10).

Duplicates (in the import, and unique values held by another member or account, naming the
holder), references, required fields of new records, and the E_CONFLICT rules checked on the
merged view (stored values overlaid by imported ones). Reads the database; never writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    Account,
    AccountSlackChannel,
    AccountStripeCustomer,
    Contact,
    Invoice,
    SeriesPoint,
    TeamMember,
    Ticket,
    _add_months,
)
from bot.importer import schema
from bot.importer.fields import (
    ABSENT,
    CleanAccount,
    CleanMember,
    CleanSeriesRow,
    check_account,
    check_member,
    check_series_csv_row,
)
from bot.importer.issues import Issues
from bot.importer.records import ParsedInput

CHUNK = 500


@dataclass
class Plan:
    """Everything to write, already checked."""

    members: list[CleanMember] = field(default_factory=list)
    accounts: list[CleanAccount] = field(default_factory=list)
    # series.csv rows for accounts that are not in this import's account list
    orphan_series: dict[str, list[CleanSeriesRow]] = field(default_factory=dict)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _fetch(session: Session, column: Any, values: Iterable[Any], *entities: Any) -> list[Any]:
    values = list(dict.fromkeys(values))
    rows: list[Any] = []
    for chunk in _chunks(values):
        rows.extend(session.execute(select(*entities).where(column.in_(chunk))).all())
    return rows


def validate(parsed: ParsedInput, session: Session, issues: Issues, *, replace_series: bool = False,
             tick: Callable[[int], None] = lambda n: None) -> Plan:
    """Check everything; the returned plan is only safe to write when `issues` is empty.
    `tick(n)` is told as records are checked (n of len(members) + len(accounts)), for progress."""
    plan = Plan()
    for raw in parsed.members:
        member = check_member(raw, issues)
        if member is not None:
            plan.members.append(member)
    tick(len(parsed.members))
    for i, raw in enumerate(parsed.accounts, 1):
        account = check_account(raw, issues)
        if account is not None:
            plan.accounts.append(account)
        if i % 500 == 0:
            tick(500)
    tick(len(parsed.accounts) % 500)
    csv_series: list[CleanSeriesRow] = []
    for raw_row in parsed.series_rows:
        row = check_series_csv_row(raw_row, issues)
        if row is not None:
            csv_series.append(row)
    # Records that failed stage 1 still count for duplicate keys, so report them too.
    _check_members(plan, parsed, session, issues)
    _check_accounts(plan, parsed, csv_series, session, issues, replace_series)
    return plan


# ---- team ---------------------------------------------------------------------------------


def _check_members(plan: Plan, parsed: ParsedInput, session: Session, issues: Issues) -> None:
    seen: dict[str, str] = {}
    for member in plan.members:
        if member.slack_id in seen:
            issues.add(member.file, member.where, "slack_id", "E_DUPLICATE", f"{member.slack_id} is also at {seen[member.slack_id]}")
        else:
            seen[member.slack_id] = member.where
    stored = {
        row.slack_id: row
        for (row,) in _fetch(session, TeamMember.slack_id, [m.slack_id for m in plan.members], TeamMember)
    }
    for member in plan.members:
        if member.slack_id in stored:
            continue
        for name in ("name", "role"):
            if name not in member.fields:
                issues.add(
                    member.file, member.where, name, "E_REQUIRED",
                    f"{name} is required for a new team member ({member.slack_id} is not in the database yet)",
                )
    # email: unique across members (IMPORT.md §4)
    claims: dict[str, CleanMember] = {}
    for member in plan.members:
        email = member.fields.get("email")
        if not email:
            continue
        if email in claims and claims[email].slack_id != member.slack_id:
            issues.add(member.file, member.where, "email", "E_DUPLICATE", f"{email} is also given to {claims[email].slack_id}")
        claims.setdefault(email, member)
    changing = {m.slack_id for m in plan.members if "email" in m.fields}
    for holder in _fetch(session, TeamMember.email, list(claims), TeamMember):
        holder = holder[0]
        member = claims[holder.email]
        if holder.slack_id != member.slack_id and holder.slack_id not in changing:
            issues.add(
                member.file, member.where, "email", "E_DUPLICATE",
                f"{holder.email} already belongs to team member {holder.slack_id} ({holder.name})",
            )
    known = _known_members(plan, session)
    for member in plan.members:
        for ref in schema.MEMBER_REFS:
            value = member.fields.get(ref)
            if value and value not in known:
                issues.add(member.file, member.where, ref, "E_REF", f"{value} is not in the team directory; add it to team")


def _known_members(plan: Plan, session: Session) -> set[str]:
    cached = getattr(plan, "_known", None)
    if cached is None:
        cached = {m.slack_id for m in plan.members}
        cached |= set(session.scalars(select(TeamMember.slack_id)))
        plan._known = cached  # type: ignore[attr-defined]
    return cached


# ---- accounts -------------------------------------------------------------------------------


def _check_accounts(
    plan: Plan,
    parsed: ParsedInput,
    csv_series: list[CleanSeriesRow],
    session: Session,
    issues: Issues,
    replace_series: bool,
) -> None:
    by_id: dict[str, CleanAccount] = {}
    for account in plan.accounts:
        if account.id in by_id:
            issues.add(account.file, account.where, "id", "E_DUPLICATE", f"account {account.id} is also at {by_id[account.id].where}")
            continue
        by_id[account.id] = account
    stored = {row.id: row for (row,) in _fetch(session, Account.id, list(by_id) + [r.account_id for r in csv_series], Account)}

    for account in by_id.values():
        if account.id not in stored and "name" not in account.fields:
            issues.add(account.file, account.where, "name", "E_REQUIRED", f"name is required for a new account ({account.id} is not in the database yet)")

    for row in csv_series:
        if row.account_id in by_id:
            by_id[row.account_id].series.append(row)
        elif row.account_id in stored:
            plan.orphan_series.setdefault(row.account_id, []).append(row)
        elif row.account_id:
            issues.add(row.file, row.where, "account_id", "E_REF", f"account {row.account_id} is neither in this import nor in the database")

    known = _known_members(plan, session)
    for account in by_id.values():
        for ref in schema.ACCOUNT_REFS:
            value = account.fields.get(ref)
            if value and value not in known:
                issues.add(account.file, account.where, ref, "E_REF", f"{value} is not in the team directory; add it to team")

    _check_account_uniques(list(by_id.values()), stored, session, issues)
    _check_children(list(by_id.values()), stored, session, issues)
    for account in by_id.values():
        _check_credit(account, stored.get(account.id), issues)
    series_by_account: dict[str, list[CleanSeriesRow]] = defaultdict(list)
    for account in by_id.values():
        series_by_account[account.id].extend(account.series)
    for account_id, rows in plan.orphan_series.items():
        series_by_account[account_id].extend(rows)
    _check_series(series_by_account, session, issues, replace_series)


def _holder_name(account: Account) -> str:
    return f'account {account.id} ("{account.name}")'


def _check_account_uniques(
    accounts: list[CleanAccount], stored: dict[str, Account], session: Session, issues: Issues
) -> None:
    """posthog_org_id, zendesk_org_id, stripe_customer_ids, slack_channel_ids: one account each."""
    scalar_columns = {"posthog_org_id": Account.posthog_org_id, "zendesk_org_id": Account.zendesk_org_id}
    for name, column in scalar_columns.items():
        claims: dict[Any, CleanAccount] = {}
        for account in accounts:
            value = account.fields.get(name)
            if value is None:
                continue
            if value in claims and claims[value].id != account.id:
                issues.add(account.file, account.where, name, "E_DUPLICATE", f"{value} is also given to account {claims[value].id}")
                continue
            claims.setdefault(value, account)
        releasing = {a.id for a in accounts if name in a.fields}
        for (holder,) in _fetch(session, column, list(claims), Account):
            account = claims[getattr(holder, name)]
            if holder.id != account.id and holder.id not in releasing:
                issues.add(account.file, account.where, name, "E_DUPLICATE", f"{getattr(holder, name)} already belongs to {_holder_name(holder)}")

    list_tables = {
        "stripe_customer_ids": (AccountStripeCustomer, AccountStripeCustomer.customer_id, "customer_id"),
        "slack_channel_ids": (AccountSlackChannel, AccountSlackChannel.channel_id, "channel_id"),
    }
    for name, (model, column, attr) in list_tables.items():
        claims_list: dict[str, CleanAccount] = {}
        for account in accounts:
            for index, value in enumerate(account.fields.get(name) or []):
                if value in claims_list and claims_list[value].id != account.id:
                    issues.add(account.file, account.where, f"{name}[{index}]", "E_DUPLICATE", f"{value} is also given to account {claims_list[value].id}")
                    continue
                claims_list.setdefault(value, account)
        releasing = {a.id for a in accounts if name in a.fields}
        for (row,) in _fetch(session, column, list(claims_list), model):
            value = getattr(row, attr)
            account = claims_list[value]
            if row.account_id != account.id and row.account_id not in releasing:
                index = account.fields[name].index(value)
                issues.add(account.file, account.where, f"{name}[{index}]", "E_DUPLICATE", f"{value} already belongs to {_holder_name(row.account)}")


def _check_children(accounts: list[CleanAccount], stored: dict[str, Account], session: Session, issues: Issues) -> None:
    invoice_claims: dict[str, tuple[CleanAccount, str]] = {}
    ticket_claims: dict[int, tuple[CleanAccount, str]] = {}
    for account in accounts:
        for kind, key_of in (
            ("invoices", lambda d: d["id"]),
            ("tickets", lambda d: d["id"]),
            ("contacts", lambda d: d["email"]),
            ("flags", lambda d: (d["kind"], d["at"])),
            ("one_time_credits", lambda d: (d["date"], d["reason"])),
            ("notes", _note_key),
        ):
            seen: dict[Any, str] = {}
            for child in account.children.get(kind, []):
                key = key_of(child.data)
                if key in seen:
                    issues.add(account.file, account.where, child.loc, "E_DUPLICATE", f"the same {kind[:-1].replace('_', ' ')} as {seen[key]}")
                    continue
                seen[key] = child.loc
                if kind == "invoices":
                    other = invoice_claims.get(key)
                    if other and other[0].id != account.id:
                        issues.add(account.file, account.where, f"{child.loc}.id", "E_DUPLICATE", f"{key} is also given to account {other[0].id}")
                    invoice_claims.setdefault(key, (account, child.loc))
                if kind == "tickets":
                    other = ticket_claims.get(key)
                    if other and other[0].id != account.id:
                        issues.add(account.file, account.where, f"{child.loc}.id", "E_DUPLICATE", f"ticket {key} is also given to account {other[0].id}")
                    ticket_claims.setdefault(key, (account, child.loc))

    stored_invoices = {row.id: row for (row,) in _fetch(session, Invoice.id, list(invoice_claims), Invoice)}
    for invoice_id, (account, loc) in invoice_claims.items():
        holder = stored_invoices.get(invoice_id)
        if holder is not None and holder.account_id != account.id:
            issues.add(account.file, account.where, f"{loc}.id", "E_DUPLICATE", f"{invoice_id} already belongs to {_holder_name(holder.account)}")
    for (ticket,) in _fetch(session, Ticket.id, list(ticket_claims), Ticket):
        account, loc = ticket_claims[ticket.id]
        if ticket.account_id != account.id:
            issues.add(account.file, account.where, f"{loc}.id", "E_DUPLICATE", f"ticket {ticket.id} already belongs to {_holder_name(ticket.account)}")

    for account in accounts:
        current = stored.get(account.id)
        customers = account.fields.get("stripe_customer_ids")
        if customers is None:
            customers = current.stripe_customer_ids if current is not None else []
        for child in account.children.get("invoices", []):
            before = stored_invoices.get(child.data["id"])
            merged = _merged(before, child.data, schema.INVOICE_FIELDS)
            _check_invoice(account, child.loc, merged, customers, issues)
        contacts_before: dict[str, Contact] = {}
        if current is not None:
            contacts_before = {row.email: row for row in current.contacts}
        for child in account.children.get("contacts", []):
            merged = _merged(contacts_before.get(child.data["email"]), child.data, schema.CONTACT_FIELDS)
            if (merged.get("status") or "active") != "active" and merged.get("changed_at") is None:
                issues.add(account.file, account.where, f"{child.loc}.changed_at", "E_CONFLICT", f"a contact with status {merged['status']} needs changed_at, e.g. \"2025-05-20T00:00:00Z\"")
        for child in account.children.get("flags", []):
            kind, until = child.data["kind"], child.data.get("until")
            if kind == "seasonal_explanation" and until is None:
                issues.add(account.file, account.where, f"{child.loc}.until", "E_CONFLICT", 'seasonal_explanation needs "until" (the date the season ends), e.g. "2025-09-01"')
            if kind != "seasonal_explanation" and until is not None:
                issues.add(account.file, account.where, f"{child.loc}.until", "E_CONFLICT", f"until belongs only on seasonal_explanation flags, not {kind}")
        for child in account.children.get("notes", []):
            if child.data.get("status") is not None and child.data["kind"] != "recommendation":
                issues.add(account.file, account.where, f"{child.loc}.status", "E_CONFLICT", f"status belongs only on recommendation notes, not {child.data['kind']}")


def _note_key(data: dict[str, Any]) -> Any:
    if data.get("id"):
        return ("id", data["id"])
    return (data["kind"], data["title"], data.get("created_at") or data.get("updated_at"))


def _merged(before: Any, given: dict[str, Any], spec: tuple[str, ...]) -> dict[str, Any]:
    merged = {name: getattr(before, name, None) for name in spec} if before is not None else dict.fromkeys(spec)
    merged.update(given)
    return merged


ZERO = Decimal("0.00")


def _check_invoice(account: CleanAccount, loc: str, inv: dict[str, Any], customers: list[str], issues: Issues) -> None:
    """The invoice rules of IMPORT.md §10 E_CONFLICT / E_REF (B§3.2, B P8)."""
    def add(name: str, code: str, message: str) -> None:
        issues.add(account.file, account.where, f"{loc}.{name}", code, message)

    customer = inv.get("stripe_customer_id")
    if customer is not None and customer not in customers:
        add("stripe_customer_id", "E_REF", f"{customer} is not in the account's stripe_customer_ids ({', '.join(customers) or 'none'})")
    status, method = inv["status"], inv["payment_method"]
    if status == "open" and method == "bank_transfer" and inv.get("due_date") is None:
        add("due_date", "E_CONFLICT", 'an open bank-transfer invoice needs due_date, e.g. "2025-06-30"')
    attempts = inv.get("attempt_count") or 0
    if status == "open" and method == "card" and attempts >= 1 and inv.get("first_failed_at") is None and inv.get("finalized_at") is None:
        add("first_failed_at", "E_CONFLICT", "an open card invoice with failed attempts needs first_failed_at or finalized_at")
    due = inv["amount_due"]
    paid = inv.get("amount_paid")
    remaining = inv.get("amount_remaining")
    paid_eff = paid if paid is not None else (due if status == "paid" else ZERO)
    remaining_eff = remaining if remaining is not None else (due - paid_eff if status == "open" else ZERO)
    if paid_eff + remaining_eff > due:
        add("amount_remaining", "E_CONFLICT", f"amount_paid {paid_eff} + amount_remaining {remaining_eff} is more than amount_due {due}")
    if status == "paid" and remaining is not None and remaining > 0:
        add("status", "E_CONFLICT", f"a paid invoice has nothing remaining ({remaining} is); a partly paid invoice stays open")
    start, end = inv.get("period_start"), inv.get("period_end")
    if start is not None and end is not None and end <= start:
        add("period_end", "E_CONFLICT", f"{end} is not after period_start {start} (periods are [start, end))")


CREDIT_COLUMNS = tuple(schema.CREDIT_FIELDS)


def _check_credit(account: CleanAccount, stored: Account | None, issues: Issues) -> None:
    """term_end after term_start; start + months = end when all three are known (IMPORT.md §5.1)."""
    if account.credit is ABSENT or account.credit is None:
        return
    merged: dict[str, Any] = {}
    if stored is not None and stored.credit_present:
        merged = {name: getattr(stored, f"credit_{name}") for name in CREDIT_COLUMNS}
    merged.update(account.credit)
    start, end, months = merged.get("term_start"), merged.get("term_end"), merged.get("term_months")
    if start is not None and end is not None and end <= start:
        word = "before" if end < start else "the same day as"
        issues.add(account.file, account.where, "credit.term_end", "E_CONFLICT", f"{end} is {word} credit.term_start {start}")
        return
    if start is not None and end is not None and months is not None:
        expected: date = _add_months(start, months)
        if expected != end:
            issues.add(
                account.file, account.where, "credit.term_months", "E_CONFLICT",
                f"{months} months from {start} ends {expected}, not credit.term_end {end}; drop one of the three",
            )


def _check_series(
    series_by_account: dict[str, list[CleanSeriesRow]], session: Session, issues: Issues, replace_series: bool
) -> None:
    """Duplicate keys; one granularity per usage product, counting stored rows (IMPORT.md §6)."""
    usage_accounts = [a for a, rows in series_by_account.items() if any(r.series == "usage" for r in rows)]
    stored_grain: dict[tuple[str, str], set[str]] = defaultdict(set)
    if not replace_series:
        rows: list[Any] = []
        for chunk in _chunks(usage_accounts):
            rows.extend(
                session.execute(
                    select(SeriesPoint.account_id, SeriesPoint.product, SeriesPoint.period).where(
                        SeriesPoint.account_id.in_(chunk), SeriesPoint.series == "usage"
                    )
                ).all()
            )
        for account_id, product, period in rows:
            stored_grain[(account_id, product)].add("day" if len(period) == 10 else "month")
    for account_id, rows in series_by_account.items():
        seen: dict[tuple[str, str, str], CleanSeriesRow] = {}
        first_of_product: dict[str, CleanSeriesRow] = {}
        grains: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            key = (row.series, row.period, row.product)
            if key in seen:
                where = seen[key].where if seen[key].loc == "" else seen[key].loc.rstrip(".")
                issues.add(row.file, row.where, f"{row.loc}period", "E_DUPLICATE", f"{row.series} {row.period} {row.product} is also at {where}".replace("  ", " "))
                continue
            seen[key] = row
            if row.series == "usage":
                grains[row.product].add(row.granularity)
                first_of_product.setdefault(row.product, row)
        for product, grain in grains.items():
            every = grain | stored_grain.get((account_id, product), set())
            if len(every) > 1:
                row = first_of_product[product]
                issues.add(
                    row.file, row.where, f"{row.loc}period", "E_CONFLICT",
                    f"usage rows of {product} mix months and days (counting stored rows); use one granularity per product",
                )

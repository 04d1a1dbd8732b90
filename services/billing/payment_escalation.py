"""Failed and late payments: when an invoice is late (PAY-LATE), who is tagged (PAY-WHO), the
escalation steps and their days (PAY-STEPS), what stops it (PAY-STOP), repeated misses
(PAY-REPEAT) and catch-up after downtime (PAY-CATCHUP). Spec billing-alerts.md §3.

Pure transitions over plain data: a `Case` and the invoices Stripe shows now go in, the next
`Case` and the messages to post come out. Every message has a dedupe key derived from the case
and step, so recording it in the outbox makes a second post impossible. The bot never suspends,
cancels or emails anyone: the handbook gives those acts to people (002_59a801b964a2a19e.txt:3648).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.billing import policy as P


class Step(StrEnum):
    STEP2 = "step2"  # 1 day before suspending, 002_59a801b964a2a19e.txt:3661-3663
    STEP3 = "step3"  # suspend access, 002_59a801b964a2a19e.txt:3665-3671
    STEP4 = "step4"  # 1 day before cancelling, 002_59a801b964a2a19e.txt:3674-3678
    STEP5 = "step5"  # cancel the subscription, 002_59a801b964a2a19e.txt:3681-3685


STEP_ORDER = (Step.STEP2, Step.STEP3, Step.STEP4, Step.STEP5)


class StepState(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    SKIPPED = "skipped"


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    BACKLOG = "backlog"


class Resolution(StrEnum):
    PAID = "paid"
    VOIDED = "voided"
    WRITTEN_OFF = "written_off"
    CREDITED = "credited"


class MessageKind(StrEnum):
    ROOT = "root"
    ATTEMPTS = "attempts"
    STEP = "step"
    JOINED = "joined"
    RESOLVED = "resolved"
    EXTENDED = "extended"
    BACKLOG = "backlog"


@dataclass(frozen=True)
class EscalationParams:
    payg_max_attempts: int = P.PAYG_MAX_ATTEMPTS
    payg_day0: str = "first_failure"
    suspend_after_days: int = P.SUSPEND_AFTER_DAYS
    cancel_after_suspend_days: int = P.CANCEL_AFTER_SUSPEND_DAYS
    pre_notice_days: int = P.PRE_NOTICE_DAYS
    unmanaged_threshold: Decimal = P.UNMANAGED_ESCALATION_THRESHOLD_USD
    unmanaged_large_ids: tuple[str, ...] = ("U_SIMON", "U_DANA")
    no_owner_ids: tuple[str, ...] = ("U_SIMON",)
    repeat_missed_periods: int = P.REPEAT_MISSED_PERIODS
    advance_months: int = P.ADVANCE_MONTHS
    backlog_days: int = P.BACKLOG_DAYS
    billing_tz: str = "UTC"


@dataclass(frozen=True)
class InvoiceFacts:
    """What Stripe (or the import) says about one invoice now. IMPORT.md field names."""

    invoice_id: str
    customer_id: str
    status: str  # draft | open | paid | void | uncollectible
    payment_method: str  # card (charge_automatically) | bank_transfer (send_invoice)
    amount_due: Decimal
    amount_remaining: Decimal
    amount_paid: Decimal = Decimal(0)
    number: str | None = None
    currency: str = "USD"
    due_date: date | None = None
    attempt_count: int = 0
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None
    finalized_at: datetime | None = None
    next_payment_attempt: datetime | None = None
    next_attempt_known: bool = True  # False for imported data: Stripe's retry schedule is not on record
    collection_paused: bool = False
    action_required: bool = False  # invoice.payment_action_required (3DS)
    decline: str | None = None
    paid_at: datetime | None = None
    closed_at: datetime | None = None  # voided / marked uncollectible
    hosted_invoice_url: str | None = None
    invoice_pdf: str | None = None
    subscription_id: str | None = None

    @property
    def label(self) -> str:
        return self.number or self.invoice_id


@dataclass(frozen=True)
class AccountContext:
    """The account the invoices belong to (IMPORT.md account + the owner's team row)."""

    account_name: str
    owner_slack_id: str | None = None
    owner_role: str | None = None  # TAE | TAM | CSM | ...
    country: str | None = None
    billing_email: str | None = None


@dataclass(frozen=True)
class Responsible:
    user_ids: tuple[str, ...]
    reason: str  # owner | no_owner | unmanaged_large


@dataclass(frozen=True)
class StepRow:
    step: Step
    due_on: date
    state: StepState = StepState.PENDING


@dataclass(frozen=True)
class CaseInvoice:
    invoice_id: str
    label: str
    amount_due: Decimal
    amount_remaining: Decimal
    attempt_count_seen: int
    status: str


@dataclass(frozen=True)
class Case:
    """One escalation per customer; its key is the first late invoice's id (stable across replicas)."""

    key: str
    customer_id: str
    account_name: str
    kind: str  # payg | invoiced
    late_day: date
    responsible: Responsible
    invoices: tuple[CaseInvoice, ...]
    steps: tuple[StepRow, ...]
    status: CaseStatus = CaseStatus.OPEN
    extension_days: int = 0
    extensions: int = 0
    consecutive_missed: int = 1
    advance_payment: Decimal | None = None
    owner_role: str | None = None
    closed_on: date | None = None
    close_reason: str | None = None

    @property
    def root_key(self) -> str:
        return f"pay:{self.key}:root"

    @property
    def amount_remaining(self) -> Decimal:
        return sum((i.amount_remaining for i in self.invoices if i.status == "open"), Decimal(0))

    def step(self, step: Step) -> StepRow:
        return next(s for s in self.steps if s.step is step)

    @property
    def suspension_posted(self) -> bool:
        return self.step(Step.STEP3).state is StepState.POSTED

    @property
    def repeat_applies(self) -> bool:
        return self.advance_payment is not None


@dataclass(frozen=True)
class Message:
    """One Slack message to record in the outbox; `facts` is plain data for the Block Kit builder."""

    kind: MessageKind
    dedupe_key: str
    mentions: tuple[str, ...]
    thread_key: str | None = None  # the root's dedupe key for thread replies
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    case: Case | None
    messages: tuple[Message, ...] = ()


# --- PAY-LATE --------------------------------------------------------------------------------


def _local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def late_day(invoice: InvoiceFacts, now: datetime, params: EscalationParams) -> date | None:
    """Day 0 of an invoice, or None if it is not late now (spec §3.2).

    Invoiced (bank transfer): the day after the due date, "regardless whether there are still credits
    available or not" 002_59a801b964a2a19e.txt:3642. Pay-as-you-go (card): the first failed attempt
    (setting payg_day0, spec §8 Q1); Stripe tries 4 times 002_59a801b964a2a19e.txt:3644."""
    if invoice.status != "open" or invoice.amount_remaining <= 0 or invoice.collection_paused:
        return None
    today = _local_day(now, params.billing_tz)
    if invoice.payment_method == "bank_transfer":
        if invoice.due_date is None:
            return None
        day = invoice.due_date + timedelta(days=1)
        return day if today >= day else None
    if invoice.attempt_count < 1:
        return None
    if params.payg_day0 == "retries_exhausted":
        exhausted = invoice.attempt_count >= params.payg_max_attempts or invoice.next_payment_attempt is None
        failed = invoice.last_failed_at or invoice.first_failed_at or invoice.finalized_at
        return _local_day(failed, params.billing_tz) if exhausted and failed else None
    failed = invoice.first_failed_at or invoice.finalized_at
    return _local_day(failed, params.billing_tz) if failed else today


# --- PAY-WHO ---------------------------------------------------------------------------------


def responsible_for(owner_slack_id: str | None, amount_late: Decimal, params: EscalationParams) -> Responsible:
    """The Vitally owner; with none, Simon; unmanaged and $1,500 or more, Simon and Dana instead.
    002_59a801b964a2a19e.txt:3648, 002_59a801b964a2a19e.txt:3654 ("$1500 or more": inclusive)."""
    if owner_slack_id:
        return Responsible((owner_slack_id,), "owner")
    if amount_late >= params.unmanaged_threshold:
        return Responsible(tuple(params.unmanaged_large_ids), "unmanaged_large")
    return Responsible(tuple(params.no_owner_ids), "no_owner")


# --- PAY-STEPS -------------------------------------------------------------------------------


def step_dates(day0: date, extension_days: int, params: EscalationParams) -> dict[Step, date]:
    """Calendar days from day 0: suspend after 7 (002_59a801b964a2a19e.txt:3658), cancel 7 later
    (002_59a801b964a2a19e.txt:3669), each warned 1 day before (002_59a801b964a2a19e.txt:3661, 3674)."""
    suspend = day0 + timedelta(days=params.suspend_after_days + extension_days)
    cancel = suspend + timedelta(days=params.cancel_after_suspend_days)
    notice = timedelta(days=params.pre_notice_days)
    return {Step.STEP2: suspend - notice, Step.STEP3: suspend, Step.STEP4: cancel - notice, Step.STEP5: cancel}


# --- PAY-REPEAT ------------------------------------------------------------------------------


def consecutive_missed(previous_periods_late: Sequence[bool]) -> int:
    """This period plus the unbroken run of late periods just before it (oldest first in the input).
    An on-time period resets the count (spec §3.7)."""
    count = 1
    for was_late in reversed(previous_periods_late):
        if not was_late:
            break
        count += 1
    return count


def advance_payment(recent_usage_totals: Sequence[Decimal], params: EscalationParams) -> Decimal | None:
    """"Advance payment covering three months of service based on their typical usage"
    002_59a801b964a2a19e.txt:3689: 3 x the average of the last 3 usage invoice totals [INF, spec Q10]."""
    last = list(recent_usage_totals)[-P.BURN_MAX_INVOICES :]
    if not last:
        return None
    average = sum(last, Decimal(0)) / len(last)
    return (average * params.advance_months).quantize(Decimal("0.01"))  # not policy: rounding to cents


# --- Opening a case --------------------------------------------------------------------------


def _schedule_facts(case: Case) -> dict[str, Any]:
    return {
        "suspend_on": case.step(Step.STEP3).due_on,
        "cancel_on": case.step(Step.STEP5).due_on,
    }


def _attempt_facts(inv: InvoiceFacts, params: EscalationParams) -> dict[str, Any]:
    last = inv.attempt_count >= params.payg_max_attempts or (
        inv.next_attempt_known and inv.next_payment_attempt is None
    )
    return {
        "attempt": inv.attempt_count,
        "max_attempts": params.payg_max_attempts,
        "next_attempt_on": None if last or inv.next_payment_attempt is None else inv.next_payment_attempt.date(),
        "final_attempt": last,
        "decline": inv.decline,
    }


def open_case(
    invoices: Sequence[InvoiceFacts],
    account: AccountContext,
    now: datetime,
    params: EscalationParams,
    previous_periods_late: Sequence[bool] = (),
    recent_usage_totals: Sequence[Decimal] = (),
) -> Outcome:
    """First sight of a customer's late invoices (webhook, poll or deploy), with no open case.

    Late for more than `backlog_days`: a backlog case that posts nothing now (it goes in the one-off
    backlog summary). Otherwise: the root message, then only the latest step already due (§3.9)."""
    today = _local_day(now, params.billing_tz)
    late = sorted(
        ((day, inv) for inv in invoices if (day := late_day(inv, now, params)) is not None),
        key=lambda pair: (pair[0], pair[1].invoice_id),
    )
    if not late:
        return Outcome(None)
    day0, primary = late[0]
    amount = sum((inv.amount_remaining for _, inv in late), Decimal(0))
    responsible = responsible_for(account.owner_slack_id, amount, params)
    missed = consecutive_missed(previous_periods_late)
    dates = step_dates(day0, 0, params)
    case = Case(
        key=primary.invoice_id,
        customer_id=primary.customer_id,
        account_name=account.account_name,
        kind="payg" if primary.payment_method == "card" else "invoiced",
        late_day=day0,
        responsible=responsible,
        invoices=tuple(
            CaseInvoice(i.invoice_id, i.label, i.amount_due, i.amount_remaining, i.attempt_count, i.status)
            for _, i in late
        ),
        steps=tuple(StepRow(step, dates[step]) for step in STEP_ORDER),
        consecutive_missed=missed,
        advance_payment=(
            advance_payment(recent_usage_totals, params) if missed >= params.repeat_missed_periods else None
        ),
        owner_role=account.owner_role if account.owner_slack_id else None,
    )
    if (today - day0).days > params.backlog_days:
        return Outcome(replace(case, status=CaseStatus.BACKLOG, closed_on=today, close_reason="backlog"))

    facts: dict[str, Any] = {
        "account_name": account.account_name,
        "customer_id": primary.customer_id,
        "billing_email": account.billing_email,
        "invoice_id": primary.invoice_id,
        "invoice_label": primary.label,
        "amount": amount,
        "currency": primary.currency,
        "kind": case.kind,
        "due_date": primary.due_date,
        "late_day": day0,
        "first_seen_late": today > day0,
        "responsible_reason": responsible.reason,
        "owner_is_ae": case.owner_role == "TAE",
        "payment_link": primary.hosted_invoice_url,
        "invoice_pdf": primary.invoice_pdf,
        "withheld": primary.amount_paid > 0 and primary.amount_remaining > 0,
        "three_ds": (account.country or "").upper() in P.THREE_DS_COUNTRIES and primary.action_required,
        "consecutive_missed": missed,
        "advance_payment": case.advance_payment,
        "other_invoices": [(i.label, i.amount_remaining) for _, i in late[1:]],
        **_schedule_facts(case),
    }
    if case.kind == "payg":
        facts.update(_attempt_facts(primary, params))
        facts["failed_on"] = day0
    root = Message(MessageKind.ROOT, case.root_key, responsible.user_ids, None, facts)
    case, step_messages = _post_due_steps(case, today)
    return Outcome(case, (root, *step_messages))


# --- Reconciling an open case ----------------------------------------------------------------


def _resolution(inv: InvoiceFacts) -> Resolution | None:
    if inv.status == "paid":
        return Resolution.PAID
    if inv.status == "void":
        return Resolution.VOIDED
    if inv.status == "uncollectible":
        return Resolution.WRITTEN_OFF
    if inv.amount_remaining <= 0:
        return Resolution.CREDITED
    return None


def _step_message(case: Case, row: StepRow, today: date) -> Message:
    facts = {
        "account_name": case.account_name,
        "step": row.step.value,
        "kind": case.kind,  # a bank-transfer invoice is unpaid, not a failed payment (issue 16)
        "invoice_labels": [i.label for i in case.invoices if i.status == "open"],
        "due_on": row.due_on,
        "posted_late": row.due_on < today,
        "amount": case.amount_remaining,
        "case_key": case.key,
        "advance_payment": case.advance_payment,
        **_schedule_facts(case),
    }
    return Message(MessageKind.STEP, f"pay:{case.key}:{row.step.value}", case.responsible.user_ids, case.root_key, facts)


def _post_due_steps(case: Case, today: date) -> tuple[Case, tuple[Message, ...]]:
    """PAY-CATCHUP: of the pending steps now due, post only the last; the others are skipped, so a
    "tomorrow" warning is never sent after the day it refers to (spec §3.9)."""
    due = [row for row in case.steps if row.state is StepState.PENDING and row.due_on <= today]
    if not due:
        return case, ()
    latest = due[-1]
    steps = tuple(
        replace(row, state=StepState.POSTED if row is latest else StepState.SKIPPED) if row in due else row
        for row in case.steps
    )
    case = replace(case, steps=steps)
    return case, (_step_message(case, latest, today),)


def reconcile(
    case: Case, invoices: Sequence[InvoiceFacts], now: datetime, params: EscalationParams
) -> Outcome:
    """Bring an open case up to date with what Stripe shows now (webhook or hourly poll).

    `invoices`: the case's invoices as they are now, plus any other late invoice of the customer
    (which joins the case without restarting the clock, spec §3.5)."""
    if case.status is not CaseStatus.OPEN:
        return Outcome(case)
    today = _local_day(now, params.billing_tz)
    by_id = {inv.invoice_id: inv for inv in invoices}
    messages: list[Message] = []
    rows: list[CaseInvoice] = []
    for row in case.invoices:
        inv = by_id.get(row.invoice_id)
        if inv is None:
            rows.append(row)
            continue
        if (
            inv.payment_method == "card"
            and inv.status == "open"
            and inv.amount_remaining > 0
            and inv.attempt_count > row.attempt_count_seen
        ):
            suffix = inv.attempt_count if row.invoice_id == case.key else f"{row.invoice_id}:{inv.attempt_count}"
            facts = {
                "account_name": case.account_name,
                "invoice_label": inv.label,
                "first_attempt": row.attempt_count_seen + 1,
                "failed_on": (inv.last_failed_at or now).date(),
                **_attempt_facts(inv, params),
            }
            messages.append(
                Message(MessageKind.ATTEMPTS, f"pay:{case.key}:attempt:{suffix}", case.responsible.user_ids,
                        case.root_key, facts)
            )
        rows.append(
            CaseInvoice(row.invoice_id, inv.label, inv.amount_due, inv.amount_remaining,
                        max(row.attempt_count_seen, inv.attempt_count), inv.status)
        )
    known = {row.invoice_id for row in rows}
    for inv in invoices:
        if inv.invoice_id in known or late_day(inv, now, params) is None:
            continue
        rows.append(CaseInvoice(inv.invoice_id, inv.label, inv.amount_due, inv.amount_remaining,
                                inv.attempt_count, inv.status))
        messages.append(
            Message(MessageKind.JOINED, f"pay:{case.key}:joined:{inv.invoice_id}", case.responsible.user_ids,
                    case.root_key,
                    {"account_name": case.account_name, "invoice_label": inv.label, "amount": inv.amount_remaining})
        )
    case = replace(case, invoices=tuple(rows))

    resolutions = [(_resolution(by_id[r.invoice_id]) if r.invoice_id in by_id else None) for r in case.invoices]
    if all(r is not None for r in resolutions):
        last = max((by_id[r.invoice_id] for r in case.invoices),
                   key=lambda i: i.paid_at or i.closed_at or now)
        resolution = _resolution(last)
        assert resolution is not None
        closed_at = last.paid_at or last.closed_at or now
        facts = {
            "account_name": case.account_name,
            "resolution": resolution.value,
            "on": closed_at.date(),
            "amount": sum((r.amount_due for r in case.invoices), Decimal(0)),
            "suspended": case.suspension_posted,
            "suspended_on": case.step(Step.STEP3).due_on,
            "advance_payment": case.advance_payment,
        }
        closed = replace(case, status=CaseStatus.RESOLVED, closed_on=today, close_reason=resolution.value)
        messages.append(Message(MessageKind.RESOLVED, f"pay:{case.key}:resolved", case.responsible.user_ids,
                                case.root_key, facts))
        return Outcome(closed, tuple(messages))

    case, step_messages = _post_due_steps(case, today)
    return Outcome(case, (*messages, *step_messages))


def cancel(case: Case, today: date) -> Outcome:
    """`customer.subscription.deleted`: the owner cancelled as step 5 asked; nothing more to post (P6)."""
    if case.status is not CaseStatus.OPEN:
        return Outcome(case)
    return Outcome(replace(case, status=CaseStatus.CANCELLED, closed_on=today, close_reason="cancelled"))


# --- Owner discretion: more time -------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionError:
    message: str
    field: str = "days"  # the modal input the message belongs to: days | reason


def validate_extension(days_text: str, reason: str) -> int | ExtensionError:
    """The "More time…" modal: 1-30 days and a reason (spec §3.6; owner discretion
    002_59a801b964a2a19e.txt:3658). Errors say what was wrong and show a working example."""
    example = 'for example 7 days, reason "customer\'s AP run is on the 10th"'
    text = (days_text or "").strip()
    if not text.isdigit():
        return ExtensionError(f"Days must be a whole number from {P.EXTEND_MIN_DAYS} to {P.EXTEND_MAX_DAYS}, {example}.")
    days = int(text)
    if not P.EXTEND_MIN_DAYS <= days <= P.EXTEND_MAX_DAYS:
        return ExtensionError(
            f"{days} days is outside {P.EXTEND_MIN_DAYS}-{P.EXTEND_MAX_DAYS}; ask RevOps for longer, or use {example}."
        )
    if not (reason or "").strip():
        return ExtensionError(f"A reason is required so the thread shows why, {example}.", field="reason")
    return days


def extend(case: Case, days: int, reason: str, user_id: str, today: date) -> Outcome:
    """Move every step not yet posted `days` later and say so in the thread (P13)."""
    if case.status is not CaseStatus.OPEN:
        return Outcome(case)
    shift = timedelta(days=days)
    steps = tuple(
        replace(row, due_on=row.due_on + shift) if row.state is StepState.PENDING else row for row in case.steps
    )
    case = replace(case, steps=steps, extension_days=case.extension_days + days, extensions=case.extensions + 1)
    facts = {
        "account_name": case.account_name,
        "user_id": user_id,
        "days": days,
        "reason": reason.strip(),
        "suspension_pending": case.step(Step.STEP3).state is StepState.PENDING,
        **_schedule_facts(case),
    }
    key = f"pay:{case.key}:extended:{case.extensions}"
    return Outcome(case, (Message(MessageKind.EXTENDED, key, (), case.root_key, facts),))


def backlog_summary(cases: Sequence[Case], owners: Mapping[str, str | None], today: date) -> Message | None:
    """One message listing invoices already long overdue at first sight, grouped by owner (spec §3.9),
    so #sales-alerts is not flooded with stale escalations."""
    backlog = sorted((c for c in cases if c.status is CaseStatus.BACKLOG), key=lambda c: (c.late_day, c.key))
    if not backlog:
        return None
    items = [
        {
            "account_name": c.account_name,
            "owner": owners.get(c.customer_id),
            "late_day": c.late_day,
            "days_late": (today - c.late_day).days,
            "amount": c.amount_remaining,
            "invoices": [i.label for i in c.invoices],
        }
        for c in backlog
    ]
    digest = hashlib.sha1(",".join(c.key for c in backlog).encode()).hexdigest()[:16]  # not policy: key width
    key = f"pay:backlog:{digest}"
    return Message(MessageKind.BACKLOG, key, (), None, {"items": items, "today": today})

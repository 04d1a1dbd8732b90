"""Plain-data view of one account, as churn-risk scoring needs it.

Field names follow IMPORT.md (they win over churn-risk.md §3.2). The bot fills these
from its database (phase B); tests build them directly. Nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Person:
    """A team member, or a named person from settings (Ben, Simon, Dana)."""

    ref: str  # Slack user id when known, else a name
    name: str = ""
    role: str = ""  # TAE TAM CSM ONBOARDING BDR LEAD OTHER

    @property
    def label(self) -> str:
        return self.name or self.ref

    @property
    def is_slack_id(self) -> bool:
        return self.ref[:1] in ("U", "W") and self.ref.isupper() and self.ref.isalnum()


@dataclass(frozen=True)
class Invoice:
    id: str
    status: str  # draft open paid void uncollectible
    payment_method: str  # card bank_transfer
    amount_due: Decimal
    amount_remaining: Decimal | None = None
    due_date: date | None = None
    attempt_count: int = 0
    first_failed_at: datetime | None = None
    finalized_at: datetime | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class UsageRow:
    product: str
    period: date  # a day, or the first day of a month when monthly
    value: Decimal
    monthly: bool = False
    billed: Decimal | None = None


@dataclass(frozen=True)
class Note:
    kind: str
    title: str
    updated_at: datetime
    created_at: datetime | None = None
    status: str = "open"
    body: str = ""

    @property
    def at(self) -> datetime:
        return self.created_at or self.updated_at


@dataclass(frozen=True)
class Flag:
    kind: str
    at: datetime
    until: date | None = None
    note: str = ""
    cleared_at: datetime | None = None


@dataclass(frozen=True)
class Contact:
    email: str
    role: str = "user"  # champion decision_maker power_user finance user
    status: str = "active"  # active left role_changed
    name: str | None = None
    changed_at: datetime | None = None
    last_inbound_at: datetime | None = None


@dataclass(frozen=True)
class Ticket:
    id: int
    created_at: datetime
    status: str
    priority: str | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None


@dataclass(frozen=True)
class OneTimeCredit:
    date: date
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class Destination:
    kind: str  # batch_export realtime
    vendor: str


@dataclass(frozen=True)
class Credit:
    amount: Decimal | None = None
    discount_pct: Decimal = Decimal("0")
    term_start: date | None = None
    term_end: date | None = None
    balance: Decimal | None = None
    startup_plan: bool = False


@dataclass(frozen=True)
class Evaluation:
    """One earlier evaluation the bot stored (its own state, never imported)."""

    at: datetime
    level: str
    f_codes: frozenset[str]
    score: int


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything scoring reads about one account, as of the caller's `now`."""

    id: str
    name: str
    arr: Decimal | None = None
    owner: Person | None = None
    tam_overlay: Person | None = None
    owner_since: date | None = None
    domain: str | None = None
    vitally_url: str | None = None
    segments: tuple[str, ...] = ()
    churn_risk_flagged_at: datetime | None = None
    subscription_status: str = "active"
    canceled_at: datetime | None = None
    trial_revenue: bool = False
    first_paid_date: date | None = None
    credit: Credit | None = None
    paying_for: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()
    active_users_30d: int | None = None
    inapp_analysis_actions_30d: int | None = None
    slack_channel_ids: tuple[str, ...] = ()
    last_customer_slack_message_at: datetime | None = None
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    billing_page_views: tuple[datetime, ...] = ()
    risk_indicators: tuple[str, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    mrr_history: dict[date, Decimal] = field(default_factory=dict)  # month (1st) -> billed MRR
    usage: tuple[UsageRow, ...] = ()
    events_weekly: dict[date, int] = field(default_factory=dict)  # Monday -> events
    health_history: dict[date, str] = field(default_factory=dict)  # Monday -> label
    notes: tuple[Note, ...] = ()
    flags: tuple[Flag, ...] = ()
    contacts: tuple[Contact, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    one_time_credits: tuple[OneTimeCredit, ...] = ()
    #: The bot's own earlier evaluations (oldest first), for at_risk_since / STALE / new / recovered.
    history: tuple[Evaluation, ...] = ()

    @property
    def in_churn_risk_segment(self) -> bool:
        return "Churn Risk" in self.segments

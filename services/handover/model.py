"""Plain data the handover checker reads and returns.

Field names follow IMPORT.md (they win over the spec's §4.2 names): `arr` not `arr_usd`,
`new_owner` not `new_owner_trait`, `first_purchase_date` not `initial_credit_purchase_date`...
Derived values (health label, days since Slack message, payment failed) arrive already computed:
the adapter that reads the database computes them, the checker only judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    FAIL = "FAIL"
    WARN = "WARN"
    CONFIRM = "CONFIRM"
    INFO = "INFO"
    PASS = "PASS"


class Verdict(StrEnum):
    READY = "READY"
    READY_WITH_WARNINGS = "READY_WITH_WARNINGS"
    NOT_READY = "NOT_READY"
    NOT_ALLOWED = "NOT_ALLOWED"
    NOT_A_HANDOVER = "NOT_A_HANDOVER"


@dataclass(frozen=True)
class TeamMember:
    """One row of the team directory (IMPORT.md §4)."""

    slack_id: str
    name: str
    role: str  # TAE TAM CSM ONBOARDING BDR LEAD OTHER
    region: str | None = None  # US EU APAC
    is_team_lead: bool = False
    managed_count: int = 0  # TAM: AM Managed accounts; CSM: book size
    leads_count: int = 0
    # Other names people use for them: Slack handle, display name, real name, email local part.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invoice:
    id: str
    status: str  # draft open paid void uncollectible
    amount_due: Decimal
    due_date: date | None = None
    payment_failed: bool = False


@dataclass(frozen=True)
class Confirmation:
    """A recorded handover confirmation (an IMPORT.md §7 flag of a handover kind)."""

    kind: str
    at: datetime
    author: str | None = None


@dataclass(frozen=True)
class AccountSnapshot:
    """What the checker knows about one account on one day."""

    id: str
    name: str
    domain: str | None = None
    owner_slack_id: str | None = None
    owner_since: date | None = None
    arr: Decimal | None = None
    forecasted_mrr: Decimal | None = None
    new_owner: str | None = None
    segments: frozenset[str] = frozenset()
    yc_plan: bool = False
    startup_plan: bool = False
    top40: bool | None = None
    arr_rank: int | None = None  # rank by ARR, 1 = largest; exact up to the Top-N line, N+1 for any rank past it
    paying_for: frozenset[str] = frozenset()
    first_purchase_date: date | None = None
    closed_won_date: date | None = None
    initial_deal_arr: Decimal | None = None
    high_potential: bool = False
    retained_by_tae: bool = False
    discount_pct: Decimal | None = None  # credit.discount_pct of the prepaid-credit contract
    term_start: date | None = None
    term_end: date | None = None
    account_plan_updated_at: date | None = None  # latest `account_plan` note
    expansion_levers_updated_at: date | None = None  # latest `expansion_levers` note
    growth_note_updated_at: date | None = None  # latest `growth_potential` note
    plan_above_20k: bool = False  # a `plan_above_20k` note exists
    invoices: tuple[Invoice, ...] = ()
    health_label: str | None = None  # Good Concerning Poor
    usage_change_pct: Decimal | None = None  # negative = drop
    active_users_30d: int | None = None
    days_since_customer_slack: int | None = None
    risk_indicators: frozenset[str] = frozenset()
    billing_email: str | None = None
    onboarding_checklist: dict[str, dict[str, bool]] | None = None
    open_cross_sell_opps: int = 0
    user_region_counts: dict[str, int] | None = None
    unavailable_sources: frozenset[str] = frozenset()  # e.g. {"Stripe"}: checks on it cannot pass


@dataclass(frozen=True)
class Target:
    """Who the account would move to: a role (optionally with region) or a person."""

    role: str
    region: str | None = None
    member: TeamMember | None = None

    @property
    def label(self) -> str:
        if self.member is not None:
            return f"<@{self.member.slack_id}>"
        return f"{self.region} {self.role}" if self.region else self.role


@dataclass(frozen=True)
class Options:
    """The open defaults (settings), passed in as plain values."""

    account_plan_max_age_days: int
    open_invoice_not_due_blocks: bool
    allocator: str  # who allocates and signs off (Simon)
    top40_deciders: str  # who decides Top 40 TAM<->CSM changes (Simon and Ben)
    cs_lead: str  # whom a receiving CSM talks to when unsure (Dana)


@dataclass(frozen=True)
class CheckItem:
    """One line of the report: what was checked, the outcome, why, and who should act."""

    id: str
    title: str
    status: Status
    reason: str
    cites: tuple[str, ...] = ()
    fixer: str | None = None  # "outgoing owner", "Simon", "team lead"...
    confirm_kind: str | None = None  # set on CONFIRM items a person can record
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class HandoverReport:
    account_id: str
    account_name: str
    verdict: Verdict
    owner: TeamMember | None
    target: Target | None
    from_role: str | None
    to_role: str | None
    default_target: bool
    items: tuple[CheckItem, ...] = ()
    approver: str | None = None
    next_steps: tuple[str, ...] = ()
    effective_arr: Decimal | None = None
    core_products: tuple[tuple[str, bool], ...] = ()
    health_label: str | None = None
    message: str | None = None  # NOT_ALLOWED / NOT_A_HANDOVER explanation
    today: date | None = None
    overlay: bool = False
    suggested_new_owner: str | None = None  # e.g. "US TAM" when the target is a role
    unavailable_sources: frozenset[str] = field(default_factory=frozenset)

    @property
    def transition(self) -> str | None:
        if self.from_role and self.to_role:
            return f"{self.from_role} → {self.to_role}"
        return None

    def by_status(self, status: Status) -> tuple[CheckItem, ...]:
        return tuple(i for i in self.items if i.status is status)

    @property
    def core_count(self) -> int:
        return sum(1 for _, paid in self.core_products if paid)

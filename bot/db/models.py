"""The ONE account model every capability reads (field names as in IMPORT.md §4-§8).

Columns hold what was imported (null = "not given"), so a re-import that omits a field never
freezes a stale derived value. Where IMPORT.md gives a default computed from other fields
(`credit.term_end` = start + months, `invoice.amount_paid`, `products_used` = `paying_for`, ...),
read the `effective_*` properties instead of the raw column.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base, UTCDateTime

MONEY = Numeric(14, 2)
PCT = Numeric(5, 2)
# Series values: money, event counts (millions a week) and 0-10 health scores share one column.
SERIES_VALUE = Numeric(18, 2)


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class TeamMember(Base):
    """A person on the sales/CS team (IMPORT.md §4), keyed by Slack user id."""

    __tablename__ = "team_members"

    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(8))
    is_team_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    team_lead_slack_id: Mapped[str | None] = mapped_column(String(32))
    cmoc: Mapped[str | None] = mapped_column(String(8))
    out_of_office: Mapped[bool] = mapped_column(Boolean, default=False)
    managed_count: Mapped[int | None] = mapped_column(Integer)
    leads_count: Mapped[int | None] = mapped_column(Integer)

    owned_accounts: Mapped[list[Account]] = relationship(
        back_populates="owner", foreign_keys="Account.owner_slack_id", order_by="Account.id"
    )

    def __repr__(self) -> str:
        return f"TeamMember({self.slack_id!r}, {self.name!r}, {self.role})"


class Account(Base):
    """A customer account (IMPORT.md §5); the credit object of §5.1 is flattened to `credit_*`."""

    __tablename__ = "accounts"
    # How a rep names an account (bot.accounts.resolve_account): each exact match is an index lookup,
    # so /churn-risk and /handover-check do not scan 100,000 accounts for a name typed exactly.
    __table_args__ = (
        Index("ix_accounts_lower_id", func.lower("id")),
        Index("ix_accounts_lower_name", func.lower("name")),
        Index("ix_accounts_lower_org", func.lower("posthog_org_id")),
        Index("ix_accounts_domain", "domain"),
        Index("ix_accounts_arr", "arr"),  # the Top 40 by ARR (bot.accounts.arr_rank), migration 0006
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(255))
    posthog_org_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    vitally_url: Mapped[str | None] = mapped_column(String(1000))
    salesforce_id: Mapped[str | None] = mapped_column(String(64))
    zendesk_org_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    cloud: Mapped[str | None] = mapped_column(String(2))
    owner_slack_id: Mapped[str | None] = mapped_column(ForeignKey("team_members.slack_id"), index=True)
    owner_since: Mapped[date | None] = mapped_column(Date)
    previous_owner_slack_id: Mapped[str | None] = mapped_column(ForeignKey("team_members.slack_id"))
    tam_overlay_slack_id: Mapped[str | None] = mapped_column(ForeignKey("team_members.slack_id"))
    new_owner: Mapped[str | None] = mapped_column(String(32))
    segments: Mapped[list[str]] = mapped_column(JSON, default=list)
    churn_risk_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    top40: Mapped[bool | None] = mapped_column(Boolean)
    high_potential: Mapped[bool] = mapped_column(Boolean, default=False)
    retained_by_tae: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_won_date: Mapped[date | None] = mapped_column(Date)
    initial_deal_arr: Mapped[Decimal | None] = mapped_column(MONEY)
    open_cross_sell_opps: Mapped[int] = mapped_column(Integer, default=0)
    onboarding_checklist: Mapped[dict[str, dict[str, bool]] | None] = mapped_column(JSON)
    user_region_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    arr: Mapped[Decimal | None] = mapped_column(MONEY)
    forecasted_mrr: Mapped[Decimal | None] = mapped_column(MONEY)
    first_paid_date: Mapped[date | None] = mapped_column(Date)
    subscription_status: Mapped[str] = mapped_column(String(16), default="active")
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    billing_email: Mapped[str | None] = mapped_column(String(320))
    legacy_coupon_pct: Mapped[Decimal | None] = mapped_column(PCT)
    nonprofit: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_revenue: Mapped[bool] = mapped_column(Boolean, default=False)
    uptime_sla: Mapped[bool] = mapped_column(Boolean, default=False)
    paying_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    products_used: Mapped[list[str] | None] = mapped_column(JSON)
    billing_limits: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    destinations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    active_users_30d: Mapped[int | None] = mapped_column(Integer)
    inapp_analysis_actions_30d: Mapped[int | None] = mapped_column(Integer)
    last_customer_slack_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    billing_page_views: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_indicators: Mapped[list[str]] = mapped_column(JSON, default=list)

    # §5.1 credit: `credit_present` is false when the account has no prepaid-credit contract.
    credit_present: Mapped[bool] = mapped_column(Boolean, default=False)
    credit_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    credit_discount_pct: Mapped[Decimal | None] = mapped_column(PCT)
    credit_term_start: Mapped[date | None] = mapped_column(Date)
    credit_term_months: Mapped[int | None] = mapped_column(Integer)
    credit_term_end: Mapped[date | None] = mapped_column(Date)
    credit_first_purchase_date: Mapped[date | None] = mapped_column(Date)
    credit_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    credit_expires_on: Mapped[date | None] = mapped_column(Date)
    credit_startup_plan: Mapped[bool | None] = mapped_column(Boolean)
    credit_yc_plan: Mapped[bool | None] = mapped_column(Boolean)
    credit_billing_config: Mapped[str | None] = mapped_column(String(16))
    credit_scheduled_remaining: Mapped[Decimal | None] = mapped_column(MONEY)

    owner: Mapped[TeamMember | None] = relationship(
        back_populates="owned_accounts", foreign_keys=[owner_slack_id]
    )
    previous_owner: Mapped[TeamMember | None] = relationship(foreign_keys=[previous_owner_slack_id])
    tam_overlay: Mapped[TeamMember | None] = relationship(foreign_keys=[tam_overlay_slack_id])
    stripe_customers: Mapped[list[AccountStripeCustomer]] = relationship(
        back_populates="account", order_by="AccountStripeCustomer.position", cascade="all, delete-orphan"
    )
    slack_channels: Mapped[list[AccountSlackChannel]] = relationship(
        back_populates="account", order_by="AccountSlackChannel.position", cascade="all, delete-orphan"
    )
    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="account", order_by="Invoice.id", cascade="all, delete-orphan"
    )
    series_points: Mapped[list[SeriesPoint]] = relationship(
        back_populates="account",
        order_by="(SeriesPoint.series, SeriesPoint.product, SeriesPoint.period)",
        cascade="all, delete-orphan",
    )
    notes: Mapped[list[Note]] = relationship(
        back_populates="account", order_by="Note.updated_at", cascade="all, delete-orphan"
    )
    flags: Mapped[list[Flag]] = relationship(
        back_populates="account", order_by="Flag.at", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account", order_by="Contact.email", cascade="all, delete-orphan"
    )
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="account", order_by="Ticket.created_at", cascade="all, delete-orphan"
    )
    one_time_credits: Mapped[list[OneTimeCredit]] = relationship(
        back_populates="account", order_by="OneTimeCredit.date", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"Account({self.id!r}, {self.name!r})"

    # ---- convenience views (IMPORT.md defaults) -------------------------------------------
    @property
    def stripe_customer_ids(self) -> list[str]:
        return [row.customer_id for row in self.stripe_customers]

    @property
    def slack_channel_ids(self) -> list[str]:
        return [row.channel_id for row in self.slack_channels]

    @property
    def primary_channel_id(self) -> str | None:
        """The first mapped channel is the primary one (IMPORT.md §5 `slack_channel_ids`)."""
        return self.slack_channels[0].channel_id if self.slack_channels else None

    @property
    def effective_products_used(self) -> list[str]:
        """`products_used` defaults to `paying_for` (IMPORT.md §5)."""
        return list(self.products_used) if self.products_used is not None else list(self.paying_for or [])

    @property
    def effective_last_inbound_at(self) -> datetime | None:
        """Defaults to the latest contact `last_inbound_at` (IMPORT.md §5)."""
        if self.last_inbound_at is not None:
            return self.last_inbound_at
        times = [c.last_inbound_at for c in self.contacts if c.last_inbound_at is not None]
        return max(times) if times else None

    def series(self, name: str, product: str = "") -> list[SeriesPoint]:
        """Rows of one time series, oldest first."""
        rows = [p for p in self.series_points if p.series == name and p.product == product]
        return sorted(rows, key=lambda p: p.period)

    @property
    def effective_first_paid_date(self) -> date | None:
        """Defaults to the first day of the first `mrr_history` month > 0 (IMPORT.md §5)."""
        if self.first_paid_date is not None:
            return self.first_paid_date
        for point in self.series("mrr_history"):
            if point.value is not None and point.value > 0:
                year, month = point.period.split("-")[:2]
                return date(int(year), int(month), 1)
        return None

    @property
    def effective_credit_discount_pct(self) -> Decimal | None:
        if not self.credit_present:
            return None
        return self.credit_discount_pct if self.credit_discount_pct is not None else Decimal("0")

    @property
    def effective_credit_term_months(self) -> int | None:
        """Months from start to end when both are known, else 12 (IMPORT.md §5.1, B§9)."""
        if not self.credit_present:
            return None
        if self.credit_term_months is not None:
            return self.credit_term_months
        if self.credit_term_start and self.credit_term_end:
            start, end = self.credit_term_start, self.credit_term_end
            return (end.year - start.year) * 12 + end.month - start.month
        return 12

    @property
    def effective_credit_term_end(self) -> date | None:
        """`term_end` = `term_start` + `term_months` when not given (IMPORT.md §5.1)."""
        if not self.credit_present:
            return None
        if self.credit_term_end is not None:
            return self.credit_term_end
        if self.credit_term_start is None:
            return None
        return _add_months(self.credit_term_start, self.effective_credit_term_months or 12)

    @property
    def effective_credit_expires_on(self) -> date | None:
        """`expires_on` defaults to `term_end` (IMPORT.md §5.1)."""
        if not self.credit_present:
            return None
        return self.credit_expires_on or self.effective_credit_term_end

    @property
    def effective_credit_billing_config(self) -> str | None:
        if not self.credit_present:
            return None
        return self.credit_billing_config or "upfront"


class AccountStripeCustomer(Base):
    """One Stripe customer id of an account; unique across accounts (IMPORT.md §5)."""

    __tablename__ = "account_stripe_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[Account] = relationship(back_populates="stripe_customers")


class AccountSlackChannel(Base):
    """One Slack channel of an account; position 0 is the primary channel (IMPORT.md §5)."""

    __tablename__ = "account_slack_channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[Account] = relationship(back_populates="slack_channels")


class Invoice(Base):
    """A Stripe invoice (IMPORT.md §6 `invoices[]`), key `id` unique across accounts."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    payment_method: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16))
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[Decimal | None] = mapped_column(MONEY)
    amount_due: Mapped[Decimal] = mapped_column(MONEY)
    amount_paid: Mapped[Decimal | None] = mapped_column(MONEY)
    amount_remaining: Mapped[Decimal | None] = mapped_column(MONEY)
    due_date: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt_count: Mapped[int | None] = mapped_column(Integer)
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="invoices")

    @property
    def effective_stripe_customer_id(self) -> str | None:
        if self.stripe_customer_id:
            return self.stripe_customer_id
        ids = self.account.stripe_customer_ids if self.account is not None else []
        return ids[0] if ids else None

    @property
    def effective_kind(self) -> str:
        return self.kind or "usage"

    @property
    def effective_currency(self) -> str:
        return self.currency or "USD"

    @property
    def effective_total(self) -> Decimal:
        return self.total if self.total is not None else self.amount_due

    @property
    def effective_amount_paid(self) -> Decimal:
        if self.amount_paid is not None:
            return self.amount_paid
        return self.amount_due if self.status == "paid" else Decimal("0.00")

    @property
    def effective_amount_remaining(self) -> Decimal:
        if self.amount_remaining is not None:
            return self.amount_remaining
        if self.status == "open":
            return self.amount_due - self.effective_amount_paid
        return Decimal("0.00")

    @property
    def effective_attempt_count(self) -> int:
        return self.attempt_count or 0

    @property
    def effective_first_failed_at(self) -> datetime | None:
        """PAYG day 0: `finalized_at` for an open card invoice with failed attempts (B§3.2)."""
        if self.first_failed_at is not None:
            return self.first_failed_at
        if self.payment_method == "card" and self.status == "open" and self.effective_attempt_count >= 1:
            return self.finalized_at
        return None


class SeriesPoint(Base):
    """One row of a time series (IMPORT.md §6): mrr_history, usage, events_weekly, health_history.

    `period` is the text form (`YYYY-MM` or `YYYY-MM-DD`); `period_start` its first day, for sorting
    and range queries. `product` is '' for series without one.
    """

    __tablename__ = "series_points"
    __table_args__ = (UniqueConstraint("account_id", "series", "period", "product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    series: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[Decimal | None] = mapped_column(SERIES_VALUE)
    billed: Mapped[Decimal | None] = mapped_column(MONEY)
    label: Mapped[str | None] = mapped_column(String(16))

    account: Mapped[Account] = relationship(back_populates="series_points")


class Note(Base):
    """A document people wrote (IMPORT.md §6 `notes[]`); key `note_id` if given, else (kind, title, created_at)."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("account_id", "note_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str | None] = mapped_column(String(16))

    account: Mapped[Account] = relationship(back_populates="notes")


class Flag(Base):
    """A fact recorded by a person (IMPORT.md §6 `flags[]`), key (kind, at); never deleted."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("account_id", "kind", "at"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(320))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="flags")


class Contact(Base):
    """A customer-side person (IMPORT.md §6 `contacts[]`), key email within the account."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="user")
    status: Mapped[str] = mapped_column(String(16), default="active")
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="contacts")


class Ticket(Base):
    """A Zendesk ticket (IMPORT.md §6 `tickets[]`), key the Zendesk id."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str | None] = mapped_column(Text)

    account: Mapped[Account] = relationship(back_populates="tickets")


class OneTimeCredit(Base):
    """A one-time credit given to the customer (IMPORT.md §6), key (date, reason)."""

    __tablename__ = "one_time_credits"
    __table_args__ = (UniqueConstraint("account_id", "date", "reason"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(32))

    account: Mapped[Account] = relationship(back_populates="one_time_credits")

"""Billing state the bot owns (spec billing-alerts.md §5.4): CreditBot snapshots and episodes,
payment cases with their invoices and steps, Stripe facts the account model has no column for,
and processed Stripe webhook events. Keys are chosen so a decision cannot be recorded twice:
an episode per (customer, term end, number), a step per (case, step), an event per event id."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow

MONEY = Numeric(14, 2)


class CreditSnapshotRow(Base):
    """Yesterday's credit view of a customer, to see top-ups and run-outs (spec §2.6-2.7)."""

    __tablename__ = "billing_credit_snapshot"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_left: Mapped[Decimal] = mapped_column(MONEY)
    expires_on: Mapped[date | None] = mapped_column(Date)
    taken_on: Mapped[date] = mapped_column(Date)


class CreditEpisode(Base):
    """One CreditBot episode: a customer and a term end, until credit is added or the term changes."""

    __tablename__ = "billing_creditbot_episode"
    __table_args__ = (
        UniqueConstraint("customer_id", "term_end", "episode_no"),
        Index("ix_billing_creditbot_episode_open", "customer_id", unique=True,
              sqlite_where=text("closed_on IS NULL"), postgresql_where=text("closed_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64))
    term_end: Mapped[date] = mapped_column(Date)
    episode_no: Mapped[int] = mapped_column(Integer)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    last_alert_run_out: Mapped[date | None] = mapped_column(Date)
    last_alert_band: Mapped[str | None] = mapped_column(String(32))
    last_alert_on: Mapped[date | None] = mapped_column(Date)
    ran_out_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    ok_days: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaymentCase(Base):
    """One escalation per customer; `key` is its first late invoice's id, so every replica derives
    the same outbox keys (`pay:{key}:root`, `pay:{key}:step3`, ...)."""

    __tablename__ = "billing_payment_case"
    __table_args__ = (
        Index("ix_billing_payment_case_open", "customer_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    account_name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    late_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    responsible: Mapped[list[str]] = mapped_column(JSON, default=list)
    responsible_reason: Mapped[str] = mapped_column(String(32))
    owner_role: Mapped[str | None] = mapped_column(String(16))
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_missed: Mapped[int] = mapped_column(Integer, default=1)
    advance_payment: Mapped[Decimal | None] = mapped_column(MONEY)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    responded_by: Mapped[str | None] = mapped_column(String(32))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended_by: Mapped[str | None] = mapped_column(String(32))
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PaymentCaseInvoice(Base):
    """An invoice in a case; an invoice belongs to one case only."""

    __tablename__ = "billing_payment_case_invoice"

    invoice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_key: Mapped[str] = mapped_column(ForeignKey("billing_payment_case.key", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(64))
    amount_due: Mapped[Decimal] = mapped_column(MONEY)
    amount_remaining: Mapped[Decimal] = mapped_column(MONEY)
    attempt_count_seen: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))


class PaymentStep(Base):
    """One escalation step of a case; the primary key makes a second decision impossible."""

    __tablename__ = "billing_payment_step"

    case_key: Mapped[str] = mapped_column(ForeignKey("billing_payment_case.key", ondelete="CASCADE"),
                                          primary_key=True)
    step: Mapped[str] = mapped_column(String(16), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StripeInvoiceState(Base):
    """Stripe facts about an invoice the account model has no column for (spec §4.2)."""

    __tablename__ = "billing_stripe_invoice"

    invoice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(64))
    next_payment_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(1000))
    invoice_pdf: Mapped[str | None] = mapped_column(String(1000))
    subscription_id: Mapped[str | None] = mapped_column(String(64))
    action_required: Mapped[bool] = mapped_column(Boolean, default=False)
    collection_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    decline: Mapped[str | None] = mapped_column(String(200))


class StripeEvent(Base):
    """Webhook events already taken: a redelivery changes nothing (spec §4.3)."""

    __tablename__ = "billing_stripe_event"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SyncCursor(Base):
    """Watermarks of incremental Stripe syncs (the invoice listing's `created[gte]`)."""

    __tablename__ = "billing_sync_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[datetime] = mapped_column(UTCDateTime())

"""Incident state (spec D.1): incidents, their accounts, every customer message and every delivery.

The load-bearing constraints: one `comms` row per (incident, seq); one `broadcasts` row per
message (a double submit hits it); one `deliveries` row per (message, channel) through
`dedupe_key` = "<comm_id>:<channel_id>", written before anything is sent. The notified log
(002_59a801b964a2a19e.txt:4221) = sent deliveries ∪ owner marks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)  # INC-7
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[int] = mapped_column(Integer)
    is_security: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved | closed
    feature: Mapped[str] = mapped_column(String(300))
    symptom: Mapped[str] = mapped_column(Text, default="")
    clouds: Mapped[list[str]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    incident_channel_id: Mapped[str | None] = mapped_column(String(32))
    eng_lead_slack_id: Mapped[str | None] = mapped_column(String(32))
    cmoc_slack_id: Mapped[str | None] = mapped_column(String(32))
    declared_by: Mapped[str] = mapped_column(String(32))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    route: Mapped[str] = mapped_column(String(16), default="owners")  # owners | broadcast
    broadcast_owned_by_cmoc: Mapped[bool] = mapped_column(Boolean, default=False)
    last_customer_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    postmortem_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    postmortem_url: Mapped[str | None] = mapped_column(String(1000))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    coord_channel_id: Mapped[str | None] = mapped_column(String(32))
    coord_key: Mapped[str | None] = mapped_column(String(255))  # outbox key of the incident card


class IncidentEvent(Base):
    """The timeline: declared, severity changes, handoffs, messages, resolution, close."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_slack_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IncidentAccount(Base):
    """An affected account, frozen at declaration (the CMOC can add or remove)."""

    __tablename__ = "incident_accounts"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    owner_slack_id: Mapped[str | None] = mapped_column(String(32))
    assignee_slack_id: Mapped[str | None] = mapped_column(String(32))  # regional backup
    handling_1to1_by: Mapped[str | None] = mapped_column(String(32))


class Comm(Base):
    """One customer-facing message, drafted then approved."""

    __tablename__ = "comms"
    __table_args__ = (UniqueConstraint("incident_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # initial | update | resolution | maintenance_* | postmortem
    template_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)
    next_update_minutes: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[str] = mapped_column(String(16))
    override_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | approved
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shared_key: Mapped[str | None] = mapped_column(String(255))  # outbox key of the owners' draft post
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    comm_id: Mapped[int] = mapped_column(ForeignKey("comms.id", ondelete="CASCADE"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="pending")  # pending|sending|sent|partially_failed|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retry_round: Mapped[int] = mapped_column(Integer, default=0)
    # The process sending it: when its heartbeat stops, a live process resumes the broadcast within
    # seconds (bot.incidents.recovery, bot.work).
    claimed_by: Mapped[str | None] = mapped_column(String(128))


class Delivery(Base):
    """One message to one customer channel; the row exists before the post does (spec D.2)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    comm_id: Mapped[int] = mapped_column(ForeignKey("comms.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))  # broadcast | owner_via_bot
    sent_by_slack_id: Mapped[str | None] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)  # "<comm_id>:<channel_id>"
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sending_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sending_by: Mapped[str | None] = mapped_column(String(128))  # the process whose post is in flight
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OwnerMark(Base):
    """An owner's own account of a message: sent it themselves, by email, or handling 1:1."""

    __tablename__ = "owner_marks"

    comm_id: Mapped[int] = mapped_column(ForeignKey("comms.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(16))  # owner_manual | email | handling_1to1
    by_slack_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostRate(Base):
    """The `chat.postMessage` pace the last broadcast found for a workspace (issue 18): the next
    broadcast starts from it instead of ramping up from SLACK_POST_RATE_PER_SEC again."""

    __tablename__ = "slack_post_rates"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rate: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

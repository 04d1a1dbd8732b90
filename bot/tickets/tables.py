"""State of the :ticket: flow (incidents-and-tickets.md D.1): one row per Slack thread (and generation),
written BEFORE Zendesk is called, and one row per Slack message put into the ticket.

The UNIQUE constraints are the exactly-once guarantee: of N concurrent handlers for one thread only one
inserts the ticket row; a Slack message is added to a ticket at most once. Table names avoid the account
model's `tickets` (Zendesk tickets imported per account, IMPORT.md §6).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow

# claimed -> creating -> created; creating -> queued (Zendesk down) -> created | failed;
# creating -> blocked (Zendesk rejects our credentials, 401/403) -> created once they are fixed
TICKET_STATUSES = ("claimed", "creating", "queued", "blocked", "created", "failed")


class SlackTicket(Base):
    __tablename__ = "slack_tickets"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "thread_ts", "generation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    seed_ts: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))  # reaction | mention
    raised_by: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requester_slack_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    requester_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    zendesk_org_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    org_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # The exact request body sent to Zendesk, so a retry sends the same payload under the same key.
    request: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    zendesk_ticket_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    followup_of: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    holding_posted: Mapped[bool] = mapped_column(Boolean, default=False)
    note_added: Mapped[bool] = mapped_column(Boolean, default=False)
    internal_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sync_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The process working on the row (creating the ticket, or syncing its replies): when its heartbeat
    # stops, a live process takes the work over within seconds (bot.tickets.recovery, bot.work).
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_in_zendesk_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SlackTicketMessage(Base):
    """A Slack message in a ticket: in the first description (transcript) or synced later as a comment."""

    __tablename__ = "slack_ticket_messages"
    __table_args__ = (UniqueConstraint("ticket_id", "slack_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("slack_tickets.id", ondelete="CASCADE"), index=True)
    slack_ts: Mapped[str] = mapped_column(String(32))
    author_slack_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    in_transcript: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending -> synced; pending -> skipped (already in the transcript) | failed
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    zendesk_audit_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

"""Tables the bot itself owns: the outbox, processed Slack events, inbound requests in flight,
process heartbeats, scheduler lease and job runs. Account data lives in `bot.db.models`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One Slack message the bot must send exactly once.

    Written before the send (status `pending`), claimed (`sending`) and marked
    `sent` with Slack's ts after it. A row left in `sending` by a crash is
    reconciled against channel history before any resend (see bot.outbox)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    method: Mapped[str] = mapped_column(String(64), nullable=False, default="chat.postMessage")
    channel: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # Post as a reply in the thread of another outbox message (its dedupe key).
    thread_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sent_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ProcessedEvent(Base):
    """Slack event ids already taken, so retries and duplicates change nothing."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class InboundRequest(Base):
    """A Slack request that starts work, recorded with its body before (or with) its ack, so that work
    is never lost: `in_progress` while the process named in `claimed_by` works on it, `done` after.
    One row per event id (or command/interaction trigger), so a redelivery changes nothing; a row left
    `in_progress` by a process whose heartbeat stopped is dispatched again by a live one (bot.recovery)."""

    __tablename__ = "inbound_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # event | command | interaction
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)  # the raw request body, as Slack signed it
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="in_progress", index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WorkerHeartbeat(Base):
    """One row per running gtmbot process, refreshed every few seconds (WORK_HEARTBEAT_SECONDS). Work
    claimed by a process whose row is stale (or gone) is taken over by a live one."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)


class JobLease(Base):
    """Which process runs the scheduled jobs: the holder renews before expiry."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class JobRun(Base):
    """A log of job runs: missed, failed and finished runs are visible here and in logs."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="running")
    dry_run: Mapped[bool] = mapped_column(default=False, nullable=False)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    holder: Mapped[str | None] = mapped_column(String(128), nullable=True)

"""The context a scheduled job, a webhook or a listener runs policy decisions with: post through the
outbox under a unique key (one message per key, ever), or, in a dry run, only record what would be
sent. `jobs/` holds the job registry; this lives in the framework so capabilities' flows can take a
context without importing `jobs`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.session import session_scope
from bot.outbox import DeliveryReport, OutboxSender, enqueue
from bot.runtime import Runtime


@dataclass
class PlannedPost:
    key: str
    channel: str
    text: str
    blocks: list[dict] | None = None
    thread_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueuedPost:
    """What a real run keeps of each message it queued: the message itself is in the outbox, so
    a run that queues 15,000 alerts does not also hold 15,000 Block Kit payloads in memory."""

    key: str
    channel: str


@dataclass
class JobContext:
    rt: Runtime
    now: datetime
    dry_run: bool = False
    planned: list[PlannedPost] = field(default_factory=list)  # dry runs: every message, whole
    queued: list[QueuedPost] = field(default_factory=list)  # real runs: the keys queued

    @property
    def settings(self):
        return self.rt.settings

    def post(self, *, key: str, channel: str, text: str, blocks: list[dict] | None = None,
             thread_key: str | None = None, session=None, **extra: Any) -> None:
        """Queue one message under a unique key (or record it, in a dry run).

        Pass `session` to enqueue inside the caller's transaction, so the state
        change and the message commit together."""
        if self.dry_run:
            self.planned.append(PlannedPost(key, channel, text, blocks, thread_key, extra))
            return
        self.queued.append(QueuedPost(key, channel))
        if session is not None:
            enqueue(session, key=key, channel=channel, text=text, blocks=blocks, thread_key=thread_key, **extra)
            return
        with session_scope(self.rt.session_factory) as s:
            enqueue(s, key=key, channel=channel, text=text, blocks=blocks, thread_key=thread_key, **extra)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction for a run: committed when the run ends well, rolled back when it fails,
        and always rolled back in a dry run (it decides and reports; it records nothing)."""
        with session_scope(self.rt.session_factory) as session:
            yield session
            if self.dry_run:
                session.rollback()  # then session_scope commits an empty transaction

    def deliver(self) -> DeliveryReport:
        """Send what this run queued (and anything else due)."""
        if self.dry_run:
            return DeliveryReport(pending=[p.key for p in self.planned])
        sender = OutboxSender(self.rt.client, self.rt.session_factory, self.rt.worker_id,
                              max_attempts=self.rt.settings.outbox_max_attempts)
        return sender.deliver()

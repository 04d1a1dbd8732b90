"""The paced, resumable sender for customer-channel deliveries (spec D.2, D.3).

Rows in `deliveries` are written before anything is sent. This sender:
- reconciles rows left `sending` (a crash, a timeout, a 5xx) against channel history, by the
  delivery key carried in message metadata, so nothing is posted twice;
- claims one row at a time (`UPDATE … WHERE status='pending'`), so two senders never post
  the same row;
- paces posts with `services.incidents.broadcast_pacing`: an adaptive workspace rate (ramps up while
  posts succeed, drops on a workspace 429, remembered per workspace in `slack_post_rates`) and a
  per-channel gap;
- on a 429 puts the row back without counting an attempt; that channel waits its `Retry-After`
  and the others go on, unless the pacer judges it the workspace's limit (then everyone waits);
- records permanent errors (`not_in_channel`, …) per row and carries on with the batch.
It uses its own WebClient without a 429 retry handler (the sender must see 429s) and, like every
client the bot makes, without any retry of a post (bot/slack_client.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, or_, select, update

from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.incidents.tables import Broadcast, Delivery, PostRate
from bot.outbox import UNKNOWN, Unknown, find_posted
from bot.runtime import Runtime
from bot.slack_client import make_client
from bot.work import live_workers
from services.incidents import broadcast_pacing as pacing
from services.mrkdwn import escape

log = logging.getLogger("gtmbot.incidents.sender")

METADATA_EVENT = "gtmbot_delivery"  # spec D.2: ids only, no customer data in metadata
RECONCILE_WINDOW = timedelta(seconds=5)  # look back from the claim time
STALE_SENDING = timedelta(seconds=30)  # spec D.2: any `sending` row older than 30 s is uncertain
MAX_ATTEMPTS = 5
PRIORITY_LOOK_S = 0.25  # while every row waits out a 429, look this often for a due priority post

_running: set[int] = set()
_running_lock = threading.Lock()


@dataclass(frozen=True)
class SenderConfig:
    rate_per_sec: float
    burst: int
    username: str
    icon_url: str = ""
    max_rate_per_sec: float | None = None  # SLACK_POST_RATE_MAX_PER_SEC; None = the start rate


@dataclass
class RunReport:
    sent: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # channel -> error
    reconciled: int = 0
    rate_limited: int = 0
    workspace_limited: int = 0
    retry_after_total: float = 0.0
    final_rate: float = 0.0
    elapsed_s: float = 0.0


class PriorityPosts(Protocol):
    """Posts that go ahead of the customer posts (owners first, issue 18): the CMOC's progress
    message. `due()` names the channel of the next one wanting out (None: nothing to post);
    `send()` posts it. The sender gives it the next send slot as soon as its channel may take a
    post, and counts it in the workspace's pace, so no customer post is sent ahead of it."""

    def due(self) -> str | None: ...

    def send(self) -> None: ...


def _wall() -> datetime:
    """Pacing waits (Retry-After, backoff) run on real time, also when GTMBOT_NOW (or a test) sets the clock."""
    return datetime.now(UTC)


def broadcast_client(rt: Runtime) -> WebClient:
    """A client that surfaces 429s instead of sleeping inside the SDK (the sender paces on them), and
    never retries a post on its own: a post whose answer was lost is reconciled against history."""
    return make_client(rt.settings, rate_limits=False)


class DeliverySender:
    def __init__(
        self,
        rt: Runtime,
        config: SenderConfig,
        *,
        client: WebClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rt = rt
        self.config = config
        self.client = client or broadcast_client(rt)
        self.monotonic = monotonic
        self.sleep = sleep
        self.workspace = _workspace(rt)
        remembered = load_rate(rt, self.workspace)
        self.state = pacing.start(config.rate_per_sec, config.burst, monotonic(),
                                  max_rate=config.max_rate_per_sec, remembered=remembered)
        self.refused: dict[str, tuple[float, int]] = {}  # channel -> (first 429 in a row, how many)

    # ------------------------------------------------------------------ public
    def run(self, *, broadcast_id: int | None = None, delivery_ids: list[int] | None = None,
            on_progress: Callable[[int], None] | None = None, priority: PriorityPosts | None = None) -> RunReport:
        """Send every pending row of a broadcast (or these rows) until none is left. A `priority`
        post that is due goes out before the next customer post, also while they all wait out 429s."""
        report = RunReport()
        started = self.monotonic()
        # Rows left `sending` are checked in Slack at once, except those another live process is
        # posting right now (two senders may share a broadcast; their row claims keep them apart).
        report.reconciled = self.reconcile(broadcast_id=broadcast_id, delivery_ids=delivery_ids, older_than=timedelta(0),
                                           spare=live_workers(self.rt) - {self.rt.worker_id})
        while True:
            self._priority_turn(priority)
            row = self._next_row(broadcast_id, delivery_ids, self.monotonic())
            if row is None:
                wait = self._seconds_until_next(broadcast_id, delivery_ids)
                if wait is None:
                    break
                if priority is not None:
                    wait = min(wait, PRIORITY_LOOK_S)  # a priority post may fall due while all wait
                # A row another replica left `sending` and never finished (it died mid-send) would
                # otherwise hold this sender forever: once stale, check it in Slack like a restart does.
                report.reconciled += self.reconcile(broadcast_id=broadcast_id, delivery_ids=delivery_ids)
                report.reconciled += self.reconcile(broadcast_id=broadcast_id, delivery_ids=delivery_ids,
                                                    older_than=timedelta(seconds=self.rt.settings.work_stale_seconds),
                                                    spare=live_workers(self.rt) | {self.rt.worker_id})
                self.sleep(min(max(wait, 0.05), 5.0))
                continue
            row_id, channel = row
            at = pacing.earliest_send(self.state, channel, self.monotonic())
            delay = at - self.monotonic()
            if delay > 0:
                self.sleep(delay)
                if self._priority_turn(priority):
                    continue  # it fell due meanwhile and took this slot; the row goes next
            outcome = self._send(row_id, report)
            if outcome == pacing.OUTCOME_SENT and on_progress:
                on_progress(report.sent)
        report.elapsed_s = self.monotonic() - started
        report.final_rate = pacing.found_rate(self.state, self.monotonic())
        if report.sent and not self.state.ramping:  # the workspace's limit was met: start there next time
            save_rate(self.rt, self.workspace, report.final_rate)
        return report

    def note_priority_post(self, channel: str) -> None:
        """The owners' notice or the CMOC's progress went ahead: the customer posts leave it room."""
        self.state = pacing.record_priority_post(self.state, channel, self.monotonic())

    def _priority_turn(self, priority: PriorityPosts | None) -> bool:
        """A due priority post takes the next send slot once its own channel may be posted to (a
        channel's 1 message a second is not waited out here: the customer posts go on meanwhile)."""
        if priority is None:
            return False
        channel = priority.due()
        if channel is None or pacing.channel_ready_at(self.state, channel) > self.monotonic():
            return False
        delay = pacing.earliest_send(self.state, channel, self.monotonic()) - self.monotonic()
        if delay > 0:
            self.sleep(delay)  # the workspace's own pause or the next token: it still goes first
        priority.send()
        self.note_priority_post(channel)
        return True

    def reconcile(self, *, broadcast_id: int | None = None, delivery_ids: list[int] | None = None,
                  older_than: timedelta | None = None, spare: Collection[str] | None = None) -> int:
        """Rows left `sending` (for longer than STALE_SENDING unless told; none posted by a process in
        `spare`): found in Slack by metadata key → sent; otherwise back to pending."""
        cutoff = clock_now() - (STALE_SENDING if older_than is None else older_than)
        with session_scope(self.rt.session_factory) as s:
            q = select(Delivery).where(Delivery.status == "sending", Delivery.sending_started_at <= cutoff)
            if spare is not None:
                q = q.where(or_(Delivery.sending_by.is_(None), Delivery.sending_by.not_in(list(spare))))
            q = _scope(q, broadcast_id, delivery_ids)
            found = 0
            for row in s.scalars(q):
                ts = self._find_in_slack(row)
                if ts is UNKNOWN:
                    continue  # Slack unreadable: stays `sending` until it can be checked
                if ts:
                    row.status, row.slack_ts, row.sent_at, row.error = "sent", ts, row.sending_started_at or clock_now(), None
                    found += 1
                    log.info("delivery %s was already posted (ts %s); not reposting", row.dedupe_key, ts)
                else:
                    row.status = "pending"
        return found

    # --------------------------------------------------------------- internals
    def _next_row(self, broadcast_id: int | None, delivery_ids: list[int] | None, mono: float) -> tuple[int, str] | None:
        """The first pending row in order whose channel is not waiting out its own 429: a channel
        that is throttled delays itself only."""
        now = _wall()
        with session_scope(self.rt.session_factory) as s:
            q = select(Delivery.id, Delivery.channel_id).where(
                Delivery.status == "pending", or_(Delivery.not_before.is_(None), Delivery.not_before <= now)
            )
            q = _scope(q, broadcast_id, delivery_ids).order_by(Delivery.position, Delivery.id).limit(50)
            for row_id, channel in s.execute(q):
                if self.state.channel_not_before.get(channel, 0.0) <= mono:
                    return row_id, channel
            return None

    def _seconds_until_next(self, broadcast_id: int | None, delivery_ids: list[int] | None) -> float | None:
        """None when nothing is left to send; else how long until a pending row is due."""
        with session_scope(self.rt.session_factory) as s:
            q = _scope(select(func.min(Delivery.not_before), func.count()).where(Delivery.status.in_(("pending", "sending"))), broadcast_id, delivery_ids)
            soonest, count = s.execute(q).one()
        if not count:
            return None
        if soonest is None:
            return 0.2  # a `sending` row of another sender: look again shortly
        return (soonest - _wall()).total_seconds()

    def _claim(self, row_id: int) -> Delivery | None:
        with session_scope(self.rt.session_factory) as s:
            res = s.execute(
                update(Delivery)
                .where(Delivery.id == row_id, Delivery.status == "pending")
                .values(status="sending", sending_started_at=clock_now(), sending_by=self.rt.worker_id,
                        attempts=Delivery.attempts + 1)
            )
            if res.rowcount != 1:
                return None
            row = s.get(Delivery, row_id)
            s.expunge(row)
            return row

    def _send(self, row_id: int, report: RunReport) -> str | None:
        from bot.incidents.blocks import customer_message_blocks  # lazy: listeners import this module

        row = self._claim(row_id)
        if row is None:
            return None
        args: dict = {
            "channel": row.channel_id,
            "text": escape(row.text),  # customer-typed fields: shown as typed, never as a ping or link
            "blocks": customer_message_blocks(row.text),
            "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": row.dedupe_key}},
            "unfurl_links": False,
        }
        if row.method == "broadcast":
            args["username"] = self.config.username  # "Send as PostHog" (002_59a801b964a2a19e.txt:4284)
            if self.config.icon_url:
                args["icon_url"] = self.config.icon_url
        else:
            args["username"] = self.config.username
        if row.thread_ts:
            args["thread_ts"] = row.thread_ts
            args["reply_broadcast"] = True  # spec C.5 step 3 [proposal], Part F #16
        posted_at = self.monotonic()
        try:
            resp = self.client.chat_postMessage(**args)
            self.state = pacing.record_success(self.state, self.monotonic())
            outcome, error, retry_after = pacing.OUTCOME_SENT, None, 0.0
            ts = resp.get("ts")
        except SlackApiError as e:
            status = e.response.status_code if e.response is not None else 500
            error = (e.response.get("error") if e.response is not None else None) or "unknown_error"
            outcome = pacing.classify(False, error, status)
            retry_after = pacing.parse_retry_after((e.response.headers or {}).get("Retry-After") if e.response is not None else None)
            ts = None
        except Exception as e:  # timeout or connection trouble: unknown whether Slack got it
            log.warning("delivery %s: %s; reconciling before any resend", row.dedupe_key, e)
            outcome, error, retry_after, ts = pacing.OUTCOME_UNCERTAIN, "connection_error", 0.0, None
        self.state = pacing.record_send(self.state, row.channel_id, posted_at)
        now = clock_now()
        with session_scope(self.rt.session_factory) as s:
            live = s.get(Delivery, row_id)
            if live.status != "sending" or live.attempts != row.attempts:
                # Another sender judged this send stale (it took over 30 s) and settled or re-claimed
                # the row meanwhile: its record stands; writing ours over it could send it again.
                log.warning("delivery %s was taken over by another sender while this send was in flight "
                            "(%s); leaving its record", row.dedupe_key, outcome)
                return None
            if outcome == pacing.OUTCOME_SENT:
                live.status, live.slack_ts, live.sent_at, live.error = "sent", ts, now, None
                report.sent += 1
                self.refused.pop(row.channel_id, None)
            elif outcome == pacing.OUTCOME_RATE_LIMITED:
                mono = self.monotonic()
                self.state, limit = pacing.record_rate_limited(self.state, row.channel_id, mono, retry_after)
                report.rate_limited += 1
                report.workspace_limited += limit == pacing.LIMIT_WORKSPACE
                report.retry_after_total += retry_after
                first, times = self.refused.get(row.channel_id, (mono, 0))
                self.refused[row.channel_id] = (first, times + 1)
                if limit == pacing.LIMIT_CHANNEL and pacing.channel_gives_up(first, times + 1, mono, retry_after):
                    # It keeps refusing: reported in the summary and the log, with Retry failed.
                    live.status, live.error = "failed", error or "ratelimited"
                    report.failed[row.channel_id] = live.error
                    log.warning("%s keeps answering 429 (%d times, Retry-After %.0fs): marked failed", row.channel_id, times + 1, retry_after)
                else:
                    live.status, live.attempts, live.not_before = "pending", live.attempts - 1, _wall() + timedelta(seconds=retry_after)
                    log.info("429 on %s (%s limit): it waits %.0fs (Retry-After); pace now %.1f/s",
                             row.channel_id, limit, retry_after, self.state.rate)
            elif outcome == pacing.OUTCOME_FAILED:
                live.status, live.error = "failed", error
                report.failed[row.channel_id] = error or "error"
            else:
                ts = self._find_in_slack(live)
                if ts is UNKNOWN:
                    # Cannot tell whether it was posted: stays `sending`; reconcile() looks again once stale.
                    live.error = error
                elif ts:
                    live.status, live.slack_ts, live.sent_at, live.error = "sent", ts, now, None
                    report.sent += 1
                    report.reconciled += 1
                elif live.attempts >= MAX_ATTEMPTS:
                    live.status, live.error = "failed", error
                    report.failed[row.channel_id] = error or "error"
                else:
                    live.status, live.error = "pending", error
                    live.not_before = _wall() + timedelta(seconds=min(30, 2**live.attempts))
        return outcome

    def _find_in_slack(self, row: Delivery) -> str | None | Unknown:
        """Our message in the channel (or thread) since just before the claim, by metadata key."""
        oldest = (row.sending_started_at or clock_now()) - RECONCILE_WINDOW
        return find_posted(
            self.client, row.channel_id, thread_ts=row.thread_ts, oldest=oldest, limit=50 if row.thread_ts else 15,
            match=lambda md: md.get("event_type") == METADATA_EVENT and (md.get("event_payload") or {}).get("key") == row.dedupe_key,
            what=f"delivery {row.dedupe_key}")


def _workspace(rt: Runtime) -> str:
    """The workspace the rate is remembered for (its team id; one install = one workspace)."""
    if rt.settings.slack_team_id:
        return rt.settings.slack_team_id
    try:
        from bot.guard import home_team_id

        return home_team_id(rt)
    except Exception:  # Slack unreadable: the rate is remembered under a neutral key
        return "default"


def load_rate(rt: Runtime, workspace: str) -> float | None:
    """The pace the last broadcast found for this workspace, if any."""
    with session_scope(rt.session_factory) as s:
        row = s.get(PostRate, workspace)
        return row.rate if row else None


def save_rate(rt: Runtime, workspace: str, rate: float) -> None:
    with session_scope(rt.session_factory) as s:
        row = s.get(PostRate, workspace)
        if row is None:
            s.add(PostRate(team_id=workspace, rate=rate, updated_at=clock_now()))
        else:
            row.rate, row.updated_at = rate, clock_now()


def _scope(q, broadcast_id: int | None, delivery_ids: list[int] | None):
    if broadcast_id is not None:
        q = q.where(Delivery.broadcast_id == broadcast_id)
    if delivery_ids is not None:
        q = q.where(Delivery.id.in_(delivery_ids))
    return q


def claim_run(broadcast_id: int) -> bool:
    """One sender per broadcast per process (claims keep other processes safe)."""
    with _running_lock:
        if broadcast_id in _running:
            return False
        _running.add(broadcast_id)
        return True


def release_run(broadcast_id: int) -> None:
    with _running_lock:
        _running.discard(broadcast_id)


def broadcast_counts(rt: Runtime, broadcast_id: int) -> dict[str, int]:
    with session_scope(rt.session_factory) as s:
        rows = s.execute(select(Delivery.status, func.count()).where(Delivery.broadcast_id == broadcast_id).group_by(Delivery.status)).all()
    return {status: n for status, n in rows}


def finish_broadcast(rt: Runtime, broadcast_id: int, at: datetime) -> Broadcast:
    counts = broadcast_counts(rt, broadcast_id)
    with session_scope(rt.session_factory) as s:
        b = s.get(Broadcast, broadcast_id)
        b.sent, b.failed = counts.get("sent", 0), counts.get("failed", 0)
        left = counts.get("pending", 0) + counts.get("sending", 0)
        if left:
            b.status = "sending"
        elif b.failed == 0:
            b.status = "sent"
        elif b.sent == 0:
            b.status = "failed"
        else:
            b.status = "partially_failed"
        b.finished_at = at if not left else None
        s.flush()
        s.expunge(b)
        return b

"""The outbox: every message a job, alert or broadcast sends goes through here.

A row with a unique dedupe key is written before the send, claimed atomically
by one worker, and marked `sent` with Slack's ts after it. So:
- enqueueing the same key twice (a job run twice, two schedulers) sends once;
- a crash after Slack accepted the message but before we recorded it is
  reconciled: each message carries its key in Slack message metadata, and a
  stale claim is checked against channel history before any resend;
- a send whose answer was lost (timeout, dropped connection, 5xx) is *uncertain*:
  Slack may have posted it. It is looked for in the channel (or thread) at once, and
  again before any resend; a row tried before is never sent again without that look
  (`find_posted`, shared with the broadcast sender);
- transient failures are retried with backoff; permanent ones (channel gone,
  bot not in channel) are recorded with the reason and not retried.

A row whose method is `files.uploadV2` is a file (payload: filename, title, content, and `text` as
the comment) shared through Slack's upload flow: files.getUploadURLExternal, the upload itself,
files.completeUploadExternal. A file share carries no message metadata, so an attempt that may have
reached Slack is looked up by its file name in the channel or thread before any new upload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import now as clock_now
from bot.db.core import OutboxMessage
from bot.db.session import session_scope

log = logging.getLogger("gtmbot.outbox")

METADATA_EVENT = "gtmbot_outbox"
# Slack errors that a retry cannot fix.
PERMANENT_ERRORS = {
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "msg_too_long", "no_text",
    "restricted_action", "cannot_reply_to_message", "invalid_metadata_format", "user_not_found",
    "invalid_auth", "account_inactive", "missing_scope", "ekm_access_denied", "team_access_not_granted",
}
STALE_CLAIM = timedelta(seconds=120)
FILE_UPLOAD = "files.uploadV2"  # not one Web API method: slack-sdk's files_upload_v2 flow


def enqueue(session: Session, *, key: str, channel: str, text: str, blocks: list[dict] | None = None,
            thread_key: str | None = None, method: str = "chat.postMessage", **extra: Any) -> OutboxMessage:
    """Record a message to send, once per key. Returns the (new or existing) row.

    Call inside the same transaction as the state change the message reports, so
    both are committed together or not at all."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    if existing is not None:
        return existing
    payload: dict[str, Any] = {"text": text, **extra}
    if blocks is not None:
        payload["blocks"] = blocks
    row = OutboxMessage(dedupe_key=key, method=method, channel=channel, payload=payload,
                        thread_key=thread_key, status="pending")
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another worker enqueued the same key first
        return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
    return row


def backlog(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_(("pending", "sending")))) or 0


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)


class OutboxSender:
    def __init__(self, client: WebClient, session_factory: sessionmaker[Session], worker_id: str,
                 *, max_attempts: int = 8, stale_after: timedelta = STALE_CLAIM) -> None:
        self.client = client
        self.session_factory = session_factory
        self.worker_id = worker_id
        self.max_attempts = max_attempts
        self.stale_after = stale_after

    # ------------------------------------------------------------------ public
    def deliver(self, keys: list[str] | None = None, *, limit: int = 1000) -> DeliveryReport:
        """Send due messages (optionally only these keys), oldest first."""
        report = DeliveryReport()
        self.recover_stale(keys)
        with session_scope(self.session_factory) as s:
            q = select(OutboxMessage.id, OutboxMessage.dedupe_key).where(
                OutboxMessage.status == "pending",
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= clock_now()),
            ).order_by(OutboxMessage.id).limit(limit)
            if keys is not None:
                q = q.where(OutboxMessage.dedupe_key.in_(keys))
            due = list(s.execute(q))
        for row_id, key in due:
            outcome = self._send_one(row_id)
            if outcome == "sent":
                report.sent.append(key)
            elif outcome and outcome.startswith("failed:"):
                report.failed[key] = outcome.removeprefix("failed:")
            elif outcome == "pending":
                report.pending.append(key)
        return report

    def recover_stale(self, keys: list[str] | None = None, *, older_than: timedelta | None = None) -> list[str]:
        """Rows left `sending` by a crashed worker: sent (found in Slack) or back to pending."""
        cutoff = clock_now() - (self.stale_after if older_than is None else older_than)
        with session_scope(self.session_factory) as s:
            q = select(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= cutoff)
            if keys is not None:
                q = q.where(OutboxMessage.dedupe_key.in_(keys))
            stale = list(s.scalars(q))
            found = []
            for row in stale:
                ts = self._find_file_in_slack(s, row) if row.method == FILE_UPLOAD else self._find_in_slack(s, row)
                if ts is UNKNOWN:
                    continue  # Slack unreadable: keep it `sending` until we can look
                if ts:
                    row.status, row.sent_ts, row.sent_channel, row.sent_at = "sent", ts, row.sent_channel or row.channel, clock_now()
                    found.append(row.dedupe_key)
                    log.info("outbox %s was already delivered (ts %s); not resending", row.dedupe_key, ts)
                else:
                    row.status, row.claimed_by = "pending", None
        return found

    def take_over(self, claimers: Collection[str]) -> list[str]:
        """Rows left `sending` by these dead workers (bot.recovery): each claim moves to this worker by
        compare-and-set, so of several live processes one takes each row; then the row is looked up
        in Slack: sent, or back to pending. Returns the keys put back to pending (to send now)."""
        with session_scope(self.session_factory) as s:
            ids = list(s.scalars(select(OutboxMessage.id).where(
                OutboxMessage.status == "sending", OutboxMessage.claimed_by.in_(list(claimers)))))
        pending = []
        for row_id in ids:
            with session_scope(self.session_factory) as s:
                res = s.execute(update(OutboxMessage).where(
                    OutboxMessage.id == row_id, OutboxMessage.status == "sending",
                    OutboxMessage.claimed_by.in_(list(claimers))).values(claimed_by=self.worker_id))
                if res.rowcount != 1:
                    continue
                row = s.get(OutboxMessage, row_id)
                ts = self._find_in_slack(s, row)
                if ts is UNKNOWN:
                    continue  # Slack unreadable: ours now, kept `sending` until we can look (recover_stale)
                if ts:
                    row.status, row.sent_ts, row.sent_channel, row.sent_at = "sent", ts, row.sent_channel or row.channel, clock_now()
                    log.info("outbox %s was already delivered (ts %s); not resending", row.dedupe_key, ts)
                else:
                    row.status, row.claimed_by = "pending", None
                    pending.append(row.dedupe_key)
        return pending

    # --------------------------------------------------------------- internals
    def _claim(self, row_id: int) -> OutboxMessage | None:
        with session_scope(self.session_factory) as s:
            res = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                .values(status="sending", claimed_at=clock_now(), claimed_by=self.worker_id,
                        attempts=OutboxMessage.attempts + 1)
            )
            if res.rowcount != 1:
                return None
            row = s.get(OutboxMessage, row_id)
            parent_ts = None
            if row.thread_key:
                parent = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == row.thread_key))
                if parent is None or parent.status != "sent":
                    # Parent not out yet: release and try later.
                    row.status, row.claimed_by = "pending", None
                    row.attempts -= 1
                    return None
                parent_ts = parent.sent_ts
            s.expunge(row)
            row._parent_ts = parent_ts  # type: ignore[attr-defined]
            return row

    def _send_one(self, row_id: int) -> str | None:
        row = self._claim(row_id)
        if row is None:
            return "pending"
        if row.attempts > 1:
            # Tried before: an earlier send may have reached Slack although we never heard back.
            settled = self._settle_if_posted(row_id, row.dedupe_key)
            if settled is not None:
                return settled
        args = dict(row.payload)
        args["channel"] = row.channel
        if getattr(row, "_parent_ts", None):
            args["thread_ts"] = row._parent_ts  # type: ignore[attr-defined]
        if row.method == FILE_UPLOAD:
            return self._send_file(row_id, row, args)
        if row.method == "chat.postMessage":
            md = dict(args.get("metadata") or {})
            payload = dict(md.get("event_payload") or {})
            payload["outbox_key"] = row.dedupe_key
            args["metadata"] = {"event_type": md.get("event_type", METADATA_EVENT), "event_payload": payload}
        try:
            resp = self.client.api_call(row.method, json=args)
        except SlackApiError as e:
            error = e.response.get("error", "unknown_error") if e.response is not None else "unknown_error"
            status = e.response.status_code if e.response is not None else 200
            if status >= 500:  # Slack may have acted before failing: uncertain
                return self._uncertain(row_id, row.dedupe_key, f"http_{status}:{error}")
            return self._record_failure(row_id, error, permanent=error in PERMANENT_ERRORS)
        except Exception as e:  # timeout or dropped connection: unknown whether Slack got it
            return self._uncertain(row_id, row.dedupe_key, f"{type(e).__name__}: {e}")
        with session_scope(self.session_factory) as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status="sent", sent_at=clock_now(), sent_ts=resp.get("ts") or resp.get("message_ts"),
                sent_channel=resp.get("channel") or row.channel, last_error=None))
        return "sent"

    def _uncertain(self, row_id: int, key: str, error: str, *, file: bool = False) -> str:
        """The send may or may not have happened: look now; if it is not there, the row goes back to
        pending with backoff and is looked for again before it is resent (see `_send_one`)."""
        log.warning("outbox %s: %s uncertain (%s); checking Slack before any resend", key,
                    "file share" if file else "send", error)
        settled = self._settle_if_posted(row_id, key, error=error, file=file)
        return settled if settled is not None else self._record_failure(row_id, error, permanent=False)

    def _settle_if_posted(self, row_id: int, key: str, *, error: str | None = None, file: bool = False) -> str | None:
        """"sent" when the message (or shared file) is already in Slack; "pending" (row released) when
        Slack cannot be read; None when it is certainly not there and may be sent."""
        find = self._find_file_in_slack if file else self._find_in_slack
        with session_scope(self.session_factory) as s:
            row = s.get(OutboxMessage, row_id)
            ts = find(s, row)
            if ts is UNKNOWN:
                row.status, row.claimed_by = "pending", None
                row.last_error = error or row.last_error or "uncertain: Slack unreadable"
                row.next_attempt_at = clock_now() + timedelta(seconds=min(3600, 15 * 2 ** max(0, row.attempts - 1)))
                return "pending"
            if ts:
                row.status, row.sent_ts, row.sent_at = "sent", ts, clock_now()
                row.sent_channel = row.sent_channel or row.channel
                row.last_error = f"reconciled after: {error}" if error else "reconciled: found in Slack"
                log.info("outbox %s was already delivered (%s); not sending again", key, ts)
                return "sent"
        return None

    def _send_file(self, row_id: int, row: OutboxMessage, args: dict[str, Any]) -> str:
        """Share a file once. An attempt whose answer was a 5xx or never came may have shared it, so
        the thread is looked at at once, and again before any new upload."""
        if row.attempts > 1:
            settled = self._settle_if_posted(row_id, row.dedupe_key, file=True)
            if settled is not None:
                return settled
        try:
            resp = self.client.files_upload_v2(
                channel=args["channel"], thread_ts=args.get("thread_ts"), filename=args["filename"],
                title=args.get("title") or args["filename"], content=args["content"],
                initial_comment=args.get("text") or None)
        except SlackApiError as e:
            error = e.response.get("error", "unknown_error") if e.response is not None else "unknown_error"
            status = e.response.status_code if e.response is not None else 200
            if status >= 500:  # Slack may have shared it before failing: uncertain
                return self._uncertain(row_id, row.dedupe_key, f"http_{status}:{error}", file=True)
            return self._record_failure(row_id, error, permanent=error in PERMANENT_ERRORS)
        except SlackRequestError as e:  # the upload POST was refused: nothing can have been shared
            log.warning("outbox %s: file upload refused (%s); will retry", row.dedupe_key, e)
            return self._record_failure(row_id, "upload_failed", permanent=False)
        except Exception as e:  # timeout or dropped connection: unknown whether Slack shared it
            return self._uncertain(row_id, row.dedupe_key, f"{type(e).__name__}: {e}", file=True)
        file_id = (resp.get("file") or {}).get("id") or next((f.get("id") for f in resp.get("files") or []), None)
        return self._mark_sent(row_id, file_id, row.channel)

    def _mark_sent(self, row_id: int, ts: str | None, channel: str) -> str:
        """For a file, `sent_ts` holds its file id."""
        with session_scope(self.session_factory) as s:
            s.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                status="sent", sent_at=clock_now(), sent_ts=ts, sent_channel=channel, last_error=None))
        return "sent"

    def _find_file_in_slack(self, s: Session, row: OutboxMessage) -> str | None | Unknown:
        """The id of the file with this row's file name shared in its thread (or channel) since the
        row was created, read from the share messages (channels:history; no files:read needed).
        None when it is not there; UNKNOWN when Slack cannot be read."""
        name = (row.payload or {}).get("filename")
        oldest = f"{_epoch(row.created_at - timedelta(minutes=5)):.6f}"
        channel, thread_ts = row.channel, None
        if row.thread_key:
            parent = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == row.thread_key))
            if not parent or not parent.sent_ts:
                return None
            channel, thread_ts = parent.sent_channel or row.channel, parent.sent_ts
        cursor = None
        try:
            while True:
                if thread_ts:
                    resp = self.client.conversations_replies(channel=channel, ts=thread_ts, oldest=oldest,
                                                             limit=200, cursor=cursor)
                else:
                    resp = self.client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                                             cursor=cursor)
                for msg in resp.get("messages", []):
                    for f in msg.get("files") or []:
                        if f.get("name") == name:
                            return f.get("id")
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except SlackApiError as e:
            error = e.response.get("error") if e.response is not None else e
            if error in ("channel_not_found", "thread_not_found", "not_in_channel"):
                return None  # nothing of ours can be there
            log.warning("outbox %s: cannot read Slack to check for an earlier upload (%s)", row.dedupe_key, error)
            return UNKNOWN
        except Exception as e:  # connection trouble even after the read retries
            log.warning("outbox %s: cannot read Slack to check for an earlier upload (%s)", row.dedupe_key, e)
            return UNKNOWN

    def _record_failure(self, row_id: int, error: str, *, permanent: bool) -> str:
        with session_scope(self.session_factory) as s:
            row = s.get(OutboxMessage, row_id)
            row.last_error = error
            row.claimed_by = None
            if permanent or row.attempts >= self.max_attempts:
                row.status = "failed"
                log.warning("outbox %s failed for good: %s", row.dedupe_key, error)
                return f"failed:{error}"
            row.status = "pending"
            row.next_attempt_at = clock_now() + timedelta(seconds=min(3600, 15 * 2 ** (row.attempts - 1)))
            return "pending"

    def _find_in_slack(self, s: Session, row: OutboxMessage) -> str | None | Unknown:
        """Look for our message (by its metadata key) in the channel or thread since the claim.
        UNKNOWN when Slack could not be read: then nothing may be resent yet."""
        oldest = (row.claimed_at or row.created_at) - timedelta(minutes=5)
        channel, thread_ts = row.channel, None
        if row.thread_key:
            parent = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == row.thread_key))
            if not parent or not parent.sent_ts:
                return None
            channel, thread_ts = parent.sent_channel or row.channel, parent.sent_ts
        if row.method != "chat.postMessage":
            return None  # only posts carry the key; other methods (chat.update) are idempotent
        return find_posted(self.client, channel, thread_ts=thread_ts, oldest=oldest,
                           match=lambda md: (md.get("event_payload") or {}).get("outbox_key") == row.dedupe_key,
                           what=f"outbox {row.dedupe_key}")


class Unknown:
    """Slack could not be read, so whether a message is there is not known."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


def find_posted(client: WebClient, channel: str, *, thread_ts: str | None, oldest: datetime,
                match: Callable[[dict[str, Any]], bool], what: str = "message",
                limit: int = 200) -> str | None | Unknown:
    """The ts of the bot's message in `channel` (or in the thread `thread_ts`) posted since `oldest`
    whose metadata satisfies `match`; None when it is not there; UNKNOWN when Slack cannot be read.

    The one way the bot settles an uncertain post (outbox and broadcast sender alike): Slack has no
    idempotency key for chat.postMessage, so the message's own metadata is the key."""
    stamp = f"{_epoch(oldest):.6f}"
    try:
        if thread_ts:
            resp = client.conversations_replies(channel=channel, ts=thread_ts, oldest=stamp,
                                                include_all_metadata=True, limit=limit)
        else:
            resp = client.conversations_history(channel=channel, oldest=stamp, include_all_metadata=True,
                                                limit=limit)
    except SlackApiError as e:
        error = e.response.get("error") if e.response is not None else e
        if error in ("channel_not_found", "thread_not_found", "not_in_channel"):
            return None  # nothing of ours can be there
        log.warning("%s: cannot read Slack to check for an earlier send (%s)", what, error)
        return UNKNOWN
    except Exception as e:  # connection trouble even after the read retries
        log.warning("%s: cannot read Slack to check for an earlier send (%s)", what, e)
        return UNKNOWN
    for msg in resp.get("messages", []):
        if thread_ts and msg.get("ts") == thread_ts:
            continue  # the parent itself
        if match(msg.get("metadata") or {}):
            return msg["ts"]
    return None


def _epoch(dt: datetime) -> float:
    return dt.timestamp()

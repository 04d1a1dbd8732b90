"""Opening and syncing Zendesk tickets from Slack threads (incidents-and-tickets.md A.2): the I/O around
`services.tickets.policy`. Listeners and the `tickets_sync` job call in here; the policy stays in services.

Exactly once (A.2.8): a `slack_tickets` row keyed UNIQUE(team, channel, thread, generation) is inserted
before Zendesk is called; the Zendesk request is stored on the row and always re-sent under the same
`Idempotency-Key`; a row left `creating` by a dead process is reconciled by `external_id`; the public
confirmation is an outbox row written in the same transaction as the Zendesk id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clients.zendesk import (
    ZendeskAuthError,
    ZendeskClient,
    ZendeskError,
    ZendeskInvalid,
    ZendeskUnavailable,
)
from bot.clock import now as clock_now
from bot.db.core import OutboxMessage
from bot.db.models import Account, AccountSlackChannel
from bot.db.session import session_scope
from bot.guard import channel_info, home_team_id, is_internal_user, user_info
from bot.outbox import OutboxSender, enqueue
from bot.runtime import Runtime
from bot.tickets.blocks import (
    AlertKind,
    alert_blocks,
    already_ticketed_blocks,
    blocks_text,
    confirmation_blocks,
    credentials_ephemeral_blocks,
    hint_blocks,
    holding_blocks,
    internal_ticket_blocks,
)
from bot.tickets.settings import TicketSettings
from bot.tickets.tables import SlackTicket, SlackTicketMessage
from services.tickets import policy

log = logging.getLogger("gtmbot.tickets")

T = TypeVar("T")
OutcomeKind = Literal[
    "ignored", "refused", "gone", "empty", "created", "queued", "already", "in_flight", "failed"
]


@dataclass(frozen=True)
class TicketRequest:
    """A :ticket: reaction or an @mention, as the listener parsed it."""

    team_id: str
    channel_id: str
    item_ts: str  # the reacted message, or the mention message itself
    actor: str  # who reacted / mentioned
    trigger: policy.Trigger
    thread_ts: str | None = None  # mentions: the event's thread_ts
    text: str = ""  # mentions: the mention's text
    has_files: bool = False


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    ticket_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class ChannelFacts:
    channel_id: str
    name: str
    kind: policy.ChannelKind | None
    account: policy.AccountFacts | None


# -- runtime helpers ----------------------------------------------------------------------------------


def ticket_settings(rt: Runtime) -> TicketSettings:
    """One settings object per runtime; tests put their own in `rt.cache["ticket_settings"]`."""
    if "ticket_settings" not in rt.cache:
        rt.cache["ticket_settings"] = TicketSettings()
    return rt.cache["ticket_settings"]


def zendesk_client(rt: Runtime) -> ZendeskClient | None:
    """Built from ZENDESK_URL / ZENDESK_EMAIL / ZENDESK_API_TOKEN; None when Zendesk is not configured."""
    if "zendesk_client" not in rt.cache:
        url = rt.settings.zendesk_url
        if not url:
            return None
        token = rt.settings.zendesk_api_token.get_secret_value() if rt.settings.zendesk_api_token else ""
        rt.cache["zendesk_client"] = ZendeskClient(
            url,
            rt.settings.zendesk_email or "",
            token,
            retry_delays_s=ticket_settings(rt).zendesk_retry_delays_s,
        )
    return rt.cache["zendesk_client"]


_locks_guard = threading.Lock()


def _lock(rt: Runtime, key: str) -> threading.Lock:
    with _locks_guard:
        locks = rt.cache.setdefault("ticket_locks", {})
        return locks.setdefault(key, threading.Lock())


def _cached(rt: Runtime, key: str, ttl_s: float, fetch: Callable[[], T]) -> T:
    """Per-process cache with single flight: N concurrent callers for one key make one fetch."""
    with _lock(rt, "cache:" + key):
        hit = rt.cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl_s:
            return hit[1]
        value = fetch()
        rt.cache[key] = (time.monotonic(), value)
        return value


def _forget(rt: Runtime, key: str) -> None:
    rt.cache.pop(key, None)


# -- Slack reads --------------------------------------------------------------------------------------


def _message(raw: dict[str, Any]) -> policy.SlackMessage:
    files = tuple(
        policy.SlackFile(
            f.get("name") or f.get("title") or "file", f.get("permalink") or f.get("url_private", "")
        )
        for f in raw.get("files") or []
    )
    return policy.SlackMessage(
        ts=raw["ts"],
        user=raw.get("user"),
        text=raw.get("text") or "",
        thread_ts=raw.get("thread_ts"),
        subtype=raw.get("subtype"),
        bot_id=raw.get("bot_id"),
        files=files,
    )


def fetch_message(rt: Runtime, channel: str, ts: str) -> policy.SlackMessage | None:
    """The message at `ts`, or None when it is gone (A.2.3 step 1, checking the returned ts)."""

    def fetch() -> policy.SlackMessage | None:
        try:
            resp = rt.client.conversations_replies(channel=channel, ts=ts, limit=1)
            for raw in resp.get("messages", []):
                if raw.get("ts") == ts:
                    return _message(raw)
        except SlackApiError as exc:
            if exc.response.get("error") not in ("thread_not_found", "message_not_found"):
                raise
        oldest = f"{Decimal(ts) - Decimal('0.000001'):.6f}"
        resp = rt.client.conversations_history(
            channel=channel, latest=ts, oldest=oldest, inclusive=True, limit=1
        )
        for raw in resp.get("messages", []):
            if raw.get("ts") == ts:  # a deleted message otherwise silently yields its neighbour
                return _message(raw)
        return None

    return _cached(rt, f"ticket-msg:{channel}:{ts}", ticket_settings(rt).ticket_thread_cache_s, fetch)


def fetch_thread(rt: Runtime, channel: str, thread_ts: str) -> list[policy.SlackMessage]:
    """The whole thread, root first; read once and cached (Slack's reduced replies limit, A.2.10)."""

    def fetch() -> list[policy.SlackMessage]:
        out: list[policy.SlackMessage] = []
        cursor = None
        while True:
            try:
                resp = rt.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, cursor=cursor
                )
            except SlackApiError as exc:
                if exc.response.get("error") in ("thread_not_found", "message_not_found"):
                    break
                raise
            out.extend(_message(raw) for raw in resp.get("messages", []))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        if not out:
            root = fetch_message(rt, channel, thread_ts)
            out = [root] if root else []
        unique = {m.ts: m for m in out}
        return sorted(unique.values(), key=lambda m: Decimal(m.ts))

    return _cached(
        rt, f"ticket-thread:{channel}:{thread_ts}", ticket_settings(rt).ticket_thread_cache_s, fetch
    )


def person(rt: Runtime, user_id: str) -> policy.Person | None:
    info = user_info(rt, user_id)
    if not info:
        return None
    profile = info.get("profile") or {}
    # The full name reads best for support agents in Zendesk; the display name is a handle.
    name = (
        profile.get("real_name") or info.get("real_name") or profile.get("display_name") or info.get("name")
    )
    return policy.Person(
        user_id=user_id,
        name=name or user_id,
        team_id=info.get("team_id") or "",
        email=profile.get("email"),
        is_bot=bool(info.get("is_bot")),
    )


def permalink(rt: Runtime, channel: str, ts: str) -> str | None:
    try:
        return rt.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError:
        return None


def channel_facts(rt: Runtime, channel_id: str, *, recheck: bool = False) -> ChannelFacts:
    """What kind of channel this is for tickets. With `recheck`, a channel the cached facts call
    "not a ticket channel" is asked about afresh: it may have been shared with a customer since, and
    the `channel_shared` event may have gone to another process (listeners/tickets/channel_changed.py)."""
    facts = _channel_facts(rt, channel_id, fresh=False)
    if facts.kind is None and recheck:
        facts = _channel_facts(rt, channel_id, fresh=True)
    return facts


def _channel_facts(rt: Runtime, channel_id: str, *, fresh: bool) -> ChannelFacts:
    settings = ticket_settings(rt)
    info = channel_info(rt.client, rt, channel_id, fresh=fresh) or {}
    name = info.get("name") or channel_id
    with session_scope(rt.session_factory) as s:
        account = s.scalar(
            select(Account).join(AccountSlackChannel).where(AccountSlackChannel.channel_id == channel_id)
        )
        facts = _account_facts(account) if account else None
    kind = policy.channel_kind(
        channel_id,
        name,
        is_ext_shared=bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared")),
        mapped_to_account=facts is not None,
        intake_channels=settings.ticket_intake_channels,
        opted_in_channels=settings.ticket_channels,
    )
    return ChannelFacts(channel_id, name, kind, facts)


def _account_facts(account: Account) -> policy.AccountFacts:
    owner = account.owner
    return policy.AccountFacts(
        id=account.id,
        name=account.name,
        posthog_org_id=account.posthog_org_id,
        arr=account.arr,
        segments=tuple(account.segments or ()),
        startup_plan=bool(account.credit_startup_plan),
        subscription_status=account.subscription_status or "active",
        owner_name=owner.name if owner else None,
        owner_role=owner.role if owner else None,
    )


def zendesk_org(rt: Runtime, zd: ZendeskClient, posthog_org_id: str) -> policy.ZendeskOrg | None:
    """Org by external_id = PostHog org id (002_59a801b964a2a19e.txt:3161), cached (A.2.4 step 6)."""

    def fetch() -> policy.ZendeskOrg | None:
        orgs = zd.find_organizations_by_external_id(posthog_org_id)
        return policy.ZendeskOrg(int(orgs[0]["id"]), tuple(orgs[0].get("tags") or ())) if orgs else None

    return _cached(rt, f"zendesk-org:{posthog_org_id}", ticket_settings(rt).zendesk_org_cache_s, fetch)


# -- Slack writes (through the outbox, so a retry or restart never posts twice) --------------------------


def _deliver(rt: Runtime, keys: list[str]) -> None:
    if not keys:
        return
    sender = OutboxSender(
        rt.client, rt.session_factory, rt.worker_id, max_attempts=rt.settings.outbox_max_attempts
    )
    sender.deliver(keys)


def _ephemeral(
    rt: Runtime,
    channel: str,
    user: str,
    blocks: list[dict],
    *,
    key: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Ephemerals are best effort; with a key, at most once (e.g. "already ticket" per user per thread)."""
    extra: dict[str, Any] = {"user": user}
    if thread_ts:
        extra["thread_ts"] = thread_ts
    if key is None:
        try:
            rt.client.chat_postEphemeral(channel=channel, text=blocks_text(blocks), blocks=blocks, **extra)
        except SlackApiError as exc:
            log.info("ephemeral to %s in %s failed: %s", user, channel, exc.response.get("error"))
        return
    with session_scope(rt.session_factory) as s:
        enqueue(
            s,
            key=key,
            channel=channel,
            text=blocks_text(blocks),
            blocks=blocks,
            method="chat.postEphemeral",
            **extra,
        )
    _deliver(rt, [key])


def _is_internal(rt: Runtime, user_id: str) -> bool:
    return is_internal_user(rt, {}, user_id)


# -- opening a ticket -----------------------------------------------------------------------------------


def open_ticket(rt: Runtime, req: TicketRequest) -> Outcome:
    """One reaction or mention -> at most one ticket for its thread, however often it arrives."""
    settings = ticket_settings(rt)
    facts = channel_facts(rt, req.channel_id)
    if facts.kind is None:
        log.debug("ticket request in %s ignored: not a customer or intake channel", req.channel_id)
        return Outcome("ignored", detail="channel not ticket-enabled")

    if req.trigger == "mention":
        decision = policy.classify_mention(
            req.text, req.item_ts, req.thread_ts, bot_user_id=_bot_user(rt), has_files=req.has_files
        )
        if decision.action == "refuse":
            _ephemeral(
                rt,
                req.channel_id,
                req.actor,
                hint_blocks({"text": policy.bare_mention_text(settings.ticket_emoji)}),
            )
            return Outcome("refused", detail="bare mention")
        thread_ts, seed_ts = decision.thread_ts, decision.seed_ts
    else:
        existing = _latest_row(rt, req.channel_id, req.item_ts)  # fast path: the reacted message is a root
        if existing is not None:
            return _existing(rt, req, facts, existing)
        message = fetch_message(rt, req.channel_id, req.item_ts)
        if message is None:
            _ephemeral(rt, req.channel_id, req.actor, hint_blocks({"text": policy.MESSAGE_GONE_TEXT}))
            return Outcome("gone")
        thread_ts, seed_ts = policy.thread_key_of(message), req.item_ts

    existing = _latest_row(rt, req.channel_id, thread_ts)
    if existing is not None:
        return _existing(rt, req, facts, existing)
    row_id = _claim(rt, req, thread_ts, seed_ts, generation=1, followup_of=None)
    if row_id is None:
        existing = _latest_row(rt, req.channel_id, thread_ts)
        return _existing(rt, req, facts, existing) if existing else Outcome("in_flight")
    return _build_and_create(rt, row_id, facts)


def _bot_user(rt: Runtime) -> str:
    if "bot_user_id" not in rt.cache:
        rt.cache["bot_user_id"] = rt.client.auth_test()["user_id"]
    return rt.cache["bot_user_id"]


def _bot_id(rt: Runtime) -> str | None:
    if "bot_id" not in rt.cache:
        rt.cache["bot_id"] = rt.client.auth_test().get("bot_id")
    return rt.cache["bot_id"]


@dataclass(frozen=True)
class _RowView:
    id: int
    status: str
    generation: int
    thread_ts: str
    zendesk_ticket_id: int | None


def _latest_row(rt: Runtime, channel: str, thread_ts: str) -> _RowView | None:
    with session_scope(rt.session_factory) as s:
        row = s.scalar(
            select(SlackTicket)
            .where(SlackTicket.channel_id == channel, SlackTicket.thread_ts == thread_ts)
            .order_by(SlackTicket.generation.desc())
            .limit(1)
        )
        return (
            _RowView(row.id, row.status, row.generation, row.thread_ts, row.zendesk_ticket_id)
            if row
            else None
        )


def _claim(
    rt: Runtime, req: TicketRequest, thread_ts: str, seed_ts: str, *, generation: int, followup_of: int | None
) -> int | None:
    """Insert the thread's row before any Zendesk call; None when another handler got there first."""
    key = policy.TicketKey(req.team_id, req.channel_id, thread_ts, generation)
    now = clock_now()
    try:
        with session_scope(rt.session_factory) as s:
            row = SlackTicket(
                team_id=req.team_id,
                channel_id=req.channel_id,
                thread_ts=thread_ts,
                generation=generation,
                seed_ts=seed_ts,
                trigger=req.trigger,
                raised_by=req.actor,
                external_id=key.external_id,
                idempotency_key=key.idempotency_key,
                followup_of=followup_of,
                status="claimed",
                claimed_by=rt.worker_id,
                created_at=now,
                updated_at=now,
                org_tags=[],
            )
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:
        return None


def _existing(rt: Runtime, req: TicketRequest, facts: ChannelFacts, row: _RowView) -> Outcome:
    """A second reaction/mention: nothing new, unless the ticket was closed in Zendesk (follow-up, A.2.6)."""
    if row.status != "created" or row.zendesk_ticket_id is None:
        if row.status == "blocked":
            _tell_blocked(rt, req.channel_id, row.thread_ts, row.generation, req.actor)
        if row.status == "failed":
            with session_scope(rt.session_factory) as s:
                s.execute(
                    update(SlackTicket)
                    .where(SlackTicket.id == row.id, SlackTicket.status == "failed")
                    .values(status="queued", next_attempt_at=clock_now(), updated_at=clock_now())
                )
        return Outcome("in_flight", detail=row.status)
    zd = zendesk_client(rt)
    status = None
    if zd is not None:
        try:
            ticket = _cached(
                rt,
                f"zendesk-ticket:{row.zendesk_ticket_id}",
                30,
                lambda: zd.get_ticket(row.zendesk_ticket_id),
            )
            status = (ticket or {}).get("status")
        except ZendeskError as exc:
            log.warning("could not read ticket %s: %s", row.zendesk_ticket_id, exc)
    if policy.needs_followup(status):
        row_id = _claim(
            rt,
            req,
            row.thread_ts,
            req.item_ts,
            generation=row.generation + 1,
            followup_of=row.zendesk_ticket_id,
        )
        if row_id is not None:
            _forget(rt, f"ticket-thread:{req.channel_id}:{row.thread_ts}")
            return _build_and_create(rt, row_id, facts)
        return Outcome("in_flight", detail="follow-up being created")
    if req.trigger == "mention" and req.thread_ts and policy.strip_mention(req.text, _bot_user(rt)).strip():
        # A mention with text in a ticketed thread is synced like any reply (A.2.6).
        sync_reply(
            rt, req.channel_id, policy.SlackMessage(req.item_ts, req.actor, req.text, thread_ts=req.thread_ts)
        )
    if _is_internal(rt, req.actor):
        zd_url = zd.agent_url(row.zendesk_ticket_id) if zd else None
        _ephemeral(
            rt,
            req.channel_id,
            req.actor,
            already_ticketed_blocks({"ticket_id": row.zendesk_ticket_id, "agent_url": zd_url}),
            key=f"ticket-already:{req.channel_id}:{row.thread_ts}:g{row.generation}:{req.actor}",
        )
    return Outcome("already", row.zendesk_ticket_id)


def _build_and_create(rt: Runtime, row_id: int, facts: ChannelFacts) -> Outcome:
    """Gather the thread, people, org; store the exact Zendesk request on the row; then send it."""
    settings = ticket_settings(rt)
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        channel, thread_ts, seed_ts, actor = row.channel_id, row.thread_ts, row.seed_ts, row.raised_by
        trigger, team_id, generation, followup_of = row.trigger, row.team_id, row.generation, row.followup_of
    zd = zendesk_client(rt)
    if zd is None:
        _finish_failed(rt, row_id, "ZENDESK_URL is not set")
        if _is_internal(rt, actor):
            _ephemeral(
                rt,
                channel,
                actor,
                hint_blocks(
                    {
                        "text": (
                            "No ticket was opened: Zendesk is not configured. Set ZENDESK_URL, ZENDESK_EMAIL and "
                            "ZENDESK_API_TOKEN (e.g. ZENDESK_URL=https://yourcompany.zendesk.com) and react again."
                        )
                    }
                ),
            )
        return Outcome("failed", detail="zendesk not configured")

    thread = fetch_thread(rt, channel, thread_ts)
    content = [m for m in thread if policy.is_content(m, bot_user_id=_bot_user(rt), bot_id=_bot_id(rt))]
    seed = next((m for m in content if m.ts == seed_ts), None)
    if not content:
        with session_scope(rt.session_factory) as s:
            s.delete(s.get(SlackTicket, row_id))
        _ephemeral(rt, channel, actor, hint_blocks({"text": policy.empty_seed_text(settings.ticket_emoji)}))
        return Outcome("empty")

    our_team = home_team_id(rt)
    mentioned = [uid for m in content for uid in _mentioned_ids(m.text)]
    user_ids = list(dict.fromkeys([*(m.user for m in content if m.user), actor, *mentioned]))
    people = {uid: p for uid in user_ids if (p := person(rt, uid)) is not None}
    names = {uid: p.name for uid, p in people.items()}
    actor_person = people.get(actor) or policy.Person(actor, actor, our_team)
    seed_msg = seed or content[0]
    root = content[0]

    try:
        org = None
        if facts.account and facts.account.posthog_org_id:
            org = zendesk_org(rt, zd, facts.account.posthog_org_id)
        decision = policy.decide_org(facts.account, org, priority_map=settings.zendesk_priority_map)
        if facts.kind == "intake":
            requester = policy.intake_requester(seed_msg.text, actor_person)
        else:
            others = [people.get(m.user or "") for m in content]
            requester = policy.choose_requester(
                [people.get(seed_msg.user or ""), people.get(root.user or ""), actor_person, *others],
                our_team_id=our_team,
            )
        requester_id = None
        if requester.email is None and requester.external_id:
            requester_id = int(
                zd.create_or_update_user({"name": requester.name, "external_id": requester.external_id})["id"]
            )
    except (ZendeskUnavailable, ZendeskAuthError) as exc:
        return _queue(rt, row_id, exc, rebuild=True)

    link = permalink(rt, channel, thread_ts)
    company = facts.account.name if facts.account else "customer"
    transcript = policy.build_transcript(
        content,
        people,
        raised_ts=seed_ts,
        raised_by=actor_person.name,
        our_team_id=our_team,
        customer_company=company,
        max_chars=settings.ticket_description_max_chars,
        thread_permalink=link,
    )
    draft = policy.build_ticket(
        key=policy.TicketKey(team_id, channel, thread_ts, generation),
        trigger=trigger,
        channel_name=facts.name,
        account=facts.account,
        org=decision,
        requester=requester,
        transcript=transcript,
        seed_text=seed_msg.text,
        names=names,
        set_priority=settings.zendesk_set_priority,
        org_id_field_id=settings.zendesk_org_id_field_id,
        followup_of=followup_of,
        bot_user_id=_bot_user(rt),
    )
    note = policy.internal_note(
        account=facts.account,
        org=decision,
        raised_by=actor_person.name,
        trigger=trigger,
        thread_permalink=link,
    )
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        row.request = draft.payload(requester_id=requester_id)
        row.internal_note = note
        row.account_id = facts.account.id if facts.account else None
        row.requester_slack_id = requester.slack_user_id
        row.requester_email = requester.email
        row.zendesk_org_id = decision.zendesk_org_id
        row.org_tags = list(decision.tier_tags)
        row.priority = draft.priority
        row.status = "creating"
        row.updated_at = clock_now()
        # A late `message` event for these is not added again (A.2.3 step 6); a reply that arrived while
        # we were building is in the transcript already, so its pending row is skipped, not sent twice.
        known = {
            m.slack_ts: m
            for m in s.scalars(select(SlackTicketMessage).where(SlackTicketMessage.ticket_id == row_id))
        }
        for ts in transcript.included_ts:
            if ts in known:
                known[ts].in_transcript, known[ts].status = True, "skipped"
            else:
                s.add(SlackTicketMessage(ticket_id=row_id, slack_ts=ts, in_transcript=True, status="skipped"))
    _ephemeral_context = {
        "tier_tags": list(decision.tier_tags),
        "derived": decision.derived,
        "unmatched": decision.unmatched,
        "hint": policy.unmapped_hint(facts.name, decision.unmatched) if decision.unmatched else None,
    }
    rt.cache[f"ticket-context:{row_id}"] = _ephemeral_context
    return send_to_zendesk(rt, row_id)


def send_to_zendesk(rt: Runtime, row_id: int) -> Outcome:
    """POST the stored request under the row's Idempotency-Key; record the id, or queue on an outage."""
    zd = zendesk_client(rt)
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        request, key = dict(row.request or {}), row.idempotency_key
        s.execute(
            update(SlackTicket)
            .where(SlackTicket.id == row_id)
            .values(attempts=SlackTicket.attempts + 1, updated_at=clock_now())
        )
    if zd is None:
        return _queue(rt, row_id, ZendeskUnavailable(0, "ZENDESK_URL is not set"))
    try:
        created = zd.create_ticket(request, key)
    except (ZendeskUnavailable, ZendeskAuthError) as exc:
        return _queue(rt, row_id, exc)
    except ZendeskInvalid as exc:
        if "requester" in request or "requester_id" in request:
            # 422 on the requester: retry once as the API user with an attribution tag (A.2.9). A new
            # payload needs a new key: Zendesk rejects a reused key with different parameters.
            request.pop("requester", None)
            request.pop("requester_id", None)
            request["tags"] = [*request.get("tags", []), "requester_invalid"]
            with session_scope(rt.session_factory) as s:
                row = s.get(SlackTicket, row_id)
                row.request, row.idempotency_key = request, key + "-r"
                row.last_error = str(exc)
            return send_to_zendesk(rt, row_id)
        _finish_failed(rt, row_id, str(exc), alert=True)
        return Outcome("failed", detail=str(exc))
    return record_created(rt, row_id, created.id)


def record_created(rt: Runtime, row_id: int, zendesk_id: int) -> Outcome:
    """Zendesk id and confirmation outbox row in one transaction (A.2.8 step 5); then say it in Slack."""
    settings = ticket_settings(rt)
    keys: list[str] = []
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        if row.status == "created":
            return Outcome("already", row.zendesk_ticket_id)
        # Was the alert channel told the credentials were rejected? Then tell it this one got through.
        was_blocked = (
            s.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.dedupe_key == _alert_key(row.channel_id, row.thread_ts, row_id, "credentials")
                )
            )
            is not None
        )
        row.status, row.zendesk_ticket_id = "created", zendesk_id
        row.created_in_zendesk_at = row.updated_at = clock_now()
        row.last_error = None
        key = policy.TicketKey(row.team_id, row.channel_id, row.thread_ts, row.generation)
        blocks = confirmation_blocks({"ticket_id": zendesk_id, "emoji": settings.ticket_emoji})
        enqueue(
            s,
            key=key.confirm_dedupe_key,
            channel=row.channel_id,
            text=blocks_text(blocks),
            blocks=blocks,
            thread_ts=row.thread_ts,
        )
        keys.append(key.confirm_dedupe_key)
        channel, thread_ts, actor, priority, row_tags = (
            row.channel_id,
            row.thread_ts,
            row.raised_by,
            row.priority,
            list(row.org_tags or []),
        )
    _deliver(rt, keys)
    if was_blocked:  # close the loop on the credentials alert
        _alert(rt, row_id, channel, thread_ts, "", 0, key_suffix="restored", kind="restored",
               ticket_id=zendesk_id)
    if _is_internal(rt, actor):
        context = rt.cache.pop(f"ticket-context:{row_id}", None) or {"tier_tags": row_tags, "unmatched": None}
        zd = zendesk_client(rt)
        data = {
            "ticket_id": zendesk_id,
            "agent_url": zd.agent_url(zendesk_id) if zd else "",
            "priority": priority,
            "channel_name": channel,
            **context,
        }
        _ephemeral(
            rt,
            channel,
            actor,
            internal_ticket_blocks(data),
            thread_ts=thread_ts,
            key=f"ticket-internal:{channel}:{thread_ts}:{zendesk_id}:{actor}",
        )
    add_internal_note(rt, row_id)
    flush_replies(rt, row_id)  # replies that arrived while the ticket was being created
    return Outcome("created", zendesk_id)


def add_internal_note(rt: Runtime, row_id: int) -> bool:
    """Owner and context as a private comment (002_59a801b964a2a19e.txt:9078); retried by the job."""
    zd = zendesk_client(rt)
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        if row.note_added or not row.internal_note or row.zendesk_ticket_id is None or zd is None:
            return False
        note, ticket_id = row.internal_note, row.zendesk_ticket_id
    try:
        zd.add_comment(ticket_id, note, public=False, key=f"gtmbot-note-{row_id}")  # at most once
    except ZendeskError as exc:
        log.warning("internal note for ticket %s not added yet: %s", ticket_id, exc)
        return False
    with session_scope(rt.session_factory) as s:
        s.get(SlackTicket, row_id).note_added = True
    return True


def _queue(rt: Runtime, row_id: int, exc: Exception, *, rebuild: bool = False) -> Outcome:
    """Zendesk is down: keep the row and retry from the job (A.2.9). Rejected credentials are not an
    outage: they go to `_blocked`, which alerts at once instead of after the holding delay."""
    if isinstance(exc, ZendeskAuthError):
        return _blocked(rt, row_id, exc, rebuild=rebuild)
    _hold(rt, row_id, "queued", exc, rebuild=rebuild)
    log.warning("ticket row %s queued: %s", row_id, exc)
    return Outcome("queued", detail=str(exc))


def _hold(rt: Runtime, row_id: int, status: str, exc: Exception, *, rebuild: bool) -> SlackTicket:
    """Park the row for the tickets_sync job's next try, and return it."""
    settings = ticket_settings(rt)
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        row.status = status
        if rebuild:
            row.request = None
        row.last_error = str(exc)
        row.next_attempt_at = now + timedelta(seconds=settings.ticket_queue_retry_every_s)
        row.updated_at = now
    return row  # still readable: sessions keep loaded values after commit (expire_on_commit=False)


def _blocked(rt: Runtime, row_id: int, exc: ZendeskAuthError, *, rebuild: bool = False) -> Outcome:
    """Zendesk 401/403 (A.2.9): keep the request for after the fix, alert the alert channel now (once
    per ticket), tell an internal reactor privately. Nothing goes to the thread: the customer is not
    told "the team was informed" or that Zendesk is down when neither is what happened."""
    row = _hold(rt, row_id, "blocked", exc, rebuild=rebuild)
    channel, thread_ts, actor, generation = row.channel_id, row.thread_ts, row.raised_by, row.generation
    attempts = row.attempts
    log.error("ticket row %s blocked: Zendesk rejects the credentials (%s)", row_id, exc)
    _alert(rt, row_id, channel, thread_ts, str(exc), attempts, key_suffix="credentials", kind="credentials",
           status=exc.status)
    _tell_blocked(rt, channel, thread_ts, generation, actor)
    return Outcome("queued", detail=str(exc))


def _tell_blocked(rt: Runtime, channel: str, thread_ts: str, generation: int, user: str) -> None:
    """The private note for an internal reactor while credentials are rejected (once per person)."""
    if not _is_internal(rt, user):
        return
    settings = ticket_settings(rt)
    _ephemeral(
        rt,
        channel,
        user,
        credentials_ephemeral_blocks({"alert_channel": settings.ticket_alert_channel}),
        thread_ts=thread_ts,
        key=f"ticket-credentials:{channel}:{thread_ts}:g{generation}:{user}",
    )


def _finish_failed(rt: Runtime, row_id: int, error: str, *, alert: bool = False) -> None:
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        row.status, row.last_error, row.updated_at = "failed", error, clock_now()
        channel, thread_ts = row.channel_id, row.thread_ts
        attempts = row.attempts
    if alert:
        _alert(rt, row_id, channel, thread_ts, error, attempts, key_suffix="failed", kind="failed")


def _alert_key(channel: str, thread_ts: str, row_id: int, occasion: str) -> str:
    return f"ticket-alert:{channel}:{thread_ts}:{row_id}:{occasion}"


def _alert(
    rt: Runtime,
    row_id: int,
    channel: str,
    thread_ts: str,
    error: str,
    attempts: int,
    *,
    key_suffix: str,
    kind: AlertKind = "outage",
    status: int | None = None,
    ticket_id: int | None = None,
) -> None:
    """One internal alert per (ticket row, occasion), through the outbox."""
    settings = ticket_settings(rt)
    from bot.channels import channel_id as resolve_channel

    try:
        alert_channel = resolve_channel(rt, settings.ticket_alert_channel)
    except (LookupError, SlackApiError) as exc:
        log.error("ticket alert channel %s unavailable: %s", settings.ticket_alert_channel, exc)
        return
    facts = channel_facts(rt, channel)
    label = facts.account.name if facts.account else f"#{facts.name}"
    blocks = alert_blocks(
        {
            "kind": kind,
            "label": label,
            "permalink": permalink(rt, channel, thread_ts) or "",
            "error": error,
            "status": status,
            "ticket_id": ticket_id,
            "attempts": attempts,
            "retry_every_s": settings.ticket_queue_retry_every_s,
        }
    )
    key = _alert_key(channel, thread_ts, row_id, key_suffix)
    with session_scope(rt.session_factory) as s:
        enqueue(s, key=key, channel=alert_channel, text=blocks_text(blocks), blocks=blocks)
    _deliver(rt, [key])


# -- syncing replies (A.2.7) ------------------------------------------------------------------------------


def ticket_row_for_thread(rt: Runtime, channel: str, thread_ts: str) -> int | None:
    row = _latest_row(rt, channel, thread_ts)
    return row.id if row else None


def sync_reply(rt: Runtime, channel: str, message: policy.SlackMessage) -> bool:
    """Record a thread reply once; send it now when the ticket exists and pacing allows. True if new."""
    if not message.thread_ts:
        return False
    row_view = _latest_row(rt, channel, message.thread_ts)
    if row_view is None:
        return False
    if not policy.should_sync_reply(
        message, bot_user_id=_bot_user(rt), bot_id=_bot_id(rt), already_synced=()
    ):
        return False
    facts = channel_facts(rt, channel)
    our_team = home_team_id(rt)
    author = person(rt, message.user) if message.user else None
    mentioned = {uid: p.name for uid in _mentioned_ids(message.text) if (p := person(rt, uid))}
    label = policy.author_label(
        author,
        our_team_id=our_team,
        customer_company=facts.account.name if facts.account else "customer",
        our_company=policy.OUR_COMPANY_DEFAULT,
    )
    comment = policy.reply_comment(label, policy.readable_text(message.text, mentioned), message.files)
    try:
        with session_scope(rt.session_factory) as s:
            s.add(
                SlackTicketMessage(
                    ticket_id=row_view.id,
                    slack_ts=message.ts,
                    author_slack_id=message.user,
                    status="pending",
                    comment=comment,
                )
            )
    except IntegrityError:
        return False  # already in the transcript or already queued (app_mention + message for one post)
    _forget(rt, f"ticket-thread:{channel}:{message.thread_ts}")
    if row_view.status == "created":
        flush_replies(rt, row_view.id)
    return True


def _mentioned_ids(text: str) -> list[str]:
    import re

    return re.findall(r"<@([UW][A-Z0-9_]+)", text or "")


def flush_replies(rt: Runtime, row_id: int, *, now: datetime | None = None, take_from: Collection[str] = ()) -> int:
    """Send queued replies of one ticket as one update, ≤ 1 per TICKET_SYNC_MIN_INTERVAL_S (A.2.7).

    A reply stored while another flush held the ticket is picked up by that flush's re-check (or by the
    job when pacing holds it back), so none waits on a lost race. A sync claim held by one of
    `take_from` (dead processes, bot.tickets.recovery) is taken over at once."""
    total = 0
    for _ in range(5):
        claimed, sent = _flush_once(rt, row_id, now=now, take_from=take_from)
        total += sent
        if not claimed or not _has_pending(rt, row_id):
            break
    return total


def zendesk_user_for(rt: Runtime, zd: ZendeskClient, slack_user_id: str) -> policy.ZendeskUser | None:
    """The Zendesk user whose email is the Slack writer's (A.2.7), cached; None without an email match."""
    who = person(rt, slack_user_id)
    if who is None or not who.email:
        return None
    email = who.email.lower()

    def fetch() -> policy.ZendeskUser | None:
        users = zd.find_users_by_email(email)
        return policy.ZendeskUser(int(users[0]["id"]), users[0].get("role") or "end-user") if users else None

    return _cached(rt, f"zendesk-user:{email}", ticket_settings(rt).zendesk_user_cache_s, fetch)


def _customer_side(rt: Runtime, slack_user_id: str | None, requester_slack_id: str | None) -> bool:
    if not slack_user_id:
        return False
    return policy.is_customer_side(
        person(rt, slack_user_id),
        our_team_id=home_team_id(rt),
        is_requester=slack_user_id == requester_slack_id,
    )


def _skip_closed(rt: Runtime, ids: list[int], ticket_id: int) -> int:
    """Zendesk refuses every update to a closed ticket: stop retrying these replies. They are in the
    thread, so a new :ticket: opens a follow-up whose description carries them (A.2.6)."""
    with session_scope(rt.session_factory) as s:
        s.execute(
            update(SlackTicketMessage)
            .where(SlackTicketMessage.id.in_(ids))
            .values(
                status="skipped",
                last_error=f"ticket {ticket_id} is closed in Zendesk; a new :ticket: opens a follow-up",
            )
        )
    log.info("ticket %s is closed: %d repl(ies) not synced", ticket_id, len(ids))
    return 0


def _note_reply_failure(rt: Runtime, ids: list[int], exc: Exception, ticket_id: int | None) -> None:
    """Replies stay pending for the next flush; rejected credentials also alert, once per ticket."""
    with session_scope(rt.session_factory) as s:
        s.execute(
            update(SlackTicketMessage)
            .where(SlackTicketMessage.id.in_(ids))
            .values(attempts=SlackTicketMessage.attempts + 1, last_error=str(exc))
        )
        row = s.scalar(select(SlackTicket).join(SlackTicketMessage).where(SlackTicketMessage.id == ids[0]))
        where = (row.id, row.channel_id, row.thread_ts) if row else None
    log.warning("replies for ticket %s not synced yet: %s", ticket_id, exc)
    if isinstance(exc, ZendeskAuthError) and where:
        row_id, channel, thread_ts = where
        _alert(rt, row_id, channel, thread_ts, str(exc), 0, key_suffix="credentials-sync",
               kind="credentials_sync", status=exc.status, ticket_id=ticket_id)


def _has_pending(rt: Runtime, row_id: int) -> bool:
    with session_scope(rt.session_factory) as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(SlackTicketMessage)
                .where(SlackTicketMessage.ticket_id == row_id, SlackTicketMessage.status == "pending")
            )
            or 0
        ) > 0


def _flush_once(rt: Runtime, row_id: int, *, now: datetime | None, take_from: Collection[str] = ()) -> tuple[bool, int]:
    settings = ticket_settings(rt)
    zd = zendesk_client(rt)
    if zd is None:
        return False, 0
    now = now or clock_now()
    interval = timedelta(seconds=settings.ticket_sync_min_interval_s)
    with session_scope(rt.session_factory) as s:
        claimed = s.execute(
            update(SlackTicket)
            .where(
                SlackTicket.id == row_id,
                SlackTicket.status == "created",
                or_(
                    SlackTicket.sync_claimed_at.is_(None),
                    SlackTicket.sync_claimed_at < now - timedelta(seconds=60),
                    SlackTicket.claimed_by.in_(list(take_from)),
                ),
                or_(SlackTicket.last_synced_at.is_(None), SlackTicket.last_synced_at <= now - interval),
            )
            .values(sync_claimed_at=now, claimed_by=rt.worker_id)
        ).rowcount
    if claimed != 1:
        return False, 0
    try:
        with session_scope(rt.session_factory) as s:
            row = s.get(SlackTicket, row_id)
            pending = list(
                s.scalars(
                    select(SlackTicketMessage).where(
                        SlackTicketMessage.ticket_id == row_id, SlackTicketMessage.status == "pending"
                    )
                )
            )
            pending.sort(key=lambda m: Decimal(m.slack_ts))
            ticket_id = row.zendesk_ticket_id
            requester = row.requester_slack_id
            ids = [m.id for m in pending]
            authors = [m.author_slack_id for m in pending]
            body = policy.coalesce([m.comment or "" for m in pending])
        if not ids:
            return True, 0
        public = settings.ticket_comments_public
        try:
            matched = {uid: zendesk_user_for(rt, zd, uid) for uid in set(authors) if uid}
            author_id = policy.comment_author([matched.get(a) if a else None for a in authors], public=public)
            status = None
            if any(_customer_side(rt, a, requester) for a in authors):
                current = (zd.get_ticket(ticket_id) or {}).get("status")
                if current == "closed":
                    return True, _skip_closed(rt, ids, ticket_id)
                status = policy.status_after_reply(current, from_customer_side=True)
            # Keyed by its first reply: a comment whose answer was lost is found in the audits, not re-added.
            answer = zd.add_comment(
                ticket_id,
                body,
                public=public,
                author_id=author_id,
                status=status,
                key=f"gtmbot-reply-{row_id}-{ids[0]}",
                covers=[str(i) for i in ids],
            )
        except ZendeskInvalid as exc:
            # Closed since we looked (or a staff reply, where we did not look): Zendesk refuses any update.
            try:
                closed = (zd.get_ticket(ticket_id) or {}).get("status") == "closed"
            except ZendeskError:
                closed = False
            if closed:
                return True, _skip_closed(rt, ids, ticket_id)
            _note_reply_failure(rt, ids, exc, ticket_id)
            return False, 0
        except ZendeskError as exc:
            _note_reply_failure(rt, ids, exc, ticket_id)
            return False, 0
        audit_id = (answer.get("audit") or {}).get("id")
        if answer.get("already"):  # an earlier send landed: only the replies it carried are synced
            custom = ((answer.get("audit") or {}).get("metadata") or {}).get("custom") or {}
            covered = {str(i) for i in custom.get("covers") or []}
            ids = [i for i in ids if str(i) in covered]
        with session_scope(rt.session_factory) as s:
            s.execute(
                update(SlackTicketMessage)
                .where(SlackTicketMessage.id.in_(ids))
                .values(status="synced", synced_at=clock_now(), zendesk_audit_id=audit_id)
            )
            s.execute(update(SlackTicket).where(SlackTicket.id == row_id).values(last_synced_at=clock_now()))
        return True, len(ids)
    finally:
        with session_scope(rt.session_factory) as s:
            s.execute(update(SlackTicket).where(SlackTicket.id == row_id).values(sync_claimed_at=None))


# -- the periodic sweep (the `tickets_sync` job) ---------------------------------------------------------


@dataclass
class SweepReport:
    retried: int = 0
    created: int = 0
    adopted: int = 0
    holding: int = 0
    failed: int = 0
    notes: int = 0
    synced: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created ({self.adopted} adopted), {self.retried} retried, {self.holding} holding "
            f"message(s), {self.failed} failed, {self.notes} note(s), {self.synced} repl(ies) synced"
        )


def sweep(rt: Runtime, now: datetime) -> SweepReport:
    """Retry queued tickets, reconcile rows a dead process left behind, add notes, flush replies."""
    settings = ticket_settings(rt)
    report = SweepReport()
    stale_before = now - timedelta(seconds=settings.ticket_reconcile_after_s)
    with session_scope(rt.session_factory) as s:
        queued = list(
            s.execute(
                select(SlackTicket.id, SlackTicket.status)
                .where(
                    SlackTicket.status.in_(("queued", "blocked")),
                    or_(SlackTicket.next_attempt_at.is_(None), SlackTicket.next_attempt_at <= now),
                )
                .order_by(SlackTicket.id)
            )
        )
        stale = list(
            s.scalars(
                select(SlackTicket.id).where(
                    SlackTicket.status.in_(("claimed", "creating")), SlackTicket.updated_at <= stale_before
                )
            )
        )
        no_note = list(
            s.scalars(
                select(SlackTicket.id).where(
                    SlackTicket.status == "created", SlackTicket.note_added.is_(False)
                )
            )
        )
        with_pending = list(
            s.scalars(
                select(SlackTicketMessage.ticket_id)
                .join(SlackTicket)
                .where(SlackTicket.status == "created", SlackTicketMessage.status == "pending")
                .group_by(SlackTicketMessage.ticket_id)
            )
        )
    for row_id in stale:
        outcome = _reconcile(rt, row_id)
        report.adopted += outcome.kind == "created" and outcome.detail == "adopted"
        report.created += outcome.kind == "created"
    credentials_rejected = False
    for row_id, status in queued:
        if status == "blocked" and credentials_rejected:
            continue  # one probe per sweep while Zendesk rejects the credentials, not one per ticket
        report.retried += 1
        outcome = _retry(rt, row_id, now)
        report.created += outcome.kind == "created"
        report.failed += outcome.kind == "failed"
        credentials_rejected = credentials_rejected or _row_status(rt, row_id) == "blocked"
    for row_id in _needing_holding(rt, now):
        _post_holding(rt, row_id)
        report.holding += 1
    for row_id in no_note:
        report.notes += add_internal_note(rt, row_id)
    for row_id in with_pending:
        report.synced += flush_replies(rt, row_id, now=now)
    return report


def _reconcile(rt: Runtime, row_id: int) -> Outcome:
    """A row left claimed/creating by a dead process (A.2.8 step 4): adopt Zendesk's ticket or create again."""
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        external_id, has_request, channel = row.external_id, row.request is not None, row.channel_id
    zd = zendesk_client(rt)
    if zd is None:
        return Outcome("queued")
    if has_request:
        try:
            found = zd.find_tickets_by_external_id(external_id)
        except ZendeskError as exc:
            return _queue(rt, row_id, exc)
        if found:
            outcome = record_created(rt, row_id, int(found[0]["id"]))
            return Outcome(outcome.kind, outcome.ticket_id, "adopted")
        return send_to_zendesk(rt, row_id)
    return _build_and_create(rt, row_id, channel_facts(rt, channel))


def _row_status(rt: Runtime, row_id: int) -> str | None:
    with session_scope(rt.session_factory) as s:
        return s.scalar(select(SlackTicket.status).where(SlackTicket.id == row_id))


def _retry(rt: Runtime, row_id: int, now: datetime) -> Outcome:
    settings = ticket_settings(rt)
    with session_scope(rt.session_factory) as s:
        row = s.get(SlackTicket, row_id)
        created_at, has_request, channel = row.created_at, row.request is not None, row.channel_id
        attempts, error, blocked = row.attempts, row.last_error or "", row.status == "blocked"
    if (
        not blocked  # rejected credentials wait for the fix however long it takes (A.2.9)
        and policy.next_queue_attempt(
            created_at, now, settings.ticket_queue_retry_every_s, settings.ticket_queue_give_up_after_s
        )
        is None
    ):
        _finish_failed(rt, row_id, f"gave up after {attempts} attempts: {error}", alert=True)
        return Outcome("failed")
    if not has_request:
        return _build_and_create(rt, row_id, channel_facts(rt, channel))
    zd = zendesk_client(rt)
    if zd is not None:
        with session_scope(rt.session_factory) as s:
            external_id = s.get(SlackTicket, row_id).external_id
        try:  # a timeout may have hidden a success: adopt before re-posting
            found = zd.find_tickets_by_external_id(external_id)
        except ZendeskError as exc:
            return _queue(rt, row_id, exc)
        if found:
            return record_created(rt, row_id, int(found[0]["id"]))
    return send_to_zendesk(rt, row_id)


def _needing_holding(rt: Runtime, now: datetime) -> list[int]:
    settings = ticket_settings(rt)
    with session_scope(rt.session_factory) as s:
        rows = list(
            s.execute(
                select(SlackTicket.id, SlackTicket.created_at).where(
                    SlackTicket.status.in_(("queued", "claimed", "creating")),
                    SlackTicket.holding_posted.is_(False),
                )
            )
        )
    return [
        rid
        for rid, created in rows
        if policy.should_post_holding(created, now, settings.ticket_holding_after_s, False)
    ]


def _post_holding(rt: Runtime, row_id: int) -> None:
    """Once per ticket: tell the thread it is queued, and alert support (A.2.9)."""
    with session_scope(rt.session_factory) as s:
        res = s.execute(
            update(SlackTicket)
            .where(SlackTicket.id == row_id, SlackTicket.holding_posted.is_(False))
            .values(holding_posted=True)
        )
        if res.rowcount != 1:
            return
        row = s.get(SlackTicket, row_id)
        channel, thread_ts, attempts, error = (
            row.channel_id,
            row.thread_ts,
            row.attempts,
            row.last_error or "no answer",
        )
        key = f"ticket-holding:{channel}:{thread_ts}:g{row.generation}"
        blocks = holding_blocks()
        enqueue(s, key=key, channel=channel, text=blocks_text(blocks), blocks=blocks, thread_ts=thread_ts)
    _deliver(rt, [key])
    _alert(rt, row_id, channel, thread_ts, error, attempts, key_suffix="holding")


def ticket_counts(rt: Runtime) -> dict[str, int]:
    """Rows per status, for the demo and `jobs run` summaries."""
    with session_scope(rt.session_factory) as s:
        return dict(s.execute(select(SlackTicket.status, func.count()).group_by(SlackTicket.status)).all())

"""The steps of `/incident` between Slack and the services: each function takes what a listener
parsed, reads/writes the incident tables, asks `services/` what to do, and returns what the
listener should answer (a view, errors, a text). Listeners stay one callback each.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.incidents import blocks, store
from bot.incidents.dispatch import (
    coord_channel,
    deliver_keys,
    incident_settings,
    outbox_ts,
    send_owner_deliveries,
    start_broadcast,
)
from bot.incidents.tables import Broadcast, Comm, Delivery, Incident, IncidentAccount, OwnerMark
from bot.outbox import enqueue
from bot.runtime import Runtime
from services.incidents import log as ilog
from services.incidents.audience import (
    accounts_for_sender,
    assign_senders,
    broadcast_audience,
    senders_summary,
)
from services.incidents.drafts import check_draft, draft_defaults, draft_fields
from services.incidents.policy import (
    ROUTE_BROADCAST,
    ROUTE_OWNERS,
    SEVERITIES,
    allowed_routes,
    broadcast_needs_reason,
    draft_kind,
    postmortem_due,
    suggest_cmoc,
)
from services.incidents.templates import fill_per_channel, template_for

log = logging.getLogger("gtmbot.incidents.flow")

SHARED_CHANNEL_REFUSAL = "Run /incident from an internal channel or a DM; this channel is shared with a customer."
CANNOT_SEE_CHANNEL = (
    "I can't see this channel: it is private and I'm not in it, so I can't check that it is internal "
    "(`/incident` answers name owners and accounts). Invite me with `/invite @gtmbot`, or run it in "
    "{coord} or a DM with me, e.g. `/incident status`."
)
SLACK_CANNOT_CHECK_CHANNEL = (
    "Slack is not answering right now, so I can't check whether this channel is shared with a customer. "
    "Try again in a minute, or run it in a DM with me, e.g. `/incident status`."
)
NOT_ALLOWED = (
    "Only the CMOCs on the rota and team leads can {what} (002_59a801b964a2a19e.txt:12811). "
    "Everyone can use `/incident status`, `/incident list` and `/incident log`."
)


# ------------------------------------------------------------------------- helpers
def fmt(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%H:%M UTC, %d %b") if at else None


def may_command(rt: Runtime, user: str, inc: Incident | None = None) -> bool:
    with session_scope(rt.session_factory) as s:
        ok = user in store.allowed(s, incident_settings())
    return ok or bool(inc and inc.cmoc_slack_id == user)


def _value(values: dict, block: str) -> Any:
    el = (values.get(block) or {}).get("value") or {}
    kind = el.get("type")
    if kind in ("static_select", "radio_buttons"):
        return (el.get("selected_option") or {}).get("value")
    if kind in ("multi_static_select", "checkboxes"):
        return [o["value"] for o in el.get("selected_options") or []]
    if kind == "users_select":
        return el.get("selected_user")
    if kind == "conversations_select":
        return el.get("selected_conversation")
    if kind == "datetimepicker":
        ts = el.get("selected_date_time")
        return datetime.fromtimestamp(int(ts), UTC) if ts else None
    return (el.get("value") or "").strip()


def _rota_text(rt: Runtime, now: datetime) -> str:
    cfg = incident_settings()
    with session_scope(rt.session_factory) as s:
        return suggest_cmoc(now, store.rota(s, cfg), cfg.windows, store.names(s)).text


def _customer_channels(rt: Runtime, accounts) -> list:
    listing: list[dict] = []
    cursor = None
    while True:
        resp = rt.client.conversations_list(types="public_channel,private_channel", limit=200, exclude_archived=False, cursor=cursor)
        listing += resp.get("channels", [])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return store.channels_from_slack(listing, accounts)


def card_payload(s, inc: Incident, now: datetime) -> dict:
    affected = store.affected(s, inc)
    return {
        "public_id": inc.public_id,
        "severity_label": store.severity_label(inc),
        "title": inc.title,
        "status": inc.status,
        "cloud": " + ".join(inc.clouds) if inc.clouds else "US + EU",
        "cmoc": inc.cmoc_slack_id,
        "incident_channel": inc.incident_channel_id,
        "accounts": len(affected),
        "owners": len({a.owner_slack_id for a in affected if a.owner_slack_id}),
        "channels": sum(1 for a in affected if a.channel_ids),
        "sla_accounts": sum(1 for a in affected if a.uptime_sla),
        "next_update_due": fmt(inc.next_update_due_at),
    }


def refresh_card(rt: Runtime, incident_id: int) -> None:
    """Edit the incident card in place (spec C.3)."""
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, incident_id)
        payload = card_payload(s, inc, clock_now())
        key = inc.coord_key
    chan, ts = outbox_ts(rt, key) if key else (None, None)
    if chan and ts:
        bl = blocks.incident_card_blocks(payload)
        try:
            rt.client.chat_update(channel=chan, ts=ts, text=bl[0]["text"]["text"], blocks=bl)
        except SlackApiError as e:
            log.info("card edit failed: %s", e.response.get("error") if e.response is not None else e)


def thread_post(rt: Runtime, inc_id: int, key: str, text: str, blocks_: list | None = None) -> None:
    if blocks_ is None:
        text, blocks_ = blocks.message(text)
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        enqueue(s, key=key, channel=coord_channel(rt), text=text, blocks=blocks_, thread_key=inc.coord_key)
    deliver_keys(rt, [key])


def dm(rt: Runtime, key: str, user: str, text: str, blocks_: list | None = None) -> None:
    if blocks_ is None:
        text, blocks_ = blocks.message(text)
    with session_scope(rt.session_factory) as s:
        enqueue(s, key=key, channel=user, text=text, blocks=blocks_)
    deliver_keys(rt, [key])


# ------------------------------------------------------------------------- declare
def declare_view(rt: Runtime, user: str, severity: int | None, title: str, channel: str, *, maintenance: bool = False) -> dict:
    sev = [(s.level, s.label, s.description, s.examples) for s in SEVERITIES.values()]
    return blocks.declare_modal(
        {
            "severities": sev,
            "severity": 4 if maintenance else severity,
            "title": title,
            "feature": "",
            "rota_hint": _rota_text(rt, clock_now()),
            "cmoc": user if may_command(rt, user) else None,
            "maintenance": maintenance,
            "channel": channel,
        }
    )


def on_declare_submit(rt: Runtime, user: str, view: dict) -> dict:
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    level = int(_value(values, "severity"))
    feature, symptom = _value(values, "feature"), _value(values, "symptom")
    cloud = _value(values, "cloud") or "both"
    clouds = ["US", "EU"] if cloud == "both" else [cloud]
    errors = {}
    ws, we = (_value(values, "window_start"), _value(values, "window_end")) if meta.get("maintenance") else (None, None)
    if meta.get("maintenance") and ws and we and we <= ws:
        errors["window_end"] = "The window must end after it starts, e.g. 02:00 to 04:00 UTC."
    if level == 4 and meta.get("maintenance") and not (ws and we):
        errors["window_start"] = "Give the maintenance window's start and end (UTC)."
    if errors:
        return {"response_action": "errors", "errors": errors}
    now = clock_now()
    cmoc = _value(values, "cmoc") or user
    with session_scope(rt.session_factory) as s:
        inc = Incident(
            public_id=store.next_public_id(s),
            title=_value(values, "title") or f"{feature}: {symptom}"[:300],
            severity=level,
            is_security="yes" in (_value(values, "security") or []),
            feature=feature,
            symptom=symptom,
            clouds=clouds,
            products=_value(values, "products") or [],
            incident_channel_id=_value(values, "incident_channel"),
            eng_lead_slack_id=_value(values, "eng_lead"),
            cmoc_slack_id=cmoc,
            declared_by=user,
            declared_at=now,
            window_start=ws,
            window_end=we,
            route=SEVERITIES[level].default_route,
            broadcast_owned_by_cmoc=level == 0,
            status="open",
        )
        s.add(inc)
        s.flush()
        inc.coord_channel_id = coord_channel(rt)
        inc.coord_key = f"inc:{inc.id}:card"
        store.record_affected(s, inc, _affected_now(s, inc))
        s.flush()
        store.event(s, inc, "declared", user, now, severity=level)
        payload = card_payload(s, inc, now)
        payload["rota_text"] = _rota_text(rt, now)
        card = blocks.incident_card_blocks(payload)
        enqueue(s, key=inc.coord_key, channel=inc.coord_channel_id, text=card[0]["text"]["text"], blocks=card)
        inc_id = inc.id
    deliver_keys(rt, [f"inc:{inc_id}:card"])
    kind = "maintenance_before" if level == 4 else "initial"
    return {"response_action": "push", "view": draft_view(rt, inc_id, kind, user)}


def _affected_now(s, inc: Incident):
    from services.incidents.audience import affected_accounts

    return affected_accounts(store.accounts(s), store.scope(inc))


# --------------------------------------------------------------------------- drafts
def draft_view(rt: Runtime, incident_id: int, kind: str, user: str, *, route: str | None = None) -> dict:
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, incident_id)
        level = inc.severity
        routes = allowed_routes(level, inc.is_security)
        chosen = route or (ROUTE_BROADCAST if inc.broadcast_owned_by_cmoc else routes[0].route)
        sender = store.names(s).get(user, "")
        values = draft_defaults(kind, store.facts(inc), now, sender, chosen)
        extra = None
        if kind != "initial" and not inc.broadcast_owned_by_cmoc and level != 0:
            earlier = store.broadcast_channels(s, inc)
            if earlier:
                extra = f"Broadcast to the {len(earlier)} channels that got the SEV 0 messages"
        public_id = inc.public_id
    template = template_for(kind, level)
    fields = draft_fields(kind, level, chosen)
    band = SEVERITIES[level].band_minutes if kind == "update" else None
    return blocks.draft_modal(
        {
            "incident_id": incident_id,
            "public_id": public_id,
            "kind": kind,
            "template_label": template.label,
            "template_source": template.source,
            "handbook": template.handbook,
            "fields": [(f, values.get(f, "")) for f in fields],
            "band": band,
            "next_minutes": band[0] if band else None,
            "routes": [(r.route, r.needs_reason, r.why) for r in routes] if level != 0 else [],
            "route": chosen,
            "extra_broadcast_option": extra,
        }
    )


def on_draft_submit(rt: Runtime, user: str, view: dict) -> tuple[dict, Callable[[], None] | None]:
    """The modal's answer, and the work to do once Slack has it: posting to Slack after the ack
    keeps the ack inside Slack's 3 seconds however slow the API is (the share is already in the
    outbox, so a crash in between loses nothing)."""
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    incident_id, kind = meta["incident_id"], meta["kind"]
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, incident_id)
        level, is_security = inc.severity, inc.is_security
        route = _value(values, "route") or (ROUTE_BROADCAST if inc.broadcast_owned_by_cmoc or level == 0 else ROUTE_OWNERS)
        rebroadcast = "yes" in (_value(values, "rebroadcast") or [])
        if rebroadcast:
            route = ROUTE_BROADCAST
    fields = {k[2:]: _value(values, k) for k in values if k.startswith("f_")}
    if route == ROUTE_BROADCAST and "sender" not in fields:
        with session_scope(rt.session_factory) as s:
            fields["sender"] = store.names(s).get(user, "")  # a broadcast is signed by the CMOC sending it
    reason = _value(values, "reason") or ""
    check = check_draft(kind, level, fields, next_minutes=_value(values, "next_minutes"), route=route, reason=reason if not rebroadcast else reason or "follow-up to SEV 0 broadcast", is_security=is_security)
    if not check.ok:
        return {"response_action": "errors", "errors": dict(check.errors)}, None
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, incident_id)
        comm = Comm(
            incident_id=inc.id,
            seq=store.next_seq(s, inc),
            kind=kind,
            template_key=check.template.key,
            text=check.text,
            severity=level,
            next_update_minutes=check.next_minutes,
            route=route,
            override_reason=reason or None,
            status="draft",
        )
        s.add(comm)
        s.flush()
        comm_id = comm.id
    if route == ROUTE_BROADCAST:
        return {"response_action": "push", "view": preview_view(rt, comm_id, user, only_unnotified=False, rebroadcast=rebroadcast)}, None
    key = record_share_with_owners(rt, comm_id, user, now)
    mark_resolved_on_send(rt, comm_id)
    return {"response_action": "clear"}, lambda: deliver_keys(rt, [key])


def record_share_with_owners(rt: Runtime, comm_id: int, user: str, now: datetime) -> str:
    """Standard route: the approved draft goes into the incident thread, owners tagged (4238-4240).
    Recorded in the outbox here; returns its key for the caller to deliver."""
    cfg = incident_settings()
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        inc = s.get(Incident, comm.incident_id)
        comm.status, comm.approved_by, comm.approved_at = "approved", user, now
        affected = store.affected(s, inc)
        team = store.team(s)
        assignments = assign_senders(affected, team, cfg.backups, store.assigned_backups(s, inc))
        comm.shared_key = f"inc:{inc.id}:draft:{comm.seq}"
        sample = fill_per_channel(comm.text, affected[0].name if affected else None, team.get(user).name if user in team else None)
        senders = [(sid, list(names_), "") for sid, names_ in senders_summary(assignments)]
        d = {
            "comm_id": comm.id,
            "seq": comm.seq,
            "kind": comm.kind,
            "severity_label": store.severity_label(inc),
            "feature": inc.feature,
            "cmoc": inc.cmoc_slack_id,
            "sample_text": sample,
            "senders": senders,
            "problems": [f"{a.account.name}: {a.problem}" for a in assignments if a.problem],
        }
        bl = blocks.owner_draft_blocks(d)
        text = "Owners, please send this to your accounts now: " + " ".join(f"<@{sid}>" for sid, _n, _x in senders)
        enqueue(s, key=comm.shared_key, channel=coord_channel(rt), text=text, blocks=bl, thread_key=inc.coord_key)
        store.event(s, inc, "draft_shared", user, now, comm=comm.seq)
        return comm.shared_key


# ------------------------------------------------------------------------- preview
def preview_view(rt: Runtime, comm_id: int, user: str, *, only_unnotified: bool, rebroadcast: bool = False) -> dict:
    audience, text, public_id, incident_id = _audience(rt, comm_id, user, only_unnotified=only_unnotified, rebroadcast=rebroadcast)
    from services.incidents.templates import tone_warnings

    return blocks.preview_view(
        {
            "incident_id": incident_id,
            "comm_id": comm_id,
            "public_id": public_id,
            "text": text,
            "username": incident_settings().broadcast_username,
            "channel_names": [c.channel.name for c in audience.included],
            "excluded": {r: [e.account.name if e.account else e.channel.name for e in es] for r, es in audience.excluded_by_reason().items() if r != "not affected (cloud/products)"},
            "tone_hints": [h.text() for h in tone_warnings(text)],
            "sla_accounts": [a.name for a in audience.sla_accounts],
            "earlier_failures": [],
        }
    )


def _audience(rt: Runtime, comm_id: int, user: str, *, only_unnotified: bool, rebroadcast: bool = False):
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        inc = s.get(Incident, comm.incident_id)
        accounts = store.affected(s, inc) if inc.severity != 0 else store.accounts(s)
        team = store.team(s)
        notified = set()
        if only_unnotified:
            # 1:1 accounts stay out under their own reason ("handled 1:1 by Alice"), not as notified
            reached = ilog.notified_accounts(store.notices(s, inc), comm.seq, ignore={"handling_1to1"})
            notified = {ch for a in accounts if a.id in reached for ch in a.channel_ids}
        if comm.kind == "initial" and comm.severity == 0:
            notified |= store.sev0_initial_channels(s, inc, other_than=comm.id)  # once per channel
        handled = store.handled_1to1(s, inc)
        sample_sender = team[user].name if user in team else None
        earlier = set(store.broadcast_channels(s, inc)) if (inc.broadcast_owned_by_cmoc or rebroadcast) and comm.kind != "initial" else None
        text, public_id, incident_id, scope_ = comm.text, inc.public_id, inc.id, store.scope(inc)
        include_unmapped = inc.severity == 0
    channels = _customer_channels(rt, accounts)
    if earlier is not None:
        # updates after a SEV 0 go to every channel that got the SEV 0 messages (4228)
        channels = [c for c in channels if c.id in earlier]
        include_unmapped = True
    audience = broadcast_audience(channels, accounts, scope_, include_unmapped=include_unmapped, team=team, handled_1to1=handled, already_notified=notified)
    sample = audience.included[0].account.name if audience.included and audience.included[0].account else None
    return audience, fill_per_channel(text, sample, sample_sender), public_id, incident_id


def on_preview_submit(rt: Runtime, user: str, view: dict) -> dict:
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    comm_id = meta["comm_id"]
    if "yes" not in (_value(values, "confirm") or []):
        return {"response_action": "errors", "errors": {"confirm": "Tick the box to confirm: this posts in customer channels and cannot be undone."}}
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, s.get(Comm, comm_id).incident_id)
    if not may_command(rt, user, inc):
        return {"response_action": "errors", "errors": {"confirm": NOT_ALLOWED.format(what="broadcast to customers")}}
    progress = _broadcast_progress(rt, comm_id, own_only=True)
    if progress:  # a second confirm (another tab, a double click): say where the first one is
        done, total = progress
        already = (f"Already sent to all {total} channel(s): nothing left to send." if done >= total
                   else f"Already sending ({done}/{total}).")
        return {"response_action": "errors", "errors": {"confirm": already}}
    audience, _text, _pid, _iid = _audience(rt, comm_id, user, only_unnotified=True, rebroadcast=True)
    if not audience.count:
        return {"response_action": "errors", "errors": {"confirm": "No channel left to send to: every affected channel already has this message or is excluded."}}
    now = clock_now()
    first_keys: list[str] = []
    try:
        with session_scope(rt.session_factory) as s:
            comm = s.get(Comm, comm_id)
            inc = s.get(Incident, comm.incident_id)
            names = store.names(s)
            comm.status, comm.approved_by, comm.approved_at, comm.route = "approved", user, now, ROUTE_BROADCAST
            threads = store.initial_threads(s, inc) if comm.kind != "initial" else {}
            b = store.create_broadcast(s, inc, comm, audience, user, threads=threads, sender_name=names.get(inc.cmoc_slack_id or user))
            store.event(s, inc, "broadcast_started", user, now, comm=comm.seq, channels=audience.count, reason=comm.override_reason)
            if comm.kind == "initial" and inc.severity == 0:
                owners = sorted({a.account.owner_slack_id for a in audience.included if a.account and a.account.owner_slack_id})
                key = f"inc:{inc.id}:owners-notified:{comm.id}"
                notice, notice_blocks = blocks.mrkdwn_message(blocks.sev0_owner_notice(owners, comm.text))
                enqueue(s, key=key, channel=coord_channel(rt), text=notice, blocks=notice_blocks, thread_key=inc.coord_key)
                first_keys.append(key)
            s.flush()
            broadcast_id = b.id
    except IntegrityError:
        done, total = _broadcast_progress(rt, comm_id, own_only=False) or (0, 0)
        return {"response_action": "errors", "errors": {"confirm": f"Already sending ({done}/{total})."}}
    mark_resolved_on_send(rt, comm_id)
    start_broadcast(rt, broadcast_id, first_keys=first_keys)
    return {"response_action": "clear"}


def _broadcast_progress(rt: Runtime, comm_id: int, *, own_only: bool) -> tuple[int, int] | None:
    """(sent, total) of this message's broadcast (or, unless `own_only`, of the SEV 0 initial that
    took the same channels first); None when there is none."""
    with session_scope(rt.session_factory) as s:
        b = s.scalar(select(Broadcast).where(Broadcast.comm_id == comm_id))
        if b is None and not own_only:  # another SEV 0 initial took these channels first (store.delivery_key)
            b = s.scalar(select(Broadcast).where(Broadcast.incident_id == s.get(Comm, comm_id).incident_id)
                         .order_by(Broadcast.id.desc()).limit(1))
        if b is None:
            return None
        return s.query(Delivery).filter(Delivery.broadcast_id == b.id, Delivery.status == "sent").count(), b.total


# ------------------------------------------------------------------------- owner buttons
def _owner_accounts(s, inc: Incident, user: str):
    cfg = incident_settings()
    affected = store.affected(s, inc)
    assignments = assign_senders(affected, store.team(s), cfg.backups, store.assigned_backups(s, inc))
    mine = accounts_for_sender(assignments, user)
    owned = [a for a in affected if a.owner_slack_id == user and a not in mine]
    return list(mine) + owned


NOT_YOURS = "None of the affected accounts is yours or assigned to you."


def _mine(s, comm_id: int, user: str) -> tuple[Comm, Incident, list]:
    """The message, its incident, and the affected accounts the clicker owns or was assigned."""
    comm = s.get(Comm, comm_id)
    inc = s.get(Incident, comm.incident_id)
    return comm, inc, _owner_accounts(s, inc, user)


def on_send_mine(rt: Runtime, user: str, comm_id: int) -> str:
    """Post the draft in each of the clicker's affected channels that has not had it (spec C.4)."""
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        comm, inc, mine = _mine(s, comm_id, user)
        if not mine:
            return NOT_YOURS
        sender_name = store.names(s).get(user)
        full = store.team(s).get(user)
        reached = ilog.notified_accounts(store.notices(s, inc), comm.seq)
        handled = store.handled_1to1(s, inc)
        existing = {d.channel_id for d in s.scalars(select(Delivery).where(Delivery.comm_id == comm.id))}
        ids, names_ = [], []
        for a in mine:
            if a.id in reached or a.id in handled or not a.channel_ids or a.channel_ids[0] in existing:
                continue
            d = Delivery(
                comm_id=comm.id,
                incident_id=inc.id,
                account_id=a.id,
                channel_id=a.channel_ids[0],
                text=fill_per_channel(comm.text, a.name, full.name if full else sender_name),
                method="owner_via_bot",
                sent_by_slack_id=user,
                dedupe_key=f"{comm.id}:{a.channel_ids[0]}",
                status="pending",
            )
            s.add(d)
            s.flush()
            ids.append(d.id)
            names_.append(a.name)
        if not ids:
            return f"Already sent to your {len(mine)} channel{'s' if len(mine) != 1 else ''}."
        store.event(s, inc, "owner_marked", user, now, comm=comm.seq, method="owner_via_bot", accounts=names_)
    who = sender_name or user

    def done_text(report) -> str:
        failed = f"; failed: {', '.join(f'<#{c}> ({e})' for c, e in report.failed.items())}" if report.failed else ""
        return f"{who} sent draft {comm.seq} to {report.sent} channel{'s' if report.sent != 1 else ''}: {', '.join(names_)}{failed}."

    send_owner_deliveries(rt, ids, comm_id, f"inc:{inc.id}:ownersend:{comm_id}:{user}", done_text)
    return f"Sending to your {len(ids)} channel{'s' if len(ids) != 1 else ''}: {', '.join(names_)}."


def on_owner_mark(rt: Runtime, user: str, comm_id: int, method: str) -> str:
    """"I sent it myself" (owner_manual) or "I'm handling 1:1" (handling_1to1) for the clicker's accounts."""
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        comm, inc, mine = _mine(s, comm_id, user)
        if not mine:
            return NOT_YOURS
        for a in mine:
            _record_mark(s, comm.id, a.id, method, user, now)
            if method == "handling_1to1":
                s.execute(update(IncidentAccount).where(IncidentAccount.incident_id == inc.id, IncidentAccount.account_id == a.id).values(handling_1to1_by=user))
        store.event(s, inc, "owner_marked", user, now, comm=comm.seq, method=method, accounts=[a.name for a in mine])
    listed = ", ".join(a.name for a in mine)
    if method == "handling_1to1":
        return f"Noted: you are handling {listed} 1:1; broadcasts will leave them out."
    return f"Noted: you sent it yourself to {listed}. The log shows them as notified by you."


def sent_myself_modal(rt: Runtime, user: str, comm_id: int) -> dict | str:
    """The correction modal behind "I sent it myself" (spec C.4): untick the accounts not reached;
    accounts without a Slack channel can be marked as told by email."""
    with session_scope(rt.session_factory) as s:
        comm, inc, mine = _mine(s, comm_id, user)
        if not mine:
            return NOT_YOURS
        marks = {m.account_id: m.method for m in s.scalars(select(OwnerMark).where(OwnerMark.comm_id == comm.id))}
        seq, public_id = comm.seq, inc.public_id
    in_slack = [(a.id, a.name) for a in mine if a.channel_ids]
    no_channel = [(a.id, a.name) for a in mine if not a.channel_ids]
    told = {a for a, m in marks.items() if m == "owner_manual"}
    by_email = {a for a, m in marks.items() if m in ("email", "owner_manual")}
    return blocks.sent_myself_modal(comm_id, seq, public_id, in_slack, no_channel, told, by_email)


def on_sent_myself_submit(rt: Runtime, user: str, view: dict) -> dict:
    """Save the corrected marks: ticked accounts count as told by the clicker (in Slack, or by email
    for accounts without a channel); an untick takes back a "sent it myself" or "by email" mark, never
    a 1:1 mark or a message the bot posted."""
    values = view["state"]["values"]
    comm_id = json.loads(view.get("private_metadata") or "{}")["comm_id"]
    picked = {k: set(_value(values, k) or []) for k in values}
    told = set().union(*(v for k, v in picked.items() if k.startswith("told_")))
    emailed = set().union(*(v for k, v in picked.items() if k.startswith("email_")))
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        comm, inc, owned = _mine(s, comm_id, user)
        mine = {a.id: a for a in owned}
        marked, untold = [], []
        for account_id, a in mine.items():
            method = ("owner_manual" if account_id in told and a.channel_ids
                      else "email" if account_id in emailed and not a.channel_ids else None)
            if method:
                _record_mark(s, comm.id, account_id, method, user, now)
                mark = s.get(OwnerMark, (comm.id, account_id))
                if mark.method != method:
                    mark.method, mark.by_slack_id, mark.at = method, user, now
                marked.append(f"{a.name}{' (email)' if method == 'email' else ''}")
                continue
            mark = s.get(OwnerMark, (comm.id, account_id))
            if mark is not None and mark.method in ("owner_manual", "email"):
                s.delete(mark)
            untold.append(a.name)
        store.event(s, inc, "owner_marks_corrected", user, now, comm=comm.seq, told=marked, not_told=untold)
        public_id = inc.public_id
    parts = [f"Noted: you told {', '.join(marked)}." if marked else "Noted: none marked as told by you."]
    if untold:
        parts.append(f"Still to notify: {', '.join(untold)}.")
    return {"response_action": "update", "view": blocks.notice_view(f"{public_id} · saved", " ".join(parts))}


def _record_mark(s, comm_id: int, account_id: str, method: str, user: str, now: datetime) -> None:
    """One owner mark per message and account; two clicks at once (or two buttons) both land."""
    mark = s.get(OwnerMark, (comm_id, account_id))
    if mark is None:
        try:
            with s.begin_nested():
                s.add(OwnerMark(comm_id=comm_id, account_id=account_id, method=method, by_slack_id=user, at=now))
            return
        except IntegrityError:  # another click recorded a mark first
            mark = s.get(OwnerMark, (comm_id, account_id), populate_existing=True)
    if mark.method == "handling_1to1" and method != "handling_1to1":
        # "I sent it myself" after "I'm handling 1:1": the log says what was actually done
        mark.method, mark.by_slack_id, mark.at = method, user, now


def on_assign_backups(rt: Runtime, user: str, comm_id: int) -> str:
    """Assign the configured regional backup to accounts whose owner is out (4221)."""
    cfg = incident_settings()
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        inc = s.get(Incident, comm.incident_id)
        if not (user == inc.cmoc_slack_id or user in store.allowed(s, cfg)):
            return NOT_ALLOWED.format(what="assign backups")
        assignments = assign_senders(store.affected(s, inc), store.team(s), cfg.backups, store.assigned_backups(s, inc))
        lines, problems = [], []
        for a in assignments:
            if a.reason.startswith("backup") and a.sender_slack_id:
                s.execute(update(IncidentAccount).where(IncidentAccount.incident_id == inc.id, IncidentAccount.account_id == a.account.id).values(assignee_slack_id=a.sender_slack_id))
                lines.append(f"<@{a.sender_slack_id}>: {a.account.name}")
            elif a.problem:
                problems.append(f"{a.account.name}: {a.problem}")
        inc_id, seq = inc.id, comm.seq
    if lines:
        thread_post(rt, inc_id, f"inc:{inc_id}:backups:{seq}:{len(lines)}", "Backups, please send draft " + str(seq) + " to these accounts (002_59a801b964a2a19e.txt:4221): " + "; ".join(lines))
    answer = f"Assigned {len(lines)} backup{'s' if len(lines) != 1 else ''}." if lines else "No owner is out of office with a configured backup."
    return answer + (" Needs you: " + "; ".join(problems) if problems else "")


def broadcast_rest_modal(rt: Runtime, user: str, comm_id: int) -> dict | str:
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        inc = s.get(Incident, comm.incident_id)
        if not (user == inc.cmoc_slack_id or user in store.allowed(s, incident_settings())):
            return NOT_ALLOWED.format(what="broadcast")
        needs = broadcast_needs_reason(inc.severity, inc.is_security)
        public_id = inc.public_id
    return {
        "type": "modal",
        "callback_id": "incident_broadcast_rest",
        "title": {"type": "plain_text", "text": f"{public_id} broadcast"[:24]},
        "submit": {"type": "plain_text", "text": "Preview"},
        "private_metadata": json.dumps({"comm_id": comm_id}),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Broadcast this draft as the company to the affected channels not notified yet (002_59a801b964a2a19e.txt:4273)."}},
            {
                "type": "input",
                "block_id": "reason",
                "optional": not needs,
                "label": {"type": "plain_text", "text": "Reason (logged)"},
                "element": {"type": "plain_text_input", "action_id": "value", "placeholder": {"type": "plain_text", "text": "e.g. owners offline"}},
            },
        ],
    }


def on_broadcast_rest_submit(rt: Runtime, user: str, view: dict) -> dict:
    meta = json.loads(view.get("private_metadata") or "{}")
    reason = _value(view["state"]["values"], "reason")
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, meta["comm_id"])
        inc = s.get(Incident, comm.incident_id)
        if broadcast_needs_reason(inc.severity, inc.is_security) and not reason:
            return {"response_action": "errors", "errors": {"reason": "A broadcast at this severity needs a reason, e.g. owners offline (002_59a801b964a2a19e.txt:4273)."}}
        comm.override_reason = reason or None
    return {"response_action": "update", "view": preview_view(rt, meta["comm_id"], user, only_unnotified=True)}


def on_retry_failed(rt: Runtime, user: str, broadcast_id: int) -> str:
    """Re-queue exactly the failed rows of a broadcast (spec C.5 step 4; E17b)."""
    with session_scope(rt.session_factory) as s:
        b = s.get(Broadcast, broadcast_id)
        inc = s.get(Incident, b.incident_id)
        if not (user == inc.cmoc_slack_id or user in store.allowed(s, incident_settings())):
            return NOT_ALLOWED.format(what="retry a broadcast")
        n = s.execute(update(Delivery).where(Delivery.broadcast_id == broadcast_id, Delivery.status == "failed").values(status="pending", error=None, not_before=None)).rowcount
        if not n:
            return "Nothing to retry: no failed channels."
        b.status, b.retry_round = "sending", b.retry_round + 1
    start_broadcast(rt, broadcast_id)
    return f"Retrying {n} channel{'s' if n != 1 else ''}."


# ------------------------------------------------------------------------- read-only
def status_payload(s, inc: Incident) -> dict:
    notices = store.notices(s, inc)
    latest = store.latest_comm(s, inc)
    affected = store.affected(s, inc)
    reached = ilog.notified_accounts(notices, latest.seq) if latest else frozenset()
    return {
        "public_id": inc.public_id,
        "severity_label": store.severity_label(inc),
        "status": inc.status.capitalize(),
        "title": inc.title,
        "next_update_due": fmt(inc.next_update_due_at),
        "notified": len([a for a in affected if a.id in reached]),
        "affected": len(affected),
        "failed": sum(1 for n in notices if n.status == "failed"),
        "cmoc": inc.cmoc_slack_id,
        "last_update": fmt(inc.last_customer_update_at),
        "postmortem_due": fmt(inc.postmortem_due_at),
        "sev0_initial_pending": inc.status == "open" and inc.severity == 0 and not store.sev0_initial_approved(s, inc),
    }


def list_rows(rt: Runtime) -> list[dict]:
    with session_scope(rt.session_factory) as s:
        rows = s.scalars(select(Incident).where((Incident.status != "closed") | (Incident.postmortem_url.is_(None) & Incident.postmortem_due_at.is_not(None))).order_by(Incident.id))
        return [
            {"public_id": i.public_id, "severity_label": store.severity_label(i), "title": i.title, "cmoc": i.cmoc_slack_id, "status": i.status, "next_update_due": fmt(i.next_update_due_at) if i.status == "open" else None, "postmortem_due": fmt(i.postmortem_due_at) if not i.postmortem_url else None}
            for i in rows
        ]


def log_lines(s, inc: Incident) -> list[tuple[str, list[str]]]:
    names = store.names(s)
    notices = store.notices(s, inc)
    affected = store.affected(s, inc)
    out = []
    for comm in s.scalars(select(Comm).where(Comm.incident_id == inc.id, Comm.status == "approved").order_by(Comm.seq)):
        lines = ilog.log_for(comm.seq, affected, notices)
        out.append((f"Message {comm.seq} · {comm.kind}", [ilog.log_line_text(ln, names) for ln in lines]))
    return out


def log_csv(s, inc: Incident) -> str:
    names = store.names(s)
    notices = store.notices(s, inc)
    affected = store.affected(s, inc)
    parts = []
    for comm in s.scalars(select(Comm).where(Comm.incident_id == inc.id, Comm.status == "approved").order_by(Comm.seq)):
        parts.append(ilog.log_csv(ilog.log_for(comm.seq, affected, notices), names))
    return "\n".join(parts)


# ------------------------------------------------------------------------- lifecycle
def _set_severity(rt: Runtime, user: str, inc_id: int, level: int) -> tuple[str, str] | str:
    """Record a severity change: the incident row and its timeline. Returns (thread note key,
    thread note text) to post, or a message when nothing changed."""
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        old = inc.severity
        if old == level:
            hint = " Run `/incident update` to draft and send the SEV 0 broadcast." if level == 0 and not store.sev0_initial_approved(s, inc) else ""
            return f"{inc.public_id} is already {store.severity_label(inc)}.{hint}"
        inc.severity = level
        if old == 0 and level != 0:
            inc.broadcast_owned_by_cmoc = False  # downgrade ends the CMOC's broadcast ownership (4228)
            inc.route = ROUTE_OWNERS
        if level == 0:
            inc.broadcast_owned_by_cmoc, inc.route = True, ROUTE_BROADCAST
        store.event(s, inc, "severity_changed", user, now, old=old, new=level)
        label = store.severity_label(inc)
        band = SEVERITIES[level].band_minutes
    note = f"Severity changed to *{label}* by <@{user}>." + (f" Updates every {band[0]}–{band[1]} min from the next update (002_59a801b964a2a19e.txt:4131)." if band else "")
    return f"inc:{inc_id}:sev:{now.isoformat()}", note


def _announce_severity(rt: Runtime, inc_id: int, key: str, note: str) -> None:
    thread_post(rt, inc_id, key, note)
    refresh_card(rt, inc_id)


def change_severity(rt: Runtime, user: str, inc_id: int, level: int) -> str:
    """`/incident sev` for every change but an upgrade to SEV 0 (that one asks first: upgrade_view)."""
    changed = _set_severity(rt, user, inc_id, level)
    if isinstance(changed, str):
        return changed
    _announce_severity(rt, inc_id, *changed)
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        return f"{inc.public_id} is now {store.severity_label(inc)}."


def upgrade_view(rt: Runtime, inc_id: int) -> dict:
    """The confirm step of `/incident sev sev0` (spec C.2: "to SEV 0 asks to confirm and starts
    the broadcast flow")."""
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        d = {
            "incident_id": inc.id,
            "public_id": inc.public_id,
            "title": inc.title,
            "from_label": store.severity_label(inc),
            "accounts": len(store.affected(s, inc)),
            "sev0_sent": store.sev0_initial_approved(s, inc),
        }
    return blocks.upgrade_modal(d)


def on_upgrade_submit(rt: Runtime, user: str, view: dict) -> tuple[dict, Callable[[], None] | None]:
    """Upgrade confirmed: the incident becomes SEV 0 and the SEV 0 draft is pushed at once, the
    same draft → preview → confirm a SEV 0 declaration gets (spec C.6: "upgrade to SEV 0 starts
    the broadcast flow for the initial message to all affected channels"). The thread note and
    the card edit go out after the ack."""
    inc_id = json.loads(view.get("private_metadata") or "{}")["incident_id"]
    inc = incident_row(rt, inc_id)
    if not may_command(rt, user, inc):
        return {"response_action": "update", "view": blocks.notice_modal(inc.public_id, NOT_ALLOWED.format(what="change severity"))}, None
    if inc.status != "open":
        return {"response_action": "update", "view": blocks.notice_modal(inc.public_id, f"{inc.public_id} is {inc.status}; there is nothing to upgrade.")}, None
    changed = _set_severity(rt, user, inc_id, 0)
    after = (lambda: _announce_severity(rt, inc_id, *changed)) if not isinstance(changed, str) else None
    return {"response_action": "update", "view": draft_view(rt, inc_id, next_draft_kind(rt, inc_id, "update"), user)}, after


def handoff(rt: Runtime, user: str, inc_id: int, new_cmoc: str) -> str:
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        old = inc.cmoc_slack_id
        inc.cmoc_slack_id = new_cmoc
        store.event(s, inc, "cmoc_changed", user, now, old=old, new=new_cmoc)
        st = status_payload(s, inc)
        public_id = inc.public_id
    thread_post(rt, inc_id, f"inc:{inc_id}:handoff:{now.isoformat()}", f"CMOC handoff: <@{old}> → <@{new_cmoc}> (002_59a801b964a2a19e.txt:4244).")
    state = f"You are now CMOC for {public_id} ({st['severity_label']}). Next update due: {st['next_update_due'] or '—'}. Notified {st['notified']}/{st['affected']} accounts; {st['failed']} failed deliveries."
    dm(rt, f"inc:{inc_id}:handoff-dm:{now.isoformat()}", new_cmoc, state, blocks.status_blocks(st))
    refresh_card(rt, inc_id)
    return f"{public_id} handed off to <@{new_cmoc}>."


def next_draft_kind(rt: Runtime, inc_id: int, action: str) -> str:
    """Which message `/incident update|resolve` (or the Draft update button) drafts now
    (services.incidents.policy.draft_kind): after an upgrade to SEV 0, the SEV 0 initial first."""
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        return draft_kind(action, inc.severity, sev0_initial_approved=store.sev0_initial_approved(s, inc))


def mark_resolved_on_send(rt: Runtime, comm_id: int) -> None:
    """A resolution message approved: resolved_at, postmortem due, reminders stop (spec C.7)."""
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        comm = s.get(Comm, comm_id)
        if comm.kind not in ("resolution", "maintenance_after"):
            return
        inc = s.get(Incident, comm.incident_id)
        if inc.status == "open":
            inc.status, inc.resolved_at = "resolved", now
            inc.postmortem_due_at = postmortem_due(inc.severity, now)
            inc.next_update_due_at = None
            store.event(s, inc, "resolved", comm.approved_by, now)


def close(rt: Runtime, user: str, inc_id: int) -> str:
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        problem = ilog.close_check(inc.status)
        if problem:
            return problem
        summary = ilog.close_summary(store.affected(s, inc), store.notices(s, inc))
        inc.status, inc.closed_at = "closed", now
        store.event(s, inc, "closed", user, now)
        names = store.names(s)
        from bot.incidents.tables import IncidentEvent

        timeline = [f"{fmt(e.at)} {e.kind.replace('_', ' ')}" + (f" by {names.get(e.actor_slack_id, e.actor_slack_id)}" if e.actor_slack_id else "") for e in s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id).order_by(IncidentEvent.at))]
        c = {"public_id": inc.public_id, "not_notified": list(summary.not_notified), "failed": list(summary.failed_channels), "sla_accounts": list(summary.sla_accounts), "timeline": timeline}
        public_id = inc.public_id
    bl = blocks.close_summary_blocks(c)
    thread_post(rt, inc_id, f"inc:{inc_id}:closed", bl[0]["text"]["text"], bl)
    refresh_card(rt, inc_id)
    return f"{public_id} closed; the summary is in the incident thread."


def record_postmortem(rt: Runtime, user: str, inc_id: int, url: str) -> str:
    """Record the link; the follow-up draft goes to the channels that got the resolution (spec C.7)."""
    now = clock_now()
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, inc_id)
        inc.postmortem_url = url
        store.event(s, inc, "followup", user, now, postmortem=url)
        public_id = inc.public_id
    thread_post(rt, inc_id, f"inc:{inc_id}:postmortem-link", f"Postmortem for {public_id}: {url} (Engineering writes technical summary; GTM adds comms learnings, 002_59a801b964a2a19e.txt:4250).")
    return f"Recorded the postmortem for {public_id}. Draft the customer follow-up in the form that opened."


def incident_row(rt: Runtime, incident_id: int) -> Incident:
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, incident_id)
        s.expunge(inc)
        return inc

"""Reads and writes for `/incident`: turns database rows into the services' plain dataclasses and
records what the services decided. No policy here: numbers and rules live in `services/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Account as AccountRow
from bot.db.models import AccountSlackChannel, TeamMember
from bot.incidents.settings import IncidentSettings
from bot.incidents.tables import (
    Broadcast,
    Comm,
    Delivery,
    Incident,
    IncidentAccount,
    IncidentEvent,
    OwnerMark,
)
from services.incidents.audience import Account, Audience, Channel, Member, Scope
from services.incidents.drafts import IncidentFacts
from services.incidents.log import Notice, carry_handling
from services.incidents.policy import SEVERITIES, RotaPair
from services.incidents.templates import fill_per_channel


# --------------------------------------------------------------------------- directory
def team(session: Session) -> dict[str, Member]:
    return {
        m.slack_id: Member(m.slack_id, m.name, m.region, bool(m.out_of_office))
        for m in session.scalars(select(TeamMember))
    }


def names(session: Session) -> dict[str, str]:
    """Slack id → first name, for texts like "Simon or Dana"."""
    return {m.slack_id: m.name.split()[0] for m in session.scalars(select(TeamMember))}


def resolve_people(session: Session, tokens: Iterable[str]) -> tuple[str, ...]:
    """Settings may name people by Slack id or name (IMPORT.md §4); unknown names stay as text."""
    members = list(session.scalars(select(TeamMember)))
    out = []
    for token in tokens:
        hit = next((m for m in members if m.slack_id == token), None) or next(
            (m for m in members if m.name.lower() == token.lower() or m.name.split()[0].lower() == token.lower()), None
        )
        out.append(hit.slack_id if hit else token)
    return tuple(out)


def rota(session: Session, cfg: IncidentSettings) -> tuple[RotaPair, ...]:
    """CMOC_EU / CMOC_US resolved to Slack ids; team rows with `cmoc` join their region's pair
    (IMPORT.md §4: `cmoc` fills the rota alongside the settings)."""
    pairs = []
    for region, raw in (("EU", cfg.cmoc_eu), ("US", cfg.cmoc_us)):
        ids = list(resolve_people(session, [t.strip() for t in raw.split(",") if t.strip()]))
        for m in session.scalars(select(TeamMember).where(TeamMember.cmoc == region).order_by(TeamMember.slack_id)):
            if m.slack_id not in ids:
                ids.append(m.slack_id)
        pairs.append(RotaPair(region, tuple(ids)))
    return tuple(pairs)


def allowed(session: Session, cfg: IncidentSettings) -> frozenset[str]:
    """Who may declare and broadcast: the rota, team leads, and CMOC_ALLOWED (spec C.2)."""
    ids = {m for pair in rota(session, cfg) for m in pair.members}
    ids |= set(session.scalars(select(TeamMember.slack_id).where(TeamMember.is_team_lead.is_(True))))
    ids |= set(session.scalars(select(TeamMember.slack_id).where(TeamMember.role == "LEAD")))
    ids |= set(resolve_people(session, cfg.extra_allowed))
    return frozenset(ids)


def accounts(session: Session) -> list[Account]:
    rows = session.scalars(select(AccountRow))
    chans: dict[str, list[tuple[int, str]]] = {}
    for c in session.scalars(select(AccountSlackChannel)):
        chans.setdefault(c.account_id, []).append((c.position, c.channel_id))
    out = []
    for a in rows:
        products = a.products_used if a.products_used is not None else a.paying_for
        out.append(
            Account(
                a.id,
                a.name,
                tuple(ch for _, ch in sorted(chans.get(a.id, []))),
                a.cloud,
                frozenset(products or ()),
                a.owner_slack_id,
                bool(a.uptime_sla),
                a.arr,
            )
        )
    return out


def channels_from_slack(listing: Iterable[dict], accounts_: Sequence[Account]) -> list[Channel]:
    """Slack's channel list (conversations.list) joined to the account mapping."""
    by_channel = {ch: a.id for a in accounts_ for ch in a.channel_ids}
    seen: set[str] = set()
    out = []
    for c in listing:
        if c["id"] in seen:
            continue
        seen.add(c["id"])
        ext = bool(c.get("is_ext_shared") or c.get("is_shared") or c.get("is_pending_ext_shared"))
        out.append(Channel(c["id"], c.get("name", c["id"]), by_channel.get(c["id"]), ext, bool(c.get("is_member")), bool(c.get("is_archived"))))
    # mapped channels Slack did not list (archived, or the bot was removed): keep them visible
    for ch, account_id in by_channel.items():
        if ch not in seen:
            out.append(Channel(ch, ch, account_id, True, False, False))
    return out


# --------------------------------------------------------------------------- incidents
def next_public_id(session: Session) -> str:
    n = (session.scalar(select(func.max(Incident.id))) or 0) + 1
    return f"INC-{n}"


def get(session: Session, number: int | None, *, open_only: bool = False) -> Incident | None | str:
    """INC-n, or the one open incident when n is omitted (spec C.2). A string is a message
    explaining why none could be picked."""
    if number is not None:
        inc = session.scalar(select(Incident).where(Incident.public_id == f"INC-{number}"))
        return inc if inc else f"There is no INC-{number}. `/incident list` shows the incidents."
    q = select(Incident).where(Incident.status != "closed")
    if open_only:
        q = q.where(Incident.status == "open")
    found = list(session.scalars(q.order_by(Incident.id)))
    if len(found) == 1:
        return found[0]
    if not found:
        return "No open incident. Declare one with `/incident declare sev1 Flag evaluation failing in EU`."
    return "Several incidents are open: name one, e.g. `" + found[-1].public_id + "`. `/incident list` shows them."


def facts(inc: Incident) -> IncidentFacts:
    return IncidentFacts(inc.public_id, inc.severity, inc.feature, inc.symptom, inc.declared_at, inc.resolved_at, inc.window_start, inc.window_end, inc.postmortem_url)


def scope(inc: Incident) -> Scope:
    clouds = frozenset(c for c in inc.clouds if c in {"US", "EU"})
    return Scope(clouds if len(clouds) == 1 else frozenset(), frozenset(inc.products or ()))


def event(session: Session, inc: Incident, kind: str, actor: str | None, at: datetime, **payload) -> None:
    session.add(IncidentEvent(incident_id=inc.id, kind=kind, actor_slack_id=actor, at=at, payload=payload))


def record_affected(session: Session, inc: Incident, affected: Sequence[Account]) -> None:
    for a in affected:
        session.add(IncidentAccount(incident_id=inc.id, account_id=a.id, channel_id=a.channel_ids[0] if a.channel_ids else None, owner_slack_id=a.owner_slack_id))


def affected(session: Session, inc: Incident) -> list[Account]:
    ids = set(session.scalars(select(IncidentAccount.account_id).where(IncidentAccount.incident_id == inc.id)))
    return [a for a in accounts(session) if a.id in ids]


def handled_1to1(session: Session, inc: Incident) -> dict[str, str]:
    rows = session.scalars(select(IncidentAccount).where(IncidentAccount.incident_id == inc.id, IncidentAccount.handling_1to1_by.is_not(None)))
    return {r.account_id: r.handling_1to1_by for r in rows}


def assigned_backups(session: Session, inc: Incident) -> dict[str, str]:
    rows = session.scalars(select(IncidentAccount).where(IncidentAccount.incident_id == inc.id, IncidentAccount.assignee_slack_id.is_not(None)))
    return {r.account_id: r.assignee_slack_id for r in rows}


def next_seq(session: Session, inc: Incident) -> int:
    return (session.scalar(select(func.max(Comm.seq)).where(Comm.incident_id == inc.id)) or 0) + 1


def latest_comm(session: Session, inc: Incident, *, approved: bool = True) -> Comm | None:
    q = select(Comm).where(Comm.incident_id == inc.id)
    if approved:
        q = q.where(Comm.status == "approved")
    return session.scalar(q.order_by(Comm.seq.desc()).limit(1))


def initial_threads(session: Session, inc: Incident) -> dict[str, str]:
    """channel → ts of that channel's initial broadcast post, for threading updates (spec C.5
    step 3). After an upgrade to SEV 0 a channel may have two initial posts (say a SEV 1
    broadcast, then the SEV 0 one); updates go under the latest, the one that promised them.
    A channel with no initial post threads under its first top-level broadcast."""
    best: dict[str, tuple[int, int, str]] = {}
    rows = session.execute(
        select(Comm.seq, Comm.kind, Delivery.channel_id, Delivery.slack_ts)
        .join(Comm, Comm.id == Delivery.comm_id)
        .where(Delivery.incident_id == inc.id, Delivery.status == "sent", Delivery.method == "broadcast", Delivery.thread_ts.is_(None))
    )
    for seq, kind, channel, ts in rows:
        rank = (1, seq) if kind == "initial" else (0, -seq)
        if channel not in best or rank > best[channel][:2]:
            best[channel] = (*rank, ts)
    return {ch: ts for ch, (_k, _s, ts) in best.items()}


def sev0_initial_approved(session: Session, inc: Incident) -> bool:
    """Has this incident's SEV 0 initial broadcast been confirmed (at declaration or after an upgrade)?"""
    q = select(Comm.id).where(Comm.incident_id == inc.id, Comm.kind == "initial", Comm.severity == 0, Comm.status == "approved")
    return session.scalar(q.limit(1)) is not None


def sev0_initial_channels(session: Session, inc: Incident, *, other_than: int) -> set[str]:
    """Channels that already have a row for another SEV 0 initial message of this incident: a
    second SEV 0 initial (two upgrade forms confirmed) must not post there again."""
    q = (
        select(Delivery.channel_id)
        .join(Comm, Comm.id == Delivery.comm_id)
        .where(Delivery.incident_id == inc.id, Comm.kind == "initial", Comm.severity == 0, Comm.id != other_than)
    )
    return set(session.scalars(q))


def delivery_key(inc: Incident, comm: Comm, channel: str) -> str:
    """The unique key of one delivery (spec D.1 "<comm_id>:<channel_id>"). A SEV 0 initial is keyed
    per incident and channel instead, so the database itself refuses a second SEV 0 initial post
    in a channel even if two confirms race."""
    if comm.kind == "initial" and comm.severity == 0:
        return f"inc{inc.id}:sev0-initial:{channel}"
    return f"{comm.id}:{channel}"


def broadcast_channels(session: Session, inc: Incident) -> list[str]:
    """Channels that got any broadcast message of this incident (E21's rebroadcast option)."""
    return sorted(set(session.scalars(select(Delivery.channel_id).where(Delivery.incident_id == inc.id, Delivery.method == "broadcast", Delivery.status == "sent"))))


def create_broadcast(
    session: Session,
    inc: Incident,
    comm: Comm,
    audience: Audience,
    requested_by: str,
    *,
    threads: dict[str, str] | None = None,
    sender_name: str | None = None,
) -> Broadcast:
    """One broadcasts row (UNIQUE(comm_id)) and one delivery per channel, in audience order,
    in the caller's transaction: rows exist before any post (spec C.5 step 1, D.2)."""
    threads = threads or {}
    b = Broadcast(comm_id=comm.id, incident_id=inc.id, requested_by=requested_by, status="pending", total=audience.count)
    session.add(b)
    session.flush()
    for pos, item in enumerate(audience.included):
        ch = item.channel.id
        session.add(
            Delivery(
                broadcast_id=b.id,
                comm_id=comm.id,
                incident_id=inc.id,
                account_id=item.account.id if item.account else None,
                channel_id=ch,
                position=pos,
                text=fill_per_channel(comm.text, item.account.name if item.account else None, sender_name),
                thread_ts=threads.get(ch),
                method="broadcast",
                sent_by_slack_id=requested_by,
                dedupe_key=delivery_key(inc, comm, ch),
                status="pending",
            )
        )
    return b


def notices(session: Session, inc: Incident) -> list[Notice]:
    """The notified log's rows (spec D.1): every delivery and every owner mark ("I sent it
    myself", email, "I'm handling 1:1"), the 1:1 marks carried to later messages."""
    seqs = {c.id: c.seq for c in session.scalars(select(Comm).where(Comm.incident_id == inc.id))}
    out = [
        Notice(seqs[d.comm_id], d.account_id, d.channel_id, d.method, d.sent_by_slack_id, d.status, d.sent_at, d.error)
        for d in session.scalars(select(Delivery).where(Delivery.incident_id == inc.id))
    ]
    chan = {a.account_id: a.channel_id for a in session.scalars(select(IncidentAccount).where(IncidentAccount.incident_id == inc.id))}
    for m in session.scalars(select(OwnerMark).where(OwnerMark.comm_id.in_(list(seqs)))):
        out.append(Notice(seqs[m.comm_id], m.account_id, chan.get(m.account_id), m.method, m.by_slack_id, "sent", m.at))
    approved = session.scalars(select(Comm.seq).where(Comm.incident_id == inc.id, Comm.status == "approved"))
    return carry_handling(out, approved)


def severity_label(inc: Incident) -> str:
    return SEVERITIES[inc.severity].label

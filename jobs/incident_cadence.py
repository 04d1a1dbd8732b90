"""Every minute: cadence reminders, coverage gaps, handoff prompts, postmortem and maintenance
reminders for open incidents (spec C.4, C.6, C.7). Each goes through the outbox under a unique
key (`inc:<id>:…`), so it fires once across restarts and replicas (E18)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.incidents import store
from bot.incidents.blocks import coverage_gap_blocks, handoff_prompt_blocks, reminder_blocks
from bot.incidents.dispatch import coord_channel, incident_settings
from bot.incidents.tables import Comm, Incident
from jobs import JobContext, job
from services.incidents import cadence
from services.incidents import log as ilog
from services.incidents.policy import ROUTE_OWNERS, suggest_cmoc
from services.mrkdwn import escape_keeping_mentions as esc_m


@job("incident_cadence", "Incident reminders: next update due, coverage gaps, handoffs, postmortems", trigger="interval", seconds=60)
def incident_cadence(ctx: JobContext) -> str:
    cfg = incident_settings()
    posted = 0
    with session_scope(ctx.rt.session_factory) as s:
        incidents = list(s.scalars(select(Incident).where(Incident.status.in_(("open", "resolved")))))
        rota = store.rota(s, cfg)
        names = store.names(s)
        for inc in incidents:
            fired = set(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(f"inc:{inc.id}:%"))))
            reminders: list[cadence.Reminder] = []
            latest = store.latest_comm(s, inc)
            sent = s.scalar(select(Comm).where(Comm.incident_id == inc.id, Comm.first_sent_at.is_not(None)).order_by(Comm.seq.desc()).limit(1))
            if inc.status == "open":
                if sent and sent.next_update_minutes:
                    reminders += cadence.update_reminders(inc.id, inc.public_id, inc.severity, sent.seq, sent.first_sent_at, sent.next_update_minutes, cfg.reminder_lead_minutes)
                if inc.severity == 4 and inc.window_start and inc.window_end:
                    before_sent = s.scalar(select(Comm.id).where(Comm.incident_id == inc.id, Comm.kind == "maintenance_before", Comm.status == "approved")) is not None
                    reminders += cadence.maintenance_reminders(inc.id, inc.public_id, inc.declared_at, inc.window_start, inc.window_end, before_sent, cfg.maintenance_before_hours, cfg.maintenance_last_call_hours)
                still = cadence.still_open_reminder(inc.id, inc.public_id, inc.severity, inc.declared_at, ctx.now)
                if still:
                    reminders.append(still)
                if inc.cmoc_slack_id:
                    prompt = cadence.handoff_prompt(inc.id, inc.public_id, ctx.now, inc.cmoc_slack_id, rota, cfg.windows, cfg.handoff_lead_minutes, names)
                    if prompt and prompt.key not in fired:
                        ctx.post(key=prompt.key, channel=inc.cmoc_slack_id, text=esc_m(prompt.text), blocks=handoff_prompt_blocks(prompt.text, inc.id), session=s)
                        posted += 1
                posted += _coverage(ctx, s, inc, latest, fired, cfg)
            elif inc.resolved_at and inc.postmortem_url is None:
                reminders += cadence.postmortem_reminders(inc.id, inc.public_id, inc.severity, inc.resolved_at, cfg.postmortem_reminder_hours)
            for r in cadence.due_now(reminders, ctx.now, fired):
                posted += _post(ctx, s, inc, r, rota, cfg)
    return f"{posted} reminder(s)"


def _post(ctx: JobContext, s, inc: Incident, r: cadence.Reminder, rota, cfg) -> int:
    if r.where == cadence.DM_CMOC:
        if not inc.cmoc_slack_id:
            return 0
        ctx.post(key=r.key, channel=inc.cmoc_slack_id, text=esc_m(r.text), blocks=reminder_blocks(r.text, inc.id), session=s)
        return 1
    mention: list[str] = [inc.cmoc_slack_id] if inc.cmoc_slack_id else []
    if r.where == cadence.THREAD_MENTION_ROTA:
        on_duty = suggest_cmoc(ctx.now, rota, cfg.windows).on_duty or rota
        mention += [m for pair in on_duty for m in pair.members if m not in mention and m.startswith(("U", "W"))]
    ctx.post(key=r.key, channel=coord_channel(ctx.rt), text=" ".join(f"<@{m}>" for m in mention) + " " + esc_m(r.text), blocks=reminder_blocks(r.text, inc.id, mention), thread_key=inc.coord_key, session=s)
    return 1


def _coverage(ctx: JobContext, s, inc: Incident, latest: Comm | None, fired: set[str], cfg) -> int:
    """Accounts still not told about an owner-route draft: one thread post + one DM (E14)."""
    if latest is None or latest.route != ROUTE_OWNERS or latest.approved_at is None:
        return 0
    at = cadence.coverage_check(inc.id, inc.severity, latest.seq, latest.approved_at, cfg.coverage_check_sev1_minutes, cfg.coverage_check_minutes)
    key = f"inc:{inc.id}:coverage:{latest.seq}"
    if at is None or ctx.now < at or key in fired:
        return 0
    reached = ilog.notified_accounts(store.notices(s, inc), latest.seq)
    handled = store.handled_1to1(s, inc)
    missing = [(a.name, a.owner_slack_id) for a in store.affected(s, inc) if a.id not in reached and a.id not in handled]
    if not missing:
        return 0
    text = cadence.coverage_gap_text(missing)
    ctx.post(key=key, channel=coord_channel(ctx.rt), text=esc_m(text), blocks=coverage_gap_blocks(text, latest.id), thread_key=inc.coord_key, session=s)
    if inc.cmoc_slack_id:
        ctx.post(key=f"{key}:dm", channel=inc.cmoc_slack_id, text=esc_m(f"{inc.public_id}: {text}"), blocks=coverage_gap_blocks(f"{inc.public_id}: {text}", latest.id), session=s)
    return 1

"""Ticket work a dead process left behind, taken over by a live one within seconds (bot.recovery calls
`recover` every WORK_RECOVERY_SECONDS in every process, lease or no lease):

- a row left `claimed`/`creating` by a process whose heartbeat stopped: the claim moves here
  (compare-and-set on the dead claimer), then the row is reconciled as A.2.8 step 4 says, by
  `external_id` first and then under the row's own Idempotency-Key, so a ticket Zendesk already made
  is adopted, never made twice;
- replies stored but not yet synced (their sync claim held by a dead process, or never tried and
  overdue): flushed here, pacing and the per-comment key as usual.

The `tickets_sync` job still sweeps the same rows (after TICKET_RECONCILE_AFTER_S) as a backstop."""

from __future__ import annotations

import logging

from sqlalchemy import and_, or_, select, update

from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.runtime import Runtime
from bot.tickets.flow import _reconcile, flush_replies
from bot.tickets.tables import SlackTicket, SlackTicketMessage

log = logging.getLogger("gtmbot.tickets.recovery")

IN_FLIGHT = ("claimed", "creating")


def recover(rt: Runtime, claims) -> int:
    """Take over ticket creation and reply sync abandoned by dead processes; how many were picked up."""
    with session_scope(rt.session_factory) as s:
        creating = list(s.execute(select(SlackTicket.id, SlackTicket.claimed_by).where(
            SlackTicket.status.in_(IN_FLIGHT), SlackTicket.claimed_by.is_not(None),
            SlackTicket.claimed_by.not_in(claims.live), SlackTicket.updated_at < claims.stale_before_clock)))
        syncing = list(s.execute(
            select(SlackTicket.id, SlackTicket.claimed_by).distinct().join(SlackTicketMessage)
            .where(SlackTicket.status == "created", SlackTicketMessage.status == "pending",
                   SlackTicketMessage.created_at < claims.stale_before,
                   or_(and_(SlackTicket.sync_claimed_at.is_not(None),  # a dead process's sync in flight
                            or_(SlackTicket.claimed_by.is_(None), SlackTicket.claimed_by.not_in(claims.live))),
                       # never tried: its process died between storing it and syncing it (a reply Zendesk
                       # refused is the tickets_sync job's to retry, on its own cadence)
                       and_(SlackTicket.sync_claimed_at.is_(None), SlackTicketMessage.attempts == 0)))))
    picked = 0
    for row_id, dead in creating:
        if not _take(rt, row_id, dead):
            continue
        log.warning("ticket row %s was being created by %s, which died; finishing it here", row_id, dead)
        _reconcile(rt, row_id)
        picked += 1
    for row_id, holder in syncing:
        take_from = [holder] if holder and holder not in claims.live else []
        if flush_replies(rt, row_id, take_from=take_from):
            picked += 1
    return picked


def _take(rt: Runtime, row_id: int, dead: str) -> bool:
    with session_scope(rt.session_factory) as s:
        return s.execute(update(SlackTicket).where(
            SlackTicket.id == row_id, SlackTicket.status.in_(IN_FLIGHT), SlackTicket.claimed_by == dead)
            .values(claimed_by=rt.worker_id, updated_at=clock_now())).rowcount == 1

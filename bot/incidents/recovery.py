"""A SEV 0 broadcast whose sending process died is resumed by a live one within seconds (bot.recovery
calls `recover` every WORK_RECOVERY_SECONDS in every process, lease or no lease). The broadcast names
its sender (`claimed_by`); when that process's heartbeat stops, one live process takes the claim
(compare-and-set on the dead sender) and runs the broadcast: rows the dead one left `sending` are looked
up in the channel by their metadata key first, so no channel gets the message twice, then the rest
is sent. The `incident_broadcasts` job still resumes unfinished broadcasts as a backstop."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from bot.db.session import session_scope
from bot.incidents.dispatch import start_broadcast
from bot.incidents.tables import Broadcast
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.incidents.recovery")


def recover(rt: Runtime, claims) -> int:
    """Resume broadcasts abandoned by dead processes; how many were picked up."""
    with session_scope(rt.session_factory) as s:
        abandoned = list(s.execute(select(Broadcast.id, Broadcast.claimed_by).where(
            Broadcast.status.in_(("pending", "sending")), Broadcast.claimed_by.is_not(None),
            Broadcast.claimed_by.not_in(claims.live))))
    picked = 0
    for broadcast_id, dead in abandoned:
        with session_scope(rt.session_factory) as s:
            taken = s.execute(update(Broadcast).where(
                Broadcast.id == broadcast_id, Broadcast.claimed_by == dead,
                Broadcast.status.in_(("pending", "sending"))).values(claimed_by=rt.worker_id)).rowcount == 1
        if taken:
            log.warning("broadcast %s was being sent by %s, which died; resuming it here", broadcast_id, dead)
            start_broadcast(rt, broadcast_id)
            picked += 1
    return picked

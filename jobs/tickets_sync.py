"""Every few seconds: retry tickets queued while Zendesk was down (posting the one holding message
after TICKET_HOLDING_AFTER_S), reconcile rows a dead process left `creating` by external_id, add missing
internal notes, and send coalesced thread replies (incidents-and-tickets.md A.2.7-A.2.9)."""

from __future__ import annotations

from bot.tickets.flow import sweep
from jobs import JobContext, job


@job(
    "tickets_sync",
    "Zendesk tickets from Slack: retry queued, reconcile, sync replies",
    trigger="interval",
    seconds=10,
)
def tickets_sync(ctx: JobContext) -> str:
    if ctx.dry_run:
        return "dry run: tickets_sync talks to Zendesk directly and has nothing to preview"
    return str(sweep(ctx.rt, ctx.now))

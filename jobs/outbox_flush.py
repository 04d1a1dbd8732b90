"""Retries queued messages that could not go out at once (Slack down, rate limits)."""

from __future__ import annotations

from jobs import JobContext, job


@job("outbox_flush", "Send queued Slack messages that are due (retries and anything left by a restart)",
     trigger="interval", seconds=30)
def outbox_flush(ctx: JobContext) -> str:
    report = ctx.deliver()
    return f"sent {len(report.sent)}, failed {len(report.failed)}, waiting {len(report.pending)}"

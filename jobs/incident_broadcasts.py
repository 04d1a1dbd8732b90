"""Resumes broadcasts a restart left unfinished: in-flight rows are checked against channel
history first, then the rest are sent (spec D.2; E16)."""

from __future__ import annotations

from bot.incidents.dispatch import resume_all
from jobs import JobContext, job


@job("incident_broadcasts", "Resume unfinished incident broadcasts after a restart", trigger="interval", seconds=10)
def incident_broadcasts(ctx: JobContext) -> str:
    if ctx.dry_run:
        return "dry run: nothing sent"
    return f"resumed {resume_all(ctx.rt)} broadcast(s)"

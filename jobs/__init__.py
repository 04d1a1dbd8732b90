"""Scheduled jobs: a registry, the context a job runs with, and one runner.

A job module under `jobs/` registers itself with `@job(...)`; `load_jobs()`
imports them all, so adding a job is adding a file. A job gathers data, asks a
service what to do, and sends through `ctx.post(...)` (the outbox: one message
per dedupe key, ever). In a dry run `ctx.post` only records what would be sent.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import metrics
from bot.clock import now as clock_now
from bot.db.core import JobRun
from bot.db.session import session_scope
from bot.job_context import JobContext, PlannedPost, QueuedPost
from bot.outbox import DeliveryReport
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.jobs")

__all__ = ["JobContext", "PlannedPost", "QueuedPost", "job", "load_jobs", "run_job"]

JobFunc = Callable[[JobContext], Any]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    description: str
    trigger: dict[str, Any]  # APScheduler add_job trigger kwargs, e.g. {"trigger": "cron", "hour": 8}


JOBS: dict[str, Job] = {}


def job(name: str, description: str, **trigger: Any) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        JOBS[name] = Job(name=name, func=func, description=description, trigger=trigger)
        return func

    return register


def load_jobs() -> dict[str, Job]:
    import jobs as package

    for mod in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"jobs.{mod.name}")
    return JOBS


@dataclass
class JobResult:
    job: str
    status: str
    planned: list[PlannedPost]
    report: DeliveryReport | None
    summary: str = ""
    queued: list[QueuedPost] = field(default_factory=list)


def run_job(rt: Runtime, name: str, *, dry_run: bool = False, now: datetime | None = None) -> JobResult:
    """Run one job now, logging the run; messages go out through the outbox."""
    jobs = load_jobs()
    if name not in jobs:
        raise KeyError(name)
    ctx = JobContext(rt=rt, now=now or clock_now(), dry_run=dry_run)
    with session_scope(rt.session_factory) as s:
        run = JobRun(job=name, dry_run=dry_run, holder=rt.worker_id, started_at=clock_now())
        s.add(run)
        s.flush()
        run_id = run.id
    try:
        summary = jobs[name].func(ctx)
        report = ctx.deliver()
    except Exception as e:
        log.exception("job %s failed", name)
        metrics.count_job(job=name, status="failed")
        with session_scope(rt.session_factory) as s:
            row = s.get(JobRun, run_id)
            row.status, row.finished_at, row.summary = "failed", clock_now(), f"{type(e).__name__}: {e}"
        raise
    with session_scope(rt.session_factory) as s:
        row = s.get(JobRun, run_id)
        row.status, row.finished_at = "ok", clock_now()
        row.summary = str(summary) if summary is not None else f"{len(ctx.planned) + len(ctx.queued)} message(s)"
    log.info("job %s finished: %s", name, row.summary)
    metrics.count_job(job=name, status="dry_run" if dry_run else "ok")
    return JobResult(name, "ok", ctx.planned, report, row.summary, ctx.queued)

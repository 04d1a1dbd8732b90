"""APScheduler inside `serve`, with one runner across replicas.

Every `serve` process starts a scheduler, but a job only runs in the process
holding the database lease (renewed every third of its length). If two ever
ran at once, the outbox's dedupe keys would still keep every message unique."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import now as clock_now
from bot.clock import real_now
from bot.db.core import JobLease, JobRun
from bot.db.session import session_scope
from bot.runtime import Runtime
from jobs import load_jobs, run_job

log = logging.getLogger("gtmbot.scheduler")

LEASE = "scheduler"
# Daily and weekly jobs: a run missed by up to 6 hours still happens once; several missed runs
# collapse into one. While a process is up APScheduler does this itself; a run due while every
# process was down (a deploy) is caught up at start by `missed_jobs`.
MISFIRE_GRACE = timedelta(hours=6)
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()), "max_instances": 1}


def try_acquire_lease(rt: Runtime, *, seconds: int | None = None, at: datetime | None = None) -> bool:
    """Take or renew the scheduler lease; True when this process holds it."""
    at = at or clock_now()
    expires = at + timedelta(seconds=seconds or rt.settings.scheduler_lease_seconds)
    with session_scope(rt.session_factory) as s:
        res = s.execute(
            update(JobLease)
            .where(JobLease.name == LEASE, or_(JobLease.holder == rt.worker_id, JobLease.expires_at < at))
            .values(holder=rt.worker_id, expires_at=expires)
        )
        if res.rowcount == 1:
            return True
        if s.get(JobLease, LEASE) is not None:
            return False
    try:
        with session_scope(rt.session_factory) as s:
            s.add(JobLease(name=LEASE, holder=rt.worker_id, expires_at=expires))
        return True
    except IntegrityError:
        return False


def _lease_expiry(rt: Runtime) -> datetime | None:
    with session_scope(rt.session_factory) as s:
        lease = s.get(JobLease, LEASE)
        return lease.expires_at if lease else None


def release_lease(rt: Runtime) -> None:
    with session_scope(rt.session_factory) as s:
        s.execute(update(JobLease).where(JobLease.name == LEASE, JobLease.holder == rt.worker_id)
                  .values(expires_at=clock_now() - timedelta(seconds=1)))


def last_fire_time(trigger: dict, timezone: str, now: datetime, grace: timedelta = MISFIRE_GRACE) -> datetime | None:
    """The latest time in (now - grace, now] a cron-triggered job was due, else None."""
    if trigger.get("trigger") != "cron":
        return None
    from apscheduler.triggers.cron import CronTrigger

    cron = CronTrigger(timezone=timezone, **{k: v for k, v in trigger.items() if k != "trigger"})
    start = now - grace
    fire, last = cron.get_next_fire_time(None, start), None
    while fire is not None and fire <= now:
        last = fire
        fire = cron.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return last


def missed_jobs(rt: Runtime, now: datetime | None = None) -> list[str]:
    """Cron jobs that were due within the grace window with no finished run since: a deploy or an
    outage of every process fell on their time. A job that never ran here is not backfilled (a new
    install starts on its schedule)."""
    now = now or clock_now()
    missed = []
    with session_scope(rt.session_factory) as s:
        for spec in load_jobs().values():
            due = last_fire_time(spec.trigger, rt.settings.scheduler_timezone, now)
            if due is None:
                continue
            runs = select(JobRun.id).where(JobRun.job == spec.name, JobRun.dry_run.is_(False)).limit(1)
            if s.scalar(runs) is None:
                continue
            # Done: a finished run since it was due, or one this process is running now. A run still
            # `running` under another holder was cut off (that process lost the lease: it died).
            done = runs.where(JobRun.started_at >= due,
                              or_(JobRun.status == "ok",
                                  and_(JobRun.status == "running", JobRun.holder == rt.worker_id)))
            if s.scalar(done) is None:
                missed.append(spec.name)
    return missed


class Scheduler:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.sched = BackgroundScheduler(timezone=rt.settings.scheduler_timezone, job_defaults=JOB_DEFAULTS)
        self.sched.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        self._stopping = threading.Event()
        self._held = False

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
        else:
            log.error("job %s failed", event.job_id, exc_info=event.exception)

    def _run_if_leader(self, name: str) -> None:
        fired = clock_now()
        if not try_acquire_lease(self.rt) and not self._took_over(name, fired):
            log.debug("job %s skipped: another process holds the scheduler lease", name)
            return
        run_job(self.rt, name)

    def _took_over(self, name: str, fired: datetime) -> bool:
        """Another process holds the lease and runs the job, unless it died: then the run would be
        lost with it (for a daily or weekly job, a whole period). So watch for a finished run of the
        job (done), a renewed lease (its holder is alive and on it) or a lapsed one: take the lease
        over and run the job here. Survivors race for the lease; one wins."""
        seen = _lease_expiry(self.rt)
        since = fired - timedelta(seconds=self.rt.settings.scheduler_lease_seconds)
        deadline = time.monotonic() + self.rt.settings.scheduler_lease_seconds + 1
        due = fired.strftime("%H:%M")
        while time.monotonic() < deadline:
            if self._stopping.wait(1.0):  # shutting down: leave it to the others
                return False
            with session_scope(self.rt.session_factory) as s:
                if s.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.status == "ok", JobRun.dry_run.is_(False),
                                                       JobRun.started_at >= since).limit(1)) is not None:
                    log.info("job %s (due %s) ran in another process; not running it here", name, due)
                    return False
            expiry = _lease_expiry(self.rt)  # read before trying, so a lease released in between is taken
            if try_acquire_lease(self.rt):
                log.warning("job %s: the scheduler lease holder is gone without running it; running it here", name)
                return True
            if expiry != seen:
                log.info("job %s (due %s) ran in another process: its live lease holder's; not running it here",
                         name, due)
                return False
        log.info("job %s (due %s) ran in another process or not at all; not running it here", name, due)
        return False

    def _renew(self) -> bool:
        """Take or renew the lease; on becoming the holder (at start, or taking over from a
        process that died, perhaps mid-run), catch up on what it left undone. True on that edge."""
        held = try_acquire_lease(self.rt)
        became = held and not self._held
        self._held = held
        if became:
            # APScheduler runs on the real clock: a run date from GTMBOT_NOW's clock would be "missed".
            self.sched.add_job(self.catch_up, "date", run_date=real_now(), id="_catch_up", replace_existing=True)
        return became

    def catch_up(self) -> None:
        """Run, once, what came due while no process held the lease (only the holder does)."""
        if not try_acquire_lease(self.rt):
            return
        for name in missed_jobs(self.rt):
            if self._stopping.is_set():
                return
            log.warning("job %s was due while gtmbot was down; running it now", name)
            try:
                run_job(self.rt, name)
            except Exception:
                log.exception("catch-up run of %s failed", name)

    def start(self) -> None:
        for spec in load_jobs().values():
            self.sched.add_job(self._run_if_leader, args=[spec.name], id=spec.name, name=spec.description,
                               replace_existing=True, **spec.trigger)
        every = max(5, self.rt.settings.scheduler_lease_seconds // 3)
        self.sched.add_job(self._renew, "interval", seconds=every, id="_lease",
                           replace_existing=True, next_run_time=real_now())
        self.sched.start()
        log.info("scheduler started with %d jobs", len(load_jobs()))

    def shutdown(self) -> None:
        self._stopping.set()
        self.sched.shutdown(wait=False)
        release_lease(self.rt)

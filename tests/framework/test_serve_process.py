"""`gtmbot serve --http` as operators run it: health, signed requests only, several replicas, one scheduler."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.db.core import JobLease
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver, wait_until
from tests.conftest import SIGNING_SECRET


def test_serve_answers_health_and_rejects_unsigned_requests(serve_process, fake_slack):
    sp = serve_process()
    assert httpx.get(sp.url + "/healthz").json() == {"ok": True, "database": "reachable"}
    driver = SlackDriver(sp.url, SIGNING_SECRET, fake_slack)
    body, _, _ = driver.command_body("/quote", "120k")
    assert driver.post_raw(body, "application/x-www-form-urlencoded", signature="v0=forged").status_code == 401
    assert httpx.post(sp.url + "/slack/events", content=body).status_code == 401


def test_two_replicas_one_scheduler_lease(serve_process, rt):
    first = serve_process(scheduler=True, SCHEDULER_LEASE_SECONDS="10")
    second = serve_process(scheduler=True, SCHEDULER_LEASE_SECONDS="10")
    def lease_holder() -> str | None:
        with session_scope(rt.session_factory) as s:
            lease = s.scalar(select(JobLease).where(JobLease.name == "scheduler"))
            return lease.holder if lease else None

    holder = wait_until(lease_holder, 20, interval=0.2)
    pids = {str(first.proc.pid), str(second.proc.pid)}
    assert holder.rsplit(":", 1)[1] in pids
    # The holder keeps it while alive; kill it and the other takes over once it expires.
    victim = first if holder.endswith(f":{first.proc.pid}") else second
    survivor = second if victim is first else first
    victim.kill9()
    wait_until(lambda: (lease_holder() or "").endswith(f":{survivor.proc.pid}"), 60, interval=0.5)

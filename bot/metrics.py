"""Metrics behind GET /metrics, on prometheus_client: what operators already scrape and alert on.

Request counts and ack latency (from the HTTP server), job runs (from the job runner), the outbox
backlog (read from the database at scrape time) and prometheus_client's process, platform and GC
collectors. The exposition is the Prometheus text format, or OpenMetrics when the scraper asks
for it. With several worker processes, set PROMETHEUS_MULTIPROC_DIR (an empty directory, before
start-up) and each scrape aggregates every worker through the library's multiprocess collector.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from bot.runtime import Runtime

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)

REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

REQUESTS = Counter("gtmbot_requests", "Slack requests received, by kind and outcome status",
                   ["kind", "status"], registry=REGISTRY)
JOBS = Counter("gtmbot_jobs", "Scheduled job runs, by job and status", ["job", "status"], registry=REGISTRY)
ACK_SECONDS = Histogram("gtmbot_ack_seconds", "Time from receiving a Slack request to answering it",
                        ["kind"], buckets=ACK_BUCKETS, registry=REGISTRY)

# Gauges read from the database at scrape time: name -> (help, label names, fn(rt) -> {label values: value}).
GaugeFn = Callable[[Runtime], dict[tuple[str, ...], float]]
GAUGES: dict[str, tuple[str, tuple[str, ...], GaugeFn]] = {}


def count_request(kind: str, status: str) -> None:
    REQUESTS.labels(kind=kind, status=status).inc()


def count_job(job: str, status: str) -> None:
    JOBS.labels(job=job, status=status).inc()


def observe_ack(seconds: float, kind: str) -> None:
    ACK_SECONDS.labels(kind=kind).observe(seconds)


class _Scrape:
    """One scrape: this process's metrics (or every worker's, in multiprocess mode) plus the
    database gauges of the runtime being scraped. Duck-types a registry for the encoders."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged, path=directory)
            yield from merged.collect()
        else:
            yield from REGISTRY.collect()
        for name, (help_text, label_names, fn) in sorted(GAUGES.items()):
            try:
                values = fn(self.rt)
            except Exception:  # a gauge that cannot be read must not break the scrape
                continue
            family = GaugeMetricFamily(name, help_text, labels=list(label_names))
            for label_values, value in sorted(values.items()):
                family.add_metric(list(label_values), value)
            yield family


def render(rt: Runtime, accept: str = "") -> tuple[bytes, str]:
    """The exposition body and its content type, in the format the scraper's Accept header asks for."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_Scrape(rt)), content_type


def _outbox_backlog(rt: Runtime) -> dict[tuple[str, ...], float]:
    from sqlalchemy import func, select

    from bot.db.core import OutboxMessage
    from bot.db.session import session_scope

    with session_scope(rt.session_factory) as s:
        rows = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = {status: n for status, n in rows}
    return {(st,): float(counts.get(st, 0)) for st in ("pending", "sending", "failed")}


GAUGES["gtmbot_outbox_messages"] = ("Outbox messages not yet sent (pending, sending) or failed", ("status",),
                                    _outbox_backlog)

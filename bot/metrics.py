"""A small Prometheus registry (text exposition format 0.0.4), enough for
/metrics: request counts, ack latency, job runs, outbox backlog, broadcasts."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

from bot.runtime import Runtime

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)

_lock = threading.Lock()
_counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(lambda: defaultdict(float))
_hist_counts: dict[tuple[tuple[str, str], ...], list[int]] = defaultdict(lambda: [0] * (len(ACK_BUCKETS) + 1))
_hist_sum: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
_HELP = {
    "gtmbot_requests_total": "Slack requests received, by kind and outcome status",
    "gtmbot_jobs_total": "Scheduled job runs, by job and status",
}
# Gauges computed at scrape time from the database: name -> (help, fn(rt) -> {labels: value}).
GAUGES: dict[str, tuple[str, Callable[[Runtime], dict[tuple[tuple[str, str], ...], float]]]] = {}


def inc(name: str, amount: float = 1.0, **labels: str) -> None:
    with _lock:
        _counters[name][tuple(sorted(labels.items()))] += amount


def observe_ack(seconds: float, **labels: str) -> None:
    key = tuple(sorted(labels.items()))
    with _lock:
        counts = _hist_counts[key]
        for i, bound in enumerate(ACK_BUCKETS):
            if seconds <= bound:
                counts[i] += 1
        counts[-1] += 1
        _hist_sum[key] += seconds


def _fmt(labels: tuple[tuple[str, str], ...], extra: tuple[tuple[str, str], ...] = ()) -> str:
    items = labels + extra
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{str(v).replace(chr(34), "")}"' for k, v in items) + "}"


def render(rt: Runtime) -> str:
    lines: list[str] = []
    with _lock:
        for name, series in sorted(_counters.items()):
            lines += [f"# HELP {name} {_HELP.get(name, name)}", f"# TYPE {name} counter"]
            lines += [f"{name}{_fmt(k)} {v:g}" for k, v in sorted(series.items())]
        name = "gtmbot_ack_seconds"
        lines += [f"# HELP {name} Time from receiving a Slack request to answering it", f"# TYPE {name} histogram"]
        for key, counts in sorted(_hist_counts.items()):
            for bound, c in zip(ACK_BUCKETS, counts, strict=False):
                lines.append(f"{name}_bucket{_fmt(key, (('le', f'{bound:g}'),))} {c}")
            lines.append(f"{name}_bucket{_fmt(key, (('le', '+Inf'),))} {counts[-1]}")
            lines.append(f"{name}_sum{_fmt(key)} {_hist_sum[key]:.6f}")
            lines.append(f"{name}_count{_fmt(key)} {counts[-1]}")
    for name, (help_text, fn) in sorted(GAUGES.items()):
        try:
            values = fn(rt)
        except Exception:  # a gauge must never break the scrape
            continue
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines += [f"{name}{_fmt(k)} {v:g}" for k, v in sorted(values.items())]
    return "\n".join(lines) + "\n"


def _outbox_backlog(rt: Runtime) -> dict[tuple[tuple[str, str], ...], float]:
    from sqlalchemy import func, select

    from bot.db.core import OutboxMessage
    from bot.db.session import session_scope

    with session_scope(rt.session_factory) as s:
        rows = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = {status: n for status, n in rows}
    return {(("status", st),): float(counts.get(st, 0)) for st in ("pending", "sending", "failed")}


GAUGES["gtmbot_outbox_messages"] = ("Outbox messages not yet sent (pending, sending) or failed", _outbox_backlog)

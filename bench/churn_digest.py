"""Benchmark (not a test): how long the weekly churn digest takes for 10,000 accounts.

Builds 10,000 synthetic account snapshots (16 months of daily-window usage, 70 weeks of
events, 20 weeks of health, tickets, invoices), then times the pure part of the digest job:
assess every account, group the digest, render the Block Kit messages. Prints the figures.

    python -m bench.churn_digest [N]      (or: python bench/churn_digest.py [N])
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine  # noqa: E402
from bot.churn.blocks import digest_messages  # noqa: E402
from services.churn.digest import build_digest  # noqa: E402
from services.churn.model import Flag  # noqa: E402
from services.churn.policy import ChurnPolicy  # noqa: E402
from services.churn.risk import assess  # noqa: E402
from tests.churn.examples import NOW, healthy, usage_windows  # noqa: E402


def synthetic(n: int, seed: int = 7):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = rng.randint(1000, 20000)
        windows = [base] * 12 + [int(base * rng.uniform(0.55, 1.15)) for _ in range(4)]
        acct = healthy(f"bench-{i}", f"Bench {i:05}", str(rng.randint(5, 200) * 1000),
                       owner_name=rng.choice(["sam", "ana", "raj", None]),
                       usage=usage_windows(windows),
                       active_users_30d=rng.randint(1, 30),
                       last_customer_slack_message_at=NOW - timedelta(days=rng.randint(0, 30)))
        if rng.random() < 0.05:
            acct = replace(acct, flags=(Flag("evaluating_alternatives", NOW - timedelta(days=3)),))
        out.append(acct)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    t0 = time.perf_counter()
    accounts = synthetic(n)
    t1 = time.perf_counter()
    policy = ChurnPolicy()
    assessed = [assess(a, NOW, policy) for a in accounts]
    t2 = time.perf_counter()
    digest = build_digest(assessed, NOW, policy)
    out = digest_messages(digest)
    t3 = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"accounts: {n}")
    print(f"build synthetic snapshots: {t1 - t0:.2f}s (not part of the job)")
    print(f"assess all accounts:       {t2 - t1:.2f}s ({(t2 - t1) / n * 1000:.2f} ms/account)")
    print(f"group + render digest:     {t3 - t2:.2f}s")
    print(f"total (assess + digest):   {t3 - t1:.2f}s")
    print(f"at risk {digest.at_risk_count}, watch {digest.watch_count}; messages {out.message_count}"
          f" (summary: {len(out.blocks)} blocks), files {1 if out.file else 0}"
          + (f" ({len(out.file.content) / 1024:.0f} KiB)" if out.file else ""))


if __name__ == "__main__":
    main()

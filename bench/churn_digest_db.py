"""Benchmark (not a test): the whole weekly digest job for 10,000 accounts in SQLite.

Imports N synthetic accounts through the real importer (not timed), then times
`run_job("churn_digest")` end to end: loading every account with its series from the database,
assessing, grouping, rendering, recording the week, and sending through the outbox to a local
fake Slack. Then a second run (must send nothing). Prints the figures.

    python -m bench.churn_digest_db [N]      (or: python bench/churn_digest_db.py [N])
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GTMBOT_NOW", "2025-06-02T08:00:00Z")

from bench.common import machine  # noqa: E402
from bot.db.session import session_scope  # noqa: E402
from bot.fakes.slack import FakeSlack  # noqa: E402
from bot.fakes.workspace import seed_workspace  # noqa: E402
from bot.importer import import_document  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from jobs import run_job  # noqa: E402
from tests.churn_import_docs import TEAM, account, health_rows, usage_rows, weekly_rows  # noqa: E402

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
OWNERS = [m["slack_id"] for m in TEAM if m["role"] != "LEAD"] + [None]


def synthetic(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        base = rng.randint(1000, 20000)
        windows = [base] * 6 + [int(base * rng.uniform(0.55, 1.15)) for _ in range(2)]
        out.append(account(
            f"bench-{i:05}", f"Bench {i:05}", f"{rng.randint(5, 200) * 1000}.00", rng.choice(OWNERS),
            f"C0B{i:06}", usage=usage_rows(windows, extra={}), events_weekly=weekly_rows([1_000_000] * 12),
            health_history=health_rows([rng.choice(["Good", "Good", "Concerning", "Poor"]) for _ in range(4)]),
            active_users_30d=rng.randint(1, 30),
            last_customer_slack_message_at=f"2025-05-{rng.randint(1, 31):02d}T10:00:00Z",
        ))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tmp = Path(tempfile.mkdtemp())
    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_api_url=fake.url,
                        database_url=f"sqlite:///{tmp / 'bench.db'}", scheduler_enabled=False)
    rt = build_runtime(settings)
    t0 = time.perf_counter()
    docs = synthetic(n)
    with session_scope(rt.session_factory) as s:
        import_document({"team": TEAM, "accounts": docs}, s)
    t1 = time.perf_counter()
    first = run_job(rt, "churn_digest", now=NOW)
    t2 = time.perf_counter()
    second = run_job(rt, "churn_digest", now=NOW)
    t3 = time.perf_counter()
    posts = fake.posts()
    print(f"machine: {machine()}")
    print(f"accounts: {n} (SQLite, {tmp / 'bench.db'})")
    print(f"import (not part of the job):  {t1 - t0:.1f}s")
    print(f"digest job, first run:         {t2 - t1:.1f}s  -> {first.summary}")
    print(f"digest job, second run:        {t3 - t2:.1f}s  -> sent {len(second.report.sent) if second.report else 0} new")
    print(f"messages in Slack: {len(posts)}")
    fake.stop()


if __name__ == "__main__":
    main()

"""Shared bench helpers: percentiles, peak memory, a machine line, synthetic accounts."""

from __future__ import annotations

import os
import platform
import random
import statistics
from collections.abc import Iterator
from datetime import date, timedelta


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p99": percentile(values, 99), "mean": statistics.fmean(values)}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


OWNERS = [("U0TAE01", "TAE"), ("U0TAM01", "TAM"), ("U0CSM01", "CSM"), ("U0TAE02", "TAE"), ("U0TAM02", "TAM")]


def synthetic_accounts(n: int, *, seed: int = 7, today: date = date(2025, 6, 2)) -> Iterator[dict]:
    """Accounts in the import format, realistic enough for every command and job to do real work."""
    rng = random.Random(seed)
    for i in range(n):
        owner, _ = OWNERS[i % len(OWNERS)]
        arr = rng.randrange(5_000, 400_000)
        start = today - timedelta(days=rng.randrange(30, 330))
        months = [(today.replace(day=1) - timedelta(days=30 * k)).strftime("%Y-%m") for k in range(6, 0, -1)]
        yield {
            "id": f"bench-{i:06d}", "name": f"Bench Account {i:06d}", "domain": f"bench{i}.example.com",
            "owner_slack_id": owner, "arr": f"{arr}.00", "paying_for": ["product_analytics", "session_replay"],
            "segments": ["Annual Plan"] + (["$20K ARR"] if arr > 20_000 else []),
            "credit": {"amount": f"{arr}.00", "discount_pct": "10", "term_start": start.isoformat(),
                       "term_months": 12, "balance": f"{rng.randrange(0, arr)}.00"},
            "mrr_history": [{"period": m, "value": f"{max(0, arr // 12 + rng.randrange(-500, 500))}.00"} for m in months],
            "health_history": [{"period": (today - timedelta(days=today.weekday() + 7 * k)).isoformat(),
                                "label": rng.choice(["Good", "Good", "Concerning", "Poor"])} for k in range(3)],
            "active_users_30d": rng.randrange(0, 50),
        }


TEAM = [
    {"slack_id": sid, "name": f"{role} {sid[-2:]}", "role": role, "region": "US"} for sid, role in OWNERS
] + [{"slack_id": "U0LEAD01", "name": "Simon", "role": "LEAD", "region": "US", "is_team_lead": True}]

"""Benchmark (not a test): CreditBot and the failed-payment scan over N Stripe customers on the
local Stripe fake. Prints figures, each against a baseline measured in the same run; asserts nothing.

    python -m bench.credit_scan --sizes 10000 100000          # the figures of bench/RESULTS.md
    python -m bench.credit_scan --sizes 10000 --jobs creditbot # one job only
    python -m bench.credit_scan 10000                          # same as --sizes 10000

For each N, one *server* process holds what is not the bot: the Stripe fake seeded with N customers,
a fake Slack, and the SQLite database seeded with N accounts mapped to those customers. Every
measurement then runs in a fresh *child* process that only builds the runtime and runs one job, so
its peak RSS (`ru_maxrss`) minus its RSS just before the job is the memory of the bot's work alone:

- `floor`: the Stripe listings with nothing done to them (customers 100 a page, invoices since the
  first-sync watermark, open invoices with the customer expanded): the baseline of calls and time;
- `creditbot`: the whole daily job on day 1 (first sync: customers, 120 days of invoices into the
  account model; policy for every credit account; episodes, snapshots, outbox rows);
- `creditbot+1d`: the same job the next day, the steady state (snapshots and episodes exist, the
  invoice sync is incremental);
- `payments`: the hourly `payments_reconcile` job (open invoices into the account model, then every
  customer with an open invoice or case: open, advance or close its escalation, outbox rows).

The outbox is not delivered (the sender sends at most 1,000 a run whatever N is, to a fake Slack
that would dominate the time); `--deliver` includes it.

Data: every 5th customer holds prepaid credit (`credit_expires_at` 2027-01-01) with three monthly
usage invoices; every 50th (PAYG) has an open card invoice whose payment failed; the rest are PAYG.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine  # noqa: E402
from bot.fakes.stripe import MAX_LIMIT, FakeStripe, _error  # noqa: E402

DAY1 = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
RUNS = {  # child kind -> the moment the job runs
    "creditbot": DAY1,
    "creditbot+1d": DAY1 + timedelta(days=1),
    "payments": DAY1 + timedelta(days=1, minutes=30),
}
FIRST_SYNC_SINCE = DAY1 - timedelta(days=120)  # bot.billing.stripe_sync.FIRST_SYNC_LOOKBACK
BOT_TOKEN = "xoxb-bench"


def ts(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp())


def deep_mb(obj: Any) -> float:
    """Bytes held by an object graph of dicts, lists, tuples, strings and dataclasses (each object once)."""
    seen: set[int] = set()
    stack, total = [obj], 0
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set)):
            stack.extend(o)
        elif hasattr(o, "__dict__"):
            stack.append(o.__dict__)
    return total / 2**20


def cpu_s() -> float:
    """CPU time of this process: the bot's own work, whatever else the shared machine is running."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- the server process: everything that is not the bot ------------------------------------------


class ListingFakeStripe(FakeStripe):
    """The fake with list results cached per filter, so a page costs O(page) rather than O(N) in the
    fake (its plain `_list` rescans every object per page, which at 100k would time the fake). Same
    wire format; the data does not change while the benchmark runs."""

    def __init__(self) -> None:
        super().__init__()
        self._lists: dict[tuple, tuple[list[dict[str, Any]], dict[str, int]]] = {}

    def _route(self, path: str, query: list[tuple[str, str]]) -> tuple[int, dict[str, Any]]:
        if path not in ("/v1/customers", "/v1/invoices"):
            return super()._route(path, query)
        params = dict(query)
        expand = [v for k, v in query if k.startswith("expand")]
        key = (path,) if path == "/v1/customers" else (
            path, params.get("status"), params.get("customer"), params.get("created[gte]"))
        if key not in self._lists:
            if path == "/v1/customers":
                rows = list(self.customers.values())
            else:
                rows = [i for i in self.invoices.values()
                        if ("status" not in params or i["status"] == params["status"])
                        and ("customer" not in params or i["customer"] == params["customer"])
                        and ("created[gte]" not in params or i["created"] >= int(params["created[gte]"]))]
            self._lists[key] = (rows, {r["id"]: n for n, r in enumerate(rows)})
        rows, index = self._lists[key]
        try:
            limit = int(params.get("limit", "10"))
        except ValueError:
            return 400, _error("Invalid integer: limit", "invalid_request_error")
        if not 1 <= limit <= MAX_LIMIT:
            return 400, _error("This value must be between 1 and 100.", "invalid_request_error")
        start = 0
        if after := params.get("starting_after"):
            if after not in index:
                return 400, _error(f"No such object: '{after}'", "invalid_request_error")
            start = index[after] + 1
        data = [self._expand(r, expand, "data.") for r in rows[start: start + limit]]
        return 200, {"object": "list", "url": path, "has_more": start + limit < len(rows), "data": data}


def seed_stripe(fake: FakeStripe, n: int) -> dict[str, int]:
    counts = {"credit": 0, "usage_invoices": 0, "open_invoices": 0}
    for i in range(n):
        cid = f"cus_{i:06d}"
        if i % 5 == 0:
            credit = 20_000_00 + (i % 97) * 1_000_00
            fake.add_customer(cid, balance=-credit, name=f"Credit {i}",
                              metadata={"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"})
            counts["credit"] += 1
            for k, (start, end) in enumerate([((2026, 2, 1), (2026, 3, 1)), ((2026, 3, 1), (2026, 4, 1)),
                                              ((2026, 4, 1), (2026, 5, 1))]):
                fake.add_invoice(f"in_{i:06d}_{k}", cid, status="paid", total=(8_000 + (i % 13) * 500) * 100,
                                 period_start=ts(*start), period_end=ts(*end), created=ts(*end),
                                 status_transitions={"finalized_at": ts(*end), "paid_at": ts(*end),
                                                     "voided_at": None, "marked_uncollectible_at": None})
                counts["usage_invoices"] += 1
        else:
            fake.add_customer(cid, balance=0, name=f"PAYG {i}", email=f"billing{i}@payg.example")
            if i % 50 == 1:
                fake.add_invoice(f"in_{i:06d}_open", cid, status="open", total=500_00, amount_due=500_00,
                                 amount_remaining=500_00, attempt_count=1, number=f"PAYG-{i:06d}",
                                 period_start=ts(2026, 4, 1), period_end=ts(2026, 5, 1), created=ts(2026, 5, 1),
                                 next_payment_attempt=ts(2026, 5, 13),
                                 status_transitions={"finalized_at": ts(2026, 5, 8), "paid_at": None,
                                                     "voided_at": None, "marked_uncollectible_at": None})
                counts["open_invoices"] += 1
    return counts


def seed_database(url: str, n: int) -> None:
    from sqlalchemy import insert

    from bot.db.models import Account, AccountStripeCustomer, TeamMember
    from bot.runtime import build_runtime
    from bot.settings import Settings

    rt = build_runtime(Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret="bench", database_url=url,
                                scheduler_enabled=False))
    owners = ["U0TAM01", "U0CSM01", "U0TAE01", None]
    with rt.session_factory() as s:
        s.execute(insert(TeamMember), [
            {"slack_id": "U0TAM01", "name": "Tam One", "role": "TAM", "region": "US"},
            {"slack_id": "U0CSM01", "name": "Csm One", "role": "CSM", "region": "US"},
            {"slack_id": "U0TAE01", "name": "Tae One", "role": "TAE", "region": "US"},
            {"slack_id": "U0LEAD01", "name": "Simon", "role": "LEAD", "region": "US", "is_team_lead": True},
        ])
        for lo in range(0, n, 10_000):
            rows = range(lo, min(n, lo + 10_000))
            s.execute(insert(Account), [{
                "id": f"acct-{i:06d}", "name": f"Account {i}", "owner_slack_id": owners[i % 4],
                "credit_present": i % 5 == 0,
                "credit_term_start": date(2026, 1, 1) if i % 5 == 0 else None,
                "credit_term_months": 12 if i % 5 == 0 else None} for i in rows])
            s.execute(insert(AccountStripeCustomer), [
                {"account_id": f"acct-{i:06d}", "customer_id": f"cus_{i:06d}", "position": 0} for i in rows])
        s.commit()
    rt.engine.dispose()


def serve(n: int, db_url: str) -> None:
    """Seed, print the fakes' addresses, then answer `count` (Stripe calls by path) until `quit`."""
    from bot.fakes.slack import FakeSlack
    from bot.fakes.workspace import seed_workspace

    fake = ListingFakeStripe()
    seeded = seed_stripe(fake, n)
    fake.start()
    slack = seed_workspace(FakeSlack(bot_token=BOT_TOKEN).start())
    seed_database(db_url, n)
    print(json.dumps({"stripe": fake.url, "slack": slack.url, **seeded}), flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            by_path: dict[str, int] = {}
            for _, path in list(fake.requests):
                kind = path if path in ("/v1/customers", "/v1/invoices") else path.rsplit("/", 1)[0] + "/{id}"
                by_path[kind] = by_path.get(kind, 0) + 1
            print(json.dumps({"total": len(fake.requests), "by_path": by_path,
                              "posts": len(slack.posts())}), flush=True)
        elif line.strip() == "quit":
            break
    slack.stop()
    fake.stop()


# --- the child process: the bot's work, measured -------------------------------------------------


def child(kind: str, db_url: str, stripe_url: str, slack_url: str, deliver: bool) -> None:
    import logging

    from pydantic import SecretStr

    logging.basicConfig(level=logging.ERROR)
    from bot.billing import stripe_client as sc

    if kind == "floor":
        client = sc.make_client("sk_test_bench", stripe_url, max_network_retries=0)
        gc.collect()
        before = rss_mb()
        out: dict[str, Any] = {}
        cpu_started = cpu_s()
        for name, listing in (("customers", lambda: sc.iter_customers(client)),
                              ("invoices_since", lambda: sc.iter_invoices_since(client, FIRST_SYNC_SINCE)),
                              ("open_invoices", lambda: sc.iter_open_invoices(client))):
            started = time.perf_counter()
            count = sum(1 for _ in listing())
            out[name] = {"objects": count, "wall": time.perf_counter() - started, "cpu": cpu_s() - cpu_started}
            cpu_started = cpu_s()
        print(json.dumps({"kind": kind, "rss_before": before, "rss_peak": rss_mb(), **out}), flush=True)
        return

    from sqlalchemy import func, select

    from bot.db.core import OutboxMessage
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from jobs import JobContext, load_jobs

    settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret="bench", slack_api_url=slack_url,
                        database_url=db_url, scheduler_enabled=False,
                        stripe_api_key=SecretStr("sk_test_bench"), stripe_api_base=stripe_url)
    rt = build_runtime(settings, migrate=False)
    jobs = load_jobs()
    name = "payments_reconcile" if kind == "payments" else "creditbot"
    with rt.session_factory() as s:
        queued_before = s.scalar(select(func.count()).select_from(OutboxMessage))
    ctx = JobContext(rt=rt, now=RUNS[kind])
    gc.collect()
    before = rss_mb()
    started, cpu_started = time.perf_counter(), cpu_s()
    summary = jobs[name].func(ctx)
    wall, cpu = time.perf_counter() - started, cpu_s() - cpu_started
    delivered = None
    if deliver:
        started_d = time.perf_counter()
        delivered = len(ctx.deliver().sent)
        wall_deliver = time.perf_counter() - started_d
    peak = rss_mb()
    planned_mb = deep_mb(ctx.planned) + deep_mb(ctx.queued)
    with rt.session_factory() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage)) - queued_before
    print(json.dumps({"kind": kind, "rss_before": before, "rss_peak": peak, "wall": wall, "cpu": cpu, "summary": summary,
                      "queued": queued, "planned": len(ctx.planned) + len(ctx.queued), "planned_mb": planned_mb, "delivered": delivered,
                      **({"wall_deliver": wall_deliver} if deliver else {})}), flush=True)


# --- the parent: one server per N, one child per measurement -------------------------------------


def run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.credit_scan", "--child", *args], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args[0]} failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(n: int, kinds: list[str], deliver: bool) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="bench-credit-")
    db_url = f"sqlite:///{tmp}/bench.db"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "bench.credit_scan", "--serve", str(n), db_url],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    assert server.stdin is not None and server.stdout is not None
    info = json.loads(server.stdout.readline())
    print(f"N={n}: seeded in {time.perf_counter() - started:.1f}s ({info['credit']} credit customers, "
          f"{info['usage_invoices']} usage invoices, {info['open_invoices']} open invoices)", flush=True)

    def calls() -> dict[str, Any]:
        server.stdin.write("count\n")
        server.stdin.flush()
        return json.loads(server.stdout.readline())

    results: dict[str, Any] = {"n": n, "seeded": info}
    try:
        for kind in ["floor", *kinds]:
            before = calls()
            r = run_child([kind, db_url, info["stripe"], info["slack"], "1" if deliver else "0"])
            after = calls()
            r["calls"] = after["total"] - before["total"]
            r["calls_by_path"] = {k: v - before["by_path"].get(k, 0) for k, v in after["by_path"].items()
                                  if v - before["by_path"].get(k, 0)}
            results[kind] = r
            wall = r["wall"] if "wall" in r else r["customers"]["wall"]
            print(f"  {kind:<13} {wall:7.2f}s  Stripe calls {r['calls']:>5}  "
                  f"bot's peak {r['rss_peak'] - r['rss_before']:6.1f} MB  {r.get('summary', '')}", flush=True)
    finally:
        server.stdin.write("quit\n")
        server.stdin.flush()
        server.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def report(all_results: list[dict[str, Any]], kinds: list[str]) -> None:
    print()
    print(f"machine: {machine()}, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    print("peak MB = peak RSS of a fresh child process minus its RSS just before the job (the fakes and the "
          "seeded data live in another process)")
    print("planned MB = of that, what the JobContext holds at the end: the key and channel of every message the "
          "run queued (jobs/__init__.py); it grows with the messages, not with N")
    print()
    header = (f"{'job':<13} {'N':>7} {'Stripe calls':>12} {'floor':>6} {'extra':>6} {'peak MB':>8} "
              f"{'planned MB':>10} {'wall s':>7} {'floor wall s':>12} {'wall/floor':>10} {'bot cpu s':>9}")
    print(header)
    print("-" * len(header))
    for res in all_results:
        n, seeded, fl = res["n"], res["seeded"], res["floor"]
        for kind in ["floor", *kinds]:
            r = res[kind]
            if kind == "floor":
                floor = math.ceil(n / 100)
                wall = fl["customers"]["wall"]
                floor_wall = wall
                r = {**r, "cpu": fl["customers"]["cpu"]}
                calls = r["calls_by_path"].get("/v1/customers", 0)
                label = "floor (cus)"
            elif kind == "payments":
                floor = math.ceil(seeded["open_invoices"] / 100)
                wall, floor_wall, calls, label = r["wall"], fl["open_invoices"]["wall"], r["calls"], kind
            else:
                floor = math.ceil(n / 100)
                wall, calls, label = r["wall"], r["calls"], kind
                floor_wall = fl["customers"]["wall"] + (fl["invoices_since"]["wall"] if kind == "creditbot" else 0)
            print(f"{label:<13} {n:>7} {calls:>12} {floor:>6} {calls - floor:>6} "
                  f"{r['rss_peak'] - r['rss_before']:>8.1f} {r.get('planned_mb', 0):>10.1f} {wall:>7.2f} {floor_wall:>12.2f} "
                  f"{wall / floor_wall if floor_wall else 0:>10.1f} {r['cpu']:>9.2f}")
    if len(all_results) >= 2:
        lo, hi = all_results[0], all_results[-1]
        print()
        print(f"growth {lo['n']} -> {hi['n']} (N x{hi['n'] / lo['n']:.0f}):")
        fa, fb = lo["floor"]["customers"], hi["floor"]["customers"]
        print(f"  {'floor (cus)':<13} wall x{fb['wall'] / fa['wall']:.1f}   client CPU x{fb['cpu'] / fa['cpu']:.1f}")
        for kind in kinds:
            a, b = lo[kind], hi[kind]
            ma, mb = a["rss_peak"] - a["rss_before"], b["rss_peak"] - b["rss_before"]
            print(f"  {kind:<13} wall x{b['wall'] / a['wall']:.1f}   bot's CPU x{b['cpu'] / a['cpu']:.1f}   bot's peak memory {ma:.1f} -> {mb:.1f} MB "
                  f"(x{mb / ma if ma > 0 else float('nan'):.2f})   Stripe calls {a['calls']} -> {b['calls']}")
    print()
    print("floor: customers listing ceil(N/100); creditbot day 1 also reads the 120-day invoice backfill "
          "(ceil(invoices/100) pages, see the 'floor' child); payments: ceil(open invoices/100) pages.")
    for res in all_results:
        print(f"N={res['n']}: floor listings {json.dumps({k: v for k, v in res['floor'].items() if k in ('customers', 'invoices_since', 'open_invoices')})}")
        for kind in kinds:
            print(f"  {kind}: calls {res[kind]['calls_by_path']}, outbox rows queued {res[kind]['queued']}, "
                  f"planned {res[kind]['planned']}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, db_url, stripe_url, slack_url, deliver = sys.argv[2:7]
        child(kind, db_url, stripe_url, slack_url, deliver == "1")
        return
    parser = argparse.ArgumentParser(prog="python -m bench.credit_scan", description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="*", type=int, help="sizes (same as --sizes)")
    parser.add_argument("--sizes", nargs="+", type=int, default=[])
    parser.add_argument("--jobs", default="creditbot,creditbot+1d,payments",
                        help="comma-separated: creditbot, creditbot+1d, payments")
    parser.add_argument("--deliver", action="store_true", help="also deliver the outbox to the fake Slack")
    opts = parser.parse_args()
    sizes = opts.sizes or opts.n or [10_000]
    kinds = [k for k in opts.jobs.split(",") if k]
    unknown = set(kinds) - set(RUNS)
    if unknown:
        parser.error(f"unknown job(s): {', '.join(sorted(unknown))}")
    print(f"machine: {machine()}")
    report([measure(n, kinds, opts.deliver) for n in sizes], kinds)


if __name__ == "__main__":
    main()

"""Benchmark (not a test): the whole weekly churn digest job at 10,000 and 100,000 accounts on
SQLite: wall time and peak memory of the job itself, and their growth from the smallest N.

    python -m bench.churn_digest_db                      # N = 10000 100000
    python -m bench.churn_digest_db 10000 100000 --tracemalloc --workdir /tmp/churn-bench

Set-up (not measured): the base set (10,000 synthetic accounts by default, 29 series points, a
contact and a Slack channel each) goes through the real importer, in chunks; a larger N is that
base set copied by SQL with a suffix on every id (`bench-00042-r3`), so 100k is ten copies of 10k
and the data per account is the same at every N. With `--workdir`, the prepared databases are
kept and reused by the next run.

Measured: each N runs in a fresh subprocess (peaks never mix) on its own copy of the prepared
database. The fake Slack runs in this (parent) process, so neither the fake nor the import is in
the child's memory. The child imports everything, builds the runtime, then measures
`run_job(rt, "churn_digest")` end to end (load, assess, group, render, record the week, queue
and deliver through the outbox): wall time, and peak RSS (`ru_maxrss`) minus the RSS just before
the job. `--tracemalloc` adds a second child per N that reports the job's tracemalloc peak
(Python allocations only; slower, so its wall time is not reported) and how much of it the
finished digest still holds (its lines: one per account at risk, on watch or churned, so that
part grows with the number of such accounts by design). A second run in the same
week must send nothing. Reported too: the messages the digest posted and the files it shared
(issue 17: a summary, one thread reply per owner and one CSV, whatever N is).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GTMBOT_NOW", "2025-06-02T08:00:00Z")

from bench.common import machine  # noqa: E402
from tests.churn.import_docs import TEAM, account, health_rows, usage_rows, weekly_rows  # noqa: E402

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
OWNERS = [m["slack_id"] for m in TEAM if m["role"] != "LEAD"] + [None]
CHUNK = 2_000  # accounts per importer transaction while preparing


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


# --- preparing the databases (parent, not measured) ---------------------------------------------

def _settings(db: Path, slack_url: str = "http://127.0.0.1:9/"):
    from bot.settings import Settings

    return Settings(slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_api_url=slack_url,
                    database_url=f"sqlite:///{db}", scheduler_enabled=False)


def import_base(db: Path, n: int) -> float:
    """n synthetic accounts through the real importer, CHUNK per transaction."""
    from bot.db.migrate import upgrade
    from bot.db.session import make_engine, make_session_factory, session_scope
    from bot.importer import import_document

    t0 = time.perf_counter()
    settings = _settings(db)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    docs = synthetic(n)
    for i in range(0, n, CHUNK):
        with session_scope(factory) as s:
            import_document({"team": TEAM, "accounts": docs[i:i + CHUNK]}, s)
    engine.dispose()
    return time.perf_counter() - t0


# Columns besides the account id that must stay unique in a copy.
_SUFFIXED = {"accounts": ("id", "name"), "account_slack_channels": ("channel_id",)}


def replicate(db: Path, copies: int) -> float:
    """Append `copies` copies of every account (and its rows) with `-r<k>` on each id."""
    t0 = time.perf_counter()
    con = sqlite3.connect(db)
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    plans = []
    for table in tables:
        cols = con.execute(f'PRAGMA table_info("{table}")').fetchall()  # cid name type notnull dflt pk
        names = [c[1] for c in cols]
        if table != "accounts" and "account_id" not in names:
            continue
        if not con.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
            continue
        if table not in ("accounts", "account_slack_channels", "contacts", "series_points"):
            raise SystemExit(f"replicate: rows in {table} are not handled")
        keep = [c[1] for c in cols if not (c[5] and c[2].upper() == "INTEGER")]  # drop INTEGER autoincrement pks
        suffixed = set(_SUFFIXED.get(table, ())) | ({"account_id"} if "account_id" in names else set())
        plans.append((table, keep, suffixed))
    plans.sort(key=lambda p: p[0] != "accounts")  # parents first
    with con:
        for k in range(1, copies + 1):
            for table, keep, suffixed in plans:
                select = ", ".join(f'"{c}" || \'-r{k}\'' if c in suffixed else f'"{c}"' for c in keep)
                where = "id NOT LIKE '%-r%'" if table == "accounts" else "account_id NOT LIKE '%-r%'"
                con.execute(f'INSERT INTO "{table}" ({", ".join(keep)}) SELECT {select} FROM "{table}" WHERE {where}')
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return time.perf_counter() - t0


def copy_db(src: Path, dst: Path) -> None:
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()


def prepare(workdir: Path, n: int, base: int) -> tuple[Path, str]:
    """The pristine database for n accounts (kept in workdir), and how it was made."""
    db = workdir / f"pristine-{n}.db"
    if db.exists():
        return db, "reused"
    if n <= base:
        seconds = import_base(workdir / "building.db", n)
        (workdir / "building.db").rename(db)
        return db, f"imported in {seconds:.0f}s"
    if n % base:
        raise SystemExit(f"N={n} must be a multiple of the base set ({base})")
    base_db, _ = prepare(workdir, base, base)
    copy_db(base_db, workdir / "building.db")
    seconds = replicate(workdir / "building.db", n // base - 1)
    (workdir / "building.db").rename(db)
    return db, f"{base} imported, copied x{n // base} by SQL in {seconds:.0f}s"


# --- the measured child -------------------------------------------------------------------------

def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def child(db: Path, slack_url: str, use_tracemalloc: bool) -> None:
    from bot.runtime import build_runtime
    from jobs import load_jobs, run_job

    rt = build_runtime(_settings(db, slack_url))
    load_jobs()
    gc.collect()
    rss_before = _rss_kib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    held = [0]
    if use_tracemalloc:
        import tracemalloc

        import jobs.churn_digest as job_module

        real = job_module.weekly_digest

        def measured(*args, **kwargs):  # the real function; only notes what its result holds
            digest = real(*args, **kwargs)
            gc.collect()
            held[0] = tracemalloc.get_traced_memory()[0]
            return digest

        job_module.weekly_digest = measured
        tracemalloc.start()
    t0 = time.perf_counter()
    first = run_job(rt, "churn_digest", now=NOW)
    wall = time.perf_counter() - t0
    traced_peak = 0
    if use_tracemalloc:
        import tracemalloc

        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    second = run_job(rt, "churn_digest", now=NOW)
    wall2 = time.perf_counter() - t1
    print(json.dumps({
        "wall": wall, "rss_before_kib": rss_before, "peak_before_kib": peak_before, "peak_after_kib": peak_after,
        "traced_peak": traced_peak, "traced_held": held[0], "summary": first.summary,
        "sent": len(first.report.sent) if first.report else 0,
        "wall2": wall2, "sent2": len(second.report.sent) if second.report else 0,
    }))


def run_child(db: Path, slack_url: str, use_tracemalloc: bool) -> dict:
    cmd = [sys.executable, "-m", "bench.churn_digest_db", "--child", str(db), "--slack-url", slack_url]
    if use_tracemalloc:
        cmd.append("--tracemalloc")
    out = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"child failed for {db}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the parent ---------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--base", type=int, default=10_000, help="accounts imported through the importer")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the prepared databases here")
    parser.add_argument("--tracemalloc", action="store_true", help="also report the job's tracemalloc peak")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.slack_url, args.tracemalloc)
        return

    from bot.fakes.slack import FakeSlack
    from bot.fakes.workspace import seed_workspace

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="churn-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    print(f"machine: {machine()}")
    print(f"workdir: {workdir}{'' if args.workdir else ' (removed at the end)'}")
    rows = []
    try:
        for n in args.n:
            pristine, how = prepare(workdir, n, args.base)
            print(f"N={n}: database {how}", flush=True)
            run_db = workdir / f"run-{n}.db"
            copy_db(pristine, run_db)
            before, files_before = len(fake.posts()), len(fake.shared_files())
            r = run_child(run_db, fake.url, False)
            posts = [p for p in fake.posts()[before:] if not p.get("files")]  # a file share is not a message
            files = fake.shared_files()[files_before:]
            r["posts"] = len(posts)
            r["files"] = len(files)
            r["file_kib"] = sum(len(f["content"] or b"") for f in files) / 1024
            r["payload_bytes"] = sum(len(json.dumps(p.get("blocks") or [])) for p in posts)
            r["peak_mib"] = max(0, r["peak_after_kib"] - r["rss_before_kib"]) / 1024
            if args.tracemalloc:
                copy_db(pristine, run_db)
                before = len(fake.posts())
                traced = run_child(run_db, fake.url, True)
                r["traced_mib"], r["held_mib"] = traced["traced_peak"] / 2**20, traced["traced_held"] / 2**20
                fake.posts()  # the traced run's messages are not counted
            for p in (run_db, Path(f"{run_db}-wal"), Path(f"{run_db}-shm")):
                p.unlink(missing_ok=True)
            rows.append((n, r))
            print(f"N={n}: job {r['wall']:.1f}s, peak +{r['peak_mib']:.0f} MiB over {r['rss_before_kib'] / 1024:.0f}"
                  f" MiB before the job; {r['summary']}; second run {r['wall2']:.1f}s, {r['sent2']} sent",
                  flush=True)
    finally:
        fake.stop()
        if args.workdir is None:  # a temporary one: the prepared databases are ~5 KB per account
            shutil.rmtree(workdir, ignore_errors=True)

    n0, r0 = rows[0]
    print()
    head = f"{'accounts':>9} {'job s':>7} {'x time':>7} {'peak MiB':>9} {'x mem':>6}"
    if args.tracemalloc:
        head += f" {'traced MiB':>11} {'x traced':>9} {'digest MiB':>11}"
    head += f" {'messages':>9} {'blocks KiB':>11} {'files':>6} {'file KiB':>9}  second run"
    print(head)
    for n, r in rows:
        line = (f"{n:>9} {r['wall']:7.1f} {r['wall'] / r0['wall']:7.2f} {r['peak_mib']:9.0f}"
                f" {r['peak_mib'] / max(r0['peak_mib'], 1e-9):6.2f}")
        if args.tracemalloc:
            line += (f" {r['traced_mib']:11.0f} {r['traced_mib'] / max(r0['traced_mib'], 1e-9):9.2f}"
                     f" {r['held_mib']:11.0f}")
        line += (f" {r['posts']:>9} {r['payload_bytes'] / 1024:11.0f} {r['files']:>6} {r['file_kib']:9.0f}"
                 f"  {r['wall2']:.1f}s, {r['sent2']} sent")
        print(line)
    print(f"x = ratio to N={n0} (N grew {rows[-1][0] / n0:g}x). peak = ru_maxrss after the job minus RSS before it,"
          " in the child process only.")
    if args.tracemalloc:
        print("traced = tracemalloc peak of the job (Python allocations); digest = what the grouped digest still"
              " holds once every account is assessed: its lines, one per account in scope, so it grows with the"
              " number of accounts at risk or on watch, by design.")


if __name__ == "__main__":
    main()

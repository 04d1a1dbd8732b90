"""Latency as a rep feels it: the ack and the complete answer of every slash command, with the bot
running as deployed, against a bare Bolt app, at 10,000 and 100,000 accounts, on SQLite and
PostgreSQL.

    python -m bench.ack_latency [--accounts 10000 100000] [--requests 200]
                                [--postgres postgresql://user@host/db_{n}] [--cache-dir DIR]

Three kinds of process, so no one's work runs under another's GIL:
- the bot: `gtmbot serve --http` in its own process, on the database being measured;
- the baseline: a bare Bolt app answering `/bare` (bench/bare_app.py), in its own process, on the
  same HTTP server (waitress through bot.server.HttpServer);
- this process: the client, which signs and sends the requests, and the fake Slack Web API, which
  receives the bot's `response_url` posts and `views.open` calls and stamps when each arrived.

Every command in manifest.yml is sent with a line that does real work (a real account for
/churn-risk and /handover-check, a full deal for /quote and /discount, a declaration by a CMOC for
/incident, which opens a modal). One rep at a time: each request waits for its complete answer
before the next is sent, and the series are interleaved in a shuffled order every round, so any
drift of the machine lands on every series alike. Measured client-side, from sending the signed
POST: the *ack* (the HTTP response) and the *complete answer* (the ack itself when it carries the
reply, else the `response_url` post or the `views.open` call, stamped by the fake on arrival).
Nothing is asserted; the figures and their ratios are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench.common import TEAM, machine, summary, synthetic_accounts  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import Account  # noqa: E402
from bot.db.session import make_engine, make_session_factory, normalise_url, session_scope  # noqa: E402
from bot.fakes.driver import SlackDriver  # noqa: E402
from bot.fakes.slack import FakeSlack, ResponseUrlPost  # noqa: E402
from bot.fakes.workspace import mirror_directory, seed_workspace  # noqa: E402
from bot.manifest import load_manifest, registered_commands  # noqa: E402

ACCOUNT = "Bench Account 000042"  # a real, unique name among the synthetic accounts
# A line that does real work for each command, and who sends it (a TAE; a team lead for /incident,
# who may declare). /incident declare opens the declaration modal (views.open), not a reply.
EXAMPLES: dict[str, tuple[str, str]] = {
    "/quote": ("120k 2y net30 --renewal --days-to-expiry=75", "U0TAE01"),
    "/discount": ("38% 120k 2y", "U0TAE01"),
    "/handover-check": (f"{ACCOUNT} to tam", "U0TAE01"),
    "/churn-risk": (ACCOUNT, "U0TAE01"),
    "/incident": ("declare sev1 feature flags: flag evaluation errors", "U0LEAD01"),
}
BARE = "/bare"
ANSWER_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Child:
    """A server in its own process, stopped at the end."""

    proc: subprocess.Popen
    url: str
    log: Path

    @classmethod
    def start(cls, args: list[str], env: dict[str, str], port: int, log: Path) -> Child:
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        child = cls(proc, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{args} exited early:\n{log.read_text()}")
            try:
                if httpx.get(child.url + "/healthz", timeout=1).status_code == 200:
                    return child
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{args} did not become healthy:\n{log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Sample:
    ack: float
    answer: float


@dataclass
class Series:
    how: str  # "ack", "response_url" or "modal"
    samples: list[Sample] = field(default_factory=list)


def send(driver: SlackDriver, fake: FakeSlack, command: str, text_: str, user: str, how: str) -> Sample:
    """One request, timed to its ack and to its complete answer."""
    body, _, token = driver.command_body(command, text_, user=user)
    trigger = parse_qs(body.decode())["trigger_id"][0]
    responses_before, calls_before = len(fake.responses), len(fake.calls)
    wall, started = time.time(), time.perf_counter()
    resp = driver.post_raw(body, "application/x-www-form-urlencoded")
    ack = time.perf_counter() - started
    if resp.status_code != 200:
        raise SystemExit(f"{command} {text_!r}: HTTP {resp.status_code} {resp.text[:200]}")
    if how == "ack":
        return Sample(ack, ack)
    if how == "response_url":
        post = fake.wait_for(lambda: next((r for r in fake.responses[responses_before:] if r.token == token), None),
                             ANSWER_TIMEOUT)
        return Sample(ack, max(post.at - wall, ack))
    call = fake.wait_for(lambda: next((c for c in fake.calls[calls_before:] if c.method == "views.open"
                                       and c.args.get("trigger_id") == trigger), None), ANSWER_TIMEOUT)
    return Sample(ack, max(call.at - wall, ack))


def how_it_answers(driver: SlackDriver, fake: FakeSlack, command: str) -> tuple[str, str]:
    """Send the line once: does the complete answer come in the ack, on the response_url or as a modal?"""
    text_, user = EXAMPLES[command]
    body, _, token = driver.command_body(command, text_, user=user)
    trigger = parse_qs(body.decode())["trigger_id"][0]
    resp = driver.post_raw(body, "application/x-www-form-urlencoded")
    try:
        found = fake.wait_for(lambda: next((r for r in fake.responses if r.token == token), None)
                              or next((c for c in fake.calls if c.method == "views.open"
                                       and c.args.get("trigger_id") == trigger), None), 5)
    except AssertionError:
        found = None
    if found is None:
        ack = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
        if not (ack.get("text") or ack.get("blocks")):
            raise SystemExit(f"{command} {text_!r} gave no answer: {resp.text[:200]}")
        return "ack", str(ack.get("text", ""))[:90]
    if isinstance(found, ResponseUrlPost):
        return "response_url", str(found.body.get("text", ""))[:90]
    return "modal", "opened the declaration modal (views.open)"


def prepare(url: str, n: int, fake: FakeSlack) -> None:
    """A database holding exactly n synthetic accounts (loaded through the real importer)."""
    from bot.importer import import_document

    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        loaded = s.scalar(select(func.count()).select_from(Account))
    if loaded != n:
        if loaded:
            raise SystemExit(f"{url} holds {loaded} accounts, not {n}: use an empty database")
        t0 = time.perf_counter()
        batch: list[dict] = []
        for account in synthetic_accounts(n):
            batch.append(account)
            if len(batch) == 1000:
                with session_scope(factory) as s:
                    import_document({"team": TEAM, "accounts": batch}, s)
                batch = []
        if batch:
            with session_scope(factory) as s:
                import_document({"team": TEAM, "accounts": batch}, s)
        print(f"  loaded {n:,} accounts in {time.perf_counter() - t0:.0f} s")
    with session_scope(factory) as s:
        mirror_directory(fake, s)
    engine.dispose()


def holds(url: str) -> int | None:
    """How many accounts the database holds (None: no schema yet)."""
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as s:
            return s.scalar(select(func.count()).select_from(Account))
    except Exception:
        return None
    finally:
        engine.dispose()


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure(label: str, url: str, n: int, args: argparse.Namespace, fake: FakeSlack, secret: str,
            bare: SlackDriver, commands: list[str], workdir: Path) -> dict[str, Series]:
    print(f"\n== {label}, {n:,} accounts")
    prepare(url, n, fake)
    port = free_port()
    bot = Child.start(["-m", "bot.cli", "serve", "--http", str(port), "--host", "127.0.0.1"],
                      {"DATABASE_URL": url, "SLACK_API_URL": fake.url, "SLACK_BOT_TOKEN": fake.bot_token,
                       "SLACK_SIGNING_SECRET": secret, "SCHEDULER_ENABLED": "false", "LOG_LEVEL": "WARNING"},
                      port, workdir / f"serve-{label}-{n}.log")
    try:
        driver = SlackDriver(bot.url, secret, fake)
        series: dict[str, Series] = {BARE: Series("ack")}
        for command in commands:
            how, shown = how_it_answers(driver, fake, command)
            series[command] = Series(how)
            print(f"  {command} {EXAMPLES[command][0]}  ->  [{how}] {shown}")
        rng = random.Random(7)
        t0 = time.perf_counter()
        for round_ in range(args.warmup + args.requests):
            order = [BARE, *commands]
            rng.shuffle(order)
            for c in order:
                if c == BARE:
                    sample = send(bare, fake, BARE, "", "U0TAE01", "ack")
                else:
                    sample = send(driver, fake, c, *EXAMPLES[c], series[c].how)
                if round_ >= args.warmup:
                    series[c].samples.append(sample)
        print(f"  timed {args.requests} rounds x {len(order)} series in {time.perf_counter() - t0:.0f} s")
    finally:
        bot.stop()
    return series


def table(series: dict[str, Series], commands: list[str]) -> None:
    base = summary([s.ack for s in series[BARE].samples])
    print(f"  {'command':<16} {'answer':<12} {'ack p50':>8} {'ack p99':>8} {'p99 x bare':>10} "
          f"{'answer p50':>10} {'answer p99':>10}   (ms)")
    print(f"  {'bare Bolt app':<16} {'ack':<12} {base['p50'] * 1e3:8.1f} {base['p99'] * 1e3:8.1f} {1:10.2f}")
    for c in commands:
        ack = summary([s.ack for s in series[c].samples])
        answer = summary([s.answer for s in series[c].samples])
        print(f"  {c:<16} {series[c].how:<12} {ack['p50'] * 1e3:8.1f} {ack['p99'] * 1e3:8.1f} "
              f"{ack['p99'] / base['p99']:10.2f} {answer['p50'] * 1e3:10.1f} {answer['p99'] * 1e3:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per command (and bare)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL"),
                        help="a PostgreSQL database to measure on too; `{n}` in the URL gives each size its own "
                             "(reused when it holds exactly n accounts, else its schema is reset and loaded)")
    parser.add_argument("--cache-dir", type=Path, help="keep the SQLite files here and reuse them")
    args = parser.parse_args()

    manifest = sorted(c["command"] for c in load_manifest()["features"]["slash_commands"])
    commands = sorted(registered_commands())
    missing = [c for c in manifest if c not in EXAMPLES]
    if manifest != commands or missing:
        raise SystemExit(f"manifest {manifest} vs registered {commands}; no example for {missing}")

    workdir = Path(tempfile.mkdtemp(prefix="ack-latency-"))
    cache = args.cache_dir or workdir
    cache.mkdir(parents=True, exist_ok=True)
    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    secret = secrets.token_hex(8)
    port = free_port()
    bare_app = Child.start(["-m", "bench.bare_app", str(port), secret, fake.url], {}, port, workdir / "bare.log")
    bare = SlackDriver(bare_app.url, secret, fake)
    results: dict[tuple[str, int], dict[str, Series]] = {}
    try:
        for n in args.accounts:
            results[("SQLite", n)] = measure("SQLite", f"sqlite:///{cache / f'ack-{n}.db'}", n, args, fake, secret,
                                             bare, commands, workdir)
        if args.postgres:
            for n in args.accounts:
                url = normalise_url(args.postgres.format(n=n))
                if holds(url) != n:  # a database already loaded with exactly n accounts is reused
                    reset_postgres(url)
                results[("PostgreSQL", n)] = measure("PostgreSQL", url, n, args, fake, secret, bare, commands, workdir)
    finally:
        bare_app.stop()
        fake.stop()

    print(f"\nmachine: {machine()}")
    print(f"{args.requests} timed requests per series after {args.warmup} warm-up rounds; one request in flight")
    for (label, n), series in results.items():
        print(f"\n{label}, {n:,} accounts")
        table(series, commands)
    small, large = min(args.accounts), max(args.accounts)
    if small != large:
        print(f"\ncomplete answer p99 at {large:,} accounts / at {small:,} (goal <= 1.5x); ack p99 x bare, worst:")
        for label in ("SQLite", "PostgreSQL"):
            if (label, small) not in results:
                continue
            ratios = []
            for c in commands:
                lo = summary([s.answer for s in results[(label, small)][c].samples])["p99"]
                hi = summary([s.answer for s in results[(label, large)][c].samples])["p99"]
                ratios.append(f"{c} {hi / lo:.2f}x")
            worst_ack = max(
                summary([s.ack for s in series[c].samples])["p99"] / summary([s.ack for s in series[BARE].samples])["p99"]
                for (lab, _), series in results.items() if lab == label for c in commands)
            print(f"  {label}: " + ", ".join(ratios) + f"; ack p99 x bare worst {worst_ack:.2f}x")


if __name__ == "__main__":
    main()

"""Ack latency of every slash command over HTTP with 10,000 accounts loaded, as a
ratio to a bare Bolt app answering a trivial command on the same stack and machine.

    python -m bench.ack_latency [--accounts 10000] [--requests 300] [--db /tmp/ack-10k.db]

Every command in manifest.yml is sent with a line that does real work (a real account name for
/churn-risk and /handover-check, a full deal for /quote and /discount, an incident declaration
by a CMOC for /incident); each reply is checked once before timing. Samples are interleaved: each
round sends one request to the bare app and one per command, in a shuffled order, so background
work (a previous command's reply still being computed after its ack) lands on every series alike.
Latency is client-side: from sending the signed POST to reading the HTTP response (the ack).
The bot, the bare app, the fake Slack and the client share one process (and its GIL), so a reply
computed after its ack slows the next acks of every series; a "bare, alone" line, measured first
with nothing else in flight, shows that cost.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.common import TEAM, machine, summary, synthetic_accounts  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.db.models import Account  # noqa: E402
from bot.db.session import session_scope  # noqa: E402
from bot.fakes.driver import SlackDriver  # noqa: E402
from bot.fakes.slack import FakeSlack  # noqa: E402
from bot.fakes.workspace import mirror_directory, seed_workspace  # noqa: E402
from bot.manifest import load_manifest, registered_commands  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.server import HttpServer, make_wsgi_app  # noqa: E402
from bot.settings import Settings  # noqa: E402

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


def bare_bolt(fake: FakeSlack, secret: str) -> HttpServer:
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(signing_secret=secret, client=WebClient(token="xoxb-bench", base_url=fake.url),
              token_verification_enabled=False)

    @app.command(BARE)
    def bare(ack):
        ack("ok")

    return HttpServer(SlackRequestHandler(app)).start()


def one_ack(driver: SlackDriver, command: str, text: str, user: str) -> float:
    body, _, _ = driver.command_body(command, text, user=user)
    started = time.perf_counter()
    resp = driver.post_raw(body, "application/x-www-form-urlencoded")
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200, (command, resp.status_code, resp.text)
    return elapsed


def check_replies(driver: SlackDriver, fake: FakeSlack, commands: list[str]) -> dict[str, str]:
    """Send each line once and show what the user got, so the timed requests do real work.
    Returns how each command answers: in the ack itself, on the response_url, or with a modal."""
    how = {}
    for command in commands:
        text, user = EXAMPLES[command]
        if command == "/incident":
            before = len(fake.calls_to("views.open"))
            driver.command(command, text, user=user)
            fake.wait_for(lambda b=before: len(fake.calls_to("views.open")) > b, 10)
            how[command], shown = "modal", "opened the declaration modal (views.open)"
        else:
            reply = driver.command(command, text, user=user)
            ack = reply.ack
            how[command] = "ack" if ack and (ack.get("text") or ack.get("blocks")) else "response_url"
            shown = reply.text(timeout=10).splitlines()[0]
        print(f"  {command} {text}  ->  [{how[command]}] {shown[:100]}")
    return how


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per command (and bare)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--db", type=Path, help="SQLite file to keep the loaded accounts in (reused when it exists)")
    args = parser.parse_args()

    manifest = sorted(c["command"] for c in load_manifest()["features"]["slash_commands"])
    commands = sorted(registered_commands())
    missing = [c for c in manifest if c not in EXAMPLES]
    if manifest != commands or missing:
        raise SystemExit(f"manifest {manifest} vs registered {commands}; no example for {missing}")

    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    secret = secrets.token_hex(8)
    db = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    reuse = db.exists()
    settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret=secret, slack_api_url=fake.url,
                        database_url=f"sqlite:///{db}", scheduler_enabled=False)
    rt = build_runtime(settings)
    from bot.importer import import_document

    t0 = time.perf_counter()
    if not reuse:
        accounts = list(synthetic_accounts(args.accounts))
        for i in range(0, len(accounts), 1000):
            with session_scope(rt.session_factory) as s:
                import_document({"team": TEAM, "accounts": accounts[i:i + 1000]}, s)
    with session_scope(rt.session_factory) as s:
        mirror_directory(fake, s)
        loaded = s.scalar(select(func.count()).select_from(Account))
    if loaded != args.accounts:
        raise SystemExit(f"{db} holds {loaded} accounts, not {args.accounts}")
    print(f"{'reused' if reuse else 'loaded'} {loaded} accounts in {time.perf_counter() - t0:.1f}s ({db})")

    bare = bare_bolt(fake, secret)
    bare_driver = SlackDriver(bare.url, secret, fake)
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    driver = SlackDriver(server.url, secret, fake)
    print("replies (checked once before timing):")
    how = check_replies(driver, fake, commands)

    # For scale only (not the baseline): the bare app with no command work in flight.
    for _ in range(args.warmup):
        one_ack(bare_driver, BARE, "", "U0TAE01")
    alone = summary([one_ack(bare_driver, BARE, "", "U0TAE01") for _ in range(args.requests)])

    series = [BARE, *commands]
    samples: dict[str, list[float]] = {c: [] for c in series}
    rng = random.Random(7)
    t0 = time.perf_counter()
    for round_ in range(args.warmup + args.requests):
        order = series[:]
        rng.shuffle(order)
        for c in order:
            if c == BARE:
                elapsed = one_ack(bare_driver, BARE, "", "U0TAE01")
            else:
                elapsed = one_ack(driver, c, *EXAMPLES[c])
            if round_ >= args.warmup:
                samples[c].append(elapsed)
    print(f"timed {args.requests} rounds x {len(series)} series (interleaved) in {time.perf_counter() - t0:.1f}s")

    base = summary(samples[BARE])
    print(f"\nmachine: {machine()}")
    print(f"accounts: {args.accounts}; {args.requests} requests per series after {args.warmup} warm-up rounds\n")
    print(f"{'command':<16} {'p50 ms':>8} {'p99 ms':>8} {'p50 x':>7} {'p99 x':>7}  line")
    print(f"{'bare, alone':<16} {alone['p50'] * 1000:8.2f} {alone['p99'] * 1000:8.2f} {'':>7} {'':>7}"
          "  /bare before the commands, nothing else in flight (for scale; not the baseline)")
    print(f"{'bare Bolt app':<16} {base['p50'] * 1000:8.2f} {base['p99'] * 1000:8.2f} {1:7.2f} {1:7.2f}"
          "  /bare, interleaved with the commands: the baseline")
    for c in commands:
        s = summary(samples[c])
        print(f"{c:<16} {s['p50'] * 1000:8.2f} {s['p99'] * 1000:8.2f} "
              f"{s['p50'] / base['p50']:7.2f} {s['p99'] / base['p99']:7.2f}  {EXAMPLES[c][0]}")
    print("\n(x = ratio to the bare Bolt app in the same run; goal: p99 <= 1.5x)")
    # Let the replies still being computed after their acks finish before the servers stop.
    rounds = args.warmup + args.requests
    views = sum(1 for c in commands if how[c] == "modal") * rounds
    replies = sum(1 for c in commands if how[c] == "response_url") * rounds
    try:
        fake.wait_for(lambda: len(fake.calls_to("views.open")) >= views and len(fake.responses) >= replies, 120)
    except AssertionError:
        print(f"still waiting: {len(fake.calls_to('views.open'))}/{views} modals, {len(fake.responses)}/{replies} replies")
    time.sleep(1)
    server.stop()
    bare.stop()
    fake.stop()


if __name__ == "__main__":
    main()

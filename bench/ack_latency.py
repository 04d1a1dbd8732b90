"""Ack latency of every slash command over HTTP with 10,000 accounts loaded, as a
ratio to a bare Bolt app answering a trivial command on the same stack and machine.

    python -m bench.ack_latency [--accounts 10000] [--requests 300]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from pathlib import Path

from slack_bolt import App

from bench.common import TEAM, machine, summary, synthetic_accounts
from bot.app import create_app
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver
from bot.fakes.slack import FakeSlack
from bot.fakes.workspace import mirror_directory, seed_workspace
from bot.manifest import registered_commands
from bot.runtime import build_runtime
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings

# A representative line for each command (kept in step with the manifest's usage hints).
EXAMPLES = {
    "/quote": "120k 2y net30",
    "/discount": "38% 120k 2y",
    "/handover-check": "Bench Account 000042 to tam",
    "/churn-risk": "Bench Account 000042",
    "/incident": "list",
}


def time_acks(driver: SlackDriver, command: str, text: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        body, _, _ = driver.command_body(command, text)
        started = time.perf_counter()
        resp = driver.post_raw(body, "application/x-www-form-urlencoded")
        samples.append(time.perf_counter() - started)
        assert resp.status_code == 200, resp.text
    return samples


def bare_bolt(fake: FakeSlack, secret: str) -> HttpServer:
    from slack_sdk import WebClient

    app = App(signing_secret=secret, client=WebClient(token="xoxb-bench", base_url=fake.url),
              token_verification_enabled=False)

    @app.command("/bare")
    def bare(ack):
        ack("ok")

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    return HttpServer(SlackRequestHandler(app)).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    secret = secrets.token_hex(8)
    db = Path(tempfile.mkdtemp()) / "bench.db"
    settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret=secret, slack_api_url=fake.url,
                        database_url=f"sqlite:///{db}", scheduler_enabled=False)
    rt = build_runtime(settings)
    from bot.importer import import_document

    t0 = time.perf_counter()
    accounts = list(synthetic_accounts(args.accounts))
    for i in range(0, len(accounts), 1000):
        with session_scope(rt.session_factory) as s:
            import_document({"team": TEAM, "accounts": accounts[i:i + 1000]}, s)
    with session_scope(rt.session_factory) as s:
        mirror_directory(fake, s)
    print(f"loaded {args.accounts} accounts in {time.perf_counter() - t0:.1f}s")

    bare = bare_bolt(fake, secret)
    bare_driver = SlackDriver(bare.url, secret, fake)
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    driver = SlackDriver(server.url, secret, fake)

    time_acks(bare_driver, "/bare", "", 20)  # warm-up
    base = summary(time_acks(bare_driver, "/bare", "", args.requests))
    print(f"\nmachine: {machine()}")
    print(f"baseline bare Bolt app: p50 {base['p50'] * 1000:.2f} ms, p99 {base['p99'] * 1000:.2f} ms\n")
    print(f"{'command':<16} {'p50 ms':>8} {'p99 ms':>8} {'p50 x':>7} {'p99 x':>7}")
    for command in registered_commands():
        text = EXAMPLES.get(command, "help")
        time_acks(driver, command, text, 20)
        s = summary(time_acks(driver, command, text, args.requests))
        print(f"{command:<16} {s['p50'] * 1000:8.2f} {s['p99'] * 1000:8.2f} "
              f"{s['p50'] / base['p50']:7.2f} {s['p99'] / base['p99']:7.2f}")
    server.stop()
    bare.stop()
    fake.stop()


if __name__ == "__main__":
    main()

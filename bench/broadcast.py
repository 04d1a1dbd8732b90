"""SEV 0 broadcast to 500 customer channels through the fake Slack enforcing a workspace limit (4,
20 and 50 a second) and 1 message a second per channel: completion time against the bound the
fake's own limits allow (N / workspace limit), cold (first broadcast) and warm (the rate found is
remembered), plus one run where 5% of channels answer 429 for 10 s. Not a test: nothing is asserted.

    python -m bench.broadcast [--channels 500] [--limits 4 20 50] [--throttle-limit 20]

The whole path runs: signed /incident command, declare, draft and preview modals, the confirm,
then the paced sender posting over HTTP; the clock starts at the confirm and stops when the
last delivery row is `sent`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bench.common import machine
from bot.app import create_app
from bot.db.session import session_scope
from bot.fakes.driver import SlackDriver
from bot.fakes.slack import FakeSlack
from bot.fakes.workspace import mirror_directory, seed_workspace
from bot.incidents.dispatch import incident_settings, wait_idle
from bot.incidents.tables import Broadcast, PostRate
from bot.runtime import build_runtime
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings
from services.incidents.broadcast_pacing import time_bound

CMOC = "U0BENCHCMOC"


def _text(v: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": v}}


def _submit(driver: SlackDriver, view: dict, values: dict) -> dict:
    resp = driver.view_submission(view, values, user=CMOC)
    return json.loads(resp.text) if resp.text else {}


def run(channels: int, rate: float, burst: int, limit: float, *, max_rate: float = 100.0, remembered: float | None = None,
        throttled_share: float = 0.0) -> dict:
    os.environ.update(SLACK_POST_RATE_PER_SEC=str(rate), SLACK_POST_BURST=str(burst), SLACK_POST_RATE_MAX_PER_SEC=str(max_rate),
                      CMOC_EU="U0BENCHCMOC", CMOC_US="U0BENCHCMOC")
    os.environ.pop("GTMBOT_NOW", None)
    incident_settings.cache_clear()
    tmp = Path(tempfile.mkdtemp(prefix="gtmbot-bench-"))
    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    # Slack's documented limits: ~1/s per channel; the workspace's, which Slack does not publish, is `limit`
    fake.rate_limit("chat.postMessage", per_second=1, burst=1, per_channel=True)
    fake.rate_limit("chat.postMessage", per_second=limit, burst=max(limit, 1))
    secret = secrets.token_hex(16)
    settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret=secret, slack_api_url=fake.url, database_url=f"sqlite:///{tmp / 'bench.db'}", scheduler_enabled=False)
    rt = build_runtime(settings)
    from bot.importer import import_document

    team = [{"slack_id": CMOC, "name": "Bench CMOC", "role": "LEAD", "region": "EU", "is_team_lead": True}]
    team += [{"slack_id": f"U0BENCH{i:02d}", "name": f"Owner {i:02d}", "role": "CSM", "region": "EU"} for i in range(40)]
    accounts = [
        {"id": f"bcast-{i:04d}", "name": f"Broadcast Customer {i:04d}", "arr": f"{1000 + i}.00", "owner_slack_id": f"U0BENCH{i % 40:02d}", "cloud": "EU", "slack_channel_ids": [f"C0BCAST{i:04d}"]}
        for i in range(channels)
    ]
    with session_scope(rt.session_factory) as s:
        import_document({"team": team, "accounts": accounts}, s)
    with session_scope(rt.session_factory) as s:
        mirror_directory(fake, s)
        if remembered:
            s.add(PostRate(team_id=fake.team_id, rate=remembered))
    all_channels = [a["slack_channel_ids"][0] for a in accounts]
    throttled = set(random.Random(18).sample(all_channels, int(channels * throttled_share)))
    for ch in throttled:
        fake.throttle_channel(ch, seconds=10)
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    driver = SlackDriver(server.url, secret, fake)
    try:
        driver.command("/incident", "declare sev0 bench", user=CMOC)
        view = fake.wait_for(lambda: [c.args["view"] for c in fake.calls_to("views.open")])[-1]
        values = {"severity": {"value": {"type": "static_select", "selected_option": {"value": "0"}}}, "feature": _text("the PostHog app"), "symptom": _text("The PostHog app is unreachable."), "title": _text("bench"), "cloud": {"value": {"type": "static_select", "selected_option": {"value": "both"}}}, "cmoc": {"value": {"type": "users_select", "selected_user": CMOC}}}
        draft = _submit(driver, view, values)["view"]
        preview = _submit(driver, draft, {"f_feature": _text("the PostHog app"), "f_symptom": _text("The PostHog app is unreachable.")})["view"]
        start, start_wall = time.monotonic(), time.time()
        _submit(driver, preview, {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}})

        def done() -> bool:
            with session_scope(rt.session_factory) as s:
                return s.scalar(select(Broadcast.status)) in ("sent", "partially_failed", "failed")

        fake.wait_for(done, timeout=channels / min(rate, limit) * 3 + 60)
        elapsed = time.monotonic() - start
        wait_idle(60)
        per_channel = Counter(ch for ch in all_channels for _ in fake.posts(ch))
        customer = set(all_channels)
        limited = sum(1 for c in fake.calls if c.method == "chat.postMessage" and c.status == 429 and c.args.get("channel") in customer)
        others = max(float(fake.posts(ch)[0]["ts"]) for ch in all_channels if ch not in throttled and fake.posts(ch)) - start_wall
        with session_scope(rt.session_factory) as s:
            found = s.scalar(select(PostRate.rate))
    finally:
        server.stop()
        fake.stop()
        rt.engine.dispose()
    bound = time_bound(channels, limit)
    return {
        "channels": channels,
        "limit": limit,
        "elapsed_s": elapsed,
        "others_s": others,
        "bound_s": bound,
        "ratio": elapsed / bound,
        "others_ratio": others / bound,
        "delivered": len(per_channel),
        "lost": channels - len(per_channel),
        "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
        "http_429s": limited,
        "throttled": len(throttled),
        "found_rate": found,
    }


def _line(label: str, r: dict) -> str:
    return (f"  {label:<5} {r['elapsed_s']:6.1f} s  bound {r['bound_s']:6.1f} s  ratio {r['ratio']:.2f}  "
            f"delivered {r['delivered']}/{r['channels']}  lost {r['lost']}  duplicates {r['duplicates']}  "
            f"429s {r['http_429s']} ({r['http_429s'] / r['channels']:.1%})  pace found {r['found_rate'] or 0:.1f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--limits", type=float, nargs="+", default=[4, 20, 50], help="workspace limits the fake enforces, a second")
    parser.add_argument("--throttle-limit", type=float, default=20, help="workspace limit of the run where 5%% of channels answer 429 for 10 s")
    parser.add_argument("--rate", type=float, default=4.0, help="SLACK_POST_RATE_PER_SEC, the cold start (default 4)")
    parser.add_argument("--max-rate", type=float, default=100.0, help="SLACK_POST_RATE_MAX_PER_SEC (default 100, above every limit)")
    parser.add_argument("--burst", type=int, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"SEV 0 broadcast to {args.channels} channels, start {args.rate:g}/s, cap {args.max_rate:g}/s; fake Slack: 1/s per channel + workspace limit")
    for limit in args.limits:
        print(f"workspace limit {limit:g}/s:")
        cold = run(args.channels, args.rate, args.burst, limit, max_rate=args.max_rate)
        print(_line("cold", cold), flush=True)
        warm = run(args.channels, args.rate, args.burst, limit, max_rate=args.max_rate, remembered=cold["found_rate"])
        print(_line("warm", warm), flush=True)
    limit = args.throttle_limit
    print(f"workspace limit {limit:g}/s, 5% of channels answer 429 for 10 s (Retry-After: the time left):")
    for label, remembered in (("cold", None), ("warm", limit)):
        r = run(args.channels, args.rate, args.burst, limit, max_rate=args.max_rate, remembered=remembered, throttled_share=0.05)
        print(_line(label, r))
        print(f"        the other {r['channels'] - r['throttled']} channels done in {r['others_s']:.1f} s: ratio {r['others_ratio']:.2f}", flush=True)


if __name__ == "__main__":
    main()

"""SEV 0 broadcast to 500 customer channels through the fake Slack with Slack's limits switched
on (1 message/s per channel, a workspace cap above our pace): completion time against the
rate-limit bound N / r (spec D.3), printed as a ratio. Not a test: nothing is asserted.

    python -m bench.broadcast [--channels 500] [--rate 4] [--burst 8]

The whole path runs: signed /incident command, declare, draft and preview modals, the confirm,
then the paced sender posting over HTTP; the clock starts at the confirm and stops when the
last delivery row is `sent`.
"""

from __future__ import annotations

import argparse
import json
import os
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
from bot.incidents.tables import Broadcast
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


def run(channels: int, rate: float, burst: int) -> dict:
    os.environ.update(SLACK_POST_RATE_PER_SEC=str(rate), SLACK_POST_BURST=str(burst), CMOC_EU="U0BENCHCMOC", CMOC_US="U0BENCHCMOC")
    os.environ.pop("GTMBOT_NOW", None)
    incident_settings.cache_clear()
    tmp = Path(tempfile.mkdtemp(prefix="gtmbot-bench-"))
    fake = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
    # Slack's documented limits: ~1/s per channel, "several hundred per minute" workspace-wide
    fake.rate_limit("chat.postMessage", per_second=1, burst=1, per_channel=True)
    fake.rate_limit("chat.postMessage", per_second=max(rate * 1.5, 5), burst=burst * 2)
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
    server = HttpServer(make_wsgi_app(rt, create_app(rt))).start()
    driver = SlackDriver(server.url, secret, fake)
    try:
        driver.command("/incident", "declare sev0 bench", user=CMOC)
        view = fake.wait_for(lambda: [c.args["view"] for c in fake.calls_to("views.open")])[-1]
        values = {"severity": {"value": {"type": "static_select", "selected_option": {"value": "0"}}}, "feature": _text("the PostHog app"), "symptom": _text("The PostHog app is unreachable."), "title": _text("bench"), "cloud": {"value": {"type": "static_select", "selected_option": {"value": "both"}}}, "cmoc": {"value": {"type": "users_select", "selected_user": CMOC}}}
        draft = _submit(driver, view, values)["view"]
        preview = _submit(driver, draft, {"f_feature": _text("the PostHog app"), "f_symptom": _text("The PostHog app is unreachable.")})["view"]
        start = time.monotonic()
        _submit(driver, preview, {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}})

        def done() -> bool:
            with session_scope(rt.session_factory) as s:
                return s.scalar(select(Broadcast.status)) in ("sent", "partially_failed", "failed")

        fake.wait_for(done, timeout=channels / rate * 3 + 60)
        elapsed = time.monotonic() - start
        wait_idle(60)
        per_channel = Counter(ch for ch in (a["slack_channel_ids"][0] for a in accounts) for _ in fake.posts(ch))
        limited = sum(1 for c in fake.calls if c.method == "chat.postMessage" and c.status == 429)
    finally:
        server.stop()
        fake.stop()
        rt.engine.dispose()
    bound = time_bound(channels, rate)
    return {
        "channels": channels,
        "rate": rate,
        "elapsed_s": elapsed,
        "bound_s": bound,
        "ratio": elapsed / bound,
        "delivered": sum(per_channel.values()),
        "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
        "http_429s": limited,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--rate", type=float, default=4.0, help="SLACK_POST_RATE_PER_SEC (default: the setting's default, 4)")
    parser.add_argument("--burst", type=int, default=8)
    args = parser.parse_args()
    r = run(args.channels, args.rate, args.burst)
    print(f"machine: {machine()}")
    print(f"SEV 0 broadcast to {r['channels']} channels at {r['rate']:g} msg/s (fake Slack: 1/s per channel, workspace cap on)")
    print(f"  completed in {r['elapsed_s']:.1f} s; bound N/r = {r['bound_s']:.1f} s; ratio {r['ratio']:.3f}")
    print(f"  delivered {r['delivered']}/{r['channels']}, duplicates {r['duplicates']}, HTTP 429s seen {r['http_429s']}")


if __name__ == "__main__":
    main()

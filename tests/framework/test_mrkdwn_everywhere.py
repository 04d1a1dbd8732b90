"""Every payload the demo tour sends is escaped, within Slack's limits, and cites the handbook by link.

The tour (`gtmbot demo --tour`) runs every capability once through the real app and a local Slack;
this test replays it and checks every ack, response_url post, chat.* call and view the bot made with
tests/framework/blockkit.py. The builders' own fixtures are checked too: tests/conftest.py wraps
every bot/<capability>/blocks.py builder so each test that renders one checks what it returned.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.demo import TOUR, start_demo
from bot.render import blocks_to_text
from tests.framework.blockkit import problems

FILE_LINE = re.compile(r"\b00\d(?:_[0-9a-f]{16}\.txt)?:\d+")
# Beyond the tour: each command's help, and no argument, as a new rep would first type them.
EXTRA = [
    ("help", "/quote help"), ("help", "/discount help"), ("help", "/handover-check help"),
    ("help", "/churn-risk help"), ("help", "/incident help"), ("no argument", "/quote"),
    ("no argument", "/discount"), ("no argument", "/handover-check"), ("no argument", "/incident"),
    ("bad input", "/handover-check <acme> to <TAM>"), ("bad input", "/churn-risk <!channel> & co"),
]


@dataclass
class Tour:
    transcript: list[tuple[str, str]]  # (line, what the demo printed)
    payloads: list[tuple[str, Any]]  # (where, payload)


@pytest.fixture(scope="module")
def tour(tmp_path_factory) -> Iterator[Tour]:
    saved = os.environ.get("GTMBOT_NOW")
    os.environ["GTMBOT_NOW"] = "2025-06-02T09:00:00Z"
    session, server = start_demo(tmp_path_factory.mktemp("tour") / "demo.db")
    acks: list[tuple[str, str]] = []
    post_raw = session.driver.post_raw

    def recording(body: bytes, *args: Any, **kwargs: Any):
        resp = post_raw(body, *args, **kwargs)
        acks.append((body.decode(errors="replace")[:80], resp.text))
        return resp

    session.driver.post_raw = recording  # type: ignore[method-assign]
    try:
        transcript = [(line, session.run_line(line)) for _, line in [*TOUR, *EXTRA]]
        payloads: list[tuple[str, Any]] = []
        for req, body in acks:
            try:
                data = json.loads(body) if body else None
            except ValueError:
                data = None
            if isinstance(data, dict) and (data.get("text") or data.get("blocks")):
                payloads.append((f"ack to {req}", data))
        payloads += [(f"response_url {r.channel}", r.body) for r in session.fake.responses]
        for call in session.fake.calls:
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
                msg = {k: call.args[k] for k in ("text", "blocks", "mrkdwn") if k in call.args}
                payloads.append((f"{call.method} {call.args.get('channel')}", msg))
            elif call.method.startswith("views."):
                payloads.append((call.method, call.args.get("view")))
        yield Tour(transcript, payloads)
    finally:
        server.stop()
        session.fake.stop()
        if saved is None:
            os.environ.pop("GTMBOT_NOW", None)
        else:
            os.environ["GTMBOT_NOW"] = saved


def test_the_tour_sends_something_from_every_capability(tour: Tour) -> None:
    wheres = " ".join(w for w, _ in tour.payloads)
    assert len(tour.payloads) > 50
    for needle in ("chat.postMessage", "response_url", "views.publish"):
        assert needle in wheres


def test_every_payload_is_escaped_and_within_slacks_limits(tour: Tour) -> None:
    found = [f"{where}: {p}" for where, payload in tour.payloads for p in problems(payload, "")]
    assert not found, "\n".join(found[:40])


def test_no_reply_in_the_tour_shows_a_file_line_citation(tour: Tour) -> None:
    shown = [(line, m.group(0)) for line, out in tour.transcript for m in FILE_LINE.finditer(out)]
    for where, payload in tour.payloads:
        blocks = payload.get("blocks") if isinstance(payload, dict) else None
        text = blocks_to_text(blocks, payload.get("text", "") if isinstance(payload, dict) else "")
        shown += [(where, m.group(0)) for m in FILE_LINE.finditer(text)]
    assert not shown, shown[:20]
    assert any("<https://posthog.com/handbook/" in out for _, out in tour.transcript)

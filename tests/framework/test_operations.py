"""Operations: /metrics in Prometheus format, JSON logs with request ids, secrets never logged."""

from __future__ import annotations

import io
import json
import logging

import httpx

from bot.db.session import session_scope
from bot.logs import RedactingFormatter, RequestIdFilter
from bot.outbox import enqueue
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


def _app_with_echo(app):
    @app.command("/gtmbot-echo")
    def echo(ack, command, respond, logger):
        ack()
        logging.getLogger("gtmbot.test").info("echo for %s with token %s", command["user_id"], BOT_TOKEN)
        respond(text="ok")


def test_metrics_count_requests_time_acks_and_show_the_outbox_backlog(bot_factory, rt):
    bot = bot_factory(_app_with_echo)
    assert bot.command("/gtmbot-echo", "hi").text() == "ok"
    with session_scope(rt.session_factory) as s:
        enqueue(s, key="m1", channel="C0SALESALERTS", text="queued")
    resp = httpx.get(bot.url.replace("/slack/events", "/metrics"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    body = resp.text
    assert 'gtmbot_requests_total{kind="command",status="200"}' in body
    assert "# TYPE gtmbot_ack_seconds histogram" in body
    assert 'gtmbot_ack_seconds_bucket{kind="command",le="+Inf"}' in body
    assert 'gtmbot_outbox_messages{status="pending"} 1' in body


def test_json_logs_carry_the_request_id_and_never_a_secret(bot_factory):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(json_lines=True, secrets=[BOT_TOKEN, SIGNING_SECRET]))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        bot = bot_factory(_app_with_echo)
        bot.command("/gtmbot-echo", "hi").text()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    echo = next(line for line in lines if line["logger"] == "gtmbot.test")
    assert echo["request_id"] not in ("", "-")
    assert "[redacted]" in echo["msg"]
    captured = stream.getvalue()
    assert BOT_TOKEN not in captured and SIGNING_SECRET not in captured

"""Operations: /metrics in Prometheus format, JSON logs with request ids, secrets never logged."""

from __future__ import annotations

import io
import json
import logging

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families

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
    families = {f.name: f for f in text_string_to_metric_families(resp.text)}  # the library's own parser
    requests = {(s.labels["kind"], s.labels["status"]): s.value
                for s in families["gtmbot_requests"].samples if s.name == "gtmbot_requests_total"}
    assert requests[("command", "200")] >= 1
    assert families["gtmbot_ack_seconds"].type == "histogram"
    assert any(s.name == "gtmbot_ack_seconds_bucket" and s.labels == {"kind": "command", "le": "+Inf"}
               and s.value >= 1 for s in families["gtmbot_ack_seconds"].samples)
    outbox = {s.labels["status"]: s.value for s in families["gtmbot_outbox_messages"].samples}
    assert outbox == {"pending": 1, "sending": 0, "failed": 0}
    assert "process_cpu_seconds" in families and "python_info" in families  # the default collectors


def test_metrics_speak_openmetrics_to_a_scraper_that_asks_for_it(bot_factory):
    bot = bot_factory(_app_with_echo)
    bot.command("/gtmbot-echo", "hi").text()
    resp = httpx.get(bot.url.replace("/slack/events", "/metrics"),
                     headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert resp.headers["content-type"].startswith("application/openmetrics-text")
    assert resp.text.endswith("# EOF\n")
    families = {f.name: f for f in openmetrics_families(resp.text)}
    assert families["gtmbot_requests"].type == "counter"
    assert any(s.labels.get("kind") == "command" for s in families["gtmbot_requests"].samples)


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

"""The rails every command rides on: signed requests only, health, the internal-only
guard, the central error handler, and duplicate Slack events ignored."""

from __future__ import annotations

import time

import httpx

from bot.fakes.driver import wait_idle, wait_until
from bot.guard import REFUSAL, internal_only
from tests.conftest import SIGNING_SECRET
from tests.fakes.slack import EXTERNAL_USER, GUEST_USER, sign


def _echo_app(seen: list):
    def customize(app):
        @app.command("/gtmbot-echo", middleware=[internal_only])
        def echo(ack, command, respond):
            ack()
            seen.append(command["text"])
            respond(text=f"echo: {command['text']}", response_type="ephemeral")

        @app.command("/gtmbot-boom")
        def boom(ack):
            ack()
            raise RuntimeError("kaboom with a secret xoxb-should-not-leak")

        @app.event("reaction_added")
        def on_reaction(event):
            seen.append(("reaction", event["reaction"]))

    return customize


def test_signed_command_is_answered_on_the_response_url(bot_factory):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    reply = bot.command("/gtmbot-echo", "120k 2y")
    assert reply.status == 200
    assert reply.text() == "echo: 120k 2y"
    assert reply.first()["response_type"] == "ephemeral"


def test_forged_signature_is_rejected_and_nothing_runs(bot_factory, fake_slack):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    body, _, _ = bot.command_body("/gtmbot-echo", "forged")
    ts = str(int(time.time()))
    resp = bot.post_raw(body, "application/x-www-form-urlencoded", timestamp=int(ts),
                        signature=sign("not-the-secret", ts, body))
    assert resp.status_code == 401
    wait_idle()  # no listener was started; had one been, it would have finished
    assert seen == [] and fake_slack.responses == []


def test_stale_timestamp_is_rejected_even_with_a_valid_signature(bot_factory, fake_slack):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    body, _, _ = bot.command_body("/gtmbot-echo", "replayed")
    old = int(time.time()) - 60 * 10
    resp = bot.post_raw(body, "application/x-www-form-urlencoded", timestamp=old,
                        signature=sign(SIGNING_SECRET, str(old), body))
    assert resp.status_code == 401
    wait_idle()  # no listener was started; had one been, it would have finished
    assert seen == [] and fake_slack.responses == []


def test_healthz_reports_a_reachable_database(bot):
    resp = httpx.get(bot.url.replace("/slack/events", "/healthz"))
    assert resp.status_code == 200
    assert resp.json() == {"ok": True, "database": "reachable"}


def test_unknown_path_is_404(bot):
    assert httpx.get(bot.url.replace("/slack/events", "/nope")).status_code == 404


def test_slack_connect_user_is_refused_ephemerally(bot_factory):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    reply = bot.command("/gtmbot-echo", "acme", user=EXTERNAL_USER, user_team_id="T0CUSTOMER")
    assert reply.ack == {"response_type": "ephemeral", "text": REFUSAL.replace("this command", "/gtmbot-echo")}
    assert seen == []


def test_guest_of_our_own_workspace_is_refused(bot_factory):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    reply = bot.command("/gtmbot-echo", "acme", user=GUEST_USER)
    assert "only for members of our own workspace" in reply.text()
    assert seen == []


def test_any_exception_becomes_a_short_apology_with_a_reference(bot_factory, caplog):
    bot = bot_factory(_echo_app([]))
    reply = bot.command("/gtmbot-boom", "")
    text = reply.text()
    assert text.startswith("Sorry, something went wrong on my side")
    ref = text.split("reference `")[1].split("`")[0]
    assert len(ref) == 8
    assert "kaboom" not in text
    assert any(ref in r.getMessage() for r in caplog.records)
    assert reply.first()["response_type"] == "ephemeral"


def test_retried_and_duplicate_events_are_processed_once(bot_factory):
    seen: list = []
    bot = bot_factory(_echo_app(seen))
    event = {"type": "reaction_added", "user": "U0TAE01", "reaction": "ticket",
             "item": {"type": "message", "channel": "C0GENERAL", "ts": "1700000000.000100"},
             "event_ts": "1700000001.000200"}
    assert bot.event(event, event_id="Ev0001").status_code == 200
    assert bot.event(event, event_id="Ev0001", retry_num=1).status_code == 200
    assert bot.event(event, event_id="Ev0001").status_code == 200
    wait_until(lambda: seen)
    wait_idle()  # every delivery's listener (if it had one) has finished
    assert seen == [("reaction", "ticket")]


def test_the_answer_is_written_before_the_request_is_marked_done(rt, fake_slack):
    """Slack gets its answer first; the bookkeeping commit (marking the request done) runs when the
    server closes the body, i.e. after the answer is on the socket, and is counted as work in flight."""
    import io

    from sqlalchemy import select

    from bot.app import create_app
    from bot.db.core import InboundRequest
    from bot.db.session import session_scope
    from bot.fakes.driver import SlackDriver
    from bot.server import make_wsgi_app

    app = create_app(rt)
    app.command("/gtmbot-ping")(lambda ack: ack("pong"))
    wsgi = make_wsgi_app(rt, app)
    body, _, _ = SlackDriver("http://unused", SIGNING_SECRET, fake_slack).command_body("/gtmbot-ping")
    ts = str(int(time.time()))
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
               "HTTP_X_SLACK_SIGNATURE": sign(SIGNING_SECRET, ts, body)}
    statuses: list[str] = []
    answer = wsgi(environ, lambda status, headers, exc_info=None: statuses.append(status))

    def status() -> str:
        with session_scope(rt.session_factory) as s:
            return s.scalar(select(InboundRequest.status).where(InboundRequest.key.like("gtmbot-ping:%")))

    assert statuses == ["200 OK"] and b"".join(answer) == b"pong"
    assert status() == "in_progress"  # recorded before the ack, not yet marked done
    answer.close()  # the server has written the answer
    wait_idle(5)
    assert status() == "done"

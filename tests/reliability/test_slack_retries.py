"""Slack delivers at least once. Retries (X-Slack-Retry-Num / X-Slack-Retry-Reason), the same
event_id delivered again, delivered concurrently, and a slash command's request sent twice must
all leave one ticket, one confirmation, one answer."""

from __future__ import annotations

import json
import threading

from tests.reliability.conftest import (
    COMMANDS,
    EXTERNAL_USER,
    INTERNAL_USER,
    confirmations,
    settle,
    ticket_event,
    wait,
)

REASONS = ["http_timeout", "http_error", "connection_failed", "too_many_connections", "unknown_error"]


def one_ticket_one_confirmation(world) -> None:
    wait(lambda: confirmations(world.slack))
    settle()
    assert len(world.zendesk.tickets()) == 1
    assert len([r for r in world.zendesk.ticket_creates() if r.status == 201]) == 1
    assert len(confirmations(world.slack)) == 1
    assert len(world.rows()) == 1


def test_event_retries_with_the_same_event_id_make_one_ticket(world):
    """Each retry reason Slack sends, on its own thread: the first delivery and three retries."""
    for i, reason in enumerate(REASONS):
        ts = f"1700000100.{i:06d}"
        world.message("C_ACME", f"Broken thing {i}", user=EXTERNAL_USER, ts=ts)
        event, event_id = ticket_event(ts=ts), f"EvRetry{i}"
        assert world.bot.post_raw(_envelope(world, event, event_id), "application/json").status_code == 200
        for n in (1, 2, 3):  # Slack's schedule: immediately, after 1 minute, after 5 minutes
            resp = world.bot.post_raw(_envelope(world, event, event_id), "application/json", retry_num=n,
                                      retry_reason=reason)
            assert resp.status_code == 200, reason
    wait(lambda: len(confirmations(world.slack)) == len(REASONS))
    settle()
    assert len(world.zendesk.tickets()) == len(REASONS)
    assert len([r for r in world.zendesk.ticket_creates() if r.status == 201]) == len(REASONS)
    per_thread = [p["thread_ts"] for p in confirmations(world.slack)]
    assert sorted(per_thread) == [f"1700000100.{i:06d}" for i in range(len(REASONS))]  # one each


def test_retry_arriving_before_the_first_delivery_finished(world):
    """Slack retries when the ack is slow: the retry races the original, both with one event_id."""
    event = ticket_event()
    body = _envelope(world, event, "EvRace1")
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda n=n: statuses.append(
        world.bot.post_raw(body, "application/json", retry_num=n or None).status_code)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    one_ticket_one_confirmation(world)


def test_several_people_react_at_once_with_distinct_event_ids(world):
    """Different deliveries (distinct event_ids) about one thread: still one ticket."""
    users = [EXTERNAL_USER, "U_EXT2", "U_EXT3", "U_ALICE", "U_BOB"]
    threads = [threading.Thread(target=world.bot.event, args=(ticket_event(user=u),),
                                kwargs={"event_id": f"EvMany{i}"}) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    one_ticket_one_confirmation(world)


def _envelope(world, event: dict, event_id: str) -> bytes:
    return json.dumps({
        "token": "legacy-verification-token", "team_id": world.slack.team_id, "api_app_id": "A0GTMBOT",
        "event": event, "type": "event_callback", "event_id": event_id, "event_time": 1700000000,
        "is_ext_shared_channel": True,
        "authorizations": [{"team_id": world.slack.team_id, "user_id": world.slack.bot_user_id, "is_bot": True,
                            "is_enterprise_install": False}],
    }).encode()


def test_a_retried_slash_command_answers_once(world):
    """Each command's request (same trigger_id) delivered twice, the second as a retry: nothing is
    posted to the channel, and the user sees one answer. /quote and /discount answer in the ack (Slack
    shows the ack of the delivery it kept, so each delivery carries the same answer and does nothing
    else); the others answer on the response_url, where a second answer would show twice."""
    for command, text in COMMANDS:
        body, channel, token = world.bot.command_body(command, text, user=INTERNAL_USER)
        first = world.bot.post_raw(body, "application/x-www-form-urlencoded")
        second = world.bot.post_raw(body, "application/x-www-form-urlencoded", retry_num=1,
                                    retry_reason="http_timeout")
        assert (first.status_code, second.status_code) == (200, 200), command
        settle()
        on_url = [p.body for p in world.slack.responses if p.token == token]
        if command in ("/quote", "/discount"):
            assert json.loads(first.text)["response_type"] == "ephemeral"
            assert first.text == second.text and on_url == [], command
        else:
            assert not first.text and not second.text, command
            assert len(on_url) == 1, (command, on_url)
            assert on_url[0]["response_type"] == "ephemeral"
        assert world.slack.posts(channel) == [], command
    assert not world.slack.calls_to("chat.postMessage")

"""The one retry rule (bot/retry.py), as the far end sees it: a Slack post or a response_url post
is never resent by a client after its answer was lost; reads are retried; a 429 waits its Retry-After
for reads and writes alike; the internal-only guard never turns a transient Slack failure into
"you are not a member"."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.fakes.faults import FAULTS
from bot.guard import REFUSAL, SLACK_UNAVAILABLE
from bot.retry import RetryPolicy
from bot.slack_client import SafeRespond, make_client
from tests.reliability.conftest import INTERNAL_USER

LOST_ANSWER = ["drop_after", "error_after", "stall"]  # Slack acted; the client cannot know


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(settings, sleeps):
    quick = settings.model_copy(update={"slack_timeout_s": 0.5})
    return make_client(quick, policy=RetryPolicy(max_attempts=3, sleep=sleeps.append, jitter=lambda d: d,
                                                 backoff_base_s=0.01))


@pytest.mark.parametrize("fault", LOST_ANSWER)
def test_a_post_whose_answer_was_lost_is_not_resent_by_the_client(client, fake_slack, fault):
    fake_slack.faults.add("chat.postMessage", fault, stall_s=1.0)
    with pytest.raises((SlackApiError, OSError)):
        client.chat_postMessage(channel="C0SALESALERTS", text="once")
    fake_slack.wait_for(lambda: fake_slack.posts("C0SALESALERTS"))
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["once"]
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 1


def test_a_post_refused_before_acting_is_not_resent_either(client, fake_slack):
    """A 5xx is a 5xx: the client cannot tell "before" from "after", so it never guesses."""
    fake_slack.faults.add("chat.postMessage", "error_before")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0SALESALERTS", text="once")
    assert fake_slack.posts("C0SALESALERTS") == []
    assert len([c for c in fake_slack.calls if c.method == "chat.postMessage"]) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_reads_are_retried_under_every_fault(client, fake_slack, sleeps, fault):
    fake_slack.faults.add("users.info", fault, stall_s=1.0)
    assert client.users_info(user=INTERNAL_USER)["user"]["id"] == INTERNAL_USER
    assert len([c for c in fake_slack.calls if c.method == "users.info"]) == 2
    assert sleeps == ([1.0] if fault == "rate_limit" else [0.01])


def test_a_429_waits_its_retry_after_and_then_posts_once(client, fake_slack, sleeps):
    fake_slack.faults.add("chat.postMessage", "rate_limit", retry_after=2)
    client.chat_postMessage(channel="C0SALESALERTS", text="once")
    assert sleeps == [2.0]
    assert [p["text"] for p in fake_slack.posts("C0SALESALERTS")] == ["once"]


@pytest.mark.parametrize("fault", ["drop_after", "error_after"])
def test_a_response_url_post_is_never_resent(settings, fake_slack, fault):
    fake_slack.faults.add("response_url", fault)
    respond = SafeRespond(response_url=fake_slack.response_url("C0GENERAL"), settings=settings)
    try:
        respond(text="once", response_type="in_channel")
    except OSError:
        pass  # the dropped connection reaches the caller, who knows the post is uncertain
    fake_slack.wait_for(lambda: fake_slack.responses)
    assert [r.body["text"] for r in fake_slack.responses] == ["once"]
    assert [p["text"] for p in fake_slack.posts("C0GENERAL")] == ["once"]


# --------------------------------------------------------------------------- the guard


def forget_user(world, user: str) -> None:
    world.rt.cache.pop(f"user:{user}", None)


def test_one_slack_error_does_not_lock_an_internal_rep_out(world):
    """users.info answers 503 once: the read is retried and the rep gets the answer, not a refusal."""
    forget_user(world, INTERNAL_USER)
    world.slack.faults.add("users.info", "error_before")
    reply = world.bot.command("/quote", "120k 2y net30", user=INTERNAL_USER)
    assert reply.text() not in (REFUSAL, SLACK_UNAVAILABLE)
    assert ("users.info", "error_before") in world.slack.faults.played


def test_slack_down_says_so_and_is_not_remembered(world):
    """Slack keeps failing: the rep is told Slack is not answering (not that they are not a member),
    and the moment Slack answers again the same command works: nothing wrong was cached."""
    forget_user(world, INTERNAL_USER)
    world.slack.faults.add("users.info", "error_before", times=3)  # every try of the client's 3
    reply = world.bot.command("/quote", "120k 2y net30", user=INTERNAL_USER)
    assert reply.text() == SLACK_UNAVAILABLE
    assert world.slack.faults.pending == 0
    again = world.bot.command("/quote", "120k 2y net30", user=INTERNAL_USER)
    assert again.text() not in (REFUSAL, SLACK_UNAVAILABLE)

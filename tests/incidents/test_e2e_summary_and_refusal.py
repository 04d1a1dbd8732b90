"""The broadcast summary appears once in the incident thread (spec C.5 step 4: one progress
message, edited into the final summary), and `/incident` in a private channel the bot cannot
see says so instead of calling it shared with a customer (spec C.2)."""

from __future__ import annotations

import pytest

from tests.incidents.fixtures import COORD
from tests.incidents.test_e2e_broadcast import (
    CONFIRM,
    declare_sev0,
    per_channel,
    submit,
    wait_broadcast_done,
    world,
)


def _summaries(fake) -> list[dict]:
    return [m for m in fake.posts(COORD) if "Sent to " in m["text"] and " channels in " in m["text"]]


@pytest.mark.parametrize(("n", "rate", "cap", "edited"), [(6, 50, 50, False), (20, 4, 4, True)], ids=["done-before-first-progress", "progress-edited"])
def test_final_summary_appears_once_in_the_incident_thread(seed, fake_slack, incident_env, bot, rt, n, rate, cap, edited):
    channels = world(seed, fake_slack, incident_env, n, owners=3, rate=rate)
    # progress-edited: a broadcast held at 4 a second (SLACK_POST_RATE_MAX_PER_SEC, so the slow start
    # cannot speed it up) takes 20 / 4 = 5 s: its progress message is posted, then edited into the summary.
    incident_env(SLACK_POST_RATE_MAX_PER_SEC=cap)
    submit(bot, declare_sev0(fake_slack, bot), CONFIRM, "U_SIMON")
    wait_broadcast_done(fake_slack, rt)
    summary = fake_slack.wait_for(lambda: [m for m in _summaries(fake_slack) if m["text"].startswith(f"<@U_SIMON> Sent to {n}/{n} channels in")])
    assert set(per_channel(fake_slack, channels).values()) == {1}
    fake_slack.wait_for(lambda: any("watch here for replies" in m["text"] for m in fake_slack.posts()))  # the last post of a broadcast
    assert len(_summaries(fake_slack)) == 1
    card = fake_slack.posts(COORD)[0]
    assert summary[0]["thread_ts"] == card["ts"]
    assert not [m for m in fake_slack.posts(COORD) if m["text"].startswith("Sending ")]  # no progress left behind
    assert "Log" in str(summary[0]["blocks"])
    assert bool(summary[0].get("edited")) is edited  # a slow broadcast's progress message became the summary


def test_private_channel_the_bot_is_not_in_is_explained_not_called_shared(incident_world, bot):
    fake = incident_world
    fake.add_channel("G0LEADS", "leadership-private", is_private=True, bot_is_member=False, members=["U_SIMON"])
    reply = bot.command("/incident", "status", user="U_SIMON", channel="G0LEADS")
    answer = reply.first()
    assert answer["response_type"] == "ephemeral"
    text = reply.text()
    assert "shared with a customer" not in text
    assert "I can't see this channel" in text and "/invite @gtmbot" in text
    assert f"<#{COORD}>" in text and "`/incident status`" in text
    assert fake.calls_to("views.open") == []


def test_shared_channel_is_still_refused_and_internal_private_channel_works(incident_world, bot):
    fake = incident_world
    assert "this channel is shared with a customer" in bot.command("/incident", "status", user="U_ALICE", channel="C_ACME").text()
    fake.add_channel("G0CMOCS", "cmoc-private", is_private=True, members=["U_SIMON"])
    assert "No open incident" in bot.command("/incident", "status", user="U_SIMON", channel="G0CMOCS").text()

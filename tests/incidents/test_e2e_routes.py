"""/incident end to end through signed requests and the fake Slack: refusals (E11), the SEV 1
standard route (E13), broadcast the rest (E14), draft validation (E20), log, status and close (E26)."""

from __future__ import annotations

import re

from bot.guard import REFUSAL
from bot.incidents.blocks import ACTION_BROADCAST_REST, ACTION_HANDLING_1TO1, ACTION_SEND_MINE
from tests.clock import freeze
from tests.incidents.fixtures import (
    COORD,
    declare_values,
    opened_view,
    select,
    submit,
    text_input,
)

CUSTOMER = ("C_ACME", "C_GLOBEX", "C_INITECH")


def replies(fake, card: dict) -> list[dict]:
    return [m for m in fake.posts(COORD) if m.get("thread_ts") == card["ts"] and m["ts"] != card["ts"]]


def shared_draft(fake, card: dict) -> list[dict]:
    """The card's thread once the shared draft is in it: the bot posts it just after closing the modal."""
    return fake.wait_for(lambda: replies(fake, card))


def test_e11a_slack_connect_user_is_refused_and_nothing_opens(incident_world, bot):
    reply = bot.command("/incident", "declare sev1 Flags failing", user="U_EXT1", user_team_id="T_ACME", channel="C_ACME")
    assert reply.ack == {"response_type": "ephemeral", "text": REFUSAL.replace("this command", "/incident")}
    assert incident_world.calls_to("views.open") == []


def test_e11b_run_from_a_shared_channel_is_refused(incident_world, bot):
    reply = bot.command("/incident", "status", user="U_ALICE", channel="C_ACME")
    assert reply.text() == "Run /incident from an internal channel or a DM; this channel is shared with a customer."


def test_e11c_unknown_severity_gets_usage_with_example(incident_world, bot):
    reply = bot.command("/incident", "declare sev5 oops", user="U_SIMON", channel="C0GENERAL")
    text = reply.text()
    assert "`sev5`" in text and "/incident declare sev1 Flag evaluation failing in EU" in text
    assert reply.first()["response_type"] == "ephemeral"


def test_only_cmocs_and_leads_may_declare(incident_world, bot):
    reply = bot.command("/incident", "declare sev1 Flags failing", user="U_ALICE", channel="C0GENERAL")
    assert "Only the CMOCs on the rota and team leads" in reply.text()
    assert incident_world.calls_to("views.open") == []


def test_help_lists_subcommands(incident_world, bot):
    text = bot.command("/incident", "", user="U_ALICE").text()
    assert "/incident declare" in text and "No open incidents." in text


def _declare_sev1(fake, bot) -> dict:
    reply = bot.command("/incident", "declare sev1 Feature flags failing", user="U_SIMON", channel="C0GENERAL")
    assert reply.status == 200
    view = opened_view(fake, "incident_declare")
    answer = submit(bot, view, declare_values(1, "feature flags", "flag evaluation errors", cloud="EU", products=["feature_flags"]), "U_SIMON")
    assert answer["response_action"] == "push"
    return answer["view"]


def test_e13_sev1_standard_route_owner_sends(incident_world, bot, monkeypatch):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    draft = _declare_sev1(fake, bot)
    card = fake.posts(COORD)[0]
    assert "SEV 1 – Critical" in card["text"] and not card.get("thread_ts")
    answer = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("flag evaluation errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    assert answer == {"response_action": "clear"}
    thread = shared_draft(fake, card)
    assert len(thread) == 1
    shared = str(thread[0]["blocks"])
    assert "<@U_ALICE>" in shared and "<@U_BOB>" in shared and "Globex" not in shared
    assert "We’re investigating a major outage affecting feature flags." in shared
    assert [m for ch in CUSTOMER for m in fake.posts(ch)] == []

    send = next(e for b in thread[0]["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ACTION_SEND_MINE)
    reply = bot.click(send, user="U_ALICE", channel=COORD)
    assert reply.text() == "Sending to your 1 channel: Acme."
    post = fake.wait_for(lambda: fake.posts("C_ACME"))[0]
    assert post["text"] == (
        "Hey Acme team,\n\nWe’re investigating a major outage affecting feature flags. You may see flag evaluation errors. "
        "Engineers are on it — updates every 30 minutes until resolved.\n\nWe know this may disrupt your work — thanks for "
        "your patience while we get things back online.\n\n— Alice, PostHog"
    )
    assert post["metadata"]["event_type"] == "gtmbot_delivery"
    fake.wait_for(lambda: any("sent draft 1" in m["text"] for m in fake.posts(COORD)))
    assert fake.posts("C_INITECH") == [] and fake.posts("C_GLOBEX") == []

    again = bot.click(send, user="U_ALICE", channel=COORD)
    assert again.text() == "Already sent to your 1 channel."
    assert len(fake.posts("C_ACME")) == 1

    log = bot.command("/incident", "log", user="U_BOB").text()
    assert "Acme: notified by Alice via bot at 10:00 UTC" in log
    assert "Initech: not notified" in log
    status = bot.command("/incident", "status", user="U_BOB").text()
    assert "Next update due: *10:30 UTC, 24 Nov*" in status
    assert "Notified: *1/2* accounts" in status


def test_e14_broadcast_the_rest_requires_a_reason_and_skips_notified(incident_world, bot, monkeypatch):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    draft = _declare_sev1(fake, bot)
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("flag evaluation errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    card = fake.posts(COORD)[0]
    shared = shared_draft(fake, card)[0]
    buttons = {e["action_id"]: e for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"]}
    bot.click(buttons[ACTION_SEND_MINE], user="U_ALICE", channel=COORD)
    fake.wait_for(lambda: fake.posts("C_ACME"))

    refused = bot.click(buttons[ACTION_BROADCAST_REST], user="U_ALICE", channel=COORD)
    assert "Only the CMOCs" in refused.text()
    bot.click(buttons[ACTION_BROADCAST_REST], user="U_SIMON", channel=COORD)
    modal = opened_view(fake, "incident_broadcast_rest")
    no_reason = submit(bot, modal, {"reason": text_input("")}, "U_SIMON")
    assert no_reason["response_action"] == "errors" and "reason" in no_reason["errors"]
    preview = submit(bot, modal, {"reason": text_input("owners offline")}, "U_SIMON")["view"]
    assert preview["submit"]["text"] == "Send to 1 channels"
    assert "#ext-initech" in str(preview["blocks"]) and "#ext-acme" not in str(preview["blocks"])
    unticked = submit(bot, preview, {"confirm": {"value": {"type": "checkboxes", "selected_options": []}}}, "U_SIMON")
    assert unticked["response_action"] == "errors"
    done = submit(bot, preview, {"confirm": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}}, "U_SIMON")
    assert done == {"response_action": "clear"}
    post = fake.wait_for(lambda: fake.posts("C_INITECH"))[0]
    assert post["username"] == "PostHog"
    assert post["text"].startswith("Hey Initech team,") and post["text"].endswith("— Simon, PostHog")
    assert len(fake.posts("C_ACME")) == 1


def test_e20_leftover_placeholder_is_refused_and_tone_hint_shown(incident_world, bot):
    fake = incident_world
    draft = _declare_sev1(fake, bot)
    bad = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("[symptom]"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"f_symptom"}
    card = fake.posts(COORD)[0]
    assert replies(fake, card) == []
    rude = submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("errors. We apologize for the inconvenience"), "route": select("broadcast", "radio_buttons"), "reason": text_input("owners offline")}, "U_SIMON")
    assert rude["response_action"] == "push"
    assert "communications-templates-incidents#" in str(rude["view"]["blocks"]) and rude["view"]["submit"]["text"].startswith("Send to")


def test_e23_handling_1to1_is_left_out_of_a_broadcast(incident_world, bot):
    fake = incident_world
    draft = _declare_sev1(fake, bot)
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    card = fake.posts(COORD)[0]
    shared = shared_draft(fake, card)[0]
    buttons = {e["action_id"]: e for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert "handling Acme 1:1" in bot.click(buttons[ACTION_HANDLING_1TO1], user="U_ALICE", channel=COORD).text()
    bot.click(buttons[ACTION_BROADCAST_REST], user="U_SIMON", channel=COORD)
    modal = opened_view(fake, "incident_broadcast_rest")
    preview = submit(bot, modal, {"reason": text_input("owners offline")}, "U_SIMON")["view"]
    assert preview["submit"]["text"] == "Send to 1 channels"
    assert "Excluded, handled 1:1 by Alice Smith: Acme" in str(preview["blocks"])


def test_e26_close_needs_resolution_then_lists_who_was_never_told(incident_world, bot, monkeypatch):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    draft = _declare_sev1(fake, bot)
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    card = fake.posts(COORD)[0]
    shared = shared_draft(fake, card)[0]
    send = next(e for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ACTION_SEND_MINE)
    bot.click(send, user="U_ALICE", channel=COORD)
    fake.wait_for(lambda: fake.posts("C_ACME"))
    assert "resolve first" in bot.command("/incident", "close", user="U_SIMON").text()

    freeze("2026-11-24T11:42:00Z")
    bot.command("/incident", "resolve", user="U_SIMON")
    resolve = opened_view(fake, "incident_draft")
    answer = submit(bot, resolve, {"f_root_cause": text_input("a bad config push"), "f_duration": text_input("10:00–11:42 UTC"), "f_impact": text_input("flags returned defaults"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    assert answer == {"response_action": "clear"}
    status = bot.command("/incident", "status", user="U_SIMON").text()
    assert "Resolved" in status and "Postmortem due: 11:42 UTC, 26 Nov" in status

    assert "closed" in bot.command("/incident", "close", user="U_SIMON").text()
    closing = fake.wait_for(lambda: [m for m in fake.posts(COORD) if "closed." in m["text"]])[0]
    assert "Not notified: Initech (owner <@U_BOB>)" in str(closing["blocks"])
    assert "Uptime SLA accounts affected: Acme" in str(closing["blocks"])
    card_now = fake.posts(COORD)[0]
    assert re.search(r"Closed", card_now["text"])

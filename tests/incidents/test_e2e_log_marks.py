"""The notified log honours owners' marks (spec D.1: the log is sent deliveries ∪ owner marks;
C.4: "I sent it myself", "I'm handling 1:1"), end to end through signed requests."""

from __future__ import annotations

from bot.incidents.blocks import (
    ACTION_HANDLING_1TO1,
    ACTION_SENT_MYSELF,
    ACTION_SENT_MYSELF_ADJUST,
    SENT_MYSELF_VIEW,
)
from tests.clock import freeze
from tests.incidents.fixtures import COORD, declare_values, multi, opened_view, select, submit, text_input


def _thread(fake) -> list[dict]:
    card = fake.posts(COORD)[0]
    return [m for m in fake.posts(COORD) if m.get("thread_ts") == card["ts"] and m["ts"] != card["ts"]]


def _owner_buttons(fake, shared: dict) -> dict:
    return {e["action_id"]: e for b in shared["blocks"] if b["type"] == "actions" for e in b["elements"]}


def _declare_and_share(fake, bot) -> dict:
    """SEV 1 on the owner route (E13): Acme (Alice) and Initech (Bob) affected; the draft's buttons."""
    bot.command("/incident", "declare sev1 Feature flags failing", user="U_SIMON", channel="C0GENERAL")
    draft = submit(bot, opened_view(fake, "incident_declare"), declare_values(1, "feature flags", "flag evaluation errors", cloud="EU", products=["feature_flags"]), "U_SIMON")["view"]
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("flag evaluation errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    return _owner_buttons(fake, fake.wait_for(lambda: _thread(fake))[0])


def _log(bot) -> str:
    reply = bot.command("/incident", "log", user="U_DANA")
    assert reply.first()["response_type"] == "ephemeral"
    return reply.text()


def test_sent_myself_and_handling_1to1_show_as_notified_by_the_owner(incident_world, bot, monkeypatch):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    buttons = _declare_and_share(fake, bot)
    assert "handling Initech 1:1" in bot.click(buttons[ACTION_HANDLING_1TO1], user="U_BOB", channel=COORD).text()
    freeze("2026-11-24T10:05:00Z")
    assert "notified by you" in bot.click(buttons[ACTION_SENT_MYSELF], user="U_ALICE", channel=COORD).text()

    log = _log(bot)
    assert "Acme: notified by Alice (sent it themselves) at 10:05 UTC" in log
    assert "Initech: notified by Bob (handling 1:1) at 10:00 UTC" in log
    assert "not notified" not in log
    assert "Notified: *2/2* accounts" in bot.command("/incident", "status", user="U_DANA").text()
    assert [m for ch in ("C_ACME", "C_INITECH", "C_GLOBEX") for m in fake.posts(ch)] == []  # marks post nothing

    # The next update: Bob still handles Initech 1:1; Alice has not said anything yet about message 2.
    bot.command("/incident", "update", user="U_SIMON")
    update = opened_view(fake, "incident_draft")
    answer = submit(bot, update, {"f_feature": text_input("feature flags"), "f_status": text_input("A fix is rolling out."), "next_minutes": text_input("30"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    assert answer == {"response_action": "clear"}
    fake.wait_for(lambda: len(_thread(fake)) >= 2)
    message2 = _log(bot).split("*Message 2 · update*")[1]
    assert "Initech: notified by Bob (handling 1:1 since message 1)" in message2
    assert "Acme: not notified" in message2


def test_sent_myself_after_handling_1to1_records_what_was_done(incident_world, bot, monkeypatch):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    buttons = _declare_and_share(fake, bot)
    assert "handling Acme 1:1" in bot.click(buttons[ACTION_HANDLING_1TO1], user="U_ALICE", channel=COORD).text()
    assert "notified by you" in bot.click(buttons[ACTION_SENT_MYSELF], user="U_ALICE", channel=COORD).text()
    log = _log(bot)
    assert "Acme: notified by Alice (sent it themselves) at 10:00 UTC" in log
    assert "Initech: not notified" in log
    assert "Notified: *1/2* accounts" in bot.command("/incident", "status", user="U_DANA").text()


def test_two_marks_clicked_at_once_both_land(incident_world, bot):
    """Both buttons pressed before either answer (two devices, a double tap): no error, and the log
    keeps what was done whatever the order."""
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    buttons = _declare_and_share(fake, bot)
    one = bot.click(buttons[ACTION_HANDLING_1TO1], user="U_ALICE", channel=COORD)
    two = bot.click(buttons[ACTION_SENT_MYSELF], user="U_ALICE", channel=COORD)
    assert "handling Acme 1:1" in one.text() and "notified by you" in two.text()
    assert "Acme: notified by Alice (sent it themselves) at 10:00 UTC" in _log(bot)


def test_sent_myself_can_be_corrected_unticking_an_account_and_marking_one_told_by_email(incident_world, bot, seed):
    """C.4: "A modal lets them untick accounts they did not reach; accounts without a Slack channel
    can be marked email." Alice owns Acme and Globex (channels) and Hooli (no channel)."""
    from tests.incidents.fixtures import ACCOUNTS, TEAM

    fake = incident_world
    hooli = {"id": "hooli", "name": "Hooli", "owner_slack_id": "U_ALICE", "cloud": "EU", "products_used": ["feature_flags"]}
    seed({"team": TEAM, "accounts": [*ACCOUNTS, hooli]})
    freeze("2026-11-24T10:00:00Z")
    buttons = _declare_and_share(fake, bot)
    reply = bot.click(buttons[ACTION_SENT_MYSELF], user="U_ALICE", channel=COORD).first()
    assert "Noted: you sent it yourself to Acme, Hooli" in reply["text"]
    [adjust] = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert adjust["action_id"] == ACTION_SENT_MYSELF_ADJUST

    bot.click(adjust, user="U_ALICE", channel=COORD)
    modal = opened_view(fake, SENT_MYSELF_VIEW)
    told, email = (b for b in modal["blocks"] if b["type"] == "input")
    assert [o["text"]["text"] for o in told["element"]["options"]] == ["Acme"]
    assert [o["value"] for o in told["element"]["initial_options"]] == ["acme"]  # ticked: she said so
    assert [o["text"]["text"] for o in email["element"]["options"]] == ["Hooli"]

    freeze("2026-11-24T10:07:00Z")
    saved = submit(bot, modal, {told["block_id"]: multi([], "multi_static_select"),
                                email["block_id"]: multi(["hooli"], "multi_static_select")}, "U_ALICE")
    assert saved["response_action"] == "update"
    assert "you told Hooli (email)" in str(saved["view"]["blocks"]) and "Still to notify: Acme" in str(saved["view"]["blocks"])

    log = _log(bot)
    assert "Acme: not notified" in log  # unticked: back on the list for a backup or the broadcast
    assert "Hooli: notified by Alice (by email) at 10:07 UTC" in log
    assert [m for ch in ("C_ACME", "C_INITECH", "C_GLOBEX") for m in fake.posts(ch)] == []


def test_unticking_never_takes_back_a_1to1_mark(incident_world, bot):
    fake = incident_world
    freeze("2026-11-24T10:00:00Z")
    buttons = _declare_and_share(fake, bot)
    bot.click(buttons[ACTION_HANDLING_1TO1], user="U_BOB", channel=COORD)
    bot.click(buttons[ACTION_SENT_MYSELF], user="U_ALICE", channel=COORD)
    reply = bot.click(buttons[ACTION_SENT_MYSELF], user="U_BOB", channel=COORD).first()
    [adjust] = [e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    bot.click(adjust, user="U_BOB", channel=COORD)
    modal = opened_view(fake, SENT_MYSELF_VIEW)
    [told] = [b for b in modal["blocks"] if b["type"] == "input"]
    submit(bot, modal, {told["block_id"]: multi([], "multi_static_select")}, "U_BOB")
    log = _log(bot)
    assert "Acme: notified by Alice (sent it themselves)" in log  # Alice's mark is hers, untouched
    assert "Initech: not notified" in log  # Bob took back "sent it myself"

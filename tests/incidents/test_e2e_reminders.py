"""Cadence reminders on a pinned clock, through the real job runner and the fake Slack (E18),
postmortem reminders (E19) and the end-of-day handoff (E25)."""

from __future__ import annotations

from datetime import datetime

from bot.fakes.driver import wait_idle
from bot.incidents.blocks import ACTION_SEND_MINE, ACTION_SENT_MYSELF
from bot.runtime import build_runtime
from jobs import run_job
from tests.clock import freeze
from tests.incidents.fixtures import COORD, declare_values, opened_view, select, submit, text_input


def at(s: str) -> datetime:
    return datetime.fromisoformat(s + "+00:00")


def buttons_of(message: dict) -> dict:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def declare_and_send(fake, bot, monkeypatch, level: int = 1, when: str = "2026-11-24T10:00:00Z") -> None:
    """SEV n declared by Simon; Alice sends to Acme through the bot; Bob marks Initech sent himself."""
    freeze(when)
    bot.command("/incident", f"declare sev{level} Feature flags failing", user="U_SIMON")
    draft = submit(bot, opened_view(fake, "incident_declare"), declare_values(level, "feature flags", "flag evaluation errors", cloud="EU", products=["feature_flags"]), "U_SIMON")["view"]
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_symptom": text_input("flag evaluation errors"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    shared = fake.wait_for(lambda: [m for m in fake.posts(COORD) if "Owners, please send" in m["text"]])[-1]
    bot.click(buttons_of(shared)[ACTION_SEND_MINE], user="U_ALICE", channel=COORD)
    bot.click(buttons_of(shared)[ACTION_SENT_MYSELF], user="U_BOB", channel=COORD)
    fake.wait_for(lambda: [m for m in fake.posts(COORD) if "sent draft" in m["text"]])


def reminders(fake) -> tuple[list[str], list[str]]:
    dms = [m["text"] for m in fake.posts("D_SIMON")]
    thread = [m["text"] for m in fake.posts(COORD) if "Update due now" in m["text"] or "cadence is every" in m["text"]]
    return dms, thread


def test_e18_sev1_reminders_fire_once_at_1025_1030_1100(incident_world, bot, rt, settings, monkeypatch):
    fake = incident_world
    declare_and_send(fake, bot, monkeypatch)
    replica = build_runtime(settings, migrate=False)  # a second `serve` process sharing the database
    for minute in ("10:24", "10:25", "10:26"):
        run_job(rt, "incident_cadence", now=at(f"2026-11-24T{minute}:00"))
    run_job(replica, "incident_cadence", now=at("2026-11-24T10:26:30"))  # after a restart, on another replica
    dms, thread = reminders(fake)
    assert dms == ["Next update for INC-1 (SEV 1) is due at 10:30 UTC."]
    assert thread == []
    for minute in ("10:30", "10:31", "11:00", "11:01"):
        run_job(rt if minute != "11:01" else replica, "incident_cadence", now=at(f"2026-11-24T{minute}:00"))
    dms, thread = reminders(fake)
    assert len(dms) == 1
    assert len(thread) == 2
    assert thread[0].startswith("<@U_SIMON> Update due now for INC-1 (SEV 1)")
    assert "SEV 1 cadence is every 30–60 min (002_59a801b964a2a19e.txt:4131); the last customer update was 60 min ago." in thread[1]
    assert "<@U_SIMON>" in thread[1] and "<@U_DANA>" in thread[1]  # CMOC and the EU rota pair at 11:00 UTC
    replica.engine.dispose()


def test_e18_an_update_at_1028_replaces_the_pending_reminders(incident_world, bot, rt, monkeypatch):
    fake = incident_world
    declare_and_send(fake, bot, monkeypatch)
    run_job(rt, "incident_cadence", now=at("2026-11-24T10:25:00"))
    freeze("2026-11-24T10:28:00Z")
    bot.command("/incident", "update", user="U_SIMON")
    draft = opened_view(fake, "incident_draft")
    submit(bot, draft, {"f_feature": text_input("feature flags"), "f_status": text_input("Fix in progress."), "next_minutes": text_input("30"), "route": select("owners", "radio_buttons")}, "U_SIMON")
    latest = fake.wait_for(lambda: [m for m in fake.posts(COORD) if "Owners, please send" in m["text"]][1:])[-1]
    bot.click(buttons_of(latest)[ACTION_SEND_MINE], user="U_ALICE", channel=COORD)
    bot.click(buttons_of(latest)[ACTION_SENT_MYSELF], user="U_BOB", channel=COORD)
    fake.wait_for(lambda: [m for m in fake.posts(COORD) if "sent draft 2" in m["text"]])
    wait_idle()  # Bob's "I sent it myself" is recorded too before the cadence job looks
    for minute in ("10:30", "10:52"):  # the old 10:30 reminder is gone with the old series
        run_job(rt, "incident_cadence", now=at(f"2026-11-24T{minute}:00"))
    dms, thread = reminders(fake)
    assert dms == ["Next update for INC-1 (SEV 1) is due at 10:30 UTC."] and thread == []
    run_job(rt, "incident_cadence", now=at("2026-11-24T10:53:00"))
    run_job(rt, "incident_cadence", now=at("2026-11-24T10:58:00"))
    dms, thread = reminders(fake)
    assert dms[-1] == "Next update for INC-1 (SEV 1) is due at 10:58 UTC."
    assert len(thread) == 1 and "Update due now" in thread[0]


def test_e18_sev3_gets_no_cadence_reminders(incident_world, bot, rt, monkeypatch):
    fake = incident_world
    declare_and_send(fake, bot, monkeypatch, level=3)
    for minute in ("10:25", "10:30", "11:00", "12:00"):
        run_job(rt, "incident_cadence", now=at(f"2026-11-24T{minute}:00"))
    assert reminders(fake) == ([], [])


def test_e25_handoff_prompt_at_1730_london(incident_world, bot, rt, monkeypatch):
    fake = incident_world
    declare_and_send(fake, bot, monkeypatch, when="2026-11-24T17:10:00Z")
    run_job(rt, "incident_cadence", now=at("2026-11-24T17:30:00"))
    dm = [m for m in fake.posts("D_SIMON") if "Hand off" in m["text"]]
    assert [m["text"] for m in dm] == ["EU day ends at 18:00. Hand off INC-1 to Landon or Tyler?"]
    freeze("2026-11-24T17:32:00Z")
    text = bot.command("/incident", "handoff INC-1 <@U_LANDON|landon>", user="U_SIMON").text()
    assert text == "INC-1 handed off to <@U_LANDON>."
    assert any("You are now CMOC for INC-1" in m["text"] for m in fake.posts("D_LANDON"))
    assert any("CMOC handoff: <@U_SIMON> → <@U_LANDON>" in m["text"] for m in fake.posts(COORD))
    run_job(rt, "incident_cadence", now=at("2026-11-24T17:35:00"))
    assert [m["text"] for m in fake.posts("D_LANDON") if m["text"].startswith("Next update")] == ["Next update for INC-1 (SEV 1) is due at 17:40 UTC."]
    assert not [m for m in fake.posts("D_SIMON") if m["text"].startswith("Next update")]

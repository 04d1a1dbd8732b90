"""Reminders, handoffs, postmortem and the notified log (spec C.4, C.6, C.7; E13, E14, E18, E19, E24, E25, E26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.incidents.settings import IncidentSettings
from services.incidents import cadence as c
from services.incidents.audience import Scope, affected_accounts
from services.incidents.log import (
    Notice,
    carry_handling,
    close_check,
    close_summary,
    log_csv,
    log_for,
    log_line_text,
    notified_accounts,
)
from services.incidents.policy import RotaPair
from tests.incidents.service_fixture import ACCOUNTS, TEAM

S = IncidentSettings()
PAIRS = (RotaPair("EU", ("U_SIMON", "U_DANA")), RotaPair("US", ("U_LANDON", "U_TYLER")))
NAMES = {k: v.name for k, v in TEAM.items()}


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def sev1_series(sent: str, seq: int = 1):
    return c.update_reminders(7, "INC-7", 1, seq, at(sent), 30, S.reminder_lead_minutes)


def test_e18_sev1_reminders_at_1025_1030_1100():
    rs = sev1_series("2026-11-24T10:00:00")
    assert [(r.at, r.where) for r in rs] == [
        (at("2026-11-24T10:25:00"), c.DM_CMOC),
        (at("2026-11-24T10:30:00"), c.THREAD),
        (at("2026-11-24T11:00:00"), c.THREAD_MENTION_ROTA),
    ]
    assert rs[0].text == "Next update for INC-7 (SEV 1) is due at 10:30 UTC."
    assert rs[2].text == "SEV 1 cadence is every 30–60 min (002_59a801b964a2a19e.txt:4131); the last customer update was 60 min ago."


def test_e18_each_reminder_fires_once_when_polled_every_minute():
    rs = sev1_series("2026-11-24T10:00:00")
    fired: set[str] = set()
    sent = []
    for minute in range(0, 75):
        now = at("2026-11-24T10:00:00") + timedelta(minutes=minute)
        for r in c.due_now(rs, now, fired):
            fired.add(r.key)
            sent.append((now, r.kind))
    assert sent == [
        (at("2026-11-24T10:25:00"), "update_soon"),
        (at("2026-11-24T10:30:00"), "update_due"),
        (at("2026-11-24T11:00:00"), "update_overdue"),
    ]


def test_e18_update_at_1028_replaces_the_series():
    new = sev1_series("2026-11-24T10:28:00", seq=2)
    assert [r.at for r in new] == [at("2026-11-24T10:53:00"), at("2026-11-24T10:58:00"), at("2026-11-24T11:28:00")]
    # the job only looks at the latest message's series, so nothing of seq 1 remains due
    assert all(r.series == "inc:7:due:2" for r in new)


def test_e18_sev3_and_sev4_have_no_cadence():
    assert c.update_reminders(7, "INC-7", 3, 1, at("2026-11-24T10:00:00"), 30, 5) == ()
    assert c.update_reminders(7, "INC-7", 4, 1, at("2026-11-24T10:00:00"), 30, 5) == ()


def test_downtime_sends_only_the_latest_reminder_of_a_series():
    rs = sev1_series("2026-11-24T10:00:00")
    due = c.due_now(rs, at("2026-11-24T10:40:00"), fired=())
    assert [r.kind for r in due] == ["update_due"]


def test_e15_sev0_next_update_due_first_send_plus_15():
    assert c.next_update_due(at("2026-11-24T10:00:07"), 15) == at("2026-11-24T10:15:07")


def test_e19_postmortem_reminders_0742_and_1142_next_day():
    rs = c.postmortem_reminders(7, "INC-7", 0, at("2026-11-24T11:42:00"), S.postmortem_reminder_hours)
    assert [r.at for r in rs] == [at("2026-11-25T07:42:00"), at("2026-11-25T11:42:00")]
    assert rs[0].text.startswith("Postmortem for INC-7 is due by 11:42 UTC on 25 Nov (002_59a801b964a2a19e.txt:4131).")
    assert "`/incident postmortem INC-7 <url>`" in rs[0].text
    assert c.postmortem_reminders(7, "INC-7", 2, at("2026-11-24T11:42:00"), 4) == ()


def test_e24_maintenance_reminders():
    rs = c.maintenance_reminders(9, "INC-9", at("2026-11-20T10:00:00"), at("2026-11-25T02:00:00"), at("2026-11-25T04:00:00"), False, S.maintenance_before_hours, S.maintenance_last_call_hours)
    assert [(r.at, r.kind) for r in rs] == [
        (at("2026-11-24T02:00:00"), "maintenance_before"),
        (at("2026-11-25T01:00:00"), "maintenance_before"),
        (at("2026-11-25T04:00:00"), "maintenance_after"),
    ]
    assert "send the before-message" in rs[0].text
    assert "confirm completion" in rs[2].text and "4198" in rs[2].text
    sent = c.maintenance_reminders(9, "INC-9", at("2026-11-20T10:00:00"), at("2026-11-25T02:00:00"), at("2026-11-25T04:00:00"), True, 24, 1)
    assert [r.kind for r in sent] == ["maintenance_after"]


def test_maintenance_declared_late_reminds_at_declaration():
    rs = c.maintenance_reminders(9, "INC-9", at("2026-11-24T20:00:00"), at("2026-11-25T02:00:00"), at("2026-11-25T04:00:00"), False, 24, 1)
    assert rs[0].at == at("2026-11-24T20:00:00")


def test_e14_coverage_check_after_10_minutes_on_sev1():
    assert c.coverage_check(7, 1, 1, at("2026-11-24T10:00:00"), 10, 30) == at("2026-11-24T10:10:00")
    assert c.coverage_check(7, 2, 1, at("2026-11-24T10:00:00"), 10, 30) == at("2026-11-24T10:30:00")
    assert c.coverage_check(7, 0, 1, at("2026-11-24T10:00:00"), 10, 30) is None
    assert c.coverage_gap_text([("Initech", "U_BOB")]) == "1 account not notified yet (owners <@U_BOB>): Initech."


def test_e25_handoff_prompt_at_1730_london():
    r = c.handoff_prompt(7, "INC-7", at("2026-11-24T17:30:00"), "U_SIMON", PAIRS, S.windows, S.handoff_lead_minutes, NAMES)
    assert r is not None
    assert r.text == "EU day ends at 18:00. Hand off INC-7 to Landon or Tyler?"
    assert c.handoff_prompt(7, "INC-7", at("2026-11-24T17:00:00"), "U_SIMON", PAIRS, S.windows, 30, NAMES) is None
    assert c.handoff_prompt(7, "INC-7", at("2026-11-24T17:30:00"), "U_ALICE", PAIRS, S.windows, 30, NAMES) is None


def test_sev3_gets_a_daily_still_open_dm_only():
    assert c.still_open_reminder(3, "INC-3", 3, at("2026-11-24T10:00:00"), at("2026-11-24T20:00:00")) is None
    r = c.still_open_reminder(3, "INC-3", 3, at("2026-11-24T10:00:00"), at("2026-11-25T10:05:00"))
    assert r is not None and r.key == "inc:3:still_open:1"
    assert c.still_open_reminder(3, "INC-3", 1, at("2026-11-24T10:00:00"), at("2026-11-26T10:00:00")) is None


# --- the central log (4221) and close (E13, E26) ----------------------------------------------

AFFECTED = affected_accounts(ACCOUNTS, Scope(frozenset({"EU"}), frozenset({"feature_flags"})))
ALICE_SENT = Notice(1, "acme", "C_ACME", "owner_via_bot", "U_ALICE", "sent", at("2026-11-24T10:02:00"))


def test_e13_log_shows_acme_by_alice_via_bot_and_initech_not_notified():
    lines = log_for(1, AFFECTED, [ALICE_SENT])
    assert [log_line_text(ln, NAMES) for ln in lines] == ["Acme: notified by Alice via bot at 10:02 UTC", "Initech: not notified"]
    csv_text = log_csv(lines, NAMES)
    assert csv_text.splitlines()[1] == "Acme,C_ACME,notified,owner_via_bot,Alice,2026-11-24T10:02:00+00:00,"


def test_failed_delivery_shows_its_channel_and_error():
    lines = log_for(1, AFFECTED, [Notice(1, "initech", "C_INITECH", "broadcast", None, "failed", None, "not_in_channel")])
    assert log_line_text(lines[1], NAMES) == "Initech: failed in <#C_INITECH> (not_in_channel)"


def test_e26_close_refused_before_resolution():
    assert "resolve first" in (close_check("open") or "")
    assert close_check("resolved") is None


def test_e26_close_summary_lists_initech_and_sla_accounts():
    summary = close_summary(AFFECTED, [ALICE_SENT])
    assert summary.not_notified == (("Initech", "U_BOB"),)
    assert summary.sla_accounts == ("Acme",)
    assert summary.messages_sent == 1


def test_handling_1to1_counts_as_notified_and_carries_to_later_messages():
    bob = Notice(1, "initech", "C_INITECH", "handling_1to1", "U_BOB", "sent", at("2026-11-24T10:00:00"))
    notices = carry_handling([ALICE_SENT, bob], [1, 2])
    assert [log_line_text(ln, NAMES) for ln in log_for(1, AFFECTED, notices)] == [
        "Acme: notified by Alice via bot at 10:02 UTC", "Initech: notified by Bob (handling 1:1) at 10:00 UTC"]
    assert [log_line_text(ln, NAMES) for ln in log_for(2, AFFECTED, notices)] == [
        "Acme: not notified", "Initech: notified by Bob (handling 1:1 since message 1)"]
    assert notified_accounts(notices, 2, ignore={"handling_1to1"}) == frozenset()
    assert close_summary(AFFECTED, notices).not_notified == ()

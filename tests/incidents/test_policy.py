"""Severity table, routes, rota and grammar (spec B.2, B.3, C.2; examples E11, E12, E21)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.settings import IncidentSettings
from services.incidents import grammar as g
from services.incidents.policy import (
    ROUTE_BROADCAST,
    ROUTE_OWNERS,
    SEVERITIES,
    RotaPair,
    allowed_routes,
    broadcast_needs_reason,
    can_command,
    draft_kind,
    next_update_bounds,
    parse_window,
    postmortem_due,
    suggest_cmoc,
    validate_next_update,
)

NAMES = {"U_SIMON": "Simon", "U_DANA": "Dana", "U_LANDON": "Landon", "U_TYLER": "Tyler"}
PAIRS = (RotaPair("EU", ("U_SIMON", "U_DANA")), RotaPair("US", ("U_LANDON", "U_TYLER")))
WINDOWS = IncidentSettings().windows


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


# --- B.2 severity table (002_59a801b964a2a19e.txt:4131) ---------------------------------------


@pytest.mark.parametrize(
    ("level", "band", "postmortem_h", "route"),
    [(0, (15, 30), 24, ROUTE_BROADCAST), (1, (30, 60), 48, ROUTE_OWNERS), (2, (60, 120), None, ROUTE_OWNERS), (3, None, None, ROUTE_OWNERS), (4, None, None, ROUTE_OWNERS)],
)
def test_severity_table_matches_handbook(level, band, postmortem_h, route):
    sev = SEVERITIES[level]
    assert next_update_bounds(level) == band
    assert sev.postmortem_hours == postmortem_h
    assert sev.default_route == route
    assert sev.default_next_update == (band[0] if band else None)


def test_severity_labels_use_the_tables_en_dash():
    assert SEVERITIES[1].label == "SEV 1 – Critical"
    assert SEVERITIES[0].examples == "Full platform outage, data loss, security breach with active customer impact."


def test_postmortem_due_counts_from_resolution_e19():
    resolved = at("2026-11-24T11:42:00")
    assert postmortem_due(0, resolved) == at("2026-11-25T11:42:00")
    assert postmortem_due(1, resolved) == resolved + timedelta(hours=48)
    assert postmortem_due(2, resolved) is None


@pytest.mark.parametrize(("level", "minutes", "ok"), [(0, 15, True), (0, 30, True), (0, 31, False), (1, 29, False), (1, 60, True), (2, 90, True), (2, 121, False), (3, 30, False)])
def test_next_update_must_lie_in_the_band_c6(level, minutes, ok):
    error = validate_next_update(level, minutes)
    assert (error is None) is ok
    if error:
        assert "4131" in error


def test_e21_downgrade_to_sev2_moves_the_band_to_60_120():
    assert next_update_bounds(2) == (60, 120)


def test_routes_sev0_always_broadcasts_without_reason():
    assert [r.route for r in allowed_routes(0)] == [ROUTE_BROADCAST]
    assert broadcast_needs_reason(0) is False


def test_routes_sev1_broadcast_needs_a_reason_e14():
    assert [r.route for r in allowed_routes(1)] == [ROUTE_OWNERS, ROUTE_BROADCAST]
    assert broadcast_needs_reason(1) is True
    assert "4273" in allowed_routes(1)[1].why


def test_routes_sev4_may_broadcast_without_reason_and_sev2_needs_one():
    assert broadcast_needs_reason(4) is False
    assert broadcast_needs_reason(2) is True
    assert broadcast_needs_reason(3, is_security=True) is True


def test_only_cmocs_and_allowed_may_command():
    assert can_command("U_SIMON", ["U_SIMON", "U_DANA"]) is True
    assert can_command("U_ALICE", ["U_SIMON"]) is False
    assert can_command("U_ALICE", ["U_SIMON"], current_cmoc="U_ALICE") is True


# --- E12 who is CMOC (2026-11-24 is a Tuesday) -------------------------------------------------


@pytest.mark.parametrize(
    ("now", "text"),
    [
        ("2026-11-24T10:00:00", "Simon or Dana (EU working hours)"),
        ("2026-11-24T15:00:00", "Simon or Dana (EU working hours); Landon or Tyler (US working day)"),
        ("2026-11-24T20:00:00", "Landon or Tyler (US working day)"),
        ("2026-11-25T01:30:00", "Landon or Tyler (US working day)"),
    ],
)
def test_e12_rota_suggestion(now, text):
    assert suggest_cmoc(at(now), PAIRS, WINDOWS, NAMES).text == text


def test_e12_weekend_night_has_nobody_on_the_rota():
    s = suggest_cmoc(at("2026-11-28T03:00:00"), PAIRS, WINDOWS, NAMES)
    assert not s.on_rota
    assert s.text.startswith("No CMOC on the rota now (002_59a801b964a2a19e.txt:12811)")
    assert "Simon or Dana" in s.text and "Landon or Tyler" in s.text


def test_e12_overlap_lists_eu_first():
    s = suggest_cmoc(at("2026-11-24T15:00:00"), PAIRS, WINDOWS, NAMES)
    assert [p.region for p in s.on_duty] == ["EU", "US"]


def test_bad_working_hours_setting_says_how_to_write_it():
    with pytest.raises(ValueError, match="Mon-Fri 09:00-18:00 Europe/London"):
        parse_window("EU", "weekdays nine to six")


# --- E11 / C.2 grammar ------------------------------------------------------------------------


def test_e11c_unknown_severity_names_it_and_shows_an_example():
    result = g.parse("declare sev5 oops")
    assert isinstance(result, g.UsageError)
    assert "`sev5`" in result.message
    assert result.example == "/incident declare sev1 Flag evaluation failing in EU"
    assert "/incident declare sev1 Flag evaluation failing in EU" in result.text()


@pytest.mark.parametrize(
    ("text", "level"),
    [("sev0", 0), ("SEV1", 1), ("sev 2", 2), ("3", 3), ("emergency", 0), ("Critical", 1), ("major", 2), ("minor", 3), ("maintenance", 4), ("planned", 4), ("info", 4)],
)
def test_severity_spellings(text, level):
    result = g.parse(f"declare {text} Feature flags failing")
    assert isinstance(result, g.IncidentCommand)
    assert result.severity == level
    assert result.title == "Feature flags failing"


def test_declare_without_severity_keeps_a_numeric_title():
    result = g.parse("declare 500 errors on ingestion")
    assert isinstance(result, g.IncidentCommand)
    assert result.severity is None and result.title == "500 errors on ingestion"


@pytest.mark.parametrize(
    ("text", "action", "incident"),
    [("", "help", None), ("help", "help", None), ("update", "update", None), ("update INC-7", "update", 7), ("resolve inc-12", "resolve", 12), ("status", "status", None), ("close INC-7", "close", 7), ("list", "list", None)],
)
def test_subcommands(text, action, incident):
    result = g.parse(text)
    assert isinstance(result, g.IncidentCommand)
    assert (result.action, result.incident) == (action, incident)


def test_sev_change():
    result = g.parse("sev INC-7 sev2")
    assert isinstance(result, g.IncidentCommand) and (result.incident, result.severity) == (7, 2)
    bad = g.parse("sev INC-7 sev9")
    assert isinstance(bad, g.UsageError) and "`sev9`" in bad.message


def test_handoff_accepts_escaped_mentions_and_bare_names_e25():
    result = g.parse("handoff INC-7 <@U_LANDON|landon>")
    assert isinstance(result, g.IncidentCommand) and result.user == g.UserRef("U_LANDON", "landon")
    bare = g.parse("handoff INC-7 @Landon")
    assert isinstance(bare, g.IncidentCommand) and bare.user == g.UserRef(None, "Landon")
    missing = g.parse("handoff INC-7")
    assert isinstance(missing, g.UsageError) and missing.example == "/incident handoff INC-7 @Landon"


def test_log_csv_and_postmortem_url():
    log = g.parse("log INC-7 csv")
    assert isinstance(log, g.IncidentCommand) and log.csv and log.incident == 7
    pm = g.parse("postmortem INC-7 <https://example.com/pm|pm>")
    assert isinstance(pm, g.IncidentCommand) and pm.url == "https://example.com/pm"
    bad = g.parse("postmortem INC-7 notalink")
    assert isinstance(bad, g.UsageError) and "not a link" in bad.message


def test_unknown_subcommand_lists_the_real_ones():
    result = g.parse("launch sev1")
    assert isinstance(result, g.UsageError)
    assert "declare" in result.message and result.example.startswith("/incident declare")


def test_extra_words_are_refused_not_ignored():
    result = g.parse("status INC-7 please")
    assert isinstance(result, g.UsageError) and "please" in result.message


def test_help_lists_every_subcommand():
    text = g.usage_text()
    for word in ("declare", "update", "resolve", "sev", "handoff", "status", "list", "log", "close", "maintenance", "postmortem"):
        assert f"/incident {word}" in text


@given(st.text(max_size=200))
def test_any_text_parses_to_a_command_or_a_usage_error_with_an_example(text):
    result = g.parse(text)
    assert isinstance(result, g.IncidentCommand | g.UsageError)
    if isinstance(result, g.UsageError):
        assert result.example.startswith("/incident ") and result.message


@given(st.sampled_from(["sev", "SEV", ""]), st.integers(0, 4), st.sampled_from(["", " "]))
def test_every_severity_spelling_round_trips(prefix, level, gap):
    token = f"{prefix}{gap if prefix else ''}{level}"
    result = g.parse(f"sev INC-3 {token}")
    assert isinstance(result, g.IncidentCommand) and result.severity == level and result.incident == 3


@pytest.mark.parametrize(
    ("action", "level", "sev0_sent", "kind"),
    [
        ("update", 1, True, "update"),
        ("resolve", 1, True, "resolution"),
        ("update", 4, True, "maintenance_before"),
        ("resolve", 4, True, "maintenance_after"),
        ("update", 0, True, "update"),
        ("update", 0, False, "initial"),  # upgraded to SEV 0: the SEV 0 initial goes out first (4228)
        ("resolve", 0, False, "resolution"),
    ],
)
def test_draft_kind_after_an_upgrade_to_sev0_is_the_initial(action, level, sev0_sent, kind):
    assert draft_kind(action, level, sev0_initial_approved=sev0_sent) == kind

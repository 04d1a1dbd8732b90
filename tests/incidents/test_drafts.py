"""Draft defaults and validation (spec B.5.7, C.5, C.6, C.7; E13, E14, E19, E20)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.incidents.drafts import IncidentFacts, check_draft, draft_defaults, draft_fields


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


APP = IncidentFacts("INC-7", 0, "the PostHog app", "The PostHog app is unreachable.", at("2026-11-24T10:00:00"))
FLAGS = IncidentFacts("INC-8", 1, "feature flags", "flag evaluation errors", at("2026-11-24T10:00:00"))


def test_e15_initial_sev0_from_the_declaration():
    values = draft_defaults("initial", APP, at("2026-11-24T10:01:00"), "Simon Smith")
    check = check_draft("initial", 0, values, route="broadcast")
    assert check.ok
    assert check.text.startswith("We're investigating a major incident affecting the PostHog app. The PostHog app is unreachable.")
    assert check.next_minutes == 15


def test_e13_sev1_initial_is_signed_by_the_sender_and_promises_30():
    values = draft_defaults("initial", FLAGS, at("2026-11-24T10:01:00"), "Alice Jones")
    assert values == {"feature": "feature flags", "symptom": "flag evaluation errors", "sender": "Alice"}
    check = check_draft("initial", 1, values)
    assert check.ok and check.next_minutes == 30
    assert "[Name/Team]" in check.text  # filled per channel


def test_e19_resolution_defaults_time_and_duration():
    values = draft_defaults("resolution", APP, at("2026-11-24T11:42:00"), "Simon")
    assert values["resolved_time"] == "11:42 UTC"
    assert values["duration"] == "10:00–11:42 UTC"
    check = check_draft("resolution", 0, {**values, "root_cause": "Redis queue saturation", "impact": "the app was unreachable"}, route="broadcast")
    assert check.ok
    assert check.text.startswith("The PostHog app is back online as of 11:42 UTC.")


def test_resolution_without_root_cause_is_refused_on_that_field():
    values = draft_defaults("resolution", APP, at("2026-11-24T11:42:00"), "Simon")
    check = check_draft("resolution", 0, {**values, "impact": "x"}, route="broadcast")
    assert set(check.errors) == {"f_root_cause"}


def test_e20_leftover_symptom_placeholder_is_an_error_on_symptom():
    check = check_draft("initial", 1, {"feature": "feature flags", "symptom": "[symptom]", "sender": "Simon"})
    assert not check.ok
    assert set(check.errors) == {"f_symptom"}


def test_e20_tone_warning_does_not_block():
    check = check_draft("update", 1, {"feature": "feature flags", "status": "Fix deploying. We apologize for the inconvenience."}, next_minutes="30")
    assert check.ok
    assert [h.source for h in check.tone] == ["002_59a801b964a2a19e.txt:4202"]


@pytest.mark.parametrize(("level", "raw", "ok", "minutes"), [(0, "15", True, 15), (0, "", True, 15), (0, "45", False, None), (1, "60", True, 60), (2, "30", False, None), (1, "soon", False, None)])
def test_next_update_minutes_within_the_band(level, raw, ok, minutes):
    check = check_draft("update", level, {"feature": "x", "status": "y"}, next_minutes=raw)
    assert ("next_minutes" not in check.errors) is ok
    if ok:
        assert check.next_minutes == minutes
        assert f"Next update in ~{minutes} minutes." in check.text


def test_e14_broadcast_on_sev1_needs_a_reason():
    values = {"feature": "feature flags", "symptom": "errors", "sender": "Simon"}
    assert "reason" in check_draft("initial", 1, values, route="broadcast").errors
    assert check_draft("initial", 1, values, route="broadcast", reason="owners offline").ok
    assert check_draft("initial", 0, {"feature": "a", "symptom": "b"}, route="broadcast").ok


def test_text_over_3000_characters_is_refused():
    check = check_draft("update", 0, {"feature": "x", "status": "y" * 3100}, next_minutes="15")
    assert any("3000" in m for m in check.errors.values())


def test_draft_fields_per_kind():
    assert draft_fields("update", 0) == ("feature", "status")
    assert draft_fields("initial", 1) == ("feature", "symptom", "sender")
    assert draft_fields("maintenance_before", 4) == ("system", "window")


def test_maintenance_defaults_render_the_window():
    facts = IncidentFacts("INC-9", 4, "the EU database", "", at("2026-11-20T10:00:00"), window_start=at("2026-11-25T02:00:00"), window_end=at("2026-11-25T04:00:00"))
    values = draft_defaults("maintenance_before", facts, at("2026-11-20T10:00:00"), "Simon")
    assert values == {"system": "the EU database", "window": "02:00–04:00 UTC, 25 Nov"}
    assert check_draft("maintenance_before", 4, values).text.startswith("Heads up — maintenance on the EU database from 02:00–04:00 UTC, 25 Nov.")


def test_owner_route_leaves_the_signature_to_each_owner_c4():
    from services.incidents.templates import fill_per_channel

    assert draft_fields("initial", 1, "owners") == ("feature", "symptom")
    values = draft_defaults("initial", FLAGS, at("2026-11-24T10:01:00"), "Simon", route="owners")
    check = check_draft("initial", 1, values, route="owners")
    assert check.ok
    assert check.text.endswith("— [Your Name], PostHog")
    assert fill_per_channel(check.text, "Initech", "Bob Brown").endswith("— Bob, PostHog")
    assert fill_per_channel(check.text, "Initech", "Bob Brown").startswith("Hey Initech team,")

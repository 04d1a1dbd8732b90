"""Templates filled from the incident, and the tone lint (spec B.5, B.6; E13, E15, E19, E20, E24)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.incidents.templates import (
    TEMPLATES,
    fields_of,
    fill_per_channel,
    first_name,
    format_duration,
    format_utc_time,
    format_window,
    render,
    render_email,
    template_for,
    tone_warnings,
    unfilled_fields,
    unfilled_placeholders,
)


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def test_e15_sev0_initial_broadcast_text():
    text = render(template_for("initial", 0), {"feature": "the PostHog app", "symptom": "The PostHog app is unreachable."})
    assert text == (
        "We're investigating a major incident affecting the PostHog app. The PostHog app is unreachable.\n\n"
        "Our engineering team is actively working on a fix. We'll post updates here every 15–30 minutes until this is resolved."
    )
    assert unfilled_placeholders(text) == ()


def test_e13_critical_initial_for_acme_signed_by_alice_without_subject():
    draft = render(template_for("initial", 1), {"feature": "feature flags", "symptom": "flag evaluation errors", "sender": first_name("Alice Smith")})
    assert "[Name/Team]" in draft  # filled per channel, not in the draft
    assert unfilled_fields(draft) == {}
    text = fill_per_channel(draft, "Acme")
    assert text == (
        "Hey Acme team,\n\nWe’re investigating a major outage affecting feature flags. You may see flag evaluation errors. "
        "Engineers are on it — updates every 30 minutes until resolved.\n\nWe know this may disrupt your work — thanks for "
        "your patience while we get things back online.\n\n— Alice, PostHog"
    )
    assert "Subject:" not in text


def test_email_copy_keeps_the_subject():
    t = template_for("initial", 2)
    email = render_email(t, {"feature": "session replay", "symptom": "replays arriving late", "sender": "Bob", "recipient": "Initech team"})
    assert email.startswith("Subject: Performance issues in Session replay\n\nHey Initech team,")


def test_e19_sev0_update_text():
    text = render(template_for("update", 0), {"feature": "the PostHog app", "status": "Root cause identified. Fix is being deployed.", "next_minutes": "15"})
    assert text == "Update on the PostHog app: Root cause identified. Fix is being deployed.\n\nNext update in ~15 minutes."


def test_e19_sev0_resolution_text():
    values = {
        "feature": "the PostHog app",
        "resolved_time": format_utc_time(at("2026-11-24T11:42:00")),
        "root_cause": "Redis queue saturation.",
        "duration": format_duration(at("2026-11-24T10:00:00"), at("2026-11-24T11:42:00")),
        "impact": "the app was unreachable",
    }
    text = render(template_for("resolution", 0), values)
    assert text.startswith("The PostHog app is back online as of 11:42 UTC.")
    assert "Root cause: Redis queue saturation. Duration: 10:00–11:42 UTC. Impact: the app was unreachable." in text
    assert "A full postmortem will follow within 24 hours." in text
    assert unfilled_placeholders(text) == ()


@pytest.mark.parametrize(("level", "key"), [(0, "sev0.resolution"), (1, "critical.resolution"), (2, "derived.resolution"), (3, "derived.resolution")])
def test_resolution_template_by_severity_c7(level, key):
    assert template_for("resolution", level).key == key


def test_derived_templates_are_labelled_not_handbook_b58():
    assert not TEMPLATES["derived.update"].handbook
    assert TEMPLATES["derived.update"].source.startswith("not a handbook template")
    assert all(t.handbook for k, t in TEMPLATES.items() if not k.startswith("derived."))


def test_sev1_update_uses_the_sev0_shape_with_n():
    text = render(template_for("update", 1), {"feature": "feature flags", "status": "Fix in progress.", "next_minutes": "30"})
    assert text == "Update on feature flags: Fix in progress.\n\nNext update in ~30 minutes."


def test_e24_maintenance_before_message():
    window = format_window(at("2026-11-25T02:00:00"), at("2026-11-25T04:00:00"))
    text = render(template_for("maintenance_before", 4), {"system": "the EU ingestion database", "window": window})
    assert text.startswith("Heads up — maintenance on the EU ingestion database from 02:00–04:00 UTC, 25 Nov. ")
    assert text.endswith("We’ll confirm once complete.")


def test_maintenance_after_optional_note_drops_out():
    t = template_for("maintenance_after", 4)
    assert render(t, {"system": "the EU database"}) == "Maintenance on the EU database is complete."
    assert render(t, {"system": "the EU database", "note": "Reload dashboards."}) == "Maintenance on the EU database is complete. Reload dashboards."


def test_e20_leftover_placeholder_blames_its_field():
    draft = render(template_for("initial", 1), {"feature": "feature flags", "sender": "Simon"})
    errors = unfilled_fields(draft)
    assert set(errors) == {"symptom"}
    assert "[symptom]" in errors["symptom"]


def test_unknown_brackets_blame_the_text_field():
    assert set(unfilled_fields("Heads up [fill this in] soon")) == {"text"}


def test_fields_of_each_template_b57():
    assert fields_of(TEMPLATES["sev0.initial"]) == ("feature", "symptom")
    assert fields_of(TEMPLATES["sev0.resolution"]) == ("feature", "resolved_time", "root_cause", "duration", "impact")
    assert fields_of(TEMPLATES["critical.initial"]) == ("recipient", "feature", "symptom", "sender")


def test_e20_tone_warning_cites_4202_and_does_not_block():
    hints = tone_warnings("The fix is rolling out. We apologize for the inconvenience.")
    assert len(hints) == 1
    assert hints[0].source == "002_59a801b964a2a19e.txt:4202"
    assert "I know this blocks work" in hints[0].text()


@pytest.mark.parametrize(
    ("text", "principle"),
    [
        ("We are experiencing an issue affecting a subset of users.", "Direct"),
        ("You may experience degraded query latency.", "Plain English"),
        ("A third-party dependency caused an issue.", "Ownership"),
        ("Thanks, The PostHog Team", "Human-centric"),
    ],
)
def test_tone_lint_flags_each_avoid_phrase(text, principle):
    assert principle in {h.principle for h in tone_warnings(text)}


def test_handbook_templates_pass_their_own_tone_lint():
    for t in TEMPLATES.values():
        assert tone_warnings(t.body) == (), t.key


def test_multi_day_duration_shows_dates():
    assert format_duration(at("2026-11-24T23:00:00"), at("2026-11-25T01:10:00")) == "24 Nov 23:00–25 Nov 01:10 UTC"

"""Owner routing: owner, owner away -> regional backup (002_59a801b964a2a19e.txt:4221), no owner -> Simon (:3648)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.home.settings import HomeSettings
from services.home.owner_routing import Member, away_reason, normalise_region, route

TARA = Member("U0TARA", "Tara", region="US")
JORDAN = Member("U0JORDAN", "Jordan", region="US")
ELLA = Member("U0ELLA", "Ella", region="EU")
SIMON = Member("U0SIMON", "Simon", region="EU")
BACKUPS = {"US": [JORDAN], "EU": [ELLA], "APAC": []}


def _route(owner):
    return route(owner, backups=BACKUPS, no_owner_fallback=[SIMON])


def test_present_owner_is_tagged():
    r = _route(TARA)
    assert r.tag == ("U0TARA",) and not r.owner_away
    assert r.reason == "Tagging the owner Tara."


def test_out_of_office_owner_routes_to_regional_backup():
    r = _route(Member("U0TARA", "Tara", region="US", out_of_office=True))
    assert r.tag == ("U0JORDAN",)
    assert r.reason == "Tara is out of office; tagging the Americas backup Jordan."


@pytest.mark.parametrize("text,emoji", [
    ("Out of office", ""), ("OOO until Monday", ""), ("On vacation", ""), ("", ":palm_tree:"),
])
def test_slack_status_marks_owner_away(text, emoji):
    r = _route(Member("U0TARA", "Tara", region="US", status_text=text, status_emoji=emoji))
    assert r.tag == ("U0JORDAN",) and r.owner_away


@pytest.mark.parametrize("text", ["In a meeting", "Zooming", "Booking demos", "foods"])
def test_ordinary_status_is_not_away(text):
    assert away_reason(Member("U1", "X", status_text=text)) is None


def test_no_owner_tags_simon():
    r = _route(None)
    assert r.tag == ("U0SIMON",) and r.fallback
    assert r.reason == "The account has no owner; tagging Simon."


def test_region_without_backup_keeps_owner_and_says_so():
    r = _route(Member("U0A", "Aki", region="APAC", out_of_office=True))
    assert r.tag == ("U0A",) and r.owner_away
    assert "no APAC backup is available" in r.reason


def test_owner_without_region_keeps_owner():
    r = _route(Member("U0A", "Aki", out_of_office=True))
    assert r.tag == ("U0A",) and "no region" in r.reason


def test_backup_who_is_away_is_skipped():
    backups = {"US": [Member("U0J", "Jordan", status_emoji=":palm_tree:"), Member("U0K", "Kim")]}
    r = route(Member("U0T", "Tara", region="Americas", out_of_office=True), backups=backups, no_owner_fallback=[])
    assert r.tag == ("U0K",)


def test_region_aliases():
    assert [normalise_region(x) for x in ("Americas", "emea", "APAC", "us", "Mars", None)] == \
        ["US", "EU", "APAC", "US", None, None]


def test_settings_defaults_follow_the_spec(monkeypatch):
    monkeypatch.delenv("HOME_REGIONAL_BACKUPS", raising=False)
    s = HomeSettings()
    assert s.backups_by_region() == {"US": [], "EU": [], "APAC": []}
    assert s.no_owner_fallback == ["Simon"]


def test_settings_from_env_accept_handbook_region_names(monkeypatch):
    monkeypatch.setenv("HOME_REGIONAL_BACKUPS", '{"Americas": ["Jordan"], "EMEA": ["U0ELLA"]}')
    assert HomeSettings().backups_by_region() == {"US": ["Jordan"], "EU": ["U0ELLA"]}


def test_settings_reject_unknown_region(monkeypatch):
    monkeypatch.setenv("HOME_REGIONAL_BACKUPS", '{"Mars": ["X"]}')
    with pytest.raises(ValueError, match="use US, EU or APAC"):
        HomeSettings().backups_by_region()


@given(st.booleans(), st.sampled_from(["US", "EU", "APAC", None]), st.text(max_size=20))
def test_someone_is_always_tagged_and_reason_names_them(ooo, region, status):
    owner = Member("U0O", "Olga", region=region, out_of_office=ooo, status_text=status)
    r = _route(owner)
    assert r.tag
    assert r.owner_away == (away_reason(owner) is not None)
    assert "Olga" in r.reason


@pytest.mark.parametrize("text", ["Photo shoot", "Zoo trip", "Empty office"])
def test_away_words_match_whole_words_only(text):
    assert away_reason(Member("U1", "X", status_text=text)) is None


def test_two_backups_are_both_tagged():
    backups = {"EU": [ELLA, Member("U0MO", "Mo")]}
    r = route(Member("U0T", "Tara", region="EMEA", out_of_office=True), backups=backups, no_owner_fallback=[])
    assert r.tag == ("U0ELLA", "U0MO") and r.reason.endswith("tagging the EMEA backup Ella and Mo.")

"""Owner routing over the real account model and the fake Slack's users.info status."""

from __future__ import annotations

import pytest

from bot.db.session import session_scope
from bot.home.routing import route_account
from tests.churn.import_docs import document


@pytest.fixture
def seeded(rt, seed, monkeypatch):
    monkeypatch.setenv("HOME_REGIONAL_BACKUPS", '{"EMEA": ["Jordan"]}')
    doc = document()
    for m in doc["team"]:
        if m["slack_id"] in ("U0TAM02", "U0CSM02"):
            m["region"] = "EU"
    seed(doc)
    return rt


def _route(rt, account_id):
    with session_scope(rt.session_factory) as s:
        return route_account(rt, s, account_id)


def test_owner_present(seeded):
    r = _route(seeded, "churn-cobalt")
    assert r.tag == ("U0TAM02",) and r.reason == "Tagging the owner Lukas Becker."


def test_owner_with_slack_vacation_status_routes_to_emea_backup(seeded, fake_slack):
    fake_slack.users["U0TAM02"]["profile"].update(status_text="Vacation until 9 June", status_emoji="")
    r = _route(seeded, "churn-cobalt")
    assert r.tag == ("U0CSM02",)
    assert r.reason == 'Lukas Becker has the status "Vacation until 9 June"; tagging the EMEA backup Jordan Blake.'


def test_no_owner_tags_simon_from_the_directory(seeded):
    r = _route(seeded, "churn-ember")
    assert r.tag == ("U0LEAD01",) and r.reason == "The account has no owner; tagging Simon."


def test_unknown_account(seeded):
    assert _route(seeded, "nope") is None

"""Fixtures for the /incident end-to-end tests: the spec's Part E world (E-fixture) seeded
through the real importer, incident settings from the environment, and helpers that drive
modals the way Slack does (signed view_submission payloads)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.incidents.dispatch import incident_settings, wait_idle

TEAM = [
    {"slack_id": "U_ALICE", "name": "Alice Smith", "role": "TAM", "region": "EU", "email": "alice@example.com"},
    {"slack_id": "U_BOB", "name": "Bob Brown", "role": "CSM", "region": "US", "email": "bob@example.com"},
    {"slack_id": "U_SIMON", "name": "Simon", "role": "LEAD", "region": "EU", "is_team_lead": True, "email": "simon@example.com"},
    {"slack_id": "U_DANA", "name": "Dana Okafor", "role": "CSM", "region": "EU", "email": "dana@example.com"},
    {"slack_id": "U_LANDON", "name": "Landon", "role": "CSM", "region": "US", "email": "landon@example.com"},
    {"slack_id": "U_TYLER", "name": "Tyler", "role": "CSM", "region": "US", "email": "tyler@example.com"},
]

ACCOUNTS = [
    {"id": "acme", "name": "Acme", "posthog_org_id": "0189-acme", "arr": "120000", "owner_slack_id": "U_ALICE", "cloud": "EU",
     "products_used": ["feature_flags", "session_replay"], "uptime_sla": True, "slack_channel_ids": ["C_ACME"]},
    {"id": "globex", "name": "Globex", "arr": "12000", "owner_slack_id": "U_ALICE", "cloud": "US",
     "products_used": ["feature_flags"], "slack_channel_ids": ["C_GLOBEX"]},
    {"id": "initech", "name": "Initech", "owner_slack_id": "U_BOB", "cloud": "EU",
     "products_used": ["feature_flags"], "slack_channel_ids": ["C_INITECH"]},
]

COORD = "C0CSSUPPORT"  # #group-cs-sales-support in the seeded fake workspace
SCS = "C0SUPPORTCS"  # #support-customer-success


@pytest.fixture(autouse=True)
def incident_sends_finish(request) -> Iterator[None]:
    """Background sends of a test finish before its fake Slack and database go away.

    Only tests that run the bot need this; pure tests must not pay for a fake Slack and a
    database (requesting them here, dynamically, also orders their teardown after ours)."""
    if "rt" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("fake_slack")
    request.getfixturevalue("rt")
    yield
    assert wait_idle(120), "a background incident send did not finish"


@pytest.fixture
def incident_env(monkeypatch) -> Iterator[Callable[..., None]]:
    """Set incident settings (env names as documented) and rebuild the cached settings."""

    def set_env(**values: Any) -> None:
        for k, v in values.items():
            monkeypatch.setenv(k, str(v))
        incident_settings.cache_clear()

    incident_settings.cache_clear()
    yield set_env
    incident_settings.cache_clear()


@pytest.fixture
def incident_world(seed, fake_slack, incident_env):
    """E-fixture: Alice, Bob, Simon/Dana (EU rota), Landon/Tyler (US rota); Acme, Globex, Initech."""
    incident_env(CMOC_EU="Simon,Dana", CMOC_US="Landon,Tyler", SLACK_POST_RATE_PER_SEC=50, SLACK_POST_BURST=10)
    seed({"team": TEAM, "accounts": ACCOUNTS})
    fake_slack.add_user("U_EXT1", "dev", team_id="T_ACME", email="dev@acme.io")
    for cid in ("C_ACME", "C_GLOBEX", "C_INITECH"):
        fake_slack.channels[cid]["_members"].add("U_EXT1")
    return fake_slack


def text_input(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def select(value: str, kind: str = "static_select") -> dict:
    return {"value": {"type": kind, "selected_option": {"value": value}}}


def multi(values: list[str], kind: str = "checkboxes") -> dict:
    return {"value": {"type": kind, "selected_options": [{"value": v} for v in values]}}


def user_select(user: str) -> dict:
    return {"value": {"type": "users_select", "selected_user": user}}


def submit(bot, view: dict, values: dict, user: str) -> dict:
    """Submit a modal as Slack does; returns the bot's JSON answer (response_action …)."""
    resp = bot.view_submission(view, values, user=user)
    assert resp.status_code == 200, resp.text
    return json.loads(resp.text) if resp.text else {}


def opened_views(fake, callback_id: str) -> list[dict]:
    return [c.args["view"] for c in fake.calls_to("views.open") if c.args["view"].get("callback_id") == callback_id]


def opened_view(fake, callback_id: str, count: int = 1) -> dict:
    """The latest modal with this callback id, waiting until `count` have been opened."""
    fake.wait_for(lambda: len(opened_views(fake, callback_id)) >= count)
    return opened_views(fake, callback_id)[-1]


def declare_values(level: int, feature: str, symptom: str, cloud: str = "both", products: list[str] | None = None, cmoc: str = "U_SIMON") -> dict:
    values = {
        "severity": select(str(level)),
        "feature": text_input(feature),
        "symptom": text_input(symptom),
        "title": text_input(""),
        "cloud": select(cloud),
        "cmoc": user_select(cmoc),
    }
    if products:
        values["products"] = multi(products, "multi_static_select")
    return values


def customer_posts(fake, channels) -> list[dict]:
    return [m for ch in channels for m in fake.posts(ch)]

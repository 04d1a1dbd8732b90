"""App Home end to end: a signed `app_home_opened` event in, `views.publish` read back from the fake Slack;
a row button sends the same reply the command gives to the user's DM."""

from __future__ import annotations

import pytest

from bot.fakes.workspace import EXTERNAL_USER
from bot.home.blocks import EMPTY_TEXT, STRANGER_TEXT
from tests.churn.import_docs import document
from tests.clock import freeze

NOW = "2025-06-02T09:00:00Z"


@pytest.fixture
def home_bot(bot, seed, monkeypatch):
    freeze(NOW)
    seed(document())
    return bot


def _open(bot, user):
    resp = bot.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
                      "event_ts": "1.0"})
    assert resp.status_code == 200
    return bot.slack.wait_for(lambda: bot.slack.home_views.get(user))


def _texts(view):
    return [b["text"]["text"] for b in view["blocks"] if isinstance(b.get("text"), dict)]


def test_rep_with_accounts_sees_the_book(home_bot):
    view = _open(home_bot, "U0TAM02")
    texts = _texts(view)
    assert texts[0] == "Hi Lukas Becker, here are your accounts (2)."
    assert "At risk (1)" in texts
    assert any(t.startswith("*Cobalt Fintech* · $120,000 ARR\nNext: ") for t in texts)
    assert any(t.startswith("*Borealis Learning* · $90,000 ARR") for t in texts)
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {(b["action_id"], b["value"]) for b in buttons} >= {("home_run_churn_risk", "churn-cobalt")}


def test_rep_without_accounts_gets_the_empty_state(home_bot):
    view = _open(home_bot, "U0CSM01")  # Dana: team lead with no team members and no book
    assert _texts(view) == [f"Hi Dana Okafor. {EMPTY_TEXT}"]


def test_stranger_gets_internal_use_notice(home_bot):
    assert _texts(_open(home_bot, EXTERNAL_USER)) == [STRANGER_TEXT]


def test_messages_tab_publishes_nothing(home_bot):
    resp = home_bot.event({"type": "app_home_opened", "user": "U0TAM02", "channel": "D0", "tab": "messages"})
    assert resp.status_code == 200
    assert "U0TAM02" not in home_bot.slack.home_views


def test_row_button_sends_the_churn_risk_reply_to_the_dm(home_bot):
    view = _open(home_bot, "U0TAM02")
    reply = home_bot.action(action_id="home_run_churn_risk", value="churn-cobalt", user="U0TAM02",
                            view=view)
    assert reply.status == 200
    dm = home_bot.slack.wait_for(lambda: home_bot.slack.posts("D0TAM02"))
    assert dm[0]["text"] == "Cobalt Fintech: at risk"
    assert any("Champion Head of Product left" in str(b) for b in dm[0]["blocks"])


def test_team_lead_sees_team_accounts_and_handovers_in_flight(bot, seed, monkeypatch):
    freeze(NOW)
    doc = document()
    for m in doc["team"]:
        if m["slack_id"] == "U0TAM03":
            m["team_lead_slack_id"] = "U0CSM01"
    for a in doc["accounts"]:
        if a["id"] == "churn-helix":
            a["previous_owner_slack_id"], a["owner_since"] = "U0TAE02", "2025-05-20"
    seed(doc)
    view = _open(bot, "U0CSM01")
    texts = _texts(view)
    assert texts[0] == "Hi Dana Okafor, here are your team's accounts (1)."
    assert "Handovers in flight (1)" in texts
    assert any(t.startswith("*Helix SaaS* · $40,000 ARR\nNext: Check the handover from Priya Shah to Mei Chen")
               for t in texts)
    button = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "home_run_handover_check")
    assert button["value"] == "churn-helix"
    bot.action(action_id=button["action_id"], value=button["value"], user="U0CSM01", view=view)
    dm = bot.slack.wait_for(lambda: bot.slack.posts("D0CSM01"))
    assert "Helix SaaS" in dm[0]["text"]


def test_tickets_opened_this_week(bot, seed, monkeypatch):
    freeze(NOW)  # Monday 2025-06-02
    doc = document()
    cobalt = next(a for a in doc["accounts"] if a["id"] == "churn-cobalt")
    cobalt["tickets"] = [
        {"id": 9001, "created_at": "2025-06-02T08:00:00Z", "status": "open",
         "priority": "urgent", "subject": "Exports failing"},
        {"id": 9000, "created_at": "2025-05-30T08:00:00Z", "status": "open", "subject": "Last week"},
    ]
    seed(doc)
    texts = _texts(_open(bot, "U0TAM02"))
    assert "Tickets opened this week (1)" in texts
    assert ("*Cobalt Fintech* · $120,000 ARR\nNext: 1 ticket this week, latest #9001 Exports failing (urgent): "
            "check it is being handled") in texts



def test_open_payment_escalation_comes_first(home_bot, rt):
    from datetime import date

    from bot.billing.tables import PaymentCase
    from bot.db.session import session_scope

    with session_scope(rt.session_factory) as s:
        s.add(PaymentCase(key="in_home1", customer_id="cus_home1", account_id="churn-borealis",
                          account_name="Borealis Learning", kind="card", late_day=date(2025, 5, 28),
                          responsible=["U0TAM02"], responsible_reason="owner"))
    view = _open(home_bot, "U0TAM02")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers[0] == "Open payment escalations (1)"
    assert ("*Borealis Learning* · $90,000 ARR\nNext: Payment late since 2025-05-28: follow the escalation "
            "thread in #sales-alerts") in _texts(view)

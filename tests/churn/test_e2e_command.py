"""`/churn-risk` end to end: signed slash commands and clicks into the real Bolt app, accounts
seeded through the real importer, replies read back from the fake Slack (churn-risk.md §4.7)."""

from __future__ import annotations

import pytest

from bot.fakes.workspace import EXTERNAL_USER
from bot.guard import EXTERNAL_CHANNEL_REFUSAL, REFUSAL
from bot.render import buttons
from tests.churn.import_docs import document
from tests.clock import freeze

NOW = "2025-06-02T09:00:00Z"


@pytest.fixture
def churn_bot(bot, seed, monkeypatch):
    freeze(NOW)
    seed(document())
    return bot


def test_one_account_reply(churn_bot):
    """E3 Cobalt Fintech: at risk, champion left, Ben and Simon tagged, steps with dates."""
    reply = churn_bot.command("/churn-risk", "cobalt", user="U0TAM02")
    text = reply.text()
    assert reply.first()["response_type"] == "ephemeral"
    lines = text.splitlines()
    assert lines[0].startswith(":red_circle: AT RISK") and "Cobalt Fintech" in lines[0] and "score 10" in lines[0]
    assert "ESCALATE: ARR &gt; $50k → involve Ben or Simon" in lines[0]
    assert "Champion Head of Product left 2025-05-12, no replacement relationship since\n" in text
    assert "Involve Ben or Simon (ARR &gt; $50k) by 2025-06-02 · <@U0TAM02> <@U0LEAD02> <@U0LEAD01>" in text
    assert "Recovery call" in text and "by 2025-06-04 09:00 UTC" in text
    assert "key champion left)" in text and "|Cross sell motions>" in text
    assert [el["text"]["text"] for _, el in buttons(reply.first()["blocks"])] == [
        "Share to channel", "Flag churn risk", "Record a fact", "Open in Vitally"]


def test_own_book_worst_first(churn_bot):
    reply = churn_bot.command("/churn-risk", "", user="U0TAE01")
    text = reply.text()
    assert "Your book: 2 accounts" in text
    assert text.index("Vega Tools") < text.index("Lumen Dev")
    assert "usage −30.0% vs baseline" in text


def test_empty_book_says_how_to_look_one_up(churn_bot):
    text = churn_bot.command("/churn-risk", "", user="U0CSM01").text()
    assert "You own no accounts" in text and "`/churn-risk acme`" in text


def test_bad_input_gets_usage_with_example(churn_bot):
    text = churn_bot.command("/churn-risk", "share").text()
    assert "`share` needs an account before it." in text and "Example: `/churn-risk acme`" in text


def test_no_match(churn_bot):
    assert "No account matches 'zzz'. Try a domain or org id" in churn_bot.command("/churn-risk", "zzz").text()


def test_ambiguous_lookup_offers_buttons_and_a_click_answers(churn_bot):
    reply = churn_bot.command("/churn-risk", ".example")
    first = reply.first()
    found = buttons(first["blocks"])
    assert len(found) == 5 and "matches 10 accounts" in reply.text()
    _, button = next((b, el) for b, el in found if el["text"]["text"] == "Borealis Learning")
    picked = churn_bot.click(button, message=first)
    assert ":large_green_circle: HEALTHY" in picked.text()
    assert "explained by seasonality (YoY −35.0%)" in picked.text()


def test_share_posts_in_channel_but_never_in_a_customer_channel(churn_bot, fake_slack):
    shared = churn_bot.command("/churn-risk", "tango share", channel="C0GENERAL")
    assert shared.first()["response_type"] == "in_channel"
    assert ":large_yellow_circle: WATCH" in shared.text() and "customer replied 2025-05-22" in shared.text()
    refused = churn_bot.command("/churn-risk", "tango share", channel="C0CHTANGO")
    assert refused.text() == EXTERNAL_CHANNEL_REFUSAL


def test_slack_connect_user_is_refused(churn_bot):
    reply = churn_bot.command("/churn-risk", "cobalt", user=EXTERNAL_USER, user_team_id="T0CUSTOMER")
    assert reply.text() == REFUSAL.replace("this command", "/churn-risk")


def test_flag_button_records_once_and_posts_the_note(churn_bot, fake_slack):
    """Flag Lumen Dev (watch, suggest flag): the note goes to #customer-churn once; the account
    is at risk (F0) from then on (002:11515-11532)."""
    reply = churn_bot.command("/churn-risk", "lumen", user="U0TAE01")
    assert ":warning:" not in reply.text() and "when in doubt, flag it" in reply.text()
    _, flag = next((b, el) for b, el in buttons(reply.first()["blocks"]) if el["text"]["text"] == "Flag churn risk")
    churn_bot.click(flag, user="U0TAE01", message=reply.first())
    view = fake_slack.wait_for(lambda: list(fake_slack.views.values()))[-1]
    assert view["callback_id"] == "churn_flag_note" and view["private_metadata"] == "churn-lumen"

    values = {"known": {"value": {"type": "plain_text_input", "value": "Only two people use it"}},
              "help_needed": {"value": {"type": "plain_text_input", "value": ""}},
              "mitigation": {"value": {"type": "plain_text_input", "value": "Training for the data team"}}}
    resp = churn_bot.view_submission(view, values, user="U0TAE01")
    assert resp.status_code == 200 and resp.json()["response_action"] == "update"
    posts = fake_slack.wait_for(lambda: fake_slack.posts("C0CHURN"))
    assert len(posts) == 1
    from bot.render import blocks_to_text

    note = blocks_to_text(posts[0]["blocks"])
    assert "Churn risk flagged" in note and "Lumen Dev" in note and "<@U0TAE01>" in note
    assert "Account and ARR:* Lumen Dev, $25,200 ARR" in note
    assert "What we know:* Only two people use it" in note and "Mitigation:* Training for the data team" in note
    assert "rec. open 20d (W1)" in note

    again = churn_bot.view_submission(view, values, user="U0TAE01")
    assert "already flagged" in str(again.json())
    assert len(fake_slack.posts("C0CHURN")) == 1

    after = churn_bot.command("/churn-risk", "lumen", user="U0TAE01").text()
    assert after.startswith(":red_circle: AT RISK") and "In the Vitally Churn Risk segment since 2025-06-02" in after
    assert "Flag churn risk" not in after


def _submit_flag(churn_bot, fake_slack, query, user):
    reply = churn_bot.command("/churn-risk", query, user=user)
    _, flag = next((b, el) for b, el in buttons(reply.first()["blocks"]) if el["text"]["text"] == "Flag churn risk")
    churn_bot.click(flag, user=user, message=reply.first())
    view = fake_slack.wait_for(lambda: [v for v in fake_slack.views.values()
                                        if v.get("callback_id") == "churn_flag_note"])[-1]
    values = {"known": {"value": {"type": "plain_text_input", "value": "Finance is stalling"}},
              "help_needed": {"value": {"type": "plain_text_input", "value": ""}},
              "mitigation": {"value": {"type": "plain_text_input", "value": "Call the CFO"}}}
    resp = churn_bot.view_submission(view, values, user=user)
    assert resp.json()["response_action"] == "update"
    from bot.render import blocks_to_text

    return blocks_to_text(fake_slack.wait_for(lambda: fake_slack.posts("C0CHURN"))[-1]["blocks"])


def test_flag_note_over_50k_tags_ben_and_simon(churn_bot, fake_slack):
    """Tango Retail is WATCH at $80k: once flagged it is at risk (F0), so the note involves Ben and
    Simon (002:11558). The note is built from the state after the flag, not before it."""
    before = churn_bot.command("/churn-risk", "tango", user="U0CSM03").text()
    assert before.startswith(":large_yellow_circle: WATCH") and "Ben or Simon" not in before
    note = _submit_flag(churn_bot, fake_slack, "tango", "U0CSM03")
    assert "$50k at serious risk: <@U0LEAD02> <@U0LEAD01> · Handbook: <https://posthog.com/handbook/growth/sales/risk-mitigation-and-churn-prevention#" in note
    assert "What triggered the flag:* invoice 13d late, customer responded (W10)" in note
    assert "(F0)" not in note


def test_flag_note_at_or_under_50k_tags_no_leadership(churn_bot, fake_slack):
    note = _submit_flag(churn_bot, fake_slack, "lumen", "U0TAE01")  # $25,200
    assert "Lumen Dev" in note and "<@U0LEAD02>" not in note and "serious risk" not in note


def test_flag_note_requires_what_you_know(churn_bot, fake_slack):
    reply = churn_bot.command("/churn-risk", "lumen", user="U0TAE01")
    _, flag = next((b, el) for b, el in buttons(reply.first()["blocks"]) if el["text"]["text"] == "Flag churn risk")
    churn_bot.click(flag, user="U0TAE01", message=reply.first())
    view = fake_slack.wait_for(lambda: list(fake_slack.views.values()))[-1]
    empty = {k: {"value": {"type": "plain_text_input", "value": ""}} for k in ("known", "help_needed", "mitigation")}
    resp = churn_bot.view_submission(view, empty, user="U0TAE01")
    assert resp.json()["response_action"] == "errors" and set(resp.json()["errors"]) == {"known", "mitigation"}
    assert fake_slack.posts("C0CHURN") == []


def _open_fact_modal(churn_bot, fake_slack, query):
    reply = churn_bot.command("/churn-risk", query, user="U0TAE01")
    _, button = next((b, el) for b, el in buttons(reply.first()["blocks"]) if el["text"]["text"] == "Record a fact")
    churn_bot.click(button, user="U0TAE01", message=reply.first())
    return fake_slack.wait_for(lambda: [v for v in fake_slack.views.values()
                                        if v.get("callback_id") == "churn_fact_record"])[-1]


def _fact(kind, note="", until=None):
    return {"kind": {"value": {"type": "static_select", "selected_option": {"value": kind}}},
            "note": {"value": {"type": "plain_text_input", "value": note}},
            "until": {"value": {"type": "datepicker", "selected_date": until}}}


def test_record_a_fact_changes_the_assessment(churn_bot, fake_slack):
    """An owner's optimization note explains Vega's −30 % (spec E24's rule): healthy afterwards."""
    assert churn_bot.command("/churn-risk", "vega").text().startswith(":red_circle: AT RISK")
    view = _open_fact_modal(churn_bot, fake_slack, "vega")
    resp = churn_bot.view_submission(view, _fact("optimization_note", "turned off autocapture noise"), user="U0TAE01")
    assert resp.json()["response_action"] == "update"
    after = churn_bot.command("/churn-risk", "vega").text()
    assert after.startswith(":large_green_circle: HEALTHY")
    assert "Usage −30.0% after documented optimization (2025-06-02)" in after


def test_seasonal_fact_needs_an_end_date(churn_bot, fake_slack):
    view = _open_fact_modal(churn_bot, fake_slack, "vega")
    resp = churn_bot.view_submission(view, _fact("seasonal_explanation"), user="U0TAE01")
    assert resp.json() == {"response_action": "errors",
                           "errors": {"until": "A seasonal explanation needs an end date, today or later."}}
    ok = churn_bot.view_submission(view, _fact("seasonal_explanation", "summer", "2025-07-01"), user="U0TAE01")
    assert ok.json()["response_action"] == "update"
    assert churn_bot.command("/churn-risk", "vega").text().startswith(":large_green_circle: HEALTHY")


def test_recovery_call_clock_starts_when_the_bot_first_saw_the_risk(churn_bot, monkeypatch):
    """at_risk_since = the bot's first at-risk evaluation (§4.5): 48 hours later the call is overdue."""
    first = churn_bot.command("/churn-risk", "helix").text()
    assert "RECOVERY CALL DUE" in first and "by 2025-06-04 09:00 UTC" in first
    freeze("2025-06-04T10:00:00Z")
    later = churn_bot.command("/churn-risk", "helix").text()
    assert "RECOVERY CALL OVERDUE" in later and "by 2025-06-04 09:00 UTC" in later


def test_credit_dip_reads_pending_adjustment_not_churned(bot, seed, monkeypatch):
    """Rho Systems (E18 as of 2025-06-02): an incident credit zeroed May while June is still open. The
    level is not churned and the MRR line says "pending adjustment", not "churned" (§4.3 step 5)."""
    from tests.churn.import_docs import TEAM, account

    freeze(NOW)
    rho = account("churn-rho", "Rho Systems", "60000.00", "U0TAM03", "C0CHRHO",
                  mrr_history=[{"period": "2025-03", "value": "4900.00"}, {"period": "2025-04", "value": "5000.00"},
                               {"period": "2025-05", "value": "0.00"}],
                  one_time_credits=[{"date": "2025-05-03", "amount": "5000.00", "reason": "incident"}])
    seed({"format": "gtmbot-accounts/1", "team": TEAM, "accounts": [rho]})
    text = bot.command("/churn-risk", "rho", user="U0TAM03").text()
    assert text.startswith(":large_green_circle: HEALTHY")
    assert "MRR Mar $4,900 (new) · Apr $5,000 (growing) · May $0 (pending adjustment)" in text
    assert "churned" not in text.lower()
    assert "Revenue pending adjustment: a one-time credit explains the dip" in text

"""Customer Slack activity read from Slack (IMPORT.md §12, W4 in churn-risk.md §4.4): signed `message`
events into the real app, the effect read back through `/churn-risk` as a rep sees it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.fakes.workspace import CUSTOMER_TEAM, EXTERNAL_USER
from tests.churn.import_docs import TEAM, account
from tests.clock import freeze

NOW = "2025-06-02T09:00:00Z"
QUIET = "C0CHQUIET"


def ts(text: str) -> str:
    return f"{datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp():.6f}"


@pytest.fixture
def quiet_bot(bot, seed):
    """Willow Apps (spec E22): last customer message 2025-05-12, 21 days before NOW, so W4 holds."""
    freeze(NOW)
    willow = account("churn-willow", "Willow Apps", "24000.00", "U0TAE01", QUIET,
                     last_customer_slack_message_at="2025-05-12T10:00:00Z")
    seed({"format": "gtmbot-accounts/1", "team": TEAM, "accounts": [willow]})
    return bot


def say(bot, channel: str, user: str, at: str, **extra) -> int:
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user,
             "text": "hi team, quick question", "ts": ts(at), "event_ts": ts(at), **extra}
    return bot.event(event).status_code


def willow(bot) -> str:
    return bot.command("/churn-risk", "willow", user="U0TAE01").text()


def test_quiet_account_before_any_message(quiet_bot):
    text = willow(quiet_bot)
    assert text.startswith(":large_yellow_circle: WATCH") and "last customer Slack msg 2025-05-12" in text
    assert "No customer Slack activity for 21 days" in text


def test_a_customer_message_in_the_shared_channel_clears_w4(quiet_bot):
    assert say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-02T08:30:00Z", user_team=CUSTOMER_TEAM) == 200
    text = willow(quiet_bot)
    assert text.startswith(":large_green_circle: HEALTHY")
    assert "last customer Slack msg 2025-06-02" in text and "No customer Slack activity" not in text


def test_the_author_is_looked_up_when_the_event_does_not_say_its_team(quiet_bot):
    assert say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-01T16:00:00Z") == 200  # users.info: team T0CUSTOMER
    assert "last customer Slack msg 2025-06-01" in willow(quiet_bot)


def test_our_own_people_writing_is_not_customer_activity(quiet_bot, fake_slack):
    assert say(quiet_bot, QUIET, "U0TAE01", "2025-06-02T08:30:00Z") == 200
    assert say(quiet_bot, QUIET, "U0TAE01", "2025-06-02T08:31:00Z", user_team=fake_slack.team_id) == 200
    text = willow(quiet_bot)
    assert text.startswith(":large_yellow_circle: WATCH") and "last customer Slack msg 2025-05-12" in text


def test_edits_bots_and_joins_are_not_activity(quiet_bot):
    at = ts("2025-06-02T08:30:00Z")
    edit = {"type": "message", "subtype": "message_changed", "channel": QUIET, "ts": at, "event_ts": at,
            "message": {"type": "message", "user": EXTERNAL_USER, "text": "edited", "ts": at}}
    assert quiet_bot.event(edit).status_code == 200
    assert say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-02T08:31:00Z", subtype="channel_join") == 200
    assert say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-02T08:32:00Z", bot_id="B0OTHER") == 200
    assert "last customer Slack msg 2025-05-12" in willow(quiet_bot)


def test_a_late_or_replayed_older_message_never_moves_it_back(quiet_bot):
    say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-01T16:00:00Z", user_team=CUSTOMER_TEAM)
    say(quiet_bot, QUIET, EXTERNAL_USER, "2025-05-20T09:00:00Z", user_team=CUSTOMER_TEAM)
    assert "last customer Slack msg 2025-06-01" in willow(quiet_bot)


def test_a_customer_in_a_channel_mapped_to_no_account_changes_nothing(quiet_bot, fake_slack):
    fake_slack.add_channel("C0NEWCO", "ext-newco", is_ext_shared=True, members=[EXTERNAL_USER])
    assert say(quiet_bot, "C0NEWCO", EXTERNAL_USER, "2025-06-02T08:30:00Z", user_team=CUSTOMER_TEAM) == 200
    assert "last customer Slack msg 2025-05-12" in willow(quiet_bot)


def test_ordinary_channel_messages_are_acknowledged_without_unhandled_warnings(quiet_bot, caplog):
    caplog.set_level(logging.WARNING, logger="gtmbot.bolt")
    assert say(quiet_bot, "C0GENERAL", "U0TAE01", "2025-06-02T08:30:00Z") == 200
    assert say(quiet_bot, QUIET, "U0TAE01", "2025-06-02T08:31:00Z") == 200
    assert [r.getMessage() for r in caplog.records if "Unhandled request" in r.getMessage()] == []


def test_a_reply_another_capability_claims_still_counts(tickets):
    """A customer's reply in a ticketed thread goes to Zendesk (tickets' `message` listener) and is
    customer activity too: the hook is a middleware, so claiming the event does not hide it."""
    from sqlalchemy import select

    from bot.db.models import Account
    from bot.db.session import session_scope
    from tests.tickets.fixtures import ROOT

    tickets.message("C_ACME", "Funnels broken", user="U_EXT1", ts=ROOT)
    tickets.react("U_EXT1", ROOT)
    tickets.wait(lambda: len(tickets.zendesk.comments(4821)) == 2)
    reply_ts = f"{datetime(2025, 6, 2, 8, 30, tzinfo=UTC).timestamp():.6f}"
    tickets.say("C_ACME", "still broken today", user="U_EXT1", ts=reply_ts, thread_ts=ROOT)
    tickets.wait(lambda: any("still broken today" in c["body"] for c in tickets.zendesk.comments(4821)))
    with session_scope(tickets.rt.session_factory) as s:
        seen = s.scalar(select(Account.last_customer_slack_message_at).where(Account.id == "it-acme"))
    assert seen == datetime(2025, 6, 2, 8, 30, tzinfo=UTC)


def test_a_failure_to_record_never_stops_the_event(quiet_bot, monkeypatch):
    """The hook runs before every `message` listener: if it breaks, the event still gets its 200 and
    goes on (Slack would otherwise retry, and other capabilities would miss it)."""
    import listeners.churn.customer_message as hook

    def broken(rt, event):
        raise RuntimeError("database went away")

    monkeypatch.setattr(hook, "record_customer_message", broken)
    assert say(quiet_bot, QUIET, EXTERNAL_USER, "2025-06-02T08:30:00Z", user_team=CUSTOMER_TEAM) == 200

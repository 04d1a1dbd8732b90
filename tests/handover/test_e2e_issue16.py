"""/handover-check, issue 16, end to end through signed requests against the fake Slack: a lapsed
discount agreement says which one ended and when; a teammate given as a Slack handle, display name
or real name is found (directory, then Slack's users.list); a confirmation does not survive an
owner change made the same day. (Missing Stripe data: test_e2e_command.test_missing_stripe_data_never_passes.)"""

from __future__ import annotations

import pytest

from tests.handover.fixtures import HANDOVER_NOW, HANDOVER_TEAM, handover_account

R, F, E = "session_replay", "feature_flags", "error_tracking"
CREDIT = {"amount": "60000.00", "discount_pct": "20", "term_start": "2025-01-10", "term_months": 12,
          "first_purchase_date": "2025-01-10"}
ACME = handover_account("1001-acme", "Acme Robotics", "U0TAE01", "48000.00", [R, F], credit=CREDIT, owner_since="2025-01-10")
LEVERS = {"id": "kite-levers", "kind": "expansion_levers", "title": "What we tried", "updated_at": "2025-04-28T10:00:00Z"}
INES = {"slack_id": "U0TAM09", "name": "Inês Duarte", "email": "ines.duarte@example.com", "role": "TAM", "region": "US",
        "managed_count": 10, "leads_count": 2}
JO = {"slack_id": "U0TAM08", "name": "Johanna Berg", "email": "jb@example.com", "role": "TAM", "region": "US",
      "managed_count": 10, "leads_count": 2}


@pytest.fixture
def seed_team(seed, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", HANDOVER_NOW)

    def _seed(*accounts: dict, team: list[dict] = HANDOVER_TEAM) -> None:
        seed({"format": "gtmbot-accounts/1", "team": team, "accounts": list(accounts)})

    return _seed


def check(bot, text: str, user: str = "U0TAE01") -> str:
    reply = bot.command("/handover-check", text, user=user)
    assert reply.status == 200
    return reply.text()


def test_a_lapsed_discount_agreement_says_which_ended_and_when(bot, seed_team):
    kite = handover_account(
        "kite", "Kite Media", "U0TAM01", "120000.00", [R, F, E], notes=[LEVERS],
        credit={"amount": "150000.00", "discount_pct": "25", "term_start": "2024-01-01", "term_end": "2024-12-31"})
    seed_team(kite)
    text = check(bot, "Kite Media to CSM", user="U0TAM01")
    assert ("• *Discount agreement* — the 25% discounted prepaid-credit agreement (2024-01-01 → 2024-12-31) "
            "ended on 2024-12-31: no agreement is in place now (renewing it is a remaining lever)") in text
    assert "❌ Not ready" in text


def test_a_teammate_given_by_slack_handle_from_the_directory(bot, seed_team, fake_slack):
    """`@ines.duarte` is her email's local part, the usual handle: found without asking Slack."""
    seed_team(ACME, team=[*HANDOVER_TEAM, INES])
    for target in ("@ines.duarte", "ines.duarte", "Inês Duarte", "@Ines Duarte"):
        text = check(bot, f"Acme Robotics to {target}")
        assert "*Target* <@U0TAM09>" in text, target
        assert "isn't a role or teammate I know" not in text
    assert fake_slack.calls_to("users.list") == []


def test_a_teammate_given_by_a_name_only_slack_knows(bot, seed_team, fake_slack):
    """Her Slack handle and display name are in no directory column: users.list has them."""
    fake_slack.add_user("U0TAM08", "jo.b", real_name="Johanna Berg", email="jb@example.com")
    fake_slack.users["U0TAM08"]["profile"]["display_name"] = "Jojo"
    seed_team(ACME, team=[*HANDOVER_TEAM, JO])
    for target in ("@jo.b", "Jojo", "<@U0TAM08>"):
        text = check(bot, f"Acme Robotics to {target}")
        assert "*Target* <@U0TAM08>" in text, target
    assert len(fake_slack.calls_to("users.list")) == 1  # asked once, then kept for a while
    unknown = check(bot, "Acme Robotics to @nobody.here")
    assert "“@nobody.here” isn't a role or teammate I know" in unknown


def test_a_confirmation_does_not_survive_a_same_day_owner_change(bot, seed_team, seed, monkeypatch):
    seed_team(ACME)
    msg = bot.command("/handover-check", "Acme Robotics to TAM").first()
    told = next(b["accessory"] for b in msg["blocks"]
                if "accessory" in b and "customer_told" in b["accessory"]["action_id"])
    assert "confirmed by <@U0TAE01> on 2025-05-15" in bot.click(told, user="U0TAE01", message=msg).text()
    # Later that day the account moves to Tara (owner_since is only a date: 2025-05-15).
    monkeypatch.setenv("GTMBOT_NOW", "2025-05-15T15:00:00Z")
    seed({"format": "gtmbot-accounts/1", "team": HANDOVER_TEAM,
          "accounts": [{**ACME, "owner_slack_id": "U0TAM01", "owner_since": "2025-05-15"}]})
    reply = bot.command("/handover-check", "Acme Robotics to CSM", user="U0TAM01")
    text = reply.text()
    assert "confirmed by <@U0TAE01>" not in text  # Alex's confirmation answered for Alex, not for Tara
    msg = reply.first()
    told = next((b["accessory"] for b in msg["blocks"]
                 if "accessory" in b and "customer_told" in b["accessory"]["action_id"]), None)
    assert told is not None, "the new owner is asked to confirm again"
    assert "confirmed by <@U0TAM01> on 2025-05-15" in bot.click(told, user="U0TAM01", message=msg).text()

"""Slack Connect: people from another organisation share the customer channels with us. Every
internal command refuses them with an ephemeral refusal that carries no account data, and nothing
else happens: nothing posted, nothing recorded. Guests of our own workspace are refused the same way.
Checked whether or not Slack's payload says which team the user is from (the bot then asks users.info)."""

from __future__ import annotations

import itertools

from bot.guard import refusal
from bot.render import blocks_to_text
from tests.reliability.conftest import (
    ACCOUNT_DATA,
    COMMANDS,
    EXTERNAL_TEAM,
    EXTERNAL_USER,
    INTERNAL_USER,
    settle,
    slack_effects,
    table_counts,
)
from tests.reliability.test_signatures import quote_button_payload

BUTTON_REFUSAL = refusal({"type": "block_actions", "actions": [{}]})

# (user, channel, user_team_id hint in the payload)
STRANGERS = [
    (EXTERNAL_USER, "C_ACME", EXTERNAL_TEAM),  # Slack Connect user, Slack names their team
    ("U_EXT2", "C_ACME", None),  # Slack Connect user, no hint: users.info says another team
    ("U_EXT3", "C_ACME", None),  # Slack Connect user with a hidden email
    ("U0GUEST1", "C0GENERAL", None),  # a guest (restricted account) of our own workspace
]


def shown(reply) -> str:
    return "\n".join(blocks_to_text(m.get("blocks"), m.get("text", "")) for m in reply.messages())


def test_internal_commands_refuse_slack_connect_users(world):
    before_db, before_slack = table_counts(world.rt), slack_effects(world.slack)
    for (command, text), (user, channel, hint) in itertools.product(COMMANDS, STRANGERS):
        reply = world.bot.command(command, text, user=user, channel=channel, user_team_id=hint)
        assert reply.status == 200
        [message] = reply.messages()
        assert message["response_type"] == "ephemeral"
        assert message["text"] == refusal({"command": command}), (command, user, message)
        text_seen = shown(reply)
        assert not [w for w in ACCOUNT_DATA if w in text_seen], (command, user, text_seen)
    settle()
    assert slack_effects(world.slack) == before_slack  # the refusals rode on the acks; nothing else
    assert table_counts(world.rt) == before_db
    # the control: the same commands from an internal user answer with the account data
    for command, text in COMMANDS:
        assert "only for members" not in world.bot.command(command, text, user=INTERNAL_USER).text()


def test_buttons_refuse_slack_connect_users(world):
    """A "Post to channel" click forwarded to a Slack Connect user (or replayed by one) is refused."""
    payload = quote_button_payload(world)
    before = slack_effects(world.slack)
    for user, channel, _hint in STRANGERS:
        reply = world.bot.action(action_id=payload["actions"][0]["action_id"], value=payload["actions"][0]["value"],
                                 user=user, channel=channel)
        assert reply.status == 200
        [body] = reply.responses(1)
        assert body == {"text": BUTTON_REFUSAL, "response_type": "ephemeral", "replace_original": False}
        assert body["text"].startswith("Sorry, this button is only for members")
    settle()
    assert slack_effects(world.slack)["posts"] == before["posts"]
    assert slack_effects(world.slack)["responses"] == before["responses"] + len(STRANGERS)  # the refusals only

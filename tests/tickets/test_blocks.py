"""Block Kit for the :ticket: flow: what people see in Slack (incidents-and-tickets.md A.2.6, A.2.9)."""

from __future__ import annotations

import json

import pytest

from bot.tickets.blocks import (
    alert_blocks,
    already_ticketed_blocks,
    blocks_text,
    confirmation_blocks,
    hint_blocks,
    holding_blocks,
    internal_ticket_blocks,
)
from services.tickets.policy import bare_mention_text, unmapped_hint

AGENT = "https://acme.zendesk.com/agent/tickets/4821"


def test_e1_public_confirmation_has_the_number_and_nothing_internal():
    blocks = confirmation_blocks({"ticket_id": 4821})
    text = json.dumps(blocks)
    assert blocks_text(blocks) == (
        ":ticket: Ticket #4821 is open. Our support team has this thread, and new replies here are added to it."
    )
    for secret in ("priority", "high", "120", "Alice", "zendesk.com"):
        assert secret not in text


def test_e2_internal_ephemeral_leads_with_the_agent_link_then_priority_source():
    blocks = internal_ticket_blocks(
        {
            "ticket_id": 4821,
            "agent_url": AGENT,
            "priority": "high",
            "tier_tags": ["priority_customer"],
            "derived": False,
            "unmatched": None,
            "channel_name": "posthog-acme",
        }
    )
    text = blocks_text(blocks)
    assert text.splitlines()[0] == f":ticket: <{AGENT}|Ticket #4821> is open in Zendesk."
    assert "*Priority high* (priority_customer)" in text


def test_e8c_internal_ephemeral_explains_the_missing_mapping():
    blocks = internal_ticket_blocks(
        {
            "ticket_id": 4822,
            "agent_url": AGENT,
            "priority": "normal",
            "tier_tags": [],
            "derived": False,
            "unmatched": "channel_not_mapped",
            "channel_name": "posthog-newco",
            "hint": unmapped_hint("posthog-newco", "channel_not_mapped"),
        }
    )
    text = blocks_text(blocks)
    assert "this channel is not mapped to an account" in text and "#posthog-newco is not mapped" in text
    assert "002_59a801b964a2a19e.txt" not in text and "https://posthog.com/handbook/" in text  # a link a rep can open
    assert "*Priority normal* (no tier tag)" in text


def test_e8d_priority_off_is_stated():
    blocks = internal_ticket_blocks(
        {"ticket_id": 1, "agent_url": AGENT, "priority": None, "tier_tags": ["trial"], "unmatched": None}
    )
    assert "ZENDESK_SET_PRIORITY=false" in blocks_text(blocks)


def test_e8e_derived_tags_are_labelled():
    blocks = internal_ticket_blocks(
        {
            "ticket_id": 1,
            "agent_url": AGENT,
            "priority": "high",
            "tier_tags": ["priority_customer"],
            "derived": True,
            "unmatched": None,
        }
    )
    assert "derived by gtmbot from account data" in blocks_text(blocks)


@pytest.mark.parametrize(("agent_url", "has_link"), [(AGENT, True), (None, False)])
def test_e3_already_ticketed_links_only_for_staff(agent_url, has_link):
    text = blocks_text(already_ticketed_blocks({"ticket_id": 4821, "agent_url": agent_url}))
    assert text.startswith("This thread is already ticket #4821.")
    assert ("zendesk.com" in text) is has_link


def test_e9b_holding_message_wording():
    assert blocks_text(holding_blocks()) == (
        "I couldn't open the ticket yet; I'll keep trying and the support team has been told."
    )


def test_e9b_alert_has_permalink_and_error():
    text = blocks_text(
        alert_blocks({"label": "Acme", "permalink": "https://slack/p1", "error": "503", "attempts": 4})
    )
    assert "*Acme*" in text and "<https://slack/p1|Open the thread>" in text and "(503)" in text
    assert "4 attempts" in text


def test_e5b_hint_block_carries_the_text():
    assert blocks_text(hint_blocks({"text": bare_mention_text()})) == bare_mention_text()


def test_every_builder_returns_valid_block_types():
    for blocks in (
        confirmation_blocks({"ticket_id": 1}),
        holding_blocks(),
        hint_blocks({"text": "x"}),
        already_ticketed_blocks({"ticket_id": 1}),
        alert_blocks({"label": "a", "permalink": "p", "error": "e"}),
        internal_ticket_blocks({"ticket_id": 1, "agent_url": AGENT, "priority": "low", "tier_tags": []}),
    ):
        assert blocks and all(b["type"] in {"section", "context"} for b in blocks)
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_retry_cadence_is_said_plainly():
    from bot.tickets.blocks import every

    assert [every(s) for s in (1, 45, 60, 300, 3600, 7200)] == [
        "every second",
        "every 45 seconds",
        "every minute",
        "every 5 minutes",
        "every hour",
        "every 2 hours",
    ]


def test_alert_escapes_the_account_name():
    text = blocks_text(alert_blocks({"label": "A&B <x>", "permalink": "p", "error": "e", "retry_every_s": 60}))
    assert "*A&amp;B &lt;x&gt;*" in text and "every minute" in text

"""The pure Block Kit builders of /churn-risk and the digest (churn-risk.md §4.7-4.8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.churn.blocks import (
    MAX_BLOCKS,
    candidates_blocks,
    churn_reply_blocks,
    digest_blocks,
    flag_note_blocks,
    no_match_blocks,
    own_book_blocks,
    usage_blocks,
)
from services.churn.digest import PreviousDigest, build_digest, own_book
from services.churn.model import Person
from services.churn.policy import ChurnPolicy
from services.churn.risk import assess
from tests.churn.examples import NOW, examples, healthy

EX = {k: v for k, v in examples().items() if k != "E18"}


def text_of(blocks) -> str:
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
        elif b["type"] == "actions":
            out.extend(e["text"]["text"] for e in b["elements"])
    return "\n".join(out)


def valid(blocks):
    """Slack limits: <= 50 blocks, section text <= 3,000 characters, button text <= 75."""
    assert 0 < len(blocks) <= 50
    for b in blocks:
        if b["type"] == "section":
            assert 0 < len(b["text"]["text"]) <= 3000
        if b["type"] == "actions":
            assert all(len(e["text"]["text"]) <= 75 for e in b["elements"])


def test_e6_reply_order_level_first_then_why_then_steps():
    """E6 Fjord Media: AT RISK, score 16, escalation, the three reasons, then next steps."""
    blocks = churn_reply_blocks(assess(EX["E6"], NOW), NOW)
    valid(blocks)
    text = text_of(blocks)
    first = blocks[0]["text"]["text"]
    assert first.startswith(":red_circle: AT RISK") and "Fjord Media" in first and "score 16" in first
    assert "ESCALATE: ARR &gt; $50k → involve Ben or Simon" in first
    assert "renews 2025-08-01 (in 60 days)" in text
    why, steps = text.index("*Why*"), text.index("*Next steps*")
    assert why < steps
    assert "Renewal in 60 days (&lt;90) with negative engagement (W3, W4)\n" in text
    assert "Only 2 active users (30d)\n" in text
    assert "No customer Slack activity for 21 days (≥14)\n" in text
    assert "Recovery call" in text and "by 2025-06-04 09:00 UTC" in text
    assert "Involve Ben or Simon (ARR &gt; $50k)" in text
    assert "*Don't:* cross-sell (active risk to the renewal) · Handbook: <https://posthog.com/handbook/" in text
    assert "002:" not in text  # FILE:LINE stays in code and tests; replies link the handbook (issue 17)
    assert "Flag churn risk" in text and "Share to channel" in text


def test_suppressed_warning_shown_as_evidence():
    text = text_of(churn_reply_blocks(assess(EX["E1"], NOW), NOW))
    assert "counted under F2" in text and "Usage −34.0%" in text


def test_healthy_reply_says_why_and_lists_gaps():
    text = text_of(churn_reply_blocks(assess(EX["E23"], NOW), NOW))
    assert ":large_green_circle: HEALTHY" in text
    assert "*Not evaluated*" in text and "W4: no shared Slack channel" in text
    assert "Flag churn risk" not in text


def test_churned_reply_retro():
    text = text_of(churn_reply_blocks(assess(EX["E14"], NOW), NOW))
    assert ":black_circle: CHURNED" in text and "churn retro" in text and "by 2025-06-06" in text


def test_shared_reply_has_no_share_button():
    assert "Share to channel" not in text_of(churn_reply_blocks(assess(EX["E6"], NOW), NOW, shared=True))


def test_names_are_escaped():
    acct = replace(EX["E6"], name="<Fjord & Co>", vitally_url=None)
    text = text_of(churn_reply_blocks(assess(acct, NOW), NOW))
    assert "&lt;Fjord &amp; Co&gt;" in text and "<Fjord" not in text


def test_usage_message_has_example():
    text = text_of(usage_blocks("Tell me which account."))
    assert "Tell me which account." in text and "`/churn-risk acme`" in text


def test_no_match_and_candidates():
    assert "No account matches 'zzz'" in text_of(no_match_blocks("zzz"))
    cands = [(f"id{i}", f"Acme {i}") for i in range(7)]
    blocks = candidates_blocks("acme", cands)
    valid(blocks)
    buttons = blocks[1]["elements"]
    assert len(buttons) == 5 and buttons[0]["value"] == "id0"
    assert len({b["action_id"] for b in buttons}) == 5  # Slack wants unique action ids


def test_own_book_worst_first_and_empty():
    book = own_book([assess(EX[k], NOW) for k in ("E2", "E13", "E1")])
    blocks = own_book_blocks(book, NOW)
    valid(blocks)
    text = text_of(blocks)
    assert text.index("Acme Analytics") < text.index("Lumen Dev") < text.index("Borealis Learning")
    assert "at risk 1 · watch 1" in text
    assert "You own no accounts" in text_of(own_book_blocks([], NOW))


def test_flag_note_has_the_five_fields():
    """002:11517-11528: account and ARR, trigger, what you know, help needed, mitigation."""
    a = assess(EX["E6"], NOW)
    text = text_of(flag_note_blocks(a, Person("U0MARIA", "maria"), known="Quiet since May", mitigation="Call"))
    for label in ("Account and ARR:* Fjord Media, $75,000", "What triggered the flag:* renewal in 60d",
                  "What we know:* Quiet since May", "Help needed:*", "Mitigation:* Call"):
        assert label in text
    assert "@Ben @Simon" in text  # > $50k


def test_digest_blocks_header_and_sections():
    previous = PreviousDigest("2025-W22", NOW - timedelta(days=7))  # the spec sample's previous digest
    digest = build_digest([assess(a, NOW) for a in EX.values()], NOW, people=None, previous=previous)
    main, thread = digest_blocks(digest)
    valid(main)
    text = text_of(main)
    assert "week 2025-W23" in text
    assert "At risk: 11 accounts · $634,800 ARR  |  Watch: 8  |  Churned (7d): 1  |  New at risk: 10" in text
    assert text.index("*Churned*") < text.index("*At risk: escalate*") < text.index("*At risk*\n")
    assert text.index("*At risk*\n") < text.index("*Watch*") < text.index("*Data gaps*")
    assert "<@U0ANA> @Ben @Simon" in text
    assert thread == []


def test_digest_overflow_to_thread_stays_within_limits():
    """10,000 accounts never produce a message over Slack's 50-block limit."""
    many = [assess(healthy(f"a{i}", f"Acct {i:03}", str(30000 + i), active_users_30d=1), NOW) for i in range(400)]
    main, thread = digest_blocks(build_digest(many, NOW, ChurnPolicy(digest_watch_limit=15)))
    valid(main)
    assert len(main) <= MAX_BLOCKS and thread
    for message in thread:
        valid(message)
    all_text = text_of(main) + "\n".join(text_of(m) for m in thread)
    assert all_text.count("• ") == 400


def test_empty_digest_says_so():
    main, thread = digest_blocks(build_digest([], NOW))
    assert "No account in scope" in text_of(main) and thread == []


def test_call_overdue_badge_after_48_hours():
    acct = replace(EX["E21"], segments=("Churn Risk",), churn_risk_flagged_at=NOW - timedelta(hours=49))
    text = text_of(churn_reply_blocks(assess(acct, NOW), NOW))
    assert "RECOVERY CALL OVERDUE" in text

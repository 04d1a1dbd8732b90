"""The pure Block Kit builders of /churn-risk and the digest (churn-risk.md §4.7-4.8)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.churn.blocks import (
    candidates_blocks,
    churn_reply_blocks,
    digest_messages,
    flag_note_blocks,
    no_match_blocks,
    own_book_blocks,
    usage_blocks,
)
from services.churn.digest import PreviousDigest, build_digest, own_book
from services.churn.model import Person
from services.churn.risk import assess
from tests.churn.examples import NOW, examples, healthy

EX = {k: v for k, v in examples().items() if k != "E18"}
PREVIOUS = PreviousDigest("2025-W22", NOW - timedelta(days=7))  # the spec sample's previous digest


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


def test_digest_summary_has_the_totals_and_what_needs_leadership_now():
    """The message in the channel: totals, then churned, escalations and the newly at risk; the
    watch list and the rest of each owner's book are in the owners' thread replies."""
    digest = build_digest([assess(a, NOW) for a in EX.values()], NOW, people=None, previous=PREVIOUS)
    out = digest_messages(digest)
    valid(out.blocks)
    text = text_of(out.blocks)
    assert "week 2025-W23" in text
    assert "At risk: 11 accounts · $634,800 ARR  |  Watch: 8  |  Churned (7d): 1  |  New at risk: 10" in text
    assert text.index("*Churned*") < text.index("*At risk: escalate*") < text.index("*Newly at risk*")
    assert text.index("*Newly at risk*") < text.index("*Data gaps*")
    escalate = text[text.index("*At risk: escalate*"):text.index("*Newly at risk*")]
    assert [n for n in ("Cobalt Fintech", "Pulse Credit", "Fjord Media", "Juno AI", "Sol Partners")
            if n in escalate] == ["Cobalt Fintech", "Pulse Credit", "Fjord Media", "Juno AI", "Sol Partners"]
    assert "<@U0ANA> @Ben @Simon" in text
    assert "Tango Retail" not in text and "*Watch*" not in text  # watch is in the owners' replies
    assert "• 1 account without a shared Slack channel: Xylo ($22,000)" in text
    assert "002:" not in text  # citations are handbook links
    assert out.file is None  # everything fits: no CSV


def test_one_reply_per_owner_worst_first_tagging_the_owner_once():
    digest = build_digest([assess(a, NOW) for a in EX.values()], NOW, previous=PREVIOUS)
    out = digest_messages(digest)
    assert len(out.replies) == 12 and out.message_count == 13
    for reply in out.replies:
        valid(reply.blocks)
    ana = next(r for r in out.replies if r.key == "owner:U0ANA")
    text = text_of(ana.blocks)
    assert text.startswith("<@U0ANA> *your accounts in the 2025-W23 digest*, worst first: 1 at risk ($120,000 ARR)"
                           " · 1 watch")
    assert text.index("Cobalt Fintech") < text.index("Dune Labs")  # at risk before watch
    assert text.count("<@U0ANA>") == 1 and "@Ben" not in text  # leadership is tagged in the summary
    assert "<@U0ANA>" in ana.text  # the notification names the owner
    simon = next(r for r in out.replies if r.key == "owner:Simon")  # accounts without an owner (002:3648)
    line = next(x for x in text_of(simon.blocks).splitlines() if "Ember Health" in x)
    assert "@Dana" in line and "@Simon" not in line  # Dana too: unmanaged failed payment >= $1,500
    first = [r.key for r in out.replies][:2]
    assert first == ["owner:U0ANA", "owner:U0RAJ"]  # most ARR at risk first


def _owned(i: int, owner: str, **changes):
    return healthy(f"a{i:04}", f"Acct {i:04}", str(30000 + i), owner_name=owner, **changes)


def test_a_big_book_is_a_handful_of_messages_and_a_csv_with_every_account():
    """600 accounts at risk or on watch across 4 owners: one summary, 4 replies within Slack's limits,
    and the full list as CSV; every cut list says how many accounts and how much ARR it leaves out."""
    import csv
    import io

    owners = ["sam", "ana", "raj", "eve"]
    many = [assess(_owned(i, owners[i % 4], active_users_30d=1,
                          **({"flags": ()} if i % 3 else {"last_customer_slack_message_at": NOW - timedelta(days=40)})),
                   NOW) for i in range(600)]
    digest = build_digest(many, NOW)
    out = digest_messages(digest, list_limit=15, owner_limit=25)
    assert out.message_count == 5 and out.file is not None
    for blocks in [out.blocks] + [r.blocks for r in out.replies]:
        valid(blocks)
        assert len(blocks) <= 10
    for reply in out.replies:
        text = text_of(reply.blocks)
        assert text.count("\n• ") <= 25
        assert "more account" in text and "in the CSV in this thread" in text
    rows = list(csv.DictReader(io.StringIO(out.file.content)))
    assert len(rows) == digest.at_risk_count + digest.watch_count + len(digest.data_gaps) == 600
    assert {r["owner"] for r in rows} == set(owners)
    assert [r["account"] for r in rows if r["section"] == "watch"] == [line.name for line in digest.watch]
    footer = out.blocks[-1]["elements"][0]["text"]
    assert "churn-digest-2025-W23.csv" in footer and "600" in footer


def test_data_gaps_are_one_line_per_kind_with_a_count_and_the_accounts_in_the_csv():
    gaps = [assess(healthy(f"g{i}", f"Gap {i}", "25000", owner_name=None if i < 5 else "sam",
                           slack_channel_ids=()), NOW) for i in range(14)]
    out = digest_messages(build_digest(gaps, NOW))
    text = text_of(out.blocks)
    gap_lines = [x for x in text.splitlines() if x.startswith("• ") and "account" in x]
    assert gap_lines == ["• 14 accounts without a shared Slack channel", "• 5 accounts without an owner (Simon handles them)"]
    assert out.file is not None and out.file.content.count("data gap") == 14


def test_csv_cells_are_text_a_spreadsheet_will_not_run():
    import csv
    import io

    evil = assess(healthy("x1", "=HYPERLINK(\"http://evil\",\"x\")", "60000", active_users_30d=1,
                          last_customer_slack_message_at=NOW - timedelta(days=40), slack_channel_ids=()), NOW)
    from bot.churn.digest_csv import digest_csv

    rows = list(csv.DictReader(io.StringIO(digest_csv(build_digest([evil], NOW)))))
    assert rows[0]["account"] == "'=HYPERLINK(\"http://evil\",\"x\")"


def test_empty_digest_says_so():
    out = digest_messages(build_digest([], NOW))
    assert "No account in scope" in text_of(out.blocks) and out.replies == [] and out.file is None


def test_call_overdue_badge_after_48_hours():
    acct = replace(EX["E21"], segments=("Churn Risk",), churn_risk_flagged_at=NOW - timedelta(hours=49))
    text = text_of(churn_reply_blocks(assess(acct, NOW), NOW))
    assert "RECOVERY CALL OVERDUE" in text

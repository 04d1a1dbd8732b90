"""The weekly digest end to end: run the job with a fixed clock, read the summary, the owners' thread
replies and the CSV back from the fake Slack, run it again (and after a restart) and see nothing new
(churn-risk.md §4.8; issue 17: a digest at any scale)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.render import blocks_to_text
from bot.runtime import build_runtime
from jobs import load_jobs, run_job
from tests.churn.import_docs import document
from tests.clock import freeze

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def seeded(rt, seed, monkeypatch):
    freeze("2025-06-02T08:00:00Z")
    seed(document())
    return rt


def digest_posts(fake_slack):
    return [p for p in fake_slack.posts("C0CHURN") if "Churn-risk digest" in blocks_to_text(p.get("blocks"))]


def thread_replies(fake_slack, parent: dict) -> list[dict]:
    return [p for p in fake_slack.posts("C0CHURN") if p.get("thread_ts") == parent["ts"] and p["ts"] != parent["ts"]]


def owner_reply(fake_slack, parent: dict, owner: str) -> str:
    replies = [blocks_to_text(p.get("blocks")) for p in thread_replies(fake_slack, parent) if not p.get("files")]
    return next(text for text in replies if text.startswith(f"<@{owner}> "))


def test_job_is_registered_weekly_monday_morning():
    spec = load_jobs()["churn_digest"]
    assert spec.trigger == {"trigger": "cron", "day_of_week": "mon", "hour": 8, "minute": 0}


def test_digest_posts_once_grouped_and_ordered(seeded, fake_slack):
    result = run_job(seeded, "churn_digest", now=NOW)
    assert "digest 2025-W23" in result.summary and "7 message(s)" in result.summary
    posts = digest_posts(fake_slack)
    assert len(posts) == 1
    text = blocks_to_text(posts[0]["blocks"])
    lines = text.splitlines()
    assert "week 2025-W23" in lines[0] and "cc <@U0CSM01>" in lines[0]
    # at risk: Cobalt 120,000 + Pulse 96,000 + Vega 50,000 + Helix 40,000 + Ember 28,800
    # the first digest: nothing to compare with, so nothing is new (§4.8)
    assert "At risk: 5 accounts · $334,800 ARR  |  Watch: 2  |  Churned (7d): 1  |  New at risk: 0" in text
    assert ":new:" not in text
    order = [name for name in ("*Churned*", "Nova Games", "*At risk: escalate*", "Cobalt Fintech", "Pulse Credit",
                               "*Data gaps*", "Xylo")]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    assert "*Newly at risk*" not in text  # the first digest: nothing is new
    for name in ("Vega Tools", "Helix SaaS", "Ember Care", "Tango Retail", "Lumen Dev"):
        assert name not in text  # at risk (not new, not escalated) or watch: in the owners' replies
    cobalt = next(line for line in lines if "Cobalt Fintech" in line)
    assert "<@U0TAM02> <@U0LEAD02> <@U0LEAD01>" in cobalt  # owner, then Ben and Simon (> $50k)
    assert "Borealis Learning" not in text  # healthy, nothing missing
    assert "1 account without a shared Slack channel: Xylo ($22,000)" in text

    # One reply per owner in the thread, the most ARR at risk first; each owner's accounts worst first.
    replies = thread_replies(fake_slack, posts[0])
    owners = [blocks_to_text(r["blocks"]).split(" ", 1)[0] for r in replies]
    assert owners == ["<@U0TAM02>", "<@U0CSM02>", "<@U0TAE01>", "<@U0TAM03>", "<@U0LEAD01>", "<@U0CSM03>"]
    alex = owner_reply(fake_slack, posts[0], "U0TAE01")
    assert alex.index("Vega Tools") < alex.index("Lumen Dev")  # at risk, then watch
    assert "1 at risk ($50,000 ARR) · 1 watch" in alex
    jordan = owner_reply(fake_slack, posts[0], "U0CSM02")
    assert jordan.index("Pulse Credit") < jordan.index("Nova Games")  # at risk, then churned
    assert "<@U0LEAD01>" not in jordan  # leadership is tagged in the summary, not again here
    simon = owner_reply(fake_slack, posts[0], "U0LEAD01")  # Ember Care has no owner: Simon (002:3648)
    ember = next(line for line in simon.splitlines() if "Ember Care" in line)
    assert "<@U0CSM01>" in ember and "2025-06-03" in ember  # Dana too (unmanaged, >= $1,500); notice due
    assert fake_slack.shared_files() == []  # it all fits: no CSV


def test_second_run_and_restart_send_nothing_new(seeded, fake_slack, settings):
    run_job(seeded, "churn_digest", now=NOW)
    assert len(digest_posts(fake_slack)) == 1
    again = run_job(seeded, "churn_digest", now=NOW.replace(hour=9))
    assert again.summary == "digest 2025-W23 already queued; nothing new"
    assert len(digest_posts(fake_slack)) == 1
    restarted = build_runtime(settings, migrate=False)  # a new process on the same database
    try:
        run_job(restarted, "churn_digest", now=NOW.replace(hour=10))
    finally:
        restarted.engine.dispose()
    assert len(digest_posts(fake_slack)) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 7  # the summary and one reply per owner, once


def test_failed_send_is_resumed_not_lost(seeded, fake_slack, monkeypatch):
    fake_slack.fail("chat.postMessage", error="internal_error")
    run_job(seeded, "churn_digest", now=NOW)
    assert digest_posts(fake_slack) == []
    freeze("2025-06-02T08:05:00Z")  # past the retry backoff
    run_job(seeded, "churn_digest", now=NOW.replace(minute=5))
    assert len(digest_posts(fake_slack)) == 1


def test_next_week_compares_with_this_week(seeded, fake_slack, monkeypatch):
    """The recorded week makes next week's at-risk accounts not new; a new week posts anew."""
    run_job(seeded, "churn_digest", now=NOW)
    freeze("2025-06-09T08:00:00Z")
    run_job(seeded, "churn_digest", now=datetime(2025, 6, 9, 8, 0, tzinfo=UTC))
    posts = digest_posts(fake_slack)
    assert len(posts) == 2
    second = blocks_to_text(posts[1]["blocks"])
    assert "week 2025-W24" in second and "New at risk: 0" in second


def test_dry_run_posts_nothing_and_records_nothing(seeded, fake_slack):
    """A dry run a week earlier is not a previous digest: the next real one is still the first."""
    from sqlalchemy import func, select

    from bot.churn.tables import ChurnDigestRun, ChurnEvaluation

    result = run_job(seeded, "churn_digest", dry_run=True, now=NOW - timedelta(days=7))
    assert "Churn-risk digest" in blocks_to_text(result.planned[0].blocks)  # and a reply per owner:
    assert len(result.planned) == 6 and {p.thread_key for p in result.planned[1:]} == {result.planned[0].key}
    assert digest_posts(fake_slack) == []
    with seeded.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ChurnEvaluation)) == 0
        assert s.scalar(select(func.count()).select_from(ChurnDigestRun)) == 0
    run_job(seeded, "churn_digest", now=NOW)
    assert "New at risk: 0" in blocks_to_text(digest_posts(fake_slack)[0]["blocks"])


def test_new_marks_only_what_is_new_since_the_previous_digest(seeded, seed, fake_slack):
    """Week 23 is the first digest: nothing new, although Cobalt and others are at risk. By week 24
    Tango Retail was put in the Churn Risk segment (on 2025-06-05, after that digest): only Tango is
    :new:. Orchard, imported since but flagged back in May, is at risk and not new."""
    from tests.churn.import_docs import account

    run_job(seeded, "churn_digest", now=NOW)
    seed({"format": "gtmbot-accounts/1", "accounts": [
        {"id": "churn-tango", "segments": ["Churn Risk"], "churn_risk_flagged_at": "2025-06-05T10:00:00Z"},
        account("churn-orchard", "Orchard Labs", "26000.00", "U0TAE02", "C0CHORCHARD",
                segments=["Churn Risk"], churn_risk_flagged_at="2025-05-05T10:00:00Z")]})
    freeze("2025-06-09T08:00:00Z")
    run_job(seeded, "churn_digest", now=datetime(2025, 6, 9, 8, 0, tzinfo=UTC))
    first, second = (blocks_to_text(p["blocks"]) for p in digest_posts(fake_slack))
    assert ":new:" not in first and "New at risk: 0" in first
    assert "New at risk: 1" in second
    marked = [line for line in second.splitlines() if ":new:" in line]
    assert len(marked) == 1 and "Tango Retail" in marked[0]
    assert "Orchard Labs" in second and "Cobalt Fintech" in second  # escalations (STALE, > $50k), not new
    assert "Orchard Labs" in owner_reply(fake_slack, digest_posts(fake_slack)[1], "U0TAE02")


def test_the_digest_is_the_same_whatever_the_batch_size(seeded):
    """The job streams accounts a page at a time: pages of 2 give the digest one page of all does."""
    from bot.churn.blocks import digest_messages
    from bot.churn.flow import churn_context, iter_week_assessments
    from services.churn.digest import build_digest

    with seeded.session_factory() as s:
        ctx = churn_context(s)
        policy = ctx.settings.policy()
        digests = [digest_messages(build_digest(iter_week_assessments(s, NOW, ctx, batch_size=size), NOW, policy,
                                              ctx.people)) for size in (2, 500)]
    assert digests[0] == digests[1]
    assert "Cobalt Fintech" in str(digests[0])


def test_flagged_account_stays_at_risk_on_the_second_digest(rt, seed, fake_slack, monkeypatch):
    """Quill Partners sits in the Churn Risk segment (flagged three weeks ago, recovery call not
    logged) with no data-driven flag. On the second digest it is still at risk, in the count and
    the ARR, with its overdue call, and not under "Recovered" (§1.1 F0, §4.5)."""
    from tests.churn.import_docs import TEAM, account

    quill = account("churn-quill", "Quill Partners", "45000.00", "U0TAM03", "C0CHQUILL",
                    segments=["Churn Risk"], churn_risk_flagged_at="2025-05-12T09:00:00Z")
    seed({"format": "gtmbot-accounts/1", "team": TEAM, "accounts": [quill]})
    for day in ("2025-06-02", "2025-06-09"):
        freeze(f"{day}T08:00:00Z")
        run_job(rt, "churn_digest", now=datetime.fromisoformat(f"{day}T08:00:00+00:00"))
    posts = digest_posts(fake_slack)
    assert len(posts) == 2
    for post in posts:
        text = blocks_to_text(post["blocks"])
        assert "At risk: 1 account · $45,000 ARR" in text and "Recovered: 0" in text
        assert "*Recovered*" not in text
        reply = owner_reply(fake_slack, post, "U0TAM03")  # Mei Chen's accounts, in the thread
        line = next(x for x in reply.splitlines() if "Quill Partners" in x)
        assert ":red_circle:" in line and "RECOVERY CALL OVERDUE" in line and "next: recovery call" in line
        assert "recovered" not in line


def _daily_rows(first: str, last: str, per_day: int = 80) -> list[dict]:
    from datetime import date, timedelta

    rows, day, end = [], date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        rows += [{"product": "product_analytics", "period": day.isoformat(), "value": f"{per_day}.00"},
                 {"product": "session_replay", "period": day.isoformat(), "value": "10.00"},
                 {"product": "feature_flags", "period": day.isoformat(), "value": "10.00"}]
        day += timedelta(days=1)
    return rows


def test_a_stale_usage_feed_is_reported_not_read_as_a_drop(rt, seed, fake_slack, bot):
    """Flat daily usage whose feed stopped on 2025-05-20 (12 days before the digest). Counting the
    missing days as zero made it a 40 % drop (F2, at risk); now the digest says the data is stale and
    the rep's reply measures usage up to the last day with data."""
    from tests.churn.import_docs import TEAM, account

    freeze("2025-06-02T08:00:00Z")
    stale = account("churn-stale", "Stale Feed Co", "30000.00", "U0TAE02", "C0CHSTALE",
                    usage=_daily_rows("2024-12-24", "2025-05-20"))
    seed({"format": "gtmbot-accounts/1", "team": TEAM, "accounts": [stale]})
    run_job(rt, "churn_digest", now=NOW)
    text = blocks_to_text(digest_posts(fake_slack)[0]["blocks"])
    assert "At risk: 0 accounts" in text
    assert "• 1 account with a stale usage feed: Stale Feed Co ($30,000)" in text  # named: only one
    reply = bot.command("/churn-risk", "stale feed", user="U0TAE02").text()
    assert reply.startswith(":large_green_circle: HEALTHY")
    assert "Usage data is stale: nothing after 2025-05-20 (12 days)" in reply and "Usage −" not in reply


# --- a digest at any scale (issue 17) --------------------------------------------------------------

OWNERS = ["U0TAE01", "U0TAE02", "U0TAM02", "U0TAM03", "U0CSM02", "U0CSM03"]


def big_book(n: int = 120, gaps: int = 12) -> dict:
    """n accounts over six owners, each owner's alternately at risk (usage -30%; over $50k ARR, so an
    escalation) and on watch (Slack quiet 3 weeks), ARR all different so the order is known; plus
    `gaps` healthy accounts without a shared Slack channel (a data gap)."""
    from tests.churn.import_docs import TEAM, account, usage_rows

    accounts = []
    for i in range(n):
        changes: dict = {"usage": usage_rows([4000] * 13 + [2800])} if i % 2 == 0 else {
            "last_customer_slack_message_at": "2025-05-12T10:00:00Z"}
        accounts.append(account(f"big-{i:04}", f"Big {i:04}", f"{60000 + 100 * i}.00", OWNERS[(i // 2) % 6],
                                f"C0BIG{i:04}", **changes))
    for i in range(gaps):
        accounts.append(account(f"gap-{i:04}", f"Gap {i:04}", "25000.00", OWNERS[i % 6], None))
    return {"format": "gtmbot-accounts/1", "team": TEAM, "accounts": accounts}


@pytest.fixture
def big(rt, seed, monkeypatch):
    freeze("2025-06-02T08:00:00Z")
    monkeypatch.setenv("CHURN_DIGEST_LIST_LIMIT", "5")
    monkeypatch.setenv("CHURN_DIGEST_OWNER_LIMIT", "6")
    seed(big_book())
    return rt


def test_a_big_book_is_a_summary_one_reply_per_owner_and_one_csv(big, fake_slack, settings):
    import csv
    import io

    result = run_job(big, "churn_digest", now=NOW)
    assert result.summary.endswith("7 message(s) and 1 file (churn-digest-2025-W23.csv)")
    summary, = digest_posts(fake_slack)
    text = blocks_to_text(summary["blocks"])
    assert "At risk: 60 accounts" in text and "Watch: 60" in text and "New at risk: 0" in text
    assert "• 12 accounts without a shared Slack channel" in text  # a count; the accounts are in the CSV
    escalate = text[text.index("*At risk: escalate*"):text.index("*Data gaps*")]
    assert escalate.count("\n• ") == 5  # CHURN_DIGEST_LIST_LIMIT, then what is left, summarised:
    assert "…and 55 more accounts ($3,597,000 ARR): in the CSV in the thread" in escalate
    assert "churn-digest-2025-W23.csv" in text

    replies = thread_replies(fake_slack, summary)
    messages = [r for r in replies if not r.get("files")]
    assert len(messages) == len(OWNERS)  # one per owner, however many accounts
    for owner in OWNERS:
        reply = owner_reply(fake_slack, summary, owner)
        assert "10 at risk" in reply and "10 watch" in reply
        lines = [x for x in reply.splitlines() if x.startswith("• ")]
        assert len(lines) == 6 and all(":red_circle:" in x for x in lines)  # worst first: at risk before watch
        arr = [int(x.split(" · $", 1)[1].split(" ", 1)[0].replace(",", "")) for x in lines]
        assert arr == sorted(arr, reverse=True)
        assert "…and 14 more accounts (4 at risk, 10 watch): in the CSV in this thread" in reply

    shared, = fake_slack.shared_files("C0CHURN")
    assert shared["shares"][0]["thread_ts"] == summary["ts"]  # in the digest's thread
    rows = list(csv.DictReader(io.StringIO(fake_slack.file_text("churn-digest-2025-W23.csv"))))
    assert len(rows) == 132
    assert [r["section"] for r in rows] == ["at risk: escalate"] * 60 + ["watch"] * 60 + ["data gap"] * 12
    assert (rows[0]["account"], rows[0]["arr"], rows[0]["owner_slack_id"]) == ("Big 0118", "71800.00", OWNERS[59 % 6])
    assert sum(1 for r in rows if r["owner_slack_id"] == "U0TAE01") == 22
    assert {r["data_gaps"] for r in rows[120:]} == {"no shared Slack channel, W4 not evaluated"}

    again = run_job(big, "churn_digest", now=NOW.replace(hour=9))
    restarted = build_runtime(settings, migrate=False)
    try:
        run_job(restarted, "churn_digest", now=NOW.replace(hour=10))
    finally:
        restarted.engine.dispose()
    assert again.summary == "digest 2025-W23 already queued; nothing new"
    assert len(fake_slack.calls_to("chat.postMessage")) == 7 and len(fake_slack.shared_files()) == 1
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1


def _csv_row(rt):
    from sqlalchemy import select

    from bot.db.core import OutboxMessage
    from bot.db.session import session_scope

    with session_scope(rt.session_factory) as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%:csv")))
        s.expunge(row)
        return row


@pytest.mark.parametrize("fault", ["error_after", "drop_after"])
def test_an_upload_whose_answer_was_lost_is_found_not_uploaded_again(big, fake_slack, fault):
    """Slack shares the file, then the completion's answer is a 5xx or never comes: the upload is
    uncertain, so the thread is looked at at once; the file is there and is recorded, not re-uploaded."""
    fake_slack.faults.add("files.completeUploadExternal", fault)
    run_job(big, "churn_digest", now=NOW)
    row = _csv_row(big)
    assert row.status == "sent" and row.sent_ts == fake_slack.shared_files()[0]["id"]
    assert row.last_error.startswith("reconciled after:")
    assert len(fake_slack.shared_files()) == 1
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1


def test_an_uncertain_upload_waits_while_slack_cannot_be_read_then_is_found(big, fake_slack, settings):
    """The completion's answer is lost and the thread cannot be read either: nothing is uploaded
    again; after the backoff the thread is read, the file found, and recorded."""
    fake_slack.faults.add("files.completeUploadExternal", "drop_after")
    fake_slack.faults.add("conversations.replies", "error_before", times=settings.retry_max_attempts)
    run_job(big, "churn_digest", now=NOW)
    assert _csv_row(big).status == "pending" and len(fake_slack.shared_files()) == 1
    freeze("2025-06-02T08:05:00Z")  # past the backoff
    run_job(big, "churn_digest", now=NOW.replace(minute=5))
    row = _csv_row(big)
    assert row.status == "sent" and row.sent_ts == fake_slack.shared_files()[0]["id"]
    assert len(fake_slack.shared_files()) == 1
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1


def test_an_upload_cut_off_by_a_crash_is_reconciled_not_repeated(big, fake_slack):
    """A process that died after Slack shared the file (row left `sending`): the next delivery finds
    the file in the thread and marks it sent."""
    from datetime import timedelta

    from sqlalchemy import update

    from bot.db.core import OutboxMessage
    from bot.db.session import session_scope
    from bot.outbox import OutboxSender

    run_job(big, "churn_digest", now=NOW)
    with session_scope(big.session_factory) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key.like("%:csv")).values(
            status="sending", sent_ts=None, claimed_at=NOW - timedelta(minutes=10), claimed_by="dead:1"))
    report = OutboxSender(big.client, big.session_factory, "w2").deliver()
    assert report.sent == [] and len(fake_slack.shared_files()) == 1
    with session_scope(big.session_factory) as s:
        assert s.scalar(select_csv_status()) == "sent"


def select_csv_status():
    from sqlalchemy import select

    from bot.db.core import OutboxMessage

    return select(OutboxMessage.status).where(OutboxMessage.dedupe_key.like("%:csv"))

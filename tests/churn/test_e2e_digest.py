"""The weekly digest end to end: run the job with a fixed clock, read the post from the fake
Slack, run it again (and after a restart) and see nothing new (churn-risk.md §4.8)."""

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


def test_job_is_registered_weekly_monday_morning():
    spec = load_jobs()["churn_digest"]
    assert spec.trigger == {"trigger": "cron", "day_of_week": "mon", "hour": 8, "minute": 0}


def test_digest_posts_once_grouped_and_ordered(seeded, fake_slack):
    result = run_job(seeded, "churn_digest", now=NOW)
    assert "digest 2025-W23" in result.summary
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
                               "*At risk*", "Vega Tools", "Helix SaaS", "Ember Care", "*Watch*", "Tango Retail",
                               "Lumen Dev", "*Data gaps*", "Xylo")]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions)
    cobalt = next(line for line in lines if "Cobalt Fintech" in line)
    assert "<@U0TAM02> <@U0LEAD02> <@U0LEAD01>" in cobalt  # owner, then Ben and Simon (> $50k)
    ember = next(line for line in lines if "Ember Care" in line)
    assert "<@U0LEAD01> <@U0CSM01>" in ember and "2025-06-03" in ember  # Simon and Dana; notice due
    assert "Borealis Learning" not in text  # healthy, nothing missing


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
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


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
    assert len(result.planned) == 1 and "Churn-risk digest" in blocks_to_text(result.planned[0].blocks)
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
    assert "Orchard Labs" in second and "Cobalt Fintech" in second


def test_the_digest_is_the_same_whatever_the_batch_size(seeded):
    """The job streams accounts a page at a time: pages of 2 give the digest one page of all does."""
    from bot.churn.blocks import digest_blocks
    from bot.churn.flow import churn_context, iter_week_assessments
    from services.churn.digest import build_digest

    with seeded.session_factory() as s:
        ctx = churn_context(s)
        policy = ctx.settings.policy()
        digests = [digest_blocks(build_digest(iter_week_assessments(s, NOW, ctx, batch_size=size), NOW, policy,
                                              ctx.people)) for size in (2, 500)]
    assert digests[0] == digests[1]
    assert "Cobalt Fintech" in str(digests[0])


def _section(text: str, title: str) -> str:
    """The lines of one digest section (from its title to the next bold title)."""
    start = text.index(title)
    rest = text[start + len(title):]
    ends = [i for i in (rest.find("\n*"),) if i >= 0]
    return rest[: ends[0]] if ends else rest


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
        assert "At risk: 1 accounts · $45,000 ARR" in text and "Recovered: 0" in text
        assert "*Recovered*" not in text
        line = _section(text, "*At risk*")
        assert "Quill Partners" in line and "RECOVERY CALL OVERDUE" in line and "next: recovery call" in line


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
    assert "*Data gaps*: Stale Feed Co ($30,000): usage data stale after 2025-05-20" in text
    reply = bot.command("/churn-risk", "stale feed", user="U0TAE02").text()
    assert reply.startswith(":large_green_circle: HEALTHY")
    assert "Usage data is stale: nothing after 2025-05-20 (12 days)" in reply and "Usage −" not in reply

"""The weekly handbook check end to end: the real runtime, the fake Slack, a handbook checkout in a
temporary folder edited between runs. Drift is posted once per distinct drift, to the sales-ops
channel, with the areas' policy owners tagged; nothing is posted when every rule matches."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.render import blocks_to_text
from jobs import load_jobs, run_job
from tests.handbook_check.rules import CONTRACT, RULES, SMALL, rule

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
OWNERS = "quotes=U0LEAD01,U0LEAD02; churn=U0CSM01"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "website"
    shutil.copytree(SMALL, root)
    return root


@pytest.fixture
def checked(rt, fake_slack, site, monkeypatch):
    fake_slack.add_channel("C0SALESOPS", "sales-ops")
    rt.settings.handbook_path = str(site)
    rt.settings.handbook_owners = OWNERS
    monkeypatch.setattr("jobs.handbook_check.all_rules", lambda: list(RULES))
    return rt


def edit(site: Path, path: str, old: str, new: str) -> None:
    f = site / "contents" / "handbook" / f"{path}.md"
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new))


def reports(fake_slack) -> list[str]:
    return [blocks_to_text(p.get("blocks"), p.get("text", "")) for p in fake_slack.posts("C0SALESOPS")]


def test_job_is_registered_weekly():
    assert load_jobs()["handbook_check"].trigger == {"trigger": "cron", "day_of_week": "mon", "hour": 7, "minute": 0}


def test_drift_is_posted_once_with_the_owners_tagged_and_again_when_it_changes(checked, fake_slack, site):
    edit(site, CONTRACT, "$25-59k: 20% base discount", "$25-59k: 22% base discount")
    first = run_job(checked, "handbook_check", now=NOW)
    assert first.summary.startswith("1 of 11 rules drift")
    [text] = reports(fake_slack)
    assert text.startswith(":books: *Handbook drift: 1 of 11 rules no longer match the handbook (1 changed, 0 not found")
    quotes = text[text.index("*quotes*"):]
    assert quotes.startswith("*quotes* (cc <@U0LEAD01> <@U0LEAD02>)")
    assert ("• *changed* `quotes.volume.tier_25k_pct` Volume tier $25-59k: 20%: the handbook says "
            "25,000, 59,000, 22, the bot applies 25,000, 59,000, 20") in quotes
    assert "growth/sales/contract-rules|growth/sales/contract-rules> › 1. Volume discount" in quotes
    assert "*churn*" not in text and "<@U0CSM01>" not in text  # churn's rules all match

    # The same drift next week: nothing new.
    again = run_job(checked, "handbook_check", now=NOW + timedelta(days=7))
    assert again.summary.endswith("already reported") and len(reports(fake_slack)) == 1

    # A new drift (a page deleted) is posted, its area's owner tagged.
    (site / "contents/handbook/growth/sales/churn-signals.md").unlink()
    run_job(checked, "handbook_check", now=NOW + timedelta(days=14))
    texts = reports(fake_slack)
    assert len(texts) == 2
    assert "*churn* (cc <@U0CSM01>)" in texts[1]
    assert "• *not found* `churn.usage.drop_pct` Usage drop over 30% in 4 weeks: page growth/sales/churn-signals is gone" in texts[1]
    assert "1 changed, 2 not found" in texts[1]  # the whole drift, the old part too


def test_an_all_matching_handbook_posts_nothing(checked, fake_slack):
    result = run_job(checked, "handbook_check", now=NOW)
    assert result.summary == "all 11 rules match the handbook"
    assert reports(fake_slack) == []


def test_a_drift_put_right_and_back_is_not_reposted_but_only_moves_are_posted(checked, fake_slack, site):
    edit(site, CONTRACT, "## Approvals", "## Deal approvals")
    run_job(checked, "handbook_check", now=NOW)
    [text] = reports(fake_slack)
    assert "• *moved* `quotes.approval.lead_from`" in text and "the numbers still match" in text
    edit(site, CONTRACT, "## Deal approvals", "## Approvals")
    assert run_job(checked, "handbook_check", now=NOW).summary == "all 11 rules match the handbook"
    edit(site, CONTRACT, "## Approvals", "## Deal approvals")
    run_job(checked, "handbook_check", now=NOW)
    assert len(reports(fake_slack)) == 1  # the same drift as before: reported once, ever


def test_handbook_text_is_escaped(checked, fake_slack, monkeypatch):
    odd = rule("quotes.odd.rule", (5,), "growth/sales/<gone>", "A & B", "x < y", "Tier <$25k> & up")
    monkeypatch.setattr("jobs.handbook_check.all_rules", lambda: [*RULES, odd])
    run_job(checked, "handbook_check", now=NOW)
    [post] = fake_slack.posts("C0SALESOPS")
    text = blocks_to_text(post["blocks"])
    assert "Tier &lt;$25k&gt; &amp; up: page growth/sales/&lt;gone&gt; is gone" in text


def test_without_a_handbook_path_nothing_runs(checked, fake_slack):
    checked.settings.handbook_path = None
    assert run_job(checked, "handbook_check", now=NOW).summary == "HANDBOOK_PATH is not set; nothing checked"
    assert reports(fake_slack) == []


def test_a_handbook_path_without_a_handbook_fails_the_run_and_says_why(checked, fake_slack, tmp_path):
    from sqlalchemy import select

    from bot.db.core import JobRun
    from bot.db.session import session_scope
    from bot.handbook_check.load import HandbookMissing

    checked.settings.handbook_path = str(tmp_path / "nowhere")
    with pytest.raises(HandbookMissing):
        run_job(checked, "handbook_check", now=NOW)
    with session_scope(checked.session_factory) as s:
        run = s.scalars(select(JobRun).where(JobRun.job == "handbook_check")).one()
        assert run.status == "failed" and "no such file or folder" in run.summary
    assert reports(fake_slack) == []

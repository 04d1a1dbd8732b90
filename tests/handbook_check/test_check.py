"""The checker on small markdown handbooks (tests/handbook_fixtures/small) and test-only rules: each
kind of drift a handbook edit makes is reported as such (issue 19)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bot.handbook_check.load import load_handbook
from services.rules.check import Status, check, numbers
from services.rules.registry import Source
from tests.handbook_check.rules import ALLOCATION, BILLING, CONTRACT, RULES, SMALL, rule


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    """A copy of the small handbook (a website checkout) the test may edit."""
    root = tmp_path / "website"
    shutil.copytree(SMALL, root)
    return root


def page(root: Path, path: str) -> Path:
    return root / "contents" / "handbook" / f"{path}.md"


def edit(root: Path, path: str, old: str, new: str) -> None:
    f = page(root, path)
    text = f.read_text()
    assert old in text, old
    f.write_text(text.replace(old, new))


def statuses(root: Path) -> dict[str, Status]:
    return {r.rule_id: r.status for r in check(RULES, load_handbook(root)).results}


def result(root: Path, rule_id: str):
    return next(r for r in check(RULES, load_handbook(root)).results if r.rule_id == rule_id)


@pytest.mark.parametrize(("text", "expected"), [
    ("$25-59k: 20% base discount", [25000, 59000, 20]),
    ("\\$100-249k: 30% base discount", [100000, 249000, 30]),
    ("$1M+: Contact us for custom pricing", [1000000]),
    ("Extended payment terms: -2.5% for every 15 days beyond Net 30 (e.g., Net 60 = -5%)", [2.5, 15, 30, 60, 5]),
    ("we wait twenty days", [20]),
    ("twenty-one days, or thirty", [21, 30]),
    ("one hundred and twenty accounts", [100, 20]),
    ("within 1/6 of their term", [1, 6]),
    ("ARR over $59,999 or $1.5M", [59999, 1500000]),
    ("between $25k and $60k", [25000, 60000]),
    ("B2B and Q4 are labels, Net60 is not", [60]),
    ("2 thousand seats", [2000]),
    ("roll up to half the amount", [0.5]),
    ("US$25k and SEV0", [25000]),
])
def test_numbers_are_normalised_as_rules_state_them(text, expected):
    assert numbers(text) == tuple(Decimal(str(n)) for n in expected)


def test_an_unchanged_handbook_matches_every_rule(handbook):
    report = check(RULES, load_handbook(handbook))
    assert {r.rule_id: r.status for r in report.results} == {r.id: Status.MATCHES for r in RULES}
    assert not report.failed and not report.drift
    tier = report.results[[r.rule_id for r in report.results].index("quotes.volume.tier_25k_pct")]
    f = tier.findings[0]
    assert (f.page, f.section, f.passage) == (CONTRACT, "1. Volume discount", "$25-59k: 20% base discount")


def test_a_text_export_is_read_too():
    export = (SMALL.parent / "export.txt")
    report = check(RULES[:2], load_handbook(export))
    assert [r.status for r in report.results] == [Status.MATCHES, Status.CHANGED]
    changed = report.results[1].findings[0]
    assert changed.numbers == (Decimal(60000), Decimal(99000), Decimal(27)) and changed.missing == (Decimal(25),)
    assert changed.line == 16  # the export's own line; the page took its folder from the page before


def test_a_changed_percentage_is_reported_beside_the_bots(handbook):
    edit(handbook, CONTRACT, "$25-59k: 20% base discount", "$25-59k: 22% base discount")
    r = result(handbook, "quotes.volume.tier_25k_pct")
    assert r.status is Status.CHANGED
    f = r.findings[0]
    assert f.numbers == (Decimal(25000), Decimal(59000), Decimal(22))
    assert f.missing == (Decimal(20),) and r.expected == (Decimal(25000), Decimal(59000), Decimal(20))
    others = statuses(handbook)
    del others["quotes.volume.tier_25k_pct"]
    assert set(others.values()) == {Status.MATCHES}


def test_a_changed_range_end_is_a_change(handbook):
    edit(handbook, CONTRACT, "$60-99k", "$60-119k")
    r = result(handbook, "quotes.volume.tier_60k_pct")
    # the locator no longer matches the passage: the range's words are the passage's anchor
    assert r.status is Status.NOT_FOUND


def test_a_number_written_as_a_word_is_checked(handbook):
    edit(handbook, BILLING, "we wait twenty days", "we wait thirty days")
    f = result(handbook, "billing.dunning.pause_days").findings[0]
    assert f.status is Status.CHANGED and Decimal(30) in f.numbers and f.missing == (Decimal(20),)
    edit(handbook, "growth/sales/churn-signals", "**two weeks**", "**three weeks**")
    assert result(handbook, "churn.logins.quiet_weeks").status is Status.CHANGED


def test_a_passage_under_another_heading_has_moved(handbook):
    edit(handbook, CONTRACT, "### 1. Volume discount", "### Volume tiers")
    r = result(handbook, "quotes.volume.tier_25k_pct")
    assert r.status is Status.MOVED
    f = r.findings[0]
    assert f.section == "Volume tiers" and "now under \"Volume tiers\"" in f.note
    assert statuses(handbook)["quotes.net_terms.standard_days"] is Status.MATCHES


def test_a_section_moved_to_another_page_has_moved(handbook):
    text = page(handbook, BILLING).read_text()
    head, credits = text.split("## Credits")
    page(handbook, BILLING).write_text(head)
    page(handbook, "growth/revops/credits").parent.mkdir(parents=True)
    page(handbook, "growth/revops/credits").write_text("# Credits\n\n## Credits" + credits)
    f = result(handbook, "billing.credits.runway_fraction").findings[0]
    assert f.status is Status.MOVED and f.page == "growth/revops/credits" and "found on growth/revops/credits" in f.note


def test_a_deleted_page_is_not_found(handbook):
    page(handbook, "growth/sales/churn-signals").unlink()
    r = result(handbook, "churn.usage.drop_pct")
    assert r.status is Status.NOT_FOUND and "page growth/sales/churn-signals is gone" in r.findings[0].note


def test_a_locator_gone_from_its_page_is_not_found(handbook):
    edit(handbook, CONTRACT, "| Over $100k list | Sales lead |\n", "")
    f = result(handbook, "quotes.approval.lead_from").findings[0]
    assert f.status is Status.NOT_FOUND and f.note == f"\"Sales lead\" is nowhere on {CONTRACT}"


@pytest.mark.parametrize("note", [
    "---\ntitle: Account allocation\nredirect_to: /handbook/growth/sales/account-handover\n---\n",
    "This page has moved to [Account handover](/handbook/growth/sales/account-handover).\n",
])
def test_a_page_renamed_with_a_redirect_note_has_moved(handbook, note):
    old = page(handbook, ALLOCATION)
    page(handbook, "growth/sales/account-handover").write_text(old.read_text())
    old.write_text(note)
    f = result(handbook, "handover.threshold.arr").findings[0]
    assert f.status is Status.MOVED and f.page == "growth/sales/account-handover"
    assert f.note == f"page {ALLOCATION} moved to growth/sales/account-handover"


def test_a_rename_in_the_sites_redirects_has_moved(handbook):
    old = page(handbook, ALLOCATION)
    old.rename(page(handbook, "growth/sales/account-handover"))
    (handbook / "vercel.json").write_text(json.dumps({"redirects": [
        {"source": f"/handbook/{ALLOCATION}", "destination": "/handbook/growth/sales/account-handover"}]}))
    assert result(handbook, "handover.threshold.arr").status is Status.MOVED


def test_a_renamed_page_whose_numbers_changed_is_a_change(handbook):
    old = page(handbook, ALLOCATION)
    page(handbook, "growth/sales/account-handover").write_text(old.read_text().replace("$20k", "$25k"))
    old.write_text("---\nredirect_to: /handbook/growth/sales/account-handover\n---\n")
    f = result(handbook, "handover.threshold.arr").findings[0]
    assert f.status is Status.CHANGED and f.missing == (Decimal(20000),) and "moved to" in f.note


def test_every_source_of_a_rule_is_checked(handbook):
    r = rule("quotes.net_terms.standard_days", (30,), CONTRACT, "3. Timing of cash discount (additive)",
             "our standard", also=(Source(BILLING, "Failed payments", "Net 30 reminder"),))
    [res] = check([r], load_handbook(handbook)).results
    assert [f.status for f in res.findings] == [Status.MATCHES, Status.NOT_FOUND]
    assert res.status is Status.NOT_FOUND


def test_the_drift_key_follows_the_findings_not_the_lines(handbook):
    edit(handbook, CONTRACT, "20% base discount", "22% base discount")
    first = check(RULES, load_handbook(handbook)).drift_key()
    edit(handbook, CONTRACT, "These rules apply", "A new first paragraph.\n\nThese rules apply")
    assert check(RULES, load_handbook(handbook)).drift_key() == first
    edit(handbook, CONTRACT, "22% base discount", "23% base discount")
    assert check(RULES, load_handbook(handbook)).drift_key() != first


def test_a_moved_to_line_in_a_full_page_is_prose_not_a_redirect(handbook):
    edit(handbook, ALLOCATION, "## Handover thresholds", "Moved to [the new page](/handbook/growth/sales/elsewhere) "
         "last year:\n\n- one\n- two\n- three\n\n## Handover thresholds")
    assert result(handbook, "handover.threshold.arr").status is Status.MATCHES

"""Every rule of the real registry matches a faithful copy of the handbook: the pages the rules cite,
converted from the handbook export to markdown by scripts/handbook_fixture.py (re-run it when rules are
added). A rule that fails here cites a passage (page, section, locator) or numbers the handbook does
not have."""

from __future__ import annotations

from bot.cli import main
from bot.handbook_check.load import load_handbook
from bot.handbook_check.report import finding_lines
from services.rules.check import Status, check
from services.rules.registry import all_rules
from tests.handbook_check.rules import FIXTURES

FAITHFUL = FIXTURES / "faithful"


def test_every_rule_matches_the_faithful_handbook():
    rules = all_rules()
    report = check(rules, load_handbook(FAITHFUL))
    problems = [f"{r.rule_id}: {f.status.value}: " + " | ".join(finding_lines(r, f))
                for r in report.results for f in r.findings if f.status is not Status.MATCHES]
    assert problems == []
    assert len(report.results) == len(rules)


def test_every_cited_page_is_in_the_fixture():
    cited = {s.page for r in all_rules() for s in (r.source, *r.extra)}
    have = {p.relative_to(FAITHFUL).with_suffix("").as_posix() for p in FAITHFUL.rglob("*.md")}
    assert cited <= have, f"re-run scripts/handbook_fixture.py: {sorted(cited - have)}"


def test_the_cli_exits_zero_on_it(capsys):
    assert main(["handbook", "check", str(FAITHFUL)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    n = len(all_rules())
    assert last == f"{n} rules: {n} match, 0 moved, 0 changed, 0 not found"

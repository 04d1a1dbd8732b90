"""`gtmbot handbook check PATH [--json]`: the report per rule, grouped by area, and the exit status CI
relies on (0: every rule matches or only moved; 1: something changed or is not found; 2: no handbook)."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.handbook_check.rules import FIXTURES, RULES, SMALL

DRIFTED = FIXTURES / "drifted"


@pytest.fixture(autouse=True)
def test_rules(monkeypatch):
    """The CLI checks the registry's rules; here, the small fixture's own."""
    monkeypatch.setattr("services.rules.registry.all_rules", lambda: list(RULES))


def test_an_unchanged_handbook_exits_zero_with_every_rule_ok(capsys):
    assert main(["handbook", "check", str(SMALL)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "11 rules: 11 match, 0 moved, 0 changed, 0 not found"
    assert "  ok        quotes.volume.tier_25k_pct  Volume tier $25-59k: 20%" in out


def test_drift_exits_one_and_says_what_changed_where(capsys):
    assert main(["handbook", "check", str(DRIFTED)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "11 rules: 5 match, 2 moved, 2 changed, 2 not found"
    areas = [line for line in out.splitlines() if line and not line.startswith((" ", "Handbook", "11 rules"))]
    assert areas == ["billing", "churn", "handover", "quotes"]
    tier = out[out.index("CHANGED   quotes.volume.tier_25k_pct"):]
    assert "growth/sales/contract-rules > 1. Volume discount (line 13)" in tier
    assert "handbook: 25,000, 59,000, 22   bot: 25,000, 59,000, 20   (missing: 20)" in tier
    assert "NOT FOUND churn.usage.drop_pct" in out and "page growth/sales/churn-signals is gone" in out
    assert "page growth/sales/account-allocation moved to growth/sales/account-handover" in out
    assert 'now under "Deal approvals", not "Approvals"' in out


def test_only_moves_exit_zero(tmp_path, capsys):
    import shutil

    shutil.copytree(SMALL, tmp_path / "site")
    page = tmp_path / "site/contents/handbook/growth/sales/contract-rules.md"
    page.write_text(page.read_text().replace("## Approvals", "## Deal approvals"))
    assert main(["handbook", "check", str(tmp_path / "site")]) == 0
    assert "1 moved, 0 changed, 0 not found" in capsys.readouterr().out


def test_json_for_ci(capsys):
    assert main(["handbook", "check", str(DRIFTED), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert doc["counts"] == {"matches": 5, "moved": 2, "changed": 2, "not found": 2}
    assert len(doc["drift_key"]) == 16
    tier = next(r for r in doc["rules"] if r["id"] == "quotes.volume.tier_25k_pct")
    assert tier["status"] == "changed" and tier["expected"] == ["25000", "59000", "20"]
    [f] = tier["findings"]
    assert f["numbers"] == ["25000", "59000", "22"] and f["missing"] == ["20"]
    assert f["cited"] == {"page": "growth/sales/contract-rules", "section": "1. Volume discount",
                          "locator": "$25-59k", "line": None}
    assert f["passage"] == "$25-59k: 22% base discount" and f["line"] == 13


def test_json_of_a_clean_handbook_is_ok(capsys):
    assert main(["handbook", "check", str(SMALL), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["drift_key"] is None and doc["counts"]["matches"] == 11


def test_no_handbook_at_path_exits_two(tmp_path, capsys):
    assert main(["handbook", "check", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["handbook", "check", str(tmp_path)]) == 2
    assert "no markdown pages" in capsys.readouterr().err

"""The snapshot loader over the real account model: the §5 accounts seeded through the real
importer come out with the same levels the service tests expect."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.churn.snapshot import (
    find_accounts,
    load_snapshots,
    own_accounts,
    resolve_people,
    series_from_session,
)
from bot.db.session import session_scope
from services.churn.risk import ChurnPeople, assess
from tests.churn.import_docs import document

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
EXPECTED = {
    "churn-cobalt": ("at_risk", {"F3"}, {"LEADERSHIP"}),
    "churn-pulse": ("at_risk", {"F2"}, {"LEADERSHIP"}),
    "churn-vega": ("at_risk", {"F2"}, set()),
    "churn-helix": ("at_risk", {"F6"}, set()),
    "churn-ember": ("at_risk", {"F4"}, {"PAYMENT_OWNER", "PAYMENT_ESC"}),
    "churn-lumen": ("watch", set(), set()),
    "churn-tango": ("watch", set(), set()),
    "churn-nova": ("churned", set(), {"RETRO_DUE"}),
    "churn-borealis": ("healthy", set(), set()),
    "churn-xylo": ("healthy", set(), set()),
}


@pytest.fixture
def seeded(rt, seed):
    seed(document())
    return rt


def test_imported_examples_keep_their_levels(seeded):
    with session_scope(seeded.session_factory) as s:
        snaps = {x.id: x for x in load_snapshots(s)}
    assert set(snaps) == set(EXPECTED)
    for account_id, (level, hard, esc) in EXPECTED.items():
        a = assess(snaps[account_id], NOW)
        assert (account_id, a.level, set(a.f_codes)) == (account_id, level, hard)
        assert esc <= {e.code for e in a.escalations}, account_id


def test_lookup_by_id_domain_and_fragment(seeded):
    with session_scope(seeded.session_factory) as s:
        assert [a.id for a in find_accounts(s, "churn-vega")] == ["churn-vega"]
        assert [a.id for a in find_accounts(s, "cobalt.example")] == ["churn-cobalt"]
        assert [a.id for a in find_accounts(s, "LUMEN")] == ["churn-lumen"]
        assert find_accounts(s, "nothing-like-this") == []
        assert [a.id for a in own_accounts(s, "U0TAE01")] == ["churn-lumen", "churn-vega"]


def test_people_resolve_to_team_members(seeded):
    with session_scope(seeded.session_factory) as s:
        people = resolve_people(s, ChurnPeople(), team_leads_set=False)
    assert [p.ref for p in people.leadership] == ["U0LEAD02", "U0LEAD01"]
    assert [p.ref for p in people.unmanaged_large] == ["U0LEAD01", "U0CSM01"]  # "Dana" -> Dana Okafor
    assert [p.ref for p in people.team_leads] == ["U0CSM01"]  # TAM/CSM team leads only


def test_retention_series_from_the_database(seeded):
    with session_scope(seeded.session_factory) as s:
        series = series_from_session(s, date(2025, 5, 1))
    assert series["churn-nova"][date(2025, 5, 1)] == Decimal("0")
    assert series["churn-pulse"][date(2025, 5, 1)] == Decimal("8000")


def test_cli_metrics_retention_prints_the_table(seeded, db_url, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["metrics", "retention", "--from", "2025-04", "--to", "2025-05"]) == 0
    out = capsys.readouterr().out
    may = next(line for line in out.splitlines() if line.startswith("2025-05"))
    assert "-3,000" in may  # Nova Games churned in May (E14)

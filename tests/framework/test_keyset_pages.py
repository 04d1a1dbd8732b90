"""Jobs that walk every account (CreditBot, the churn digest) read them in keyset pages, so a run
holds one page at a time; every account comes exactly once, in id order, whatever the page size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Account
from bot.db.session import keyset_pages

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "data" / "accounts.example.json").read_text())


@pytest.mark.parametrize("size", [1, 2, 3, 500])
def test_every_account_once_in_id_order(rt, seed, size):
    seed(EXAMPLE)
    with rt.session_factory() as session:
        pages = [[a.id for a in page] for page in keyset_pages(session, select(Account), Account.id, size)]
    assert [i for page in pages for i in page] == ["0189-acme", "0190-fjord", "0191-ember"]
    assert all(1 <= len(page) <= size for page in pages)
    assert len(pages) == -(-3 // size)


def test_a_filtered_query_pages_only_its_rows(rt, seed):
    seed(EXAMPLE)
    with rt.session_factory() as session:
        query = select(Account).where(Account.id != "0190-fjord")
        assert [[a.id for a in p] for p in keyset_pages(session, query, Account.id, 1)] == [["0189-acme"], ["0191-ember"]]


def test_no_rows_no_pages(rt):
    with rt.session_factory() as session:
        assert list(keyset_pages(session, select(Account), Account.id, 2)) == []

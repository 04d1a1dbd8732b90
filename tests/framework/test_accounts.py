# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""bot.accounts: resolving what a rep typed to exactly one account, or suggestions, never a guess."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot import accounts
from bot.db import models
from tests.importer.support import Importer, importer, seeded  # noqa: F401

MORE = {"accounts": [
    {"id": "0201-acmefoods", "name": "Acme Foods", "domain": "acmefoods.com", "owner_slack_id": "U0TAE01"},
    {"id": "0202-acmelabs", "name": "Acme Labs", "owner_slack_id": "U0TAE01", "slack_channel_ids": ["C0LABS", "C0LABS2"]},
    {"id": "0203-acmezeta", "name": "Acme Zeta", "segments": ["AM Managed"], "owner_slack_id": "U0TAM01"},
    {"id": "0204-twin-a", "name": "Twin Co"},
    {"id": "0205-twin-b", "name": "twin co"},
]}


@pytest.fixture
def db(seeded: Importer):
    assert seeded.run_doc(MORE).status == 0
    with seeded.session() as session:
        yield session


@pytest.mark.parametrize(
    ("text", "account_id"),
    [
        ("0189-acme", "0189-acme"),  # id
        ("0190-FJORD", "0190-fjord"),  # id, any case
        ("acme robotics", "0189-acme"),  # exact name
        ("acme.io", "0189-acme"),  # domain
        ("https://www.acme.io/pricing", "0189-acme"),  # domain from a pasted URL
        ("C0EMBER", "0191-ember"),  # Slack channel id
        ("<#C0FJORD|fjord-media>", "0190-fjord"),  # channel mention
        ("C0LABS2", "0202-acmelabs"),  # a secondary channel
        ("fjord", "0190-fjord"),  # partial name, one match
        ("ember", "0191-ember"),
    ],
)
def test_resolves_exactly_one(db, text: str, account_id: str):
    result = accounts.resolve_account(db, text)
    assert result.found and result.account.id == account_id


def test_ambiguous_partial_name_gives_up_to_three_suggestions(db):
    result = accounts.resolve_account(db, "acme")
    assert not result.found and result.ambiguous
    assert len(result.suggestions) == 3
    assert all(a.name.startswith("Acme") for a in result.suggestions)


def test_two_accounts_with_one_name_are_never_auto_picked(db):
    result = accounts.resolve_account(db, "Twin Co")
    assert not result.found and result.ambiguous
    assert {a.id for a in result.suggestions} == {"0204-twin-a", "0205-twin-b"}


def test_misspelling_suggests_close_names(db):
    result = accounts.resolve_account(db, "Fjrod Media")
    assert not result.found and not result.ambiguous
    assert [a.id for a in result.suggestions] == ["0190-fjord"]


@pytest.mark.parametrize("text", ["", "   ", "zzzz-nothing", "<#C0NOPE|x>"])
def test_nothing_found(db, text: str):
    result = accounts.resolve_account(db, text)
    assert not result.found and result.suggestions == ()


def test_book_and_owner(db):
    assert [a.id for a in accounts.book_of(db, "U0TAE01")] == ["0201-acmefoods", "0202-acmelabs", "0189-acme"]
    assert accounts.owner_member(accounts.account_by_id(db, "0190-fjord")).name == "Dana Okafor"
    assert accounts.owner_member(accounts.account_by_id(db, "0191-ember")) is None
    assert accounts.account_by_channel(db, "C0ACME").id == "0189-acme"
    assert accounts.account_by_channel(db, "C0NOPE") is None


@pytest.mark.parametrize("text", ["U0CSM01", "<@U0CSM01>", "<@U0CSM01|dana>", "dana@EXAMPLE.com", "dana okafor"])
def test_resolve_member(db, text: str):
    assert accounts.resolve_member(db, text).slack_id == "U0CSM01"


def test_resolve_member_unknown(db):
    assert accounts.resolve_member(db, "Nobody") is None and accounts.resolve_member(db, "") is None


def test_derived_counts(db):
    tara = db.get(models.TeamMember, "U0TAM01")
    alex = db.get(models.TeamMember, "U0TAE01")
    assert accounts.managed_count(db, tara) == 12  # imported value wins
    assert accounts.managed_count(db, alex) == 3  # derived: owned accounts
    assert accounts.leads_count(db, alex) == 0
    tara.managed_count = None
    assert accounts.managed_count(db, tara) == 1  # a TAM: owned accounts in "AM Managed"


def test_cmoc_for(db):
    assert accounts.cmoc_for(db, "EU").slack_id == "U0CSM01"
    assert accounts.cmoc_for(db, "US") is None


def test_lookup_view_feeds_the_shared_reply(db):
    from bot.importer.blocks import account_lookup_blocks

    view = accounts.lookup_view(accounts.resolve_account(db, "acme"), command="/churn-risk", example="/churn-risk acme.io")
    assert view["ambiguous"] and len(view["suggestions"]) == 3
    listing = account_lookup_blocks(view)[1]["text"]["text"]
    assert "`/churn-risk 0189-acme`" in listing and "Alex Rivera" in listing


def test_top40_is_imported_or_ranked_by_arr(seeded: Importer):
    doc = {"accounts": [{"id": f"0500-big{i:02d}", "name": f"Big {i}", "arr": f"{900000 - i * 1000}.00"} for i in range(40)]}
    doc["accounts"].append({"id": "0600-flag", "name": "Flagged", "arr": "1.00", "top40": True})
    assert seeded.run_doc(doc).status == 0
    with seeded.session() as session:
        assert accounts.is_top40(session, session.get(models.Account, "0500-big39"))  # rank 40
        assert not accounts.is_top40(session, session.get(models.Account, "0190-fjord"))  # rank 41
        assert accounts.is_top40(session, session.get(models.Account, "0600-flag"))  # imported value wins
        big0 = session.get(models.Account, "0500-big00")
        assert accounts.arr_rank(session, big0.arr, up_to=40) == 1
        assert accounts.arr_rank(session, session.get(models.Account, "0500-big39").arr, up_to=40) == 40
        assert accounts.arr_rank(session, Decimal("1.00"), up_to=40) == 41  # past the line: not counted further
        assert accounts.arr_rank(session, Decimal("1.00"), up_to=1000) > 41
        ember = session.get(models.Account, "0191-ember")
        ember.arr = None
        assert not accounts.is_top40(session, ember)  # unknown ARR has no rank

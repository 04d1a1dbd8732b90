"""Parsing and resolution of /handover-check (handover-check.md §4.1), with §5 examples T, AC, AD, AH, AI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.handover.grammar import (
    AccountRef,
    ErrorKind,
    HandoverError,
    Request,
    interpret,
    resolve_account,
    resolver_for,
)
from tests.handover.service_fixtures import ALEX, LENA, PRIYA, TEAM

ACCOUNTS = (
    AccountRef("0189-acme", "Acme Robotics", "acme.io", "0189-acme", "U0TAE01"),
    AccountRef("0200-acmefoods", "Acme Foods", "acmefoods.com", "0200-acmefoods", "U0TAM01"),
    AccountRef("0201-sable", "Sable Systems", "sable.io", "0201-sable", "U0CSM01"),
    AccountRef("0202-path", "Path to Prod Inc", "pathtoprod.dev", "0202-path", "U0CSM01"),
    AccountRef("0203-ion", "Ion Security", "ionsec.com", "0203-ion", "U0CSM01"),
)
RESOLVE = resolver_for(ACCOUNTS)


def run(text: str):
    return interpret(text, RESOLVE, TEAM)


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP"])
def test_example_ai_empty_or_help_is_usage(text):
    assert run(text) == HandoverError(ErrorKind.USAGE)


def test_example_t_typo_suggests_never_picks():
    result = run("Sabel")
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.ACCOUNT_NOT_FOUND
    assert [a.name for a in result.suggestions] == ["Sable Systems"]


def test_example_ac_whole_text_is_account_when_tail_is_no_target():
    result = run("Path to Prod Inc")
    assert result == Request(ACCOUNTS[3], None)


def test_example_ac_with_a_target_splits_on_the_last_to():
    result = run("Path to Prod Inc to TAM")
    assert isinstance(result, Request) and result.account is ACCOUNTS[3] and result.target.role == "TAM"


def test_example_ad_unknown_target():
    result = run("Acme Robotics to wizard")
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.UNKNOWN_TARGET
    assert result.query == "wizard" and result.account is ACCOUNTS[0]


def test_example_ah_same_owner():
    result = run("Acme Robotics to @alex")
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.SAME_OWNER
    assert result.owner_slack_id == ALEX.slack_id


def test_ambiguous_lists_every_match():
    result = run("Acme")
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.ACCOUNT_AMBIGUOUS
    assert [a.name for a in result.matches] == ["Acme Foods", "Acme Robotics"]


@pytest.mark.parametrize("query", ["0189-acme", "acme.io", "https://www.acme.io/", "acme robotics", "ACME ROBOTICS", "robotics"])
def test_resolution_order_finds_acme(query):
    assert run(query) == Request(ACCOUNTS[0], None)


@pytest.mark.parametrize(("target", "role", "region"), [
    ("TAM", "TAM", None), ("am", "TAM", None), ("CSM", "CSM", None), ("cse", "CSM", None),
    ("Technical CSM", "CSM", None), ("us tam", "TAM", "US"), ("EU TAM", "TAM", "EU"),
    ("US CSM", "CSM", "US"), ("eu csm", "CSM", "EU"), ("TAE", "TAE", None), ("AE", "TAE", None),
    ("BDR", "BDR", None), ("Onboarding", "ONBOARDING", None),
])
def test_role_words(target, role, region):
    result = run(f"Ion Security to {target}")
    assert isinstance(result, Request)
    assert (result.target.role, result.target.region, result.target.member) == (role, region, None)


@pytest.mark.parametrize("target", ["<@U0TAM02>", "<@U0TAM02|priya>", "@priya", "Priya", "priya"])
def test_person_targets(target):
    result = run(f"Ion Security to {target}")
    assert isinstance(result, Request) and result.target.member == PRIYA and result.target.role == "TAM"


def test_mention_of_someone_outside_the_directory_is_unknown_target():
    result = run("Ion Security to <@U0NOBODY>")
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.UNKNOWN_TARGET


def test_quoted_account_name():
    assert run('"Path to Prod Inc" to @lena').target.member == LENA
    assert run("“Path to Prod Inc”") == Request(ACCOUNTS[3], None)


def test_quoted_account_with_junk_after_is_usage():
    result = run('"Path to Prod Inc" please')
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.USAGE and "to <target>" in result.detail


def test_unclosed_quote_is_usage():
    result = run('"Path to Prod')
    assert isinstance(result, HandoverError) and result.kind is ErrorKind.USAGE


def test_unknown_account_with_valid_target_is_not_found_for_the_account_part():
    result = run("Sabel to TAM")
    assert result.kind is ErrorKind.ACCOUNT_NOT_FOUND and result.query == "Sabel"
    assert [a.name for a in result.suggestions] == ["Sable Systems"]


def test_neither_part_resolves_is_not_found_for_whole_text():
    result = run("Nope Corp to nobody")
    assert result.kind is ErrorKind.ACCOUNT_NOT_FOUND and result.query == "Nope Corp to nobody"
    assert result.suggestions == ()


def test_at_most_three_suggestions():
    many = tuple(AccountRef(f"id{i}", f"Sable {i}", None) for i in range(6))
    result = resolve_account("sabel", many)
    assert len(result.suggestions) == 3


@given(st.text(max_size=40))
def test_any_text_gets_a_request_or_a_named_error(text):
    """No input crashes the parser; every answer is a request or one of the named errors."""
    result = run(text)
    assert isinstance(result, Request | HandoverError)
    if isinstance(result, HandoverError):
        assert result.kind in set(ErrorKind)


names = st.text(alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .&-"), min_size=1, max_size=30).filter(
    lambda n: n.strip().casefold() != "help")


@given(st.lists(names.map(str.strip).filter(bool), min_size=1, max_size=6, unique_by=lambda n: " ".join(n.split()).casefold()),
       st.sampled_from(["", " to TAM", " to EU CSM", " to @priya"]))
def test_a_quoted_full_name_always_finds_its_account(all_names, suffix):
    """Whatever the names (even ones containing "to"), quoting the full name picks exactly that account."""
    accounts = tuple(AccountRef(f"\x00{i}", n) for i, n in enumerate(all_names))  # ids no name can equal
    result = interpret(f'"{all_names[0]}"{suffix}', resolver_for(accounts), TEAM)
    assert isinstance(result, Request) and result.account is accounts[0]
    assert (result.target is None) == (suffix == "")


@given(st.lists(names.map(str.strip).filter(lambda n: n and " to " not in f" {n.casefold()} "), min_size=1, max_size=6,
                unique_by=lambda n: " ".join(n.split()).casefold()))
def test_an_unquoted_full_name_without_to_finds_its_account(all_names):
    accounts = tuple(AccountRef(f"\x00{i}", n) for i, n in enumerate(all_names))  # ids no name can equal
    result = interpret(all_names[0], resolver_for(accounts), TEAM)
    # The exact name wins over substring matches of longer names.
    assert isinstance(result, Request) and result.account is accounts[0]

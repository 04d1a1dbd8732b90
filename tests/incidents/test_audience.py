"""Audience selection (spec B.4 step 3, C.4, C.5; examples E13, E14, E15, E23)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from services.incidents.audience import (
    CLOUD_UNKNOWN,
    UNMAPPED,
    Account,
    Channel,
    Member,
    Scope,
    accounts_for_sender,
    affected_accounts,
    assign_senders,
    broadcast_audience,
    senders_summary,
)
from tests.incidents.service_fixture import ACCOUNTS, ACME, CHANNELS, INITECH, TEAM, five_hundred

EU_FLAGS = Scope(frozenset({"EU"}), frozenset({"feature_flags"}))


def test_e13_eu_feature_flags_affects_acme_and_initech_not_globex():
    affected = affected_accounts(ACCOUNTS, EU_FLAGS)
    assert [a.name for a in affected] == ["Acme", "Initech"]


def test_e13_owners_send_alice_for_acme_bob_for_initech():
    assignments = assign_senders(affected_accounts(ACCOUNTS, EU_FLAGS), TEAM, {})
    assert senders_summary(assignments) == (("U_ALICE", ("Acme",)), ("U_BOB", ("Initech",)))
    assert accounts_for_sender(assignments, "U_ALICE") == (ACME,)


def test_unknown_cloud_stays_in_and_is_labelled():
    nocloud = Account("x", "Xylo", ("C_X",), None, frozenset({"feature_flags"}), "U_ALICE")
    assert nocloud in affected_accounts((*ACCOUNTS, nocloud), EU_FLAGS)
    audience = broadcast_audience((Channel("C_X", "posthog-xylo", "x"),), (nocloud,), EU_FLAGS, include_unmapped=False)
    assert audience.included[0].labels == (CLOUD_UNKNOWN,)


def test_product_filter_excludes_accounts_without_the_product():
    scope = Scope(frozenset(), frozenset({"session_replay"}))
    assert [a.name for a in affected_accounts(ACCOUNTS, scope)] == ["Acme"]


def test_owner_out_of_office_goes_to_the_regional_backup_4221():
    team = dict(TEAM, U_BOB=replace(TEAM["U_BOB"], out_of_office=True), U_CARA=Member("U_CARA", "Cara", "US"))
    assignments = assign_senders((INITECH,), team, {"US": ("U_CARA",)})
    assert assignments[0].sender_slack_id == "U_CARA"
    assert "Americas" in assignments[0].reason


def test_owner_out_with_no_backup_configured_is_reported_not_guessed():
    team = dict(TEAM, U_BOB=replace(TEAM["U_BOB"], out_of_office=True))
    a = assign_senders((INITECH,), team, {"US": ()})[0]
    assert a.sender_slack_id is None
    assert a.problem == "owner Bob is out and no Americas backup is configured"


def test_cmoc_assigned_backup_wins():
    a = assign_senders((INITECH,), TEAM, {}, assigned={"initech": "U_DANA"})[0]
    assert (a.sender_slack_id, a.reason) == ("U_DANA", "backup assigned by CMOC")


def test_e14_broadcast_the_rest_reaches_only_initech():
    audience = broadcast_audience(CHANNELS, ACCOUNTS, EU_FLAGS, include_unmapped=False, team=TEAM, already_notified={"C_ACME"})
    assert audience.channel_ids == ("C_INITECH",)
    reasons = {e.channel.id: e.reason for e in audience.excluded}
    assert reasons["C_ACME"] == "already notified for this message"
    assert reasons["C_GLOBEX"] == "not affected (cloud/products)"


def test_sev0_includes_unmapped_customer_channels_never_internal_ones():
    audience = broadcast_audience(CHANNELS, ACCOUNTS, Scope(), include_unmapped=True, team=TEAM)
    assert set(audience.channel_ids) == {"C_ACME", "C_GLOBEX", "C_INITECH", "C_UNMAPPED"}
    unmapped = next(a for a in audience.included if a.channel.id == "C_UNMAPPED")
    assert unmapped.labels == (UNMAPPED,)
    assert audience.channel_ids[-1] == "C_UNMAPPED"  # biggest accounts first, unmapped last
    assert audience.channel_ids[0] == "C_ACME"


def test_archived_and_bot_not_member_channels_are_listed_as_excluded():
    chans = (replace(CHANNELS[0], is_archived=True), replace(CHANNELS[2], bot_is_member=False))
    audience = broadcast_audience(chans, ACCOUNTS, Scope(), include_unmapped=True)
    assert audience.count == 0
    assert {e.reason for e in audience.excluded} == {"archived", "bot not in channel"}


def test_exclude_owners_filter_4288():
    audience = broadcast_audience(CHANNELS, ACCOUNTS, Scope(), include_unmapped=False, team=TEAM, exclude_owners={"U_ALICE"})
    assert audience.channel_ids == ("C_INITECH",)
    assert {e.reason for e in audience.excluded if e.account} == {"owned by Alice (excluded)"}


def test_e15_five_hundred_channels():
    accounts, channels, team = five_hundred()
    audience = broadcast_audience(channels, accounts, Scope(), include_unmapped=True, team=team)
    assert audience.count == 500
    assert len({a.account.owner_slack_id for a in audience.included}) == 40
    assert len(set(audience.channel_ids)) == 500


def test_e23_handled_1to1_by_alice_leaves_498():
    accounts, channels, team = five_hundred()
    audience = broadcast_audience(channels, accounts, Scope(), include_unmapped=True, team=team, handled_1to1={"acme": "U_ALICE", "globex": "U_ALICE"})
    assert audience.count == 498
    assert "C_ACME" not in audience.channel_ids and "C_GLOBEX" not in audience.channel_ids
    grouped = audience.excluded_by_reason()
    assert [e.account.name for e in grouped["handled 1:1 by Alice"]] == ["Acme", "Globex"]


def test_sla_accounts_in_audience_b7():
    audience = broadcast_audience(CHANNELS, ACCOUNTS, Scope(), include_unmapped=False)
    assert [a.name for a in audience.sla_accounts] == ["Acme"]


@given(
    st.lists(st.tuples(st.sampled_from(["US", "EU", None]), st.booleans(), st.booleans(), st.booleans()), max_size=40),
    st.sets(st.integers(0, 39)),
)
def test_every_customer_channel_is_either_included_or_excluded_with_a_reason(rows, notified_idx):
    accounts = [Account(f"a{i}", f"A{i}", (f"C{i}",), cloud, frozenset({"feature_flags"}), "U_ALICE") for i, (cloud, *_rest) in enumerate(rows)]
    channels = [Channel(f"C{i}", f"c{i}", f"a{i}", True, member, archived) for i, (_c, member, archived, _x) in enumerate(rows)]
    notified = {f"C{i}" for i in notified_idx}
    audience = broadcast_audience(channels, accounts, EU_FLAGS, include_unmapped=False, already_notified=notified)
    included = set(audience.channel_ids)
    excluded = {e.channel.id for e in audience.excluded}
    assert included | excluded == {c.id for c in channels}
    assert not included & excluded
    assert not included & notified
    assert all(e.reason for e in audience.excluded)

"""The spec's Part E fixture (accounts, team, channels) as plain service dataclasses."""

from __future__ import annotations

from decimal import Decimal

from services.incidents.audience import Account, Channel, Member

TEAM = {
    m.slack_id: m
    for m in (
        Member("U_ALICE", "Alice", "EU"),
        Member("U_BOB", "Bob", "US"),
        Member("U_SIMON", "Simon", "EU"),
        Member("U_DANA", "Dana", "EU"),
        Member("U_LANDON", "Landon", "US"),
        Member("U_TYLER", "Tyler", "US"),
    )
}

ACME = Account("acme", "Acme", ("C_ACME",), "EU", frozenset({"feature_flags", "session_replay"}), "U_ALICE", True, Decimal("120000"))
GLOBEX = Account("globex", "Globex", ("C_GLOBEX",), "US", frozenset({"feature_flags"}), "U_ALICE", False, Decimal("12000"))
INITECH = Account("initech", "Initech", ("C_INITECH",), "EU", frozenset({"feature_flags"}), "U_BOB", False, None)
ACCOUNTS = (ACME, GLOBEX, INITECH)

CHANNELS = (
    Channel("C_ACME", "posthog-acme", "acme"),
    Channel("C_GLOBEX", "posthog-globex", "globex"),
    Channel("C_INITECH", "posthog-initech", "initech"),
    Channel("C_UNMAPPED", "posthog-newco", None),
    Channel("C_SALES", "sales", None, is_ext_shared=False),
    Channel("C_GROUP", "group-cs-sales-support", None, is_ext_shared=False),
)


def five_hundred() -> tuple[tuple[Account, ...], tuple[Channel, ...], dict[str, Member]]:
    """E15: 500 ext-shared mapped channels with 40 distinct owners (Acme and Globex among them)."""
    team = dict(TEAM)
    for i in range(40):
        team.setdefault(f"U_OWNER{i:02d}", Member(f"U_OWNER{i:02d}", f"Owner {i:02d}", "EU"))
    owners = ["U_ALICE"] + [f"U_OWNER{i:02d}" for i in range(1, 40)]
    accounts = [ACME, GLOBEX]
    for i in range(498):
        accounts.append(Account(f"acct{i:03d}", f"Customer {i:03d}", (f"C_CUST{i:03d}",), "EU" if i % 2 else "US", frozenset({"product_analytics"}), owners[1 + i % 39], False, Decimal(1000 + i)))
    channels = [Channel(a.channel_ids[0], f"posthog-{a.id}", a.id) for a in accounts]
    return tuple(accounts), tuple(channels), team

"""Retention metrics per churn-risk.md §6 (002:1766-1856, 2051-2120)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.churn.retention import components, dollar_retention, lifecycle_stage, retention_report

M = [date(2025, m, 1) for m in range(1, 13)]


def test_lifecycle_stages():
    """new, flat, growing, shrinking, churned, reactivated (002:1770-1786, 1854-1856)."""
    s = {M[0]: D(100), M[1]: D(100), M[2]: D(150), M[3]: D(120), M[4]: D(0), M[5]: D(80)}
    assert [lifecycle_stage(s, m) for m in M[:6]] == ["new", "flat", "growing", "shrinking", "churned", "reactivated"]
    assert lifecycle_stage(s, M[6]) == "churned" and lifecycle_stage(s, M[7]) == "inactive"


def test_components_and_rates():
    """One account per stage; E14 (Nova Games, April 3,000 -> May 0) contributes -3,000 churned."""
    accounts = {
        "new": {M[4]: D(500)},
        "flat": {M[3]: D(1000), M[4]: D(1000)},
        "grow": {M[3]: D(2000), M[4]: D(2600)},
        "shrink": {M[3]: D(4000), M[4]: D(3000)},
        "nova": {M[3]: D(3000), M[4]: D(0)},
        "back": {M[1]: D(700), M[2]: D(0), M[3]: D(0), M[4]: D(900)},
    }
    c = components(accounts, M[4])
    assert c.baseline == D(10000)  # 1,000 + 2,000 + 4,000 + 3,000
    assert (c.new, c.reactivated, c.retained) == (D(500), D(900), D(7000))
    assert (c.expansion, c.contraction, c.churned) == (D(600), D(-1000), D(-3000))
    assert c.rate(c.churned) == D(-30) and c.rate(c.expansion) == D(6)
    assert c.ending == sum(s.get(M[4], D(0)) for s in accounts.values())


def test_rates_without_baseline_are_none():
    assert components({"a": {M[0]: D(5)}}, M[0]).rate(D(5)) is None


def test_ndr_gdr_with_5k_cutoff():
    """NDR = sum(current)/sum(base); GDR caps each at base; base MRR x 12 >= $5,000 (002:2063-2083)."""
    accounts = {
        "grow": {M[0]: D(1000), M[3]: D(1500)},
        "shrink": {M[0]: D(1000), M[3]: D(600)},
        "gone": {M[0]: D(500)},
        "tiny": {M[0]: D(400), M[3]: D(4000)},  # 4,800 a year: below the cut-off
        "exact": {M[0]: D("416.67"), M[3]: D("416.67")},  # 5,000.04 a year: in
    }
    r = dollar_retention(accounts, M[3], 3)
    assert r.customers == 4 and r.base_month == M[0]
    assert r.base_mrr == D("2916.67")
    assert r.current_mrr == D("2516.67") and r.capped_mrr == D("2016.67")
    assert r.ndr == D("2516.67") / D("2916.67") and r.gdr == D("2016.67") / D("2916.67")


def test_base_month_must_be_3_6_or_12():
    with pytest.raises(ValueError):
        dollar_retention({}, M[5], 4)


def test_report_covers_each_month():
    rows = retention_report({"a": {M[0]: D(1000), M[1]: D(1100)}}, M[1], M[3])
    assert [r.components.month for r in rows] == M[1:4]
    assert [len(r.retention) for r in rows] == [3, 3, 3]
    with pytest.raises(ValueError):
        retention_report({}, M[3], M[1])


money = st.integers(min_value=0, max_value=100_000).map(D)


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.tuples(money, money), max_size=20))
def test_gdr_never_exceeds_ndr_or_one(pairs):
    """GDR <= 1 and GDR <= NDR for any population (002:2083)."""
    accounts = {k: {M[0]: b, M[3]: c} for k, (b, c) in pairs.items()}
    r = dollar_retention(accounts, M[3], 3)
    if r.gdr is not None:
        assert r.gdr <= 1 and r.gdr <= r.ndr


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.tuples(money, money), max_size=20))
def test_components_reconcile(pairs):
    """baseline + new + reactivated + expansion + contraction + churned = this month's total."""
    accounts = {k: {M[0]: b, M[1]: c} for k, (b, c) in pairs.items()}
    c = components(accounts, M[1])
    assert c.ending == sum((s[M[1]] for s in accounts.values()), D(0))

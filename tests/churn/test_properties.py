"""Properties of the level and score over random combinations of the §5 inputs (churn-risk.md §4.5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.churn.model import Contact, Destination, Flag, Invoice, Note, Ticket
from services.churn.policy import ChurnPolicy
from services.churn.risk import LEVEL_RANK, assess
from tests.churn.examples import NOW, TODAY, annual, health, healthy, usage_windows

BASE = healthy("p", "Prop", "60000")
D = __import__("decimal").Decimal

TOGGLES = {
    "F1": lambda a: replace(a, flags=a.flags + (Flag("evaluating_alternatives", NOW - timedelta(days=3)),)),
    "F2": lambda a: replace(a, usage=usage_windows([4000] * 8 + [2000])),
    "F3": lambda a: replace(a, contacts=(Contact("c@x", role="champion", status="left",
                                                 changed_at=NOW - timedelta(days=20)),)),
    "F5": lambda a: replace(a, tickets=a.tickets + (Ticket(77, NOW - timedelta(days=2), "open", None,
                                                           ("data_export",)),)),
    "F6": lambda a: replace(a, health_history=health(["Poor"] * 5)),
    "W1": lambda a: replace(a, notes=a.notes + (Note("recommendation", "x", updated_at=NOW - timedelta(days=30)),)),
    "W3": lambda a: replace(a, active_users_30d=1),
    "W4": lambda a: replace(a, last_customer_slack_message_at=NOW - timedelta(days=30),
                            contacts=tuple(replace(c, last_inbound_at=NOW - timedelta(days=30)) for c in a.contacts)),
    "W12": lambda a: replace(a, destinations=(Destination("realtime", "Mixpanel"),)),
    "W10": lambda a: replace(a, invoices=(Invoice("in_p", "open", "bank_transfer", D(100),
                                                  due_date=TODAY - timedelta(days=1)),)),
    "renewal": lambda a: replace(a, credit=annual((TODAY + timedelta(days=45)).isoformat())),
    "segment": lambda a: replace(a, segments=("Churn Risk",), churn_risk_flagged_at=NOW - timedelta(days=3)),
}


def build(keys):
    acct = BASE
    for key in sorted(keys):
        acct = TOGGLES[key](acct)
    return acct


subsets = st.sets(st.sampled_from(sorted(TOGGLES)))


@given(subsets)
def test_score_matches_the_formula(keys):
    a = assess(build(keys), NOW)
    p = ChurnPolicy()
    bare_f0 = a.report.holds("F0") and not a.f_codes
    assert a.score == p.points_f * len(a.f_codes) + p.points_w * len(a.w_codes) + (p.points_f if bare_f0 else 0)


@given(subsets)
def test_level_follows_the_rules_alone(keys):
    a = assess(build(keys), NOW)
    if a.f_codes or a.report.holds("F0"):
        assert a.level == "at_risk"
    elif a.w_codes:
        assert a.level == "watch"
    else:
        assert a.level == "healthy"


@given(subsets, st.sampled_from(sorted(TOGGLES)))
def test_adding_a_problem_never_improves_the_level(keys, extra):
    before = assess(build(keys), NOW)
    after = assess(build(keys | {extra}), NOW)
    assert LEVEL_RANK[after.level] <= LEVEL_RANK[before.level] or before.level == "churned"


@given(subsets)
def test_suppressed_warnings_never_count(keys):
    a = assess(build(keys), NOW)
    suppressed = {s.code for s in a.report.signals if s.suppressed_by}
    assert not (suppressed & a.w_codes)
    for s in a.report.signals:
        if s.suppressed_by:
            assert s.suppressed_by in a.f_codes


@given(subsets)
def test_escalations_only_where_the_handbook_puts_them(keys):
    a = assess(build(keys), NOW)
    codes = {e.code for e in a.escalations}
    if a.level != "at_risk":
        assert not codes & {"LEADERSHIP", "STALE", "CALL_DUE", "CALL_OVERDUE"}
    else:
        assert "LEADERSHIP" in codes  # ARR $60,000 > $50k
    assert a.suggest_flag == (a.level == "watch" and len(a.w_codes) >= 3)


accounts = st.lists(st.tuples(st.integers(min_value=0, max_value=300_000), subsets), min_size=0, max_size=12)


@given(accounts)
def test_digest_sections_are_ordered_and_totals_add_up(rows):
    from services.churn.digest import build_digest

    built = [assess(replace(build(keys), id=f"a{i}", name=f"Acct {i}", arr=D(arr)), NOW)
             for i, (arr, keys) in enumerate(rows)]
    digest = build_digest(built, NOW)
    for section in (digest.escalate, digest.at_risk, digest.watch):
        keys = [(-line.arr, -line.score, line.name.lower()) for line in section]
        assert keys == sorted(keys)
    assert digest.at_risk_arr == sum((line.arr for line in digest.escalate + digest.at_risk), D(0))
    assert all(line.level == "at_risk" for line in digest.escalate + digest.at_risk)
    assert {line.account_id for line in digest.escalate} == {
        a.account.id for a in built if a.level == "at_risk" and (a.has("LEADERSHIP") or a.has("STALE"))}

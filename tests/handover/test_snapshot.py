"""The snapshot the handover checker reads, built from the account model after a real import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.db.session import session_scope
from bot.handover.snapshot import account_refs, confirmations, counted, load_account, snapshot, team_directory
from services.handover.model import Target
from tests.handover.fixtures import handover_account

TODAY = date(2025, 5, 15)


def build(rt, account_id: str):
    with session_scope(rt.session_factory) as s:
        acct = load_account(s, account_id)
        return snapshot(s, acct, TODAY), confirmations(acct), team_directory(s), account_refs(s)


def test_derived_values_come_from_stored_data(rt, handover_seed):
    handover_seed(handover_account(
        "2001-derive", "Derive Co", "U0TAE01", "48000.00", ["session_replay"],
        top40=None, owner_since="2025-01-01",
        health_history=[{"period": "2025-05-05", "label": "Good"}, {"period": "2025-05-12", "label": "Poor"}],
        last_customer_slack_message_at="2025-04-25T10:00:00Z",
        contacts=[{"email": "cham@derive.example", "role": "champion", "status": "left", "changed_at": "2025-05-01T00:00:00Z"}],
        credit={"amount": "50000.00", "discount_pct": "20", "term_start": "2025-01-10", "term_months": 12,
                "first_purchase_date": "2025-01-10", "yc_plan": True},
        forecasted_mrr="3000.00",
        invoices=[{"id": "in_D1", "status": "open", "payment_method": "card", "amount_due": "2400.00",
                   "finalized_at": "2025-05-10T10:00:00Z", "attempt_count": 1},
                  {"id": "in_D2", "status": "paid", "payment_method": "card", "amount_due": "100.00"}],
        notes=[{"id": "p1", "kind": "account_plan", "title": "Plan", "updated_at": "2025-02-01T10:00:00Z"},
               {"id": "p2", "kind": "account_plan", "title": "Plan Q2", "updated_at": "2025-04-20T10:00:00Z"},
               {"id": "g1", "kind": "growth_potential", "title": "New team", "updated_at": "2025-05-01T10:00:00Z"}],
        flags=[{"kind": "customer_told", "at": "2025-05-10T10:00:00Z", "author": "U0TAE01"},
               {"kind": "evaluating_alternatives", "at": "2025-05-10T10:00:00Z", "author": "U0TAE01"}],
        usage=[{"product": "session_replay", "period": p, "value": v}
               for p, v in (("2025-01", "1000.00"), ("2025-02", "1000.00"), ("2025-03", "1000.00"), ("2025-04", "600.00"))],
    ))
    snap, confirms, _team, _refs = build(rt, "2001-derive")
    assert snap.health_label == "Poor"  # the latest week's label
    assert snap.days_since_customer_slack == 20
    assert "champion_left" in snap.risk_indicators
    assert [(i.id, i.payment_failed) for i in snap.invoices] == [("in_D1", True), ("in_D2", False)]
    assert snap.account_plan_updated_at == date(2025, 4, 20)  # the latest plan counts
    assert snap.growth_note_updated_at == date(2025, 5, 1)
    assert (snap.discount_pct, snap.term_start, snap.term_end) == (Decimal("20.00"), date(2025, 1, 10), date(2026, 1, 10))
    assert snap.first_purchase_date == date(2025, 1, 10) and snap.yc_plan
    assert snap.usage_change_pct == Decimal("-40.0")
    assert snap.arr_rank == 1 and snap.top40 is None
    assert snap.unavailable_sources == frozenset()
    assert [(c.kind, c.author) for c in confirms] == [("customer_told", "U0TAE01")]


def test_no_stripe_data_marks_stripe_unavailable(rt, handover_seed):
    doc = handover_account("2002-nostripe", "No Stripe Co", "U0TAE01", "48000.00", ["session_replay"])
    doc["stripe_customer_ids"] = []
    handover_seed(doc)
    snap, *_ = build(rt, "2002-nostripe")
    assert snap.unavailable_sources == frozenset({"Stripe"})


def test_book_sizes_given_or_derived(rt, handover_seed):
    handover_seed(
        handover_account("2003-a", "A Co", "U0TAM01", "30000.00", ["session_replay"], segments=["AM Managed"]),
        handover_account("2003-b", "B Co", "U0TAM01", "30000.00", ["session_replay"], segments=["Leads"]),
        handover_account("2003-c", "C Co", "U0CSM01", "30000.00", ["session_replay"]),
    )
    _snap, _c, team, refs = build(rt, "2003-a")
    assert team["U0TAM01"].managed_count == 0  # the directory alone counts nobody's book

    def sizes(slack_id: str) -> tuple[int, int]:
        with session_scope(rt.session_factory) as s:
            member = counted(s, Target(team[slack_id].role, member=team[slack_id])).member
        return member.managed_count, member.leads_count

    assert sizes("U0TAM01") == (1, 1)  # derived: AM Managed / Leads
    assert sizes("U0CSM01") == (1, 0)  # a CSM's book = owned accounts
    assert sizes("U0TAM02") == (12, 4)  # given counts win
    with session_scope(rt.session_factory) as s:
        assert counted(s, Target("TAM")) == Target("TAM") and counted(s, None) is None  # a role: nobody to count
    assert {r.name for r in refs} == {"A Co", "B Co", "C Co"}

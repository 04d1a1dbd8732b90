# ruff: noqa: F811  -- pytest fixtures come from tests.importer.support
"""The merge upsert of IMPORT.md §11 as a re-importing operator sees it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.db import models
from tests.importer.support import TODAY, Importer, importer, seeded  # noqa: F401


def test_present_replaces_absent_stays_null_clears_to_default(seeded: Importer):
    outcome = seeded.run_doc({"accounts": [{
        "id": "0189-acme", "arr": "50000.00", "subscription_status": None, "segments": None, "domain": None,
        "high_potential": True,
    }]})
    assert outcome.status == 0, outcome.stderr
    acme = seeded.account("0189-acme")
    assert acme.arr == Decimal("50000.00") and acme.high_potential is True
    assert acme.subscription_status == "active" and acme.segments == [] and acme.domain is None
    assert acme.billing_email == "ap@acme.io" and acme.country == "US"  # absent: unchanged


def test_lists_replace_the_stored_list(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "paying_for": ["error_tracking"], "slack_channel_ids": ["C0ACME2", "C0ACME"]}]})
    acme = seeded.account("0189-acme")
    assert acme.paying_for == ["error_tracking"]
    assert acme.slack_channel_ids == ["C0ACME2", "C0ACME"] and acme.primary_channel_id == "C0ACME2"


def test_credit_fields_patch_and_null_clears_the_object(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "credit": {"balance": "30000.00", "discount_pct": None}}]})
    acme = seeded.account("0189-acme")
    assert acme.credit_balance == Decimal("30000.00") and acme.credit_amount == Decimal("60000.00")
    assert acme.effective_credit_discount_pct == Decimal("0")  # null: back to the default "0"
    seeded.run_doc({"accounts": [{"id": "0189-acme", "credit": None}]})
    acme = seeded.account("0189-acme")
    assert acme.credit_present is False and acme.credit_amount is None and acme.effective_credit_term_end is None


def test_credit_conflict_is_checked_against_stored_values(seeded: Importer):
    outcome = seeded.run_doc({"accounts": [{"id": "0190-fjord", "credit": {"term_end": "2024-07-01"}}]})
    assert outcome.status == 1
    assert "credit.term_end: E_CONFLICT: 2024-07-01 is before credit.term_start 2024-08-01" in outcome.stderr


def test_last_at_fields_only_move_forward(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "last_inbound_at": "2025-01-01T00:00:00Z",
                                  "last_outbound_at": "2025-06-01T09:00:00+02:00"}]})
    fjord = seeded.account("0190-fjord")
    assert fjord.last_inbound_at == datetime(2025, 5, 12, 14, 3, tzinfo=UTC)  # older value ignored
    assert fjord.last_outbound_at == datetime(2025, 6, 1, 7, 0, tzinfo=UTC)  # newer value, stored in UTC
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "last_inbound_at": None}]})
    assert seeded.account("0190-fjord").last_inbound_at is None  # null clears


def test_contact_last_inbound_only_moves_forward(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "contacts": [
        {"email": "ingrid@fjordmedia.no", "last_inbound_at": "2025-01-01T00:00:00Z", "name": "Ingrid"}]}]})
    ingrid = next(c for c in seeded.account("0190-fjord").contacts if c.email == "ingrid@fjordmedia.no")
    assert ingrid.last_inbound_at == datetime(2025, 5, 12, 14, 3, tzinfo=UTC) and ingrid.name == "Ingrid"
    assert ingrid.role == "champion"  # absent: unchanged


def test_series_rows_upsert_and_replace_series(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "mrr_history": [
        {"period": "2025-05", "value": "4100.00"}, {"period": "2025-06", "value": "4200.00"}]}]})
    acme = seeded.account("0189-acme")
    assert [(p.period, p.value) for p in acme.series("mrr_history")] == [
        ("2025-03", Decimal("4000.00")), ("2025-04", Decimal("4000.00")),
        ("2025-05", Decimal("4100.00")), ("2025-06", Decimal("4200.00"))]
    outcome = seeded.run_doc({"accounts": [{"id": "0189-acme", "mrr_history": [{"period": "2025-06", "value": "1.00"}]}]},
                             replace_series=True)
    assert outcome.status == 0, outcome.stderr
    acme = seeded.account("0189-acme")
    assert [p.period for p in acme.series("mrr_history")] == ["2025-06"]
    assert len(acme.series("usage", "session_replay")) == 4  # series not given: untouched


def test_replace_series_allows_switching_usage_granularity(seeded: Importer):
    doc = {"accounts": [{"id": "0189-acme", "usage": [{"product": "session_replay", "period": "2025-06-01", "value": "90.00"}]}]}
    assert seeded.run_doc(doc).status == 1  # would mix months and days
    outcome = seeded.run_doc(doc, replace_series=True)
    assert outcome.status == 0, outcome.stderr
    assert [p.period for p in seeded.account("0189-acme").series("usage", "session_replay")] == ["2025-06-01"]


def test_invoice_moves_open_to_paid_by_reimport(seeded: Importer):
    doc = {"accounts": [{"id": "0191-ember", "invoices": [
        {"id": "in_EmberMay", "status": "paid", "payment_method": "card", "amount_due": "2400.00",
         "paid_at": "2025-06-03T10:00:00Z"}]}]}
    assert seeded.run_doc(doc).status == 0
    ember = seeded.account("0191-ember")
    may = next(i for i in ember.invoices if i.id == "in_EmberMay")
    assert may.status == "paid" and may.effective_amount_remaining == Decimal("0.00")
    assert may.finalized_at == datetime(2025, 5, 28, 10, tzinfo=UTC)  # absent: kept
    assert len(ember.invoices) == 2


def test_owner_change_records_previous_owner_and_owner_since(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "owner_slack_id": "U0TAM01"}]}, today=date(2025, 6, 10))
    acme = seeded.account("0189-acme")
    assert acme.owner_slack_id == "U0TAM01"
    assert acme.previous_owner_slack_id == "U0TAE01" and acme.owner_since == date(2025, 6, 10)


def test_owner_change_keeps_given_values(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "owner_slack_id": "U0TAM01", "owner_since": "2025-06-01",
                                  "previous_owner_slack_id": "U0CSM01"}]})
    acme = seeded.account("0189-acme")
    assert acme.owner_since == date(2025, 6, 1) and acme.previous_owner_slack_id == "U0CSM01"


def test_same_owner_is_not_a_change(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0189-acme", "owner_slack_id": "U0TAE01"}]}, today=date(2025, 7, 1))
    acme = seeded.account("0189-acme")
    assert acme.owner_since == date(2025, 1, 10) and acme.previous_owner_slack_id is None


def test_assigning_an_unowned_account_keeps_its_previous_owner(seeded: Importer):
    seeded.run_doc({"accounts": [{"id": "0191-ember", "owner_slack_id": "U0CSM01"}]})
    ember = seeded.account("0191-ember")
    assert ember.previous_owner_slack_id == "U0TAM01" and ember.owner_since == TODAY


def test_churn_risk_segment_stamps_and_clears_flagged_at(seeded: Importer):
    now = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "segments": ["$60K ARR", "churn risk"]}]}, now=now)
    fjord = seeded.account("0190-fjord")
    assert fjord.segments == ["$60K ARR", "Churn Risk"] and fjord.churn_risk_flagged_at == now
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "segments": ["$60K ARR", "Churn Risk", "Annual Plan"]}]},
                   now=datetime(2025, 6, 9, tzinfo=UTC))
    assert seeded.account("0190-fjord").churn_risk_flagged_at == now  # still flagged: unchanged
    seeded.run_doc({"accounts": [{"id": "0190-fjord", "segments": ["$60K ARR"]}]})
    assert seeded.account("0190-fjord").churn_risk_flagged_at is None


def test_flags_and_notes_are_upserted_never_deleted(seeded: Importer):
    doc = {"accounts": [{"id": "0191-ember", "flags": [
        {"kind": "evaluating_alternatives", "at": "2025-05-29T16:00:00Z", "cleared_at": "2025-06-05T00:00:00Z"},
        {"kind": "seasonal_explanation", "at": "2025-06-01T00:00:00Z", "until": "2025-09-01"}],
        "notes": [{"kind": "churn_risk", "title": "Risk note", "updated_at": "2025-06-01T00:00:00Z"}]}]}
    assert seeded.run_doc(doc).status == 0
    ember = seeded.account("0191-ember")
    evaluating = next(f for f in ember.flags if f.kind == "evaluating_alternatives")
    assert evaluating.cleared_at == datetime(2025, 6, 5, tzinfo=UTC)
    assert evaluating.note == "CTO says they are trialling Amplitude"  # absent: kept
    assert len(ember.flags) == 2 and [n.kind for n in ember.notes] == ["churn_risk"]
    assert seeded.run_doc({"accounts": [{"id": "0191-ember", "flags": [], "notes": []}]}).status == 0
    assert len(seeded.account("0191-ember").flags) == 2  # an empty list deletes nothing


def test_notes_without_id_match_on_kind_title_created_at(seeded: Importer):
    note = {"kind": "recommendation", "title": "Turn off autocapture on marketing pages", "status": "actioned",
            "created_at": "2025-05-13T10:00:00Z", "updated_at": "2025-05-20T10:00:00Z"}
    assert seeded.run_doc({"accounts": [{"id": "0190-fjord", "notes": [note]}]}).status == 0
    recs = [n for n in seeded.account("0190-fjord").notes if n.kind == "recommendation"]
    assert len(recs) == 1 and recs[0].status == "actioned"


def test_team_member_update_and_null_clears(seeded: Importer):
    seeded.run_doc({"team": [{"slack_id": "U0TAM01", "out_of_office": None, "region": None, "managed_count": 13}]})
    with seeded.session() as session:
        tara = session.get(models.TeamMember, "U0TAM01")
        assert tara.out_of_office is False and tara.region is None and tara.managed_count == 13
        assert tara.name == "Tara Nguyen"


def test_import_never_touches_accounts_it_does_not_name(seeded: Importer):
    before = seeded.dump()["accounts"]
    seeded.run_doc({"accounts": [{"id": "0192-gale", "name": "Gale Labs"}]})
    after = seeded.dump()["accounts"]
    assert set(before) <= set(after) and len(after) == len(before) + 1


def test_two_accounts_may_swap_channels_and_customers_in_one_import(seeded: Importer):
    doc = {"accounts": [
        {"id": "0190-fjord", "slack_channel_ids": ["C0ACME"], "stripe_customer_ids": ["cus_AcmeRobotics"]},
        {"id": "0189-acme", "slack_channel_ids": ["C0FJORD"], "stripe_customer_ids": ["cus_FjordMedia"]},
    ]}
    outcome = seeded.run_doc(doc)
    assert outcome.status == 0, outcome.stderr
    assert seeded.account("0190-fjord").slack_channel_ids == ["C0ACME"]
    assert seeded.account("0189-acme").slack_channel_ids == ["C0FJORD"]
    assert seeded.account("0189-acme").stripe_customer_ids == ["cus_FjordMedia"]

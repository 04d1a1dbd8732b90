"""Recorded confirmations, settings and edge rules of the handover checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from bot.handover.settings import HandoverSettings
from services.handover.check import check, full_months_between, quarter_end
from services.handover.model import Confirmation, Invoice, Status, Verdict
from tests.handover.service_fixtures import ALEX, OPTIONS, TARA, TEAM, TODAY, F, R, account, role

ACME = account("Acme Robotics", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10), owner_since=date(2025, 1, 10))


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_recorded_confirmations_count_with_who_and_when():
    """IMPORT.md §7: customer_told / handover_call_booked / onboarding_confirmed answer C10 / C11 / C08."""
    recorded = [
        Confirmation("customer_told", at("2025-05-10T10:00:00"), "U0TAE01"),
        Confirmation("handover_call_booked", at("2025-05-12T10:00:00"), "U0TAE01"),
        Confirmation("onboarding_confirmed", at("2025-05-13T10:00:00"), "U0TAE01"),
    ]
    report = check(ACME, role("TAM"), TEAM, TODAY, OPTIONS, recorded)
    assert report.verdict is Verdict.READY
    assert report.by_status(Status.CONFIRM) == ()
    told = {i.id: i for i in report.items}["C10"]
    assert told.status is Status.PASS and told.reason == "Customer told confirmed by <@U0TAE01> on 2025-05-10"


def test_confirmation_from_before_the_current_owner_is_void():
    old = [Confirmation("customer_told", at("2024-12-01T10:00:00"), "U0TAM01")]
    report = check(ACME, role("TAM"), TEAM, TODAY, OPTIONS, old)
    assert "C10" in {i.id for i in report.by_status(Status.CONFIRM)}


def test_confirmation_of_another_kind_does_not_answer():
    report = check(ACME, role("TAM"), TEAM, TODAY, OPTIONS, [Confirmation("no_expansion_path", at("2025-05-10"), "U0TAE01")])
    assert {i.id for i in report.by_status(Status.CONFIRM)} == {"C08", "C10", "C11"}


def test_confirm_items_carry_the_kind_to_record():
    report = check(ACME, role("TAM"), TEAM, TODAY, OPTIONS)
    kinds = {i.id: i.confirm_kind for i in report.by_status(Status.CONFIRM)}
    assert kinds == {"C08": "onboarding_confirmed", "C10": "customer_told", "C11": "handover_call_booked"}


def test_settings_env_override(monkeypatch):
    monkeypatch.setenv("HANDOVER_ACCOUNT_PLAN_MAX_AGE_DAYS", "20")
    monkeypatch.setenv("HANDOVER_OPEN_INVOICE_NOT_DUE_BLOCKS", "true")
    options = HandoverSettings().options()
    assert options.account_plan_max_age_days == 20 and options.open_invoice_not_due_blocks
    report = check(ACME, role("TAM"), TEAM, TODAY, options)  # plan is 25 days old
    assert {i.id: i.status for i in report.items}["C04"] is Status.FAIL


def test_strict_invoice_setting_makes_not_yet_due_blocking():
    """Spec A9: flip WARN to FAIL in one place."""
    snapshot = replace(ACME, invoices=(Invoice("in_1", "open", Decimal("4000"), date(2025, 5, 30)),))
    strict = replace(OPTIONS, open_invoice_not_due_blocks=True)
    assert check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).verdict is Verdict.READY_WITH_WARNINGS
    assert check(snapshot, role("TAM"), TEAM, TODAY, strict).verdict is Verdict.NOT_READY


def test_failed_payment_blocks_even_before_due():
    snapshot = replace(ACME, invoices=(Invoice("in_1", "open", Decimal("2400"), date(2025, 6, 1), payment_failed=True),))
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C05"]
    assert item.status is Status.FAIL and "payment failed" in item.reason


def test_paid_void_draft_invoices_are_ignored():
    invoices = tuple(Invoice(f"in_{s}", s, Decimal("100"), date(2025, 1, 1)) for s in ("paid", "void", "draft", "uncollectible"))
    item = {i.id: i for i in check(replace(ACME, invoices=invoices), role("TAM"), TEAM, TODAY, OPTIONS).items}["C05"]
    assert item.status is Status.PASS


def test_usage_drop_of_30_percent_fails_health():
    snapshot = replace(ACME, usage_change_pct=Decimal("-30"))
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C06"]
    assert item.status is Status.FAIL and "usage down 30%" in item.reason


def test_missing_health_label_warns_never_passes():
    item = {i.id: i for i in check(replace(ACME, health_label=None), role("TAM"), TEAM, TODAY, OPTIONS).items}["C06"]
    assert item.status is Status.WARN


def test_unknown_arr_warns():
    item = {i.id: i for i in check(replace(ACME, arr=None), role("TAM"), TEAM, TODAY, OPTIONS).items}["C01"]
    assert item.status is Status.WARN


def test_below_20k_with_documented_plan_warns():
    snapshot = replace(ACME, arr=Decimal("15000"), plan_above_20k=True)
    assert {i.id: i.status for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C01"] is Status.WARN


def test_no_region_majority_is_a_judgement_call():
    snapshot = replace(ACME, user_region_counts={"US": 10, "EU": 10})
    assert {i.id: i.status for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C14"] is Status.CONFIRM


def test_new_owner_trait_mismatch_warns():
    snapshot = replace(ACME, new_owner="US CSM")
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C13"]
    assert item.status is Status.WARN and "mismatch" in item.reason


def test_checklist_present_and_complete_passes_onboarding():
    checklist = {"session_replay": {"privacy_controls": True}, "feature_flags": {"targeting": True}}
    item = {i.id: i for i in check(replace(ACME, onboarding_checklist=checklist), role("TAM"), TEAM, TODAY, OPTIONS).items}["C08"]
    assert item.status is Status.PASS


def test_checklist_with_gaps_fails_onboarding_naming_them():
    checklist = {"session_replay": {"privacy_controls": False}, "feature_flags": {"targeting": True}}
    item = {i.id: i for i in check(replace(ACME, onboarding_checklist=checklist), role("TAM"), TEAM, TODAY, OPTIONS).items}["C08"]
    assert item.status is Status.FAIL and "Session replay: privacy controls" in item.reason


def test_open_cross_sell_blocks_tam_to_csm():
    snapshot = account("Ember Games", TARA, 120000, (R, F, "error_tracking"), discount_pct=Decimal("25"),
                       term_start=date(2025, 1, 1), term_end=date(2025, 12, 31),
                       expansion_levers_updated_at=date(2025, 4, 28), open_cross_sell_opps=2)
    item = {i.id: i for i in check(snapshot, role("CSM"), TEAM, TODAY, OPTIONS).items}["X05"]
    assert item.status is Status.FAIL and "in flight" in item.reason


def test_top40_derived_from_arr_rank():
    snapshot = replace(ACME, top40=None, arr_rank=12)
    item = {i.id: i for i in check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS).items}["C12"]
    assert item.status is Status.INFO  # TAE -> TAM: higher bar, not Simon & Ben's call


def test_onboarding_owner_is_not_allowed():
    from services.handover.model import TeamMember
    ona = TeamMember("U0ONB01", "Ona", "ONBOARDING", "US")
    report = check(account("Lead Co", ona, 30000, (R,)), role("TAM"), {**TEAM, ona.slack_id: ona}, TODAY, OPTIONS)
    assert report.verdict is Verdict.NOT_ALLOWED and "lead referral" in report.message


def test_quarter_end_and_full_months():
    assert quarter_end(date(2025, 5, 15)) == date(2025, 6, 30)
    assert quarter_end(date(2025, 12, 1)) == date(2025, 12, 31)
    assert quarter_end(date(2025, 1, 1)) == date(2025, 3, 31)
    assert full_months_between(date(2025, 2, 15), date(2025, 5, 15)) == 3
    assert full_months_between(date(2025, 1, 31), date(2025, 2, 28)) == 1


def test_owner_missing_from_directory_is_not_allowed_not_unowned():
    snapshot = replace(ACME, owner_slack_id="U0GONE")
    report = check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS)
    assert report.verdict is Verdict.NOT_ALLOWED and "Fix their role in the team directory" in report.message

"""Every worked example of handover-check.md §5 on its fixed date (2025-05-15).

Each case asserts the verdict, the set of FAIL/WARN checks with their status, and the CONFIRM items
(§5: every READY/READY_WITH_WARNINGS carries C08, C10, C11 plus the extras named in its row).
Grammar-only examples (T, AC's parsing, AD, AH, AI) are in test_handover_grammar.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.handover.check import check
from services.handover.model import Invoice, Status, Verdict
from tests.handover.service_fixtures import (
    ALEX,
    CHRIS,
    LENA,
    LEVERS,
    OPTIONS,
    PRIYA,
    SAM,
    TARA,
    TEAM,
    TODAY,
    E,
    F,
    R,
    account,
    discount,
    person,
    role,
)

ALWAYS = {"C08", "C10", "C11"}

CASES = [
    # id, snapshot, target, verdict, {check: status} for FAIL/WARN, extra CONFIRM ids
    ("A", account("Acme Robotics", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10)), role("TAM"),
     Verdict.READY, {}, set()),
    ("B", account("Birch Analytics", ALEX, 65000, (R, F, E), first_purchase_date=date(2024, 12, 1),
                  user_region_counts={"EU": 30, "US": 4}), role("CSM"),
     Verdict.READY, {}, set()),
    ("C", account("Cobalt Health", ALEX, 30000, (F,), first_purchase_date=date(2025, 4, 1)), role("TAM"),
     Verdict.READY_WITH_WARNINGS, {"X01": Status.WARN}, set()),
    ("D", account("Dune Logistics", ALEX, 90000, (R, E), first_purchase_date=date(2024, 11, 1),
                  invoices=(Invoice("in_Dune", "open", Decimal("12000"), date(2025, 4, 30)),)), role("TAM"),
     Verdict.NOT_READY, {"C05": Status.FAIL}, set()),
    ("E", account("Elm Street Co", ALEX, 45000, (R, F), first_purchase_date=date(2025, 1, 15),
                  invoices=(Invoice("in_Elm", "open", Decimal("4000"), date(2025, 5, 30)),)), role("TAM"),
     Verdict.READY_WITH_WARNINGS, {"C05": Status.WARN}, set()),
    ("F", account("Ember Games", TARA, 120000, (R, F, E), **discount("25"),
                  expansion_levers_updated_at=date(2025, 4, 28)), None,
     Verdict.READY, {}, {"X05b"}),
    ("G", account("Fjord Fintech", TARA, 70000, (R, F, E), expansion_levers_updated_at=LEVERS), role("CSM"),
     Verdict.NOT_READY, {"X04": Status.FAIL}, {"X05b"}),
    ("H", account("Granite Retail", TARA, 55000, (R, F), **discount("20", date(2025, 3, 1), date(2026, 2, 28))),
     role("CSM"), Verdict.NOT_READY, {"X03": Status.FAIL, "X05": Status.FAIL}, set()),
    ("I", account("Harbor Media", TARA, 40000, (F,), **discount("20"), expansion_levers_updated_at=LEVERS),
     role("CSM"), Verdict.READY_WITH_WARNINGS, {"X03": Status.WARN}, {"X05b"}),
    ("J", account("Ion Security", CHRIS, 85000, (R,), segments=frozenset({"AM referral"})), person(PRIYA),
     Verdict.READY, {}, set()),
    ("K", account("Juniper AI", CHRIS, 150000, (R, F, E), **discount("30")), role("TAM"),
     Verdict.NOT_READY, {"X07": Status.FAIL, "X08": Status.WARN}, set()),
    ("L", account("Kestrel Travel", TARA, 60000, (R, F, E), **discount("20"), expansion_levers_updated_at=LEVERS,
                  segments=frozenset({"Churn Risk"}), health_label="Poor"), role("CSM"),
     Verdict.NOT_READY, {"C06": Status.FAIL}, {"X05b"}),
    ("M", account("Lumen Edu", ALEX, 35000, (R, F), first_purchase_date=date(2024, 12, 15),
                  account_plan_updated_at=None), role("TAM"),
     Verdict.NOT_READY, {"C03": Status.FAIL}, set()),
    ("N", account("Maple Foods", ALEX, 80000, (R, F, E), first_purchase_date=date(2024, 10, 1),
                  account_plan_updated_at=date(2025, 1, 5)), role("CSM"),
     Verdict.NOT_READY, {"C04": Status.FAIL}, set()),
    ("O", account("Nimbus Cloud", TARA, 900000, (R, F, E), top40=True, **discount("35"),
                  expansion_levers_updated_at=LEVERS), role("CSM"),
     Verdict.READY_WITH_WARNINGS, {"C12": Status.WARN}, {"X05b"}),
    ("P", account("Orbit Labs", TARA, 0, (F,), yc_plan=True, forecasted_mrr=Decimal("2917")), role("CSM"),
     Verdict.READY, {}, set()),
    ("P2", account("Orbit Labs", TARA, 0, (F,), yc_plan=True, forecasted_mrr=Decimal("2917")), role("TAM"),
     Verdict.NOT_READY, {"C02": Status.FAIL}, {"X10"}),
    ("Q", account("Pico Widgets", ALEX, 12000, (F,), first_purchase_date=date(2025, 1, 5)), role("TAM"),
     Verdict.NOT_READY, {"C01": Status.FAIL}, set()),
    ("U", account("Tundra Mobile", ALEX, 150000, (R, F), initial_deal_arr=Decimal("150000"), high_potential=True,
                  first_purchase_date=date(2025, 5, 1)), role("TAM"),
     Verdict.READY, {}, {"X01b"}),
    ("V", account("Umbra Ltd", ALEX, 40000, (R, F), first_purchase_date=date(2025, 1, 20),
                  user_region_counts={"EU": 20, "US": 2}), person(SAM),
     Verdict.NOT_READY, {"C15": Status.FAIL}, set()),
    ("W", account("Vega Apps", ALEX, 50000, (R, F, E), first_purchase_date=date(2025, 1, 10)), role("TAM"),
     Verdict.NOT_READY, {"X02": Status.FAIL}, set()),
    ("X", account("Willow Bank", ALEX, 42000, (R,), first_purchase_date=date(2025, 1, 10)), role("CSM"),
     Verdict.READY_WITH_WARNINGS, {"X02": Status.WARN}, {"X02b"}),
    ("Y", account("Xenon Ltd", ALEX, 60000, (R, F), first_purchase_date=date(2024, 9, 15), retained_by_tae=True),
     role("TAM"), Verdict.READY_WITH_WARNINGS, {"X01": Status.WARN}, set()),
    ("Z", account("Yarrow Inc", TARA, 75000, (R, F, E), **discount("20"), expansion_levers_updated_at=LEVERS,
                  active_users_30d=2), role("CSM"),
     Verdict.READY_WITH_WARNINGS, {"C07": Status.WARN}, {"X05b"}),
    ("AA", account("Zinnia Co", TARA, 75000, (R, F, E), **discount("20"), expansion_levers_updated_at=LEVERS,
                   active_users_30d=2, days_since_customer_slack=20), role("CSM"),
     Verdict.NOT_READY, {"C07": Status.WARN, "C17": Status.FAIL}, {"X05b"}),
    ("AB", account("Acorn Bio", ALEX, 20000, (F,), first_purchase_date=date(2025, 2, 15),
                   account_plan_updated_at=date(2025, 2, 14)), role("TAM"),
     Verdict.READY, {}, set()),
    ("AC", account("Path to Prod Inc", CHRIS, 30000, (R, F), segments=frozenset({"AM referral"})), None,
     Verdict.READY, {}, set()),
    ("AE", account("Beacon Co", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10), new_owner=None),
     role("TAM"), Verdict.READY_WITH_WARNINGS, {"C13": Status.WARN}, set()),
    ("AF", account("Flint Data", ALEX, 28000, ("product_analytics", "data_warehouse"),
                   first_purchase_date=date(2025, 1, 10)), role("TAM"),
     Verdict.READY_WITH_WARNINGS, {"X02": Status.WARN}, set()),
    ("AG", account("Zephyr Co", CHRIS, 33000, (R, F, E), **discount("20")), person(LENA),
     Verdict.READY_WITH_WARNINGS, {"C14": Status.WARN}, {"X10"}),
    ("AJ", account("Echo Ltd", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10),
                   unavailable_sources=frozenset({"Stripe"})), role("TAM"),
     Verdict.READY_WITH_WARNINGS, {"C05": Status.WARN, "C08b": Status.WARN}, set()),
    ("AK", account("Delta Apps", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10),
                   risk_indicators=frozenset({"autocapture_noise"})), role("TAM"),
     Verdict.READY_WITH_WARNINGS, {"C09": Status.WARN}, set()),
]


@pytest.mark.parametrize(("example", "snapshot", "target", "verdict", "problems", "confirms"), CASES,
                         ids=[c[0] for c in CASES])
def test_worked_example(example, snapshot, target, verdict, problems, confirms):
    report = check(snapshot, target, TEAM, TODAY, OPTIONS)
    assert report.verdict is verdict
    got = {i.id: i.status for i in report.items if i.status in (Status.FAIL, Status.WARN)}
    assert got == problems
    assert {i.id for i in report.by_status(Status.CONFIRM)} == ALWAYS | confirms


def items(report):
    return {i.id: i for i in report.items}


def test_example_a_suggests_us_tam_and_flags_simon():
    """A (002_59a801b964a2a19e.txt:2406, :2416): C14 INFO suggests US TAM; approver is Simon."""
    report = check(CASES[0][1], role("TAM"), TEAM, TODAY, OPTIONS)
    assert items(report)["C14"].status is Status.INFO
    assert "US TAM" in items(report)["C14"].reason
    assert report.approver == "Flag to Simon"
    assert report.transition == "TAE → TAM"


def test_example_b_suggests_eu_csm():
    report = check(CASES[1][1], role("CSM"), TEAM, TODAY, OPTIONS)
    assert "EU CSM" in items(report)["C14"].reason
    assert items(report)["C17"].status is Status.PASS


def test_example_c_says_one_full_month():
    report = check(CASES[2][1], role("TAM"), TEAM, TODAY, OPTIONS)
    assert "1 full month since" in items(report)["X01"].reason
    assert "typically 3 months" in items(report)["X01"].reason


def test_example_d_counts_days_overdue():
    report = check(CASES[3][1], role("TAM"), TEAM, TODAY, OPTIONS)
    assert "15 days overdue" in items(report)["C05"].reason
    assert "$12,000" in items(report)["C05"].reason


def test_example_f_defaults_to_csm_effective_at_quarter_end():
    """F: no target from a TAM -> CSM (002_59a801b964a2a19e.txt:2406 row 3); removal at quarter end (:2376)."""
    report = check(CASES[5][1], None, TEAM, TODAY, OPTIONS)
    assert report.default_target and report.to_role == "CSM"
    assert "2025-06-30" in items(report)["C16"].reason
    assert items(report)["X06"].status is Status.INFO and "Simon signs off" in items(report)["X06"].reason
    assert report.approver == "TAM proposes → Simon signs off"
    assert any("2025-06-30" in s for s in report.next_steps)


def test_example_j_csm_to_tam_is_an_overlay():
    report = check(CASES[9][1], person(PRIYA), TEAM, TODAY, OPTIONS)
    it = items(report)
    assert it["X07"].status is Status.PASS and it["X08"].status is Status.PASS
    assert it["C15"].status is Status.PASS and it["C14"].status is Status.PASS
    assert it["X09"].status is Status.INFO and report.overlay
    assert not any("unassigns" in s for s in report.next_steps)  # no unassign for the overlay (002:2650)


def test_example_m_skips_c04_when_plan_missing():
    report = check(CASES[12][1], role("TAM"), TEAM, TODAY, OPTIONS)
    assert "C04" not in items(report)


def test_example_n_stale_plan_is_one_flag_only():
    report = check(CASES[13][1], role("CSM"), TEAM, TODAY, OPTIONS)
    assert "130 days" in items(report)["C04"].reason
    assert items(report)["C17"].status is Status.PASS


def test_example_o_top40_approver_is_simon_and_ben():
    report = check(CASES[14][1], role("CSM"), TEAM, TODAY, OPTIONS)
    assert report.approver == "Simon and Ben"


def test_example_p_yc_routing_replaces_expansion_checks():
    """P (002_59a801b964a2a19e.txt:2313, :72): effective ARR = 2,917 x 12; X03-X05 do not apply."""
    report = check(CASES[15][1], role("CSM"), TEAM, TODAY, OPTIONS)
    it = items(report)
    assert report.effective_arr == Decimal("35004")
    assert it["C01"].status is Status.PASS
    assert "YC role on the CS team" in it["C02"].reason
    assert not {"X03", "X04", "X05"} & set(it)


def test_example_r_unowned_is_an_allocation():
    snapshot = account("Quartz Labs", None, 25000, (R,))
    report = check(snapshot, None, TEAM, TODAY, OPTIONS)
    assert report.verdict is Verdict.NOT_A_HANDOVER
    assert "*US TAM*" in report.message and "1/3 core products" in report.message
    assert "3-month grace period" in report.message


def test_unowned_below_20k_points_to_self_serve():
    report = check(account("Tiny Co", None, 9000, (R,)), None, TEAM, TODAY, OPTIONS)
    assert report.verdict is Verdict.NOT_A_HANDOVER and "self-serve" in report.message


def test_example_s_tam_to_tae_not_allowed():
    report = check(account("Rivet Data", TARA, 50000, (R,)), role("TAE"), TEAM, TODAY, OPTIONS)
    assert report.verdict is Verdict.NOT_ALLOWED
    assert "TAM → TAE isn't a handover path" in report.message


def test_example_u_high_potential_needs_tam_intro_confirmation():
    report = check(CASES[18][1], role("TAM"), TEAM, TODAY, OPTIONS)
    assert "high potential" in items(report)["X01"].reason
    assert items(report)["X01b"].confirm_kind == "tam_intro_confirmed"


def test_example_v_over_hard_cap():
    report = check(CASES[19][1], person(SAM), TEAM, TODAY, OPTIONS)
    assert "18+7+1 = 26" in items(report)["C15"].reason


def test_example_y_eight_full_months_on_retained_track():
    report = check(CASES[22][1], role("TAM"), TEAM, TODAY, OPTIONS)
    reason = items(report)["X01"].reason
    assert "8 full months" in reason and "typically 12 months" in reason


def test_example_aa_pushes_back_to_dana():
    report = check(CASES[24][1], role("CSM"), TEAM, TODAY, OPTIONS)
    assert "talk to Dana" in items(report)["C17"].reason


def test_example_ab_boundaries_are_inclusive():
    report = check(CASES[25][1], role("TAM"), TEAM, TODAY, OPTIONS)
    it = items(report)
    assert it["C01"].status is it["X01"].status is it["C04"].status is Status.PASS
    assert "90 days" in it["C04"].reason


def test_example_ac_default_target_from_csm_is_tam():
    report = check(CASES[26][1], None, TEAM, TODAY, OPTIONS)
    assert report.default_target and report.transition == "CSM → TAM"


def test_example_ag_region_mismatch_and_capacity():
    report = check(CASES[29][1], person(LENA), TEAM, TODAY, OPTIONS)
    assert "23 ≤ 30" in items(report)["C15"].reason


def test_example_aj_stripe_unavailable_never_passes():
    report = check(CASES[30][1], role("TAM"), TEAM, TODAY, OPTIONS)
    for item_id in ("C05", "C08b"):  # never loaded, not down: the fix says how to load it (issue 16)
        assert items(report)[item_id].status.value == "WARN"
        assert items(report)[item_id].reason == "could not verify: no Stripe data for this account"
        assert items(report)[item_id].fixer == "load it with `gtmbot sync stripe`"

"""One signal at a time, at its boundaries (churn-risk.md §4.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

import pytest

from services.churn.model import Contact, Destination, Flag, Invoice, Note, Ticket
from services.churn.policy import ChurnPolicy
from services.churn.risk import assess
from services.churn.signals import evaluate_signals
from tests.churn.examples import NOW, TODAY, annual, healthy

P = ChurnPolicy()
BASE = healthy("b", "Base", "30000")


def codes(acct, now=NOW, policy=P):
    return {s.code for s in evaluate_signals(acct, now, policy).signals}


def test_healthy_default_has_no_signal_and_no_gap():
    report = evaluate_signals(BASE, NOW, P)
    assert report.signals == () and report.not_evaluated == ()
    assert assess(BASE, NOW).level == "healthy"


def test_f0_segment_alone_is_at_risk_with_10_points():
    a = assess(replace(BASE, segments=("Churn Risk",), churn_risk_flagged_at=NOW - timedelta(days=1)), NOW)
    assert a.level == "at_risk" and a.score == 10 and a.f_codes == set()


@pytest.mark.parametrize("days,fires", [(90, True), (91, False)])
def test_f1_memory_window(days, fires):
    acct = replace(BASE, flags=(Flag("evaluating_alternatives", NOW - timedelta(days=days)),))
    assert ("F1" in codes(acct)) is fires


def test_f1_cleared_fact_does_not_fire():
    acct = replace(BASE, flags=(Flag("evaluating_alternatives", NOW - timedelta(days=5),
                                     cleared_at=NOW - timedelta(days=1)),))
    assert "F1" not in codes(acct)


def test_seasonal_owner_fact_suppresses_f2_until_its_date():
    from tests.churn.examples import usage_windows

    usage = usage_windows([4000] * 8 + [2000])
    note = Flag("seasonal_explanation", NOW - timedelta(days=3), until=TODAY, note="summer break")
    assert "F2" not in codes(replace(BASE, usage=usage, flags=(note,)))
    expired = replace(note, until=TODAY - timedelta(days=1))
    assert "F2" in codes(replace(BASE, usage=usage, flags=(expired,)))


def test_optimization_note_older_than_120_days_no_longer_explains():
    from tests.churn.examples import usage_windows

    usage = usage_windows([4000] * 8 + [2000])
    old = Flag("optimization_note", NOW - timedelta(days=121))
    assert "F2" in codes(replace(BASE, usage=usage, flags=(old,)))


def test_f3_flag_without_contact_row():
    acct = replace(BASE, contacts=(), flags=(Flag("champion_left", NOW - timedelta(days=10)),))
    assert {"F3", "W6"} <= codes(acct)


def test_f3_replacement_flag_clears_it():
    acct = replace(BASE, contacts=(), flags=(Flag("champion_left", NOW - timedelta(days=10)),
                                             Flag("replacement_champion", NOW - timedelta(days=2))))
    assert "F3" not in codes(acct) and "W6" in codes(acct)


def test_role_change_is_w6_not_f3():
    acct = replace(BASE, contacts=(Contact("c@x", role="champion", status="role_changed",
                                           changed_at=NOW - timedelta(days=10)),))
    assert codes(acct) == {"W6"}


def test_old_champion_departure_with_replacement_is_quiet():
    acct = replace(BASE, contacts=(
        Contact("old@x", role="champion", status="left", changed_at=NOW - timedelta(days=200)),
        Contact("new@x", role="decision_maker", last_inbound_at=NOW - timedelta(days=150)),
    ))
    assert codes(acct) == set()


@pytest.mark.parametrize("days_late,expected", [(2, "W10"), (3, "F4")])
def test_payment_unresponsive_after_three_days(days_late, expected):
    """[INF] unresponsive = no reply for 3+ days after the payment became late."""
    failed = NOW - timedelta(days=days_late)
    acct = replace(BASE, last_customer_slack_message_at=NOW - timedelta(days=10),
                   contacts=(Contact("c@x", role="champion", last_inbound_at=NOW - timedelta(days=10)),),
                   invoices=(Invoice("in_1", "open", "card", D(100), attempt_count=1, first_failed_at=failed),))
    assert expected in codes(acct)


def test_card_invoice_without_failed_attempt_is_not_late():
    acct = replace(BASE, invoices=(Invoice("in_1", "open", "card", D(100)),))
    assert codes(acct) == set()


def test_bank_transfer_due_today_is_not_late():
    """002:3642: late once the due date has passed."""
    acct = replace(BASE, invoices=(Invoice("in_1", "open", "bank_transfer", D(100), due_date=TODAY),))
    assert codes(acct) == set()


def test_f5_from_owner_fact_and_not_full_export_tag():
    fact = replace(BASE, flags=(Flag("data_export_requested", NOW - timedelta(days=2)),))
    assert "F5" in codes(fact)
    partial = replace(BASE, tickets=(Ticket(9, NOW - timedelta(days=2), "open", None,
                                            ("data_export", "not_full_export")),))
    assert "F5" not in codes(partial)


def test_f6_gap_breaks_the_chain():
    """A missing week breaks the Poor streak (§4.4 F6)."""
    from tests.churn.examples import health

    h = health(["Good", "Poor", "Poor", "Poor", "Poor"])
    del h[min(k for k, v in h.items() if v == "Poor")]
    report = evaluate_signals(replace(BASE, health_history=h), NOW, P)
    assert report.holds("W11") and not report.holds("F6")
    assert "incomplete" in next(s for s in report.signals if s.code == "W11").evidence


def test_stale_health_is_not_evaluated():
    from tests.churn.examples import health

    old = {k - timedelta(weeks=3): v for k, v in health(["Poor"] * 4).items()}
    report = evaluate_signals(replace(BASE, health_history=old), NOW, P)
    assert "F6" in {g.code for g in report.not_evaluated} and not report.signals


@pytest.mark.parametrize("days,fires", [(13, False), (14, True)])
def test_w1_recommendation_two_weeks(days, fires):
    rec = Note("recommendation", "Do X", updated_at=NOW - timedelta(days=days), created_at=NOW - timedelta(days=days))
    assert ("W1" in codes(replace(BASE, notes=(rec,)))) is fires
    actioned = replace(rec, status="actioned")
    assert "W1" not in codes(replace(BASE, notes=(actioned,)))


@pytest.mark.parametrize("users,fires", [(2, True), (3, False), (0, True)])
def test_w3_active_users(users, fires):
    assert ("W3" in codes(replace(BASE, active_users_30d=users))) is fires


def test_w3_unknown_is_not_evaluated():
    report = evaluate_signals(replace(BASE, active_users_30d=None), NOW, P)
    assert [g.code for g in report.not_evaluated] == ["W3"]


@pytest.mark.parametrize("days,fires", [(13, False), (14, True)])
def test_w4_slack_quiet_days(days, fires):
    acct = replace(BASE, last_customer_slack_message_at=NOW - timedelta(days=days))
    assert ("W4" in codes(acct)) is fires


def test_w5_billing_visits_without_commercial_context():
    visit = replace(BASE, billing_page_views=(NOW - timedelta(days=3),))
    assert "W5" in codes(visit)
    talked = replace(visit, notes=(Note("commercial", "Annual plan call", updated_at=NOW - timedelta(days=20)),))
    assert "W5" not in codes(talked)
    old_visit = replace(BASE, billing_page_views=(NOW - timedelta(days=15),))
    assert "W5" not in codes(old_visit)


def test_w7_needs_three_and_double_the_rate():
    """3 tickets in 14 days with 20 in the prior 90 (expected 3.1, need 6.2): no spike."""
    recent = tuple(Ticket(i, NOW - timedelta(days=i + 1), "open") for i in range(3))
    prior = tuple(Ticket(100 + i, NOW - timedelta(days=15 + 4 * i), "solved") for i in range(20))
    assert "W7" not in codes(replace(BASE, tickets=recent + prior))
    assert "W7" in codes(replace(BASE, tickets=recent))
    assert "W7" not in codes(replace(BASE, tickets=recent[:2]))


def test_w8_exactly_200_is_not_paid():
    """002:8230: paid means greater than $200."""
    from tests.churn.examples import usage_windows

    usage = usage_windows([2400] * 16, extra={"session_replay": 200})
    assert "W8" in codes(replace(BASE, usage=usage))
    usage = usage_windows([2400] * 16, extra={"session_replay": 201})
    assert "W8" not in codes(replace(BASE, usage=usage))


@pytest.mark.parametrize("inapp,expected", [(0, {"F8", "W9"}), (9, {"W9"}), (10, set())])
def test_w9_f8_warehouse_thresholds(inapp, expected):
    acct = replace(BASE, destinations=(Destination("batch_export", "BigQuery"),), inapp_analysis_actions_30d=inapp)
    assert codes(acct) == expected


def test_warehouse_with_unknown_inapp_use_is_a_gap():
    acct = replace(BASE, destinations=(Destination("batch_export", "BigQuery"),))
    report = evaluate_signals(acct, NOW, P)
    assert [g.code for g in report.not_evaluated] == ["W9"] and not report.signals


def test_f8_from_owner_fact():
    acct = replace(BASE, flags=(Flag("all_analysis_external", NOW - timedelta(days=40), note="all in Looker"),))
    assert codes(acct) == {"F8"}


def test_w12_competitor_list_is_a_setting():
    acct = replace(BASE, destinations=(Destination("realtime", "Heap"),))
    assert "W12" not in codes(acct)
    assert "W12" in codes(acct, policy=replace(P, competitor_vendors=("Heap",)))


def test_warehouse_destination_with_in_app_use_is_stickiness_not_risk():
    acct = replace(BASE, destinations=(Destination("batch_export", "Snowflake"),), inapp_analysis_actions_30d=200)
    assert codes(acct) == set()


def test_w13_price_pressure_and_budget_cut_pause_cross_sell():
    acct = replace(BASE, flags=(Flag("budget_cut", NOW - timedelta(days=5)),))
    a = assess(acct, NOW)
    assert a.w_codes == {"W13"} and any("002:274" in r for r in a.dont)


def test_f7_counts_one_sided_relationship_as_negative_engagement():
    """C4 (our outreach, no reply for 30+ days) is a negative engagement signal for F7 [INF]."""
    from tests.churn.examples import annual

    acct = replace(BASE, credit=annual("2025-07-15"), contacts=(),
                   last_customer_slack_message_at=NOW - timedelta(days=5),
                   last_inbound_at=None, last_outbound_at=NOW - timedelta(days=1))
    # The Slack message 5 days ago is a customer reply, so not one-sided.
    assert "F7" not in codes(acct)
    quiet = replace(acct, slack_channel_ids=(), last_customer_slack_message_at=None)
    assert "F7" in codes(quiet)


def test_renewal_in_the_past_is_not_f7():
    from tests.churn.examples import annual

    acct = replace(BASE, credit=annual("2025-06-01"), active_users_30d=1)
    assert "F7" not in codes(acct)


def test_f7_needs_negative_engagement():
    from tests.churn.examples import annual

    assert codes(replace(BASE, credit=annual("2025-07-01"))) == set()


def test_w8_falls_back_to_paying_for_without_usage():
    one = replace(BASE, usage=(), paying_for=("session_replay",))
    three = replace(BASE, usage=(), paying_for=("session_replay", "feature_flags", "surveys"))
    assert "W8" in codes(one) and "W8" not in codes(three)
    assert "W8" not in {g.code for g in evaluate_signals(three, NOW, P).not_evaluated}


def test_w2_seasonal_when_last_year_fell_the_same_way():
    """W2 "(no seasonality)": the same 12 weeks a year earlier fell as much, so no W2."""
    from tests.churn.examples import weekly

    dip = [1000] * 8 + [800, 800, 800, 800]
    seasonal = replace(BASE, events_weekly=weekly(dip + [1000] * 40 + dip))
    fresh = replace(BASE, events_weekly=weekly([1000] * 52 + dip))
    assert "W2" not in codes(seasonal) and "W2" in codes(fresh)


def test_bank_transfer_late_and_silent_is_f4_with_its_schedule():
    acct = replace(BASE, last_customer_slack_message_at=NOW - timedelta(days=20),
                   contacts=(Contact("c@x", role="finance", last_inbound_at=NOW - timedelta(days=20)),),
                   invoices=(Invoice("in_b", "open", "bank_transfer", D(3000), due_date=TODAY - timedelta(days=5)),))
    report = evaluate_signals(acct, NOW, P)
    assert report.holds("F4") and report.late_payment.suspend_on == TODAY + timedelta(days=2)


def test_shrinking_revenue_is_context_not_a_signal():
    """C1 (002:1786): MRR down but not to zero is context only; no level change."""
    from datetime import date

    acct = replace(BASE, mrr_history={date(2025, 3, 1): D(3000), date(2025, 4, 1): D(3000), date(2025, 5, 1): D(2500)})
    a = assess(acct, NOW)
    assert a.level == "healthy" and any(c.code == "C1" for c in a.context)


def test_revenue_to_zero_without_cancellation_is_churn():
    """§4.6: adjusted MRR > 0 -> 0 in the last full month is churned from the 1st of that month."""
    from datetime import date

    acct = replace(BASE, mrr_history={date(2025, 3, 1): D(3000), date(2025, 4, 1): D(3000), date(2025, 5, 1): D(0)})
    a = assess(acct, NOW)
    assert a.level == "churned" and a.churned_at == date(2025, 5, 1) and a.has("RETRO_OVERDUE")
    startup = replace(acct, credit=replace(annual("2026-01-01"), startup_plan=True))
    assert assess(startup, NOW).level != "churned"  # mrr = 0 while on startup credits (002:72)

"""Every worked example of churn-risk.md §5 (E1-E25), as the reply and digest will see it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from services.churn.risk import assess
from tests.churn.examples import E18_NOW, NOW, examples, ts

EX = examples()

# id: (level, hard flags, counted warnings, suppressed warnings, score, escalations present, escalations absent)
EXPECTED = {
    "E1": ("at_risk", {"F2"}, set(), {"W2"}, 10, set(), {"LEADERSHIP"}),
    "E2": ("healthy", set(), set(), set(), 0, set(), set()),
    "E3": ("at_risk", {"F3"}, set(), {"W6"}, 10, {"LEADERSHIP"}, set()),
    "E4": ("watch", set(), {"W6"}, set(), 3, set(), {"LEADERSHIP"}),
    "E5": ("at_risk", {"F4"}, set(), set(), 10, {"PAYMENT_OWNER", "PAYMENT_ESC"}, {"LEADERSHIP"}),
    "E6": ("at_risk", {"F7"}, {"W3", "W4"}, set(), 16, {"LEADERSHIP"}, set()),
    "E7": ("watch", set(), {"W4"}, set(), 3, set(), {"LEADERSHIP"}),
    "E8": ("at_risk", {"F6"}, set(), set(), 10, set(), {"LEADERSHIP"}),
    "E9": ("watch", set(), {"W11"}, set(), 3, set(), set()),
    "E10": ("at_risk", {"F8"}, {"W8"}, {"W9"}, 13, set(), {"LEADERSHIP"}),
    "E11": ("at_risk", {"F5"}, set(), set(), 10, {"LEADERSHIP"}, set()),
    "E12": ("at_risk", {"F1"}, {"W12"}, set(), 13, set(), {"LEADERSHIP"}),
    "E13": ("watch", set(), {"W1", "W3", "W8"}, set(), 9, set(), set()),
    "E14": ("churned", set(), set(), set(), 0, {"RETRO_DUE"}, set()),
    "E15": ("healthy", set(), set(), set(), 0, set(), set()),
    "E16": ("at_risk", {"F2"}, set(), set(), 10, {"LEADERSHIP"}, set()),
    "E17": ("watch", set(), {"W7"}, set(), 3, set(), set()),
    "E18": ("healthy", set(), set(), set(), 0, set(), set()),
    "E19": ("at_risk", {"F2"}, set(), set(), 10, {"STALE"}, {"CALL_DUE", "CALL_OVERDUE", "LEADERSHIP"}),
    "E20": ("watch", set(), {"W10"}, set(), 3, set(), set()),
    "E21": ("at_risk", {"F2"}, set(), set(), 10, set(), {"LEADERSHIP"}),
    "E22": ("watch", set(), {"W4"}, set(), 3, set(), set()),
    "E23": ("healthy", set(), set(), set(), 0, set(), set()),
    "E24": ("healthy", set(), set(), set(), 0, set(), set()),
    "E25": ("watch", set(), {"W8"}, set(), 3, set(), set()),
}


def run(example: str):
    return assess(EX[example], E18_NOW if example == "E18" else NOW)


@pytest.mark.parametrize("example", sorted(EXPECTED, key=lambda k: int(k[1:])))
def test_worked_example(example):
    """churn-risk.md §5: level, signals, score and escalations of each worked example."""
    level, hard, warn, suppressed, score, esc_in, esc_out = EXPECTED[example]
    a = run(example)
    assert a.level == level
    assert a.f_codes == hard
    assert a.w_codes == warn
    assert {s.code for s in a.report.signals if s.suppressed_by} == suppressed
    assert a.score == score
    codes = {e.code for e in a.escalations}
    assert esc_in <= codes
    assert not (esc_out & codes)


def test_e1_usage_drop_evidence_and_cross_sell_pause():
    """E1: usage −34 % on a $4,000 baseline; W2 shown as evidence; cross-sell paused (002:278)."""
    a = run("E1")
    f2 = next(s for s in a.report.signals if s.code == "F2")
    assert "−34.0%" in f2.evidence and "$2,640" in f2.evidence and "$4,000" in f2.evidence
    assert f2.cite == "002:11495"
    assert any("002:278" in reason for reason in a.dont)


def test_e2_seasonal_context():
    a = run("E2")
    assert any("−38.0% explained by seasonality (YoY −35.0%)" in c.text for c in a.context)


def test_e2_without_year_earlier_history_would_flag():
    """The same drop with only 10 months of history has no YoY explanation: F2 (E1's rule)."""
    acct = EX["E2"]
    cutoff = NOW.date() - timedelta(days=300)
    short = replace(acct, usage=tuple(r for r in acct.usage if r.period >= cutoff))
    assert "F2" in assess(short, NOW).f_codes


def test_e3_team_lead_leans_in_over_100k():
    assert any("002:12721" in c.cite for c in run("E3").context)


def test_e4_cross_sell_paused_for_champion():
    assert any("002:280" in reason for reason in run("E4").dont)


def test_e5_failed_payment_schedule_and_tags():
    """E5: Simon (no owner) and Dana (unmanaged, ≥ $1,500) tagged; notice 06-03, suspend 06-04, cancel 06-11."""
    a = run("E5")
    late = a.report.late_payment
    assert late is not None and not late.responsive
    assert (late.notice_on, late.suspend_on, late.cancel_on) == (date(2025, 6, 3), date(2025, 6, 4), date(2025, 6, 11))
    assert [p.label for p in a.tagged] == ["Simon", "Dana"]
    step = next(s for s in a.next_steps if s.kind == "payment")
    assert step.due == date(2025, 6, 3)
    assert "2025-06-04" in step.text and "2025-06-11" in step.text


def test_e6_early_renewal_window_closes_today():
    a = run("E6")
    assert a.report.days_to_renewal == 60
    assert any("closes today" in c.text for c in a.context)
    f7 = next(s for s in a.report.signals if s.code == "F7")
    assert "(W3, W4)" in f7.evidence


def test_e7_only_at_risk_escalates():
    a = run("E7")
    assert a.report.days_to_renewal == 120 and not a.has("LEADERSHIP")


def test_e12_save_deal_note():
    assert any("002:4558-4564" == c.cite for c in run("E12").context)


def test_e13_suggests_flag():
    a = run("E13")
    assert a.suggest_flag
    assert a.next_steps[0].kind == "flag" and a.next_steps[0].cite == "002:11511"


def test_e13_three_active_users_removes_w3_and_the_suggestion():
    """§5 edge: active_users_30d == 3 leaves 2 warnings and no suggest_flag."""
    a = assess(replace(EX["E13"], active_users_30d=3), NOW)
    assert a.w_codes == {"W1", "W8"} and not a.suggest_flag


def test_e14_churned_retro_due():
    a = run("E14")
    assert a.churned_at == date(2025, 5, 30)
    retro = next(s for s in a.next_steps if s.kind == "retro")
    assert retro.due == date(2025, 6, 6)


def test_e15_spike_is_adjusted_before_f2():
    """E15: $6,000 is a spike, replaced by $2,100: baseline $2,100, recent +9.5 %."""
    a = run("E15")
    assert a.report.usage is not None
    assert a.report.usage.baseline == Decimal("2100")
    assert a.report.usage.spike_adjusted
    assert round(float(-a.report.usage.drop) * 100, 1) == 9.5


def test_e16_uses_usage_value_not_billed_mrr():
    a = run("E16")
    assert a.report.usage is not None and a.report.usage.baseline == Decimal("9000")
    assert all(v == Decimal("8000") for _, v, _ in a.mrr_recent)  # billed MRR flat, yet F2
    assert "−32.2%" in next(s for s in a.report.signals if s.code == "F2").evidence


def test_e17_ticket_spike_pauses_cross_sell():
    a = run("E17")
    assert "expected 1.4" in next(s for s in a.report.signals if s.code == "W7").evidence
    assert any("002:268" in r for r in a.dont)


def test_e18_pending_in_june_adjusted_in_july():
    """E18: as of 2025-06-02 May is pending adjustment (not churned); as of 2025-07-02 May = $5,000."""
    acct = EX["E18"]
    june = replace(acct, mrr_history={k: v for k, v in acct.mrr_history.items() if k < date(2025, 6, 1)})
    a_june = assess(june, NOW)
    assert a_june.level != "churned" and a_june.pending_adjustment
    a_july = run("E18")
    may = dict((m, v) for m, v, _ in a_july.mrr_recent)[date(2025, 5, 1)]
    assert may == Decimal("5000") and not a_july.pending_adjustment


def test_e19_stale_step():
    a = run("E19")
    assert next(e for e in a.escalations if e.code == "STALE").label.startswith("STALE 5w")
    assert any(s.kind == "stale" and s.cite == "002:11547" for s in a.next_steps)


def test_e19_improved_score_is_not_stale():
    """[INF §4.5] a lower score than at flag time counts as improvement."""
    from services.churn.model import Evaluation

    acct = replace(EX["E19"], history=(Evaluation(ts("2025-04-28T09:00:00Z"), "at_risk", frozenset({"F0", "F2"}), 13),))
    assert not assess(acct, NOW).has("STALE")


def test_e20_vs_e5_reply_decides():
    """E5 vs E20: the deciding input is a customer reply after the late date."""
    acct = EX["E20"]
    silent = replace(acct, contacts=tuple(replace(c, last_inbound_at=ts("2025-05-19T10:00:00Z")) for c in acct.contacts))
    a = assess(silent, NOW)
    assert a.f_codes == {"F4"} and a.level == "at_risk"


def test_e21_exact_boundaries():
    """E21: 2,800/4,000 is exactly 30 % (F2, inclusive); ARR $50,000 is not > $50k."""
    a = run("E21")
    assert a.report.usage.drop == Fraction(3, 10)
    assert "−30.0%" in next(s for s in a.report.signals if s.code == "F2").evidence


def test_e22_renewal_boundary():
    """E22: 90 days is not < 90; 89 days gives F7."""
    acct = EX["E22"]
    assert "F7" not in run("E22").f_codes
    earlier = replace(acct, credit=replace(acct.credit, term_end=date(2025, 8, 30)))
    assert "F7" in assess(earlier, NOW).f_codes


def test_e23_no_channel_is_not_evaluated():
    a = run("E23")
    assert [(g.code, g.reason) for g in a.report.not_evaluated] == [("W4", "no shared Slack channel")]


def test_e24_optimization_context():
    assert any("−40.0% after documented optimization" in c.text for c in run("E24").context)


def test_e25_first_30_days_and_grace():
    a = run("E25")
    assert any("002:272" in r for r in a.dont)
    assert {c.code for c in a.context} >= {"FIRST30", "GRACE"}


@pytest.mark.parametrize("weeks,expected", [(3, "W11"), (4, "F6")])
def test_e8_e9_poor_weeks_boundary(weeks, expected):
    """E9 vs E8: 3 Poor weeks gives W11; 4 gives F6."""
    from tests.churn.examples import health

    acct = replace(EX["E8"], health_history=health(["Good"] * 5 + ["Poor"] * weeks))
    assert expected in {s.code for s in assess(acct, NOW).report.signals}


def test_not_a_clock_read():
    """Services take `now`: the same snapshot evaluated a week later moves the deadlines with it."""
    later = datetime(2025, 6, 9, 9, 0, tzinfo=UTC)
    a = assess(EX["E14"], later)
    assert a.has("RETRO_OVERDUE")

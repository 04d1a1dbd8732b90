"""The weekly digest as data (churn-risk.md §4.8), over the §5 accounts as of 2025-06-02.

The spec's sample assumes only Sol Partners was at risk at the previous digest. Tests assert
computed counts, sums and order, not the sample string.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

from services.churn.digest import PreviousDigest, build_digest, dedupe_key, iso_week, own_book, owner_books
from services.churn.model import Evaluation
from services.churn.risk import assess
from tests.churn.examples import NOW, examples, healthy

EX = {k: v for k, v in examples().items() if k != "E18"}  # E18 is evaluated in July
#: The spec's sample assumes a previous digest (2025-W22) at which only Sol Partners was at risk.
PREVIOUS = PreviousDigest("2025-W22", NOW - timedelta(days=7))
DIGEST = build_digest([assess(a, NOW) for a in EX.values()], NOW, previous=PREVIOUS)


def names(lines):
    return [line.name for line in lines]


def test_header_counts_and_arr():
    """11 at risk, $634,800 ARR; 8 watch; 1 churned; 10 new at risk; 0 recovered."""
    assert DIGEST.week == "2025-W23"
    assert DIGEST.at_risk_count == 11 and DIGEST.at_risk_arr == D("634800")
    assert DIGEST.watch_count == 8 and len(DIGEST.churned) == 1
    assert DIGEST.new_at_risk == 10 and DIGEST.recovered == ()


def test_escalations_first_then_arr_desc():
    assert names(DIGEST.escalate) == ["Cobalt Fintech", "Pulse Credit", "Fjord Media", "Juno AI", "Sol Partners"]
    assert names(DIGEST.at_risk) == ["Vega Tools", "Acme Analytics", "Iris Data", "Helix SaaS", "Kite Mobility",
                                     "Ember Health"]
    assert names(DIGEST.watch) == ["Tango Retail", "Gamma Robotics", "Quartz Labs", "Dune Labs", "Indigo Cloud",
                                   "Zenith", "Lumen Dev", "Willow Apps"]
    assert names(DIGEST.churned) == ["Nova Games"]


def test_tags_owner_leadership_and_unmanaged_payment():
    by_name = {line.name: line for line in DIGEST.escalate + DIGEST.at_risk}
    assert [p.label for p in by_name["Cobalt Fintech"].tagged] == ["ana", "Ben", "Simon"]
    assert [p.label for p in by_name["Ember Health"].tagged] == ["Simon", "Dana"]
    assert [p.label for p in by_name["Vega Tools"].tagged] == ["jo"]  # $50,000 is not > $50k


def test_new_badge_and_stale_line():
    sol = next(line for line in DIGEST.escalate if line.name == "Sol Partners")
    assert not sol.is_new and any(b.startswith("STALE 5w") for b in sol.badges)
    assert sol.next_step == "escalate or accept loss + document"
    assert all(line.is_new for line in DIGEST.escalate + DIGEST.at_risk if line.name != "Sol Partners")


def test_ember_next_step_is_the_suspension_notice():
    ember = next(line for line in DIGEST.at_risk if line.name == "Ember Health")
    assert ember.next_due == date(2025, 6, 3) and "suspended tomorrow" in ember.next_step


def test_churned_line_has_retro_due():
    nova = DIGEST.churned[0]
    assert nova.next_due == date(2025, 6, 6) and "retro" in nova.next_step


def test_suggest_flag_badge_on_lumen():
    lumen = next(line for line in DIGEST.watch if line.name == "Lumen Dev")
    assert ":warning: suggest flag" in lumen.badges


def test_data_gaps_list_unlisted_accounts_only():
    assert [(g.name, g.reasons, g.kinds) for g in DIGEST.data_gaps] == [
        ("Xylo", ("no shared Slack channel, W4 not evaluated",), ("no_slack_channel",))]


def test_owner_books_group_each_owners_accounts_worst_first():
    books = {b.owner.label: b for b in owner_books(DIGEST)}
    assert [(s, line.name) for s, line in books["sam"].lines] == [
        ("at_risk", "Acme Analytics"), ("watch", "Gamma Robotics"), ("watch", "Zenith")]
    assert [line.name for _, line in books["Simon"].lines] == ["Ember Health"]  # no owner (002:3648)
    assert sum(len(b.lines) for b in books.values()) == 11 + 8 + 1


def test_scope_excludes_small_ownerless_and_old_churn():
    small = healthy("s", "Small", "5000", owner_name=None, active_users_30d=1)
    old = replace(EX["E14"], canceled_at=NOW - timedelta(days=8))
    digest = build_digest([assess(small, NOW), assess(old, NOW)], NOW)
    assert digest.is_empty


def test_ownerless_big_account_is_in_scope_and_tagged_to_simon():
    big = healthy("o", "Ownerless", "25000", owner_name=None, active_users_30d=1)
    digest = build_digest([assess(big, NOW)], NOW)
    assert [p.label for p in digest.watch[0].tagged] == ["Simon"]


def test_recovered_account():
    """At risk at the last digest on data alone (F2, not in the segment), now no hard flag and no
    W2: no longer at risk, listed as recovered (§4.5)."""
    prev = (Evaluation(NOW - timedelta(days=7), "at_risk", frozenset({"F2"}), 10),)
    a = assess(healthy("r", "Recovering", "40000", history=prev), NOW)
    assert a.level == "healthy" and a.recovered and not a.suggest_unflag
    digest = build_digest([a], NOW)
    assert names(digest.recovered) == ["Recovering"] and digest.at_risk_count == 0


def test_in_the_segment_is_at_risk_until_someone_removes_it():
    """In the Churn Risk segment means at risk (§1.1 F0, §4.5): with its F2 gone and no recovery call,
    the account stays at risk, in the count and ARR, with the overdue call, not "recovered"."""
    prev = (Evaluation(NOW - timedelta(days=7), "at_risk", frozenset({"F0", "F2"}), 10),)
    acct = healthy("r", "Still Flagged", "40000", segments=("Churn Risk",),
                   churn_risk_flagged_at=NOW - timedelta(days=20), history=prev)
    a = assess(acct, NOW)
    assert a.level == "at_risk" and not a.recovered and not a.suggest_unflag and a.has("CALL_OVERDUE")
    assert "unflag" not in [s.kind for s in a.next_steps]
    digest = build_digest([a], NOW)
    assert digest.recovered == () and digest.at_risk_count == 1 and digest.at_risk_arr == D("40000")
    assert names(digest.at_risk) == ["Still Flagged"] and digest.at_risk[0].next_step == "recovery call"


def test_segment_with_cleared_signals_and_a_call_suggests_removing_it():
    """Its data-driven flag cleared and the recovery call logged: still at risk (the bot never removes
    the segment, 002:11515), and the owner is asked to consider removing it (002:11578)."""
    from services.churn.model import Note

    prev = (Evaluation(NOW - timedelta(days=7), "at_risk", frozenset({"F0", "F2"}), 10),)
    call = Note("recovery_call", "Call", updated_at=NOW - timedelta(days=18), created_at=NOW - timedelta(days=18))
    acct = healthy("r", "Saved", "40000", segments=("Churn Risk",), notes=(call,),
                   churn_risk_flagged_at=NOW - timedelta(days=20), history=prev)
    a = assess(acct, NOW)
    assert a.level == "at_risk" and a.suggest_unflag and not a.recovered
    assert a.next_steps[0].kind == "unflag"
    digest = build_digest([a], NOW)
    assert digest.recovered == () and digest.at_risk_count == 1
    assert digest.at_risk[0].next_step == "consider removing the Churn Risk segment"


def test_flagged_by_hand_only_gets_no_unflag_suggestion():
    """Flagged on the owner's judgement alone (F0, no data flag ever): nothing cleared, nothing to suggest."""
    from services.churn.model import Note

    prev = (Evaluation(NOW - timedelta(days=7), "at_risk", frozenset({"F0"}), 10),)
    call = Note("recovery_call", "Call", updated_at=NOW - timedelta(days=18), created_at=NOW - timedelta(days=18))
    acct = healthy("r", "Hunch", "40000", segments=("Churn Risk",), notes=(call,),
                   churn_risk_flagged_at=NOW - timedelta(days=20), history=prev)
    a = assess(acct, NOW)
    assert a.level == "at_risk" and not a.suggest_unflag and not a.recovered


def test_dedupe_key_per_week_and_channel():
    assert iso_week(date(2025, 6, 2)) == "2025-W23" and iso_week(date(2024, 12, 30)) == "2025-W01"
    assert dedupe_key("2025-W23", "C0CHURN") == "churn-digest:2025-W23:C0CHURN"


def test_own_book_worst_first():
    book = own_book([assess(EX[k], NOW) for k in ("E2", "E13", "E1", "E14", "E6")])
    assert [a.account.name for a in book] == ["Fjord Media", "Acme Analytics", "Nova Games", "Lumen Dev",
                                              "Borealis Learning"]


def test_missing_data_is_not_recovery():
    """An F2 account whose usage stopped syncing is not "recovered": its flag was not evaluated."""
    from tests.churn.examples import usage_windows

    prev = (Evaluation(NOW - timedelta(days=7), "at_risk", frozenset({"F2"}), 10),)
    acct = healthy("r", "Gap", "40000", history=prev,
                   usage=usage_windows([4000] * 8, NOW.date() - timedelta(days=31)))
    assert not assess(acct, NOW).recovered


def _daily(per_day: int, first: date, last: date):
    from services.churn.model import UsageRow

    out, day = [], first
    while day <= last:  # three paid products (> $200 a month each), so W8 stays quiet
        out += [UsageRow("product_analytics", day, D(per_day)), UsageRow("session_replay", day, D(10)),
                UsageRow("feature_flags", day, D(10))]
        day += timedelta(days=1)
    return tuple(out)


def test_stale_usage_feed_is_not_a_drop():
    """Flat usage whose feed stopped 12 days ago: the missing days are not zero, so no F2; the drop is
    measured up to the last day with data, and the staleness is said (reply context, digest gap)."""
    today = NOW.date()
    acct = healthy("s", "Stale Feed", "30000", usage=_daily(80, today - timedelta(days=160), today - timedelta(days=13)))
    a = assess(acct, NOW)
    assert a.level == "healthy" and not a.report.holds("F2")
    assert a.report.usage is not None and a.report.usage.drop == 0
    assert a.report.usage_stale == today - timedelta(days=13)
    assert any(c.code == "DATA" and "nothing after 2025-05-20 (12 days)" in c.text for c in a.context)
    digest = build_digest([a], NOW)
    assert digest.data_gaps[0].reasons == ("usage data stale after 2025-05-20",)


def test_a_real_drop_before_the_feed_stopped_still_counts():
    """Usage halved in the last 30 days up to the last day with data: F2 holds, measured to that day."""
    today = NOW.date()
    last = today - timedelta(days=5)
    rows = _daily(80, last - timedelta(days=150), last - timedelta(days=30)) + _daily(40, last - timedelta(days=29), last)
    a = assess(healthy("h", "Halved", "30000", usage=rows), NOW)
    f2 = next(s for s in a.report.signals if s.code == "F2")
    assert a.level == "at_risk" and "30d to 2025-05-28" in f2.evidence and "−40.0%" in f2.evidence
    assert a.report.usage_stale == last
    assert "usage data stale after 2025-05-28" in build_digest([a], NOW).at_risk[0].reasons


def test_a_one_day_lag_is_not_reported_stale():
    today = NOW.date()
    a = assess(healthy("l", "Lagging", "30000", usage=_daily(80, today - timedelta(days=160), today - timedelta(days=2))), NOW)
    assert a.level == "healthy" and a.report.usage_stale is None and a.report.usage.drop == 0

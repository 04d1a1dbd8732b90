"""CB-FIRE: when CreditBot alerts, re-alerts and goes quiet. Spec billing-alerts.md §6.1 C1, C7-C10, C16, C17."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.billing.runway import (
    AlertKind,
    CloseReason,
    CreditCustomer,
    CreditSnapshot,
    Episode,
    FireParams,
    RanOutInvoice,
    RunwayParams,
    Status,
    UsageInvoice,
    add_months,
    compute_runway,
    creditbot_mentions,
    decide_alert,
)

T_END = date(2027, 1, 1)
FIRE = FireParams()


def month(year: int, mon: int, total: str) -> UsageInvoice:
    start = date(year, mon, 1)
    return UsageInvoice(f"in_{year}{mon:02d}", start, add_months(start, 1), Decimal(total))


def acme(balance: str) -> CreditCustomer:
    return CreditCustomer("cus_ACME", "Acme Inc", Decimal(balance), T_END, term_start=date(2026, 1, 1), term_months=12)


def run(today, balance, usage, episode, snapshot, used_since=None, ran_out_invoice=None):
    runway = compute_runway(acme(balance), usage, today, RunwayParams())
    return decide_alert(runway, Decimal(balance), T_END, snapshot, episode, FIRE, used_since, ran_out_invoice)


C1_USAGE = [month(2026, 2, "13000"), month(2026, 3, "14000"), month(2026, 4, "15000")]


def c1():
    return run(date(2026, 5, 10), "66000", C1_USAGE, None, None)


def test_c1_first_alert_opens_episode_one():
    d = c1()
    assert d.alert is not None and d.alert.kind is AlertKind.FIRST
    assert d.alert.dedupe_key == "creditbot:cus_ACME:2027-01-01:1:first"
    assert d.episode.episode_no == 1 and d.episode.last_alert_run_out == date(2026, 9, 17)


def test_c7_next_day_same_run_out_is_quiet():
    first = c1()
    snap = CreditSnapshot(Decimal("66000"), T_END, date(2026, 5, 10))
    d = run(date(2026, 5, 11), "66000", C1_USAGE, first.episode, snap)
    assert d.alert is None and d.closed is None and d.episode.is_open


def test_c8_run_out_52_days_sooner_re_alerts():
    first = c1()
    snap = CreditSnapshot(Decimal("50000"), T_END, date(2026, 6, 7))
    usage = [month(2026, 3, "14000"), month(2026, 4, "15000"), month(2026, 5, "30000")]
    d = run(date(2026, 6, 8), "36000", usage, first.episode, snap, used_since=Decimal("14000"))
    assert d.alert is not None and d.alert.kind is AlertKind.ACCEL
    assert d.alert.runway.run_out == date(2026, 7, 27)
    assert d.alert.days_sooner == 52
    assert d.alert.runway.expansion_window_open  # D < half_end 2026-07-01
    assert d.alert.dedupe_key == "creditbot:cus_ACME:2027-01-01:1:accel:2026-07-27"
    assert d.episode.last_alert_run_out == date(2026, 7, 27)


def test_c8b_only_six_days_sooner_stays_quiet():
    first = c1()
    snap = CreditSnapshot(Decimal("50000"), T_END, date(2026, 6, 7))
    usage = [month(2026, 3, "14000"), month(2026, 4, "15000"), month(2026, 5, "16000")]
    d = run(date(2026, 6, 8), "50000", usage, first.episode, snap)
    assert d.alert is None
    assert compute_runway(acme("50000"), usage, date(2026, 6, 8), RunwayParams()).run_out == date(2026, 9, 11)


C8_USAGE = [month(2026, 3, "14000"), month(2026, 4, "15000"), month(2026, 5, "30000")]


def c8_episode():
    return Episode("cus_ACME", T_END, 1, date(2026, 5, 10), last_alert_run_out=date(2026, 7, 27))


def test_c9a_top_up_closes_the_episode_and_credit_now_lasts():
    snap = CreditSnapshot(Decimal("36000"), T_END, date(2026, 6, 20))
    d = run(date(2026, 6, 21), "156000", C8_USAGE, c8_episode(), snap)
    assert d.closed is not None and d.closed.close_reason is CloseReason.CREDIT_ADDED
    assert d.alert is None and d.episode is None
    assert compute_runway(acme("156000"), C8_USAGE, date(2026, 6, 21), RunwayParams()).run_out == date(2027, 1, 30)


def test_c9b_smaller_top_up_closes_and_opens_a_new_episode_with_a_new_key():
    snap = CreditSnapshot(Decimal("36000"), T_END, date(2026, 6, 20))
    d = run(date(2026, 6, 21), "96000", C8_USAGE, c8_episode(), snap)
    assert d.closed.close_reason is CloseReason.CREDIT_ADDED
    assert d.alert.kind is AlertKind.FIRST
    assert d.alert.runway.run_out == date(2026, 10, 28)
    assert d.alert.dedupe_key == "creditbot:cus_ACME:2027-01-01:2:first"


def test_c10_ran_out_alert_once_then_nothing():
    episode = Episode("cus_ACME", T_END, 1, date(2026, 10, 5), last_alert_run_out=date(2026, 11, 20))
    snap = CreditSnapshot(Decimal("4000"), T_END, date(2026, 11, 1))
    inv = RanOutInvoice(date(2026, 11, 1), credit_used=Decimal("4000"), amount_billed=Decimal("8000"))
    usage = [month(2026, 8, "9300"), month(2026, 9, "9000"), month(2026, 10, "12000")]
    d = run(date(2026, 11, 2), "0", usage, episode, snap, ran_out_invoice=inv)
    assert d.alert.kind is AlertKind.RAN_OUT
    assert d.alert.dedupe_key == "creditbot:cus_ACME:2027-01-01:1:ran_out"
    assert d.alert.ran_out_invoice == inv
    next_day = run(date(2026, 11, 3), "0", usage, d.episode, CreditSnapshot(Decimal("0"), T_END, date(2026, 11, 2)))
    assert next_day.alert is None


def test_ran_out_without_an_earlier_alert_still_tells_the_owner_once():
    snap = CreditSnapshot(Decimal("500"), T_END, date(2026, 11, 1))
    d = run(date(2026, 11, 2), "0", C1_USAGE, None, snap)
    assert d.alert.kind is AlertKind.RAN_OUT and d.episode.episode_no == 1


def test_term_end_change_closes_the_episode():
    first = c1()
    runway = compute_runway(acme("66000"), C1_USAGE, date(2026, 5, 11), RunwayParams())
    renewed = date(2028, 1, 1)
    d = decide_alert(runway, Decimal("66000"), renewed, None, first.episode, FIRE)
    assert d.closed.close_reason is CloseReason.TERM_CHANGED


def test_thirty_ok_days_close_the_episode():
    episode = Episode("cus_ACME", T_END, 1, date(2026, 5, 10), last_alert_run_out=date(2026, 9, 17), ok_days=30)
    usage = [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")]
    d = run(date(2026, 6, 10), "90000", usage, episode, None)
    assert d.closed.close_reason is CloseReason.RECOVERED


def test_ok_days_count_up_and_reset_on_alert():
    episode = Episode("cus_ACME", T_END, 1, date(2026, 5, 10), last_alert_run_out=date(2026, 9, 17), ok_days=3)
    usage = [month(2026, 2, "10000"), month(2026, 3, "10000"), month(2026, 4, "10000")]
    assert run(date(2026, 5, 12), "90000", usage, episode, None).episode.ok_days == 4
    assert run(date(2026, 5, 12), "66000", C1_USAGE, episode, None).episode.ok_days == 0


def test_c16_no_owner_tags_simon():
    assert creditbot_mentions(None, ("U_SIMON",)) == ("U_SIMON",)
    assert creditbot_mentions("U_ALICE", ("U_SIMON",)) == ("U_ALICE",)


def test_c17_same_inputs_give_the_same_dedupe_key():
    """C17: a second run of the same day decides the same key, so the outbox keeps one message."""
    assert c1().alert.dedupe_key == c1().alert.dedupe_key


@given(
    burns=st.lists(st.integers(min_value=1_000, max_value=60_000), min_size=30, max_size=120),
)
def test_alerts_per_episode_are_bounded(burns):
    """Property (spec §2.6): within one episode each re-alert needs R >= 30 days earlier, so a
    daily scan of any usage pattern sends at most 1 + (term length / 30) + 1 alerts."""
    today = date(2026, 2, 1)
    credit = Decimal("400000")
    usage: list[UsageInvoice] = []
    episode = None
    snapshot = None
    alerts = 0
    for i, amount in enumerate(burns):
        start = add_months(date(2026, 1, 1), i)
        if start >= T_END:
            break
        inv = UsageInvoice(f"in_{i}", start, add_months(start, 1), Decimal(amount))
        usage.append(inv)
        used = min(credit, Decimal(amount))
        credit -= used
        today = inv.period_end + timedelta(days=1)
        if today >= T_END:
            break
        runway = compute_runway(acme(str(credit)), usage, today, RunwayParams())
        d = decide_alert(runway, credit, T_END, snapshot, episode, FIRE, used_since=used)
        assert d.closed is None  # usage alone never looks like a top-up
        episode = d.episode or episode
        alerts += d.alert is not None
        snapshot = CreditSnapshot(credit, T_END, today)
        if runway.status is Status.NO_CREDIT:
            break
    assert alerts <= 1 + 365 // 30 + 1

"""Failed and late payments on a fixed clock: spec billing-alerts.md §6.2 worked examples P1-P19.

`Sim` plays the job: each tick hands the service what Stripe shows at that moment and records
the messages by dedupe key, as the outbox does (a key already recorded is never sent again)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing.payment_escalation import (
    AccountContext,
    CaseStatus,
    EscalationParams,
    ExtensionError,
    InvoiceFacts,
    MessageKind,
    Step,
    StepState,
    backlog_summary,
    cancel,
    consecutive_missed,
    extend,
    late_day,
    open_case,
    reconcile,
    responsible_for,
    step_dates,
    validate_extension,
)

PARAMS = EscalationParams(unmanaged_large_ids=("U_SIMON", "U_DANA"), no_owner_ids=("U_SIMON",))
ALICE = AccountContext("Birch Labs", owner_slack_id="U_ALICE", owner_role="TAM", billing_email="billing@birch.example")
NO_OWNER = AccountContext("Birch Labs")


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


P1_FIRST_FAILED = at(3, 1, 10)
P1_NEXT_ATTEMPT = at(3, 4, 10)


def card(amount="820.00", attempts=1, first=P1_FIRST_FAILED, next_at=P1_NEXT_ATTEMPT, status="open", **kw) -> InvoiceFacts:
    fields = dict(
        invoice_id="in_P1", customer_id="cus_BIRCH", status=status, payment_method="card",
        amount_due=Decimal(amount), amount_remaining=Decimal(amount) if status == "open" else Decimal(0),
        number="2F3A-0012", attempt_count=attempts, first_failed_at=first if attempts else None,
        finalized_at=at(3, 1, 9), next_payment_attempt=next_at, subscription_id="sub_BIRCH",
        hosted_invoice_url="https://invoice.stripe.com/i/P1",
    )
    fields.update(kw)
    return InvoiceFacts(**fields)


def bank(amount="60000.00", due=date(2026, 2, 14), status="open", paid="0", **kw) -> InvoiceFacts:
    remaining = Decimal(amount) - Decimal(paid) if status == "open" else Decimal(0)
    fields = dict(
        invoice_id="in_P7", customer_id="cus_CEDAR", status=status, payment_method="bank_transfer",
        amount_due=Decimal(amount), amount_remaining=remaining, amount_paid=Decimal(paid), number="CEDAR-0001",
        due_date=due, invoice_pdf="https://pay.stripe.com/invoice/P7/pdf",
    )
    fields.update(kw)
    return InvoiceFacts(**fields)


class Sim:
    """The job loop in miniature: open or reconcile, then record messages once per dedupe key."""

    def __init__(self, account=ALICE, params=PARAMS, history=(), usage=()):
        self.account, self.params, self.history, self.usage = account, params, history, usage
        self.case = None
        self.sent: list[tuple[datetime, object]] = []
        self.keys: set[str] = set()

    def tick(self, now: datetime, *invoices: InvoiceFacts):
        if self.case is None:
            out = open_case(invoices, self.account, now, self.params, self.history, self.usage)
        else:
            out = reconcile(self.case, invoices, now, self.params)
        self.case = out.case
        new = [m for m in out.messages if m.dedupe_key not in self.keys]
        for m in new:
            self.keys.add(m.dedupe_key)
            self.sent.append((now, m))
        return new

    def kinds(self):
        return [(when.date(), m.kind.value, m.facts.get("step") or m.facts.get("attempt")) for when, m in self.sent]


def test_p1_root_tags_the_owner_with_attempt_and_schedule():
    sim = Sim()
    [root] = sim.tick(at(3, 1, 10), card())
    assert root.kind is MessageKind.ROOT and root.dedupe_key == "pay:in_P1:root"
    assert root.mentions == ("U_ALICE",)
    f = root.facts
    assert (f["attempt"], f["max_attempts"], f["next_attempt_on"]) == (1, 4, date(2026, 3, 4))
    assert (f["suspend_on"], f["cancel_on"]) == (date(2026, 3, 8), date(2026, 3, 15))
    assert f["amount"] == Decimal("820.00") and f["kind"] == "payg"
    dates = {row.step: row.due_on for row in sim.case.steps}
    assert dates == {Step.STEP2: date(2026, 3, 7), Step.STEP3: date(2026, 3, 8),
                     Step.STEP4: date(2026, 3, 14), Step.STEP5: date(2026, 3, 15)}


@pytest.mark.parametrize(
    "example, amount, tagged, reason",
    [
        ("P2", "2400.00", ("U_SIMON", "U_DANA"), "unmanaged_large"),
        ("P3", "300.00", ("U_SIMON",), "no_owner"),
        ("P4", "1500.00", ("U_SIMON", "U_DANA"), "unmanaged_large"),  # "$1500 or more" is inclusive
    ],
)
def test_p2_p4_unmanaged_accounts_tag_simon_and_dana_from_1500(example, amount, tagged, reason):
    sim = Sim(account=NO_OWNER)
    [root] = sim.tick(at(3, 1, 10), card(amount))
    assert root.mentions == tagged, example
    assert root.facts["responsible_reason"] == reason


def test_p5_payment_on_attempt_3_closes_before_step_2():
    sim = Sim()
    sim.tick(at(3, 1, 10), card())
    [reply] = sim.tick(at(3, 4, 10), card(attempts=2, next_at=at(3, 6, 10)))
    assert reply.kind is MessageKind.ATTEMPTS and reply.facts["attempt"] == 2
    [paid] = sim.tick(at(3, 6, 10), card(attempts=2, status="paid", paid_at=at(3, 6, 10)))
    assert paid.kind is MessageKind.RESOLVED and paid.facts["resolution"] == "paid"
    assert paid.facts["on"] == date(2026, 3, 6) and not paid.facts["suspended"]
    assert sim.tick(at(3, 7, 12), card(attempts=2, status="paid", paid_at=at(3, 6, 10))) == []
    assert len(sim.sent) == 3 and sim.case.status is CaseStatus.RESOLVED


def p6_invoice(day: date) -> InvoiceFacts:
    """Attempts fail on 1, 4, 6 and 9 March; the 4th has no next attempt."""
    fails = [(date(2026, 3, 1), at(3, 4, 10)), (date(2026, 3, 4), at(3, 6, 10)),
             (date(2026, 3, 6), at(3, 9, 10)), (date(2026, 3, 9), None)]
    done = [f for f in fails if f[0] <= day]
    last_day, next_at = done[-1]
    return card(attempts=len(done), next_at=next_at, last_failed_at=datetime(2026, 3, last_day.day, 10, tzinfo=UTC))


def test_p6_never_paid_runs_every_step_once_then_stops_at_cancellation():
    sim = Sim()
    for day in range(1, 16):
        now = at(3, day, 11)
        sim.tick(now, p6_invoice(now.date()))
    sim.case = cancel(sim.case, date(2026, 3, 15)).case
    assert sim.tick(at(3, 16), p6_invoice(date(2026, 3, 16))) == []
    assert sim.kinds() == [
        (date(2026, 3, 1), "root", 1),
        (date(2026, 3, 4), "attempts", 2),
        (date(2026, 3, 6), "attempts", 3),
        (date(2026, 3, 7), "step", "step2"),
        (date(2026, 3, 8), "step", "step3"),
        (date(2026, 3, 9), "attempts", 4),
        (date(2026, 3, 14), "step", "step4"),
        (date(2026, 3, 15), "step", "step5"),
    ]
    fourth = sim.sent[5][1]
    assert fourth.facts["final_attempt"] and fourth.facts["next_attempt_on"] is None
    assert sim.case.status is CaseStatus.CANCELLED
    assert all(m.thread_key == "pay:in_P1:root" for _, m in sim.sent[1:])


def test_p7_invoiced_credit_customer_is_late_the_day_after_the_due_date():
    bob = AccountContext("Cedar Co", owner_slack_id="U_BOB", owner_role="TAE")
    sim = Sim(account=bob)
    assert sim.tick(at(2, 14, 23), bank()) == []
    [root] = sim.tick(at(2, 15, 8), bank())
    f = root.facts
    assert root.mentions == ("U_BOB",)
    assert f["kind"] == "invoiced" and f["invoice_pdf"].endswith("/pdf") and f["owner_is_ae"]
    assert {r.step: r.due_on for r in sim.case.steps} == {
        Step.STEP2: date(2026, 2, 21), Step.STEP3: date(2026, 2, 22),
        Step.STEP4: date(2026, 2, 28), Step.STEP5: date(2026, 3, 1)}


def test_p8_withheld_tax_escalates_on_the_remainder():
    sim = Sim(account=NO_OWNER)
    inv = bank("10000.00", due=date(2026, 4, 30), paid="9000")
    assert sim.tick(at(4, 30), inv) == []
    [root] = sim.tick(at(5, 1, 8), inv)
    assert root.facts["amount"] == Decimal("1000.00") and root.facts["withheld"]
    assert root.mentions == ("U_SIMON",)  # the $1,500 rule uses the $1,000 remainder


def test_p9_paid_after_suspension_asks_to_re_enable_access_and_stops():
    sim = Sim(account=AccountContext("Cedar Co", owner_slack_id="U_BOB", owner_role="TAE"))
    for day in (15, 21, 22):
        sim.tick(at(2, day, 9), bank())
    [paid] = sim.tick(at(2, 25, 9), bank(status="paid", paid_at=at(2, 25, 8)))
    assert paid.facts["suspended"] and paid.facts["suspended_on"] == date(2026, 2, 22)
    for day in (28,):
        assert sim.tick(at(2, day), bank(status="paid", paid_at=at(2, 25, 8))) == []
    assert sim.tick(at(3, 1), bank(status="paid", paid_at=at(2, 25, 8))) == []
    assert [m.kind.value for _, m in sim.sent] == ["root", "step", "step", "resolved"]


def test_p10_after_downtime_only_the_latest_step_and_one_attempts_summary():
    sim = Sim()
    for day in range(1, 6):
        sim.tick(at(3, day, 11), p6_invoice(date(2026, 3, day)))
    restart = at(3, 10, 10)
    new = sim.tick(restart, p6_invoice(restart.date()))
    assert [m.kind for m in new] == [MessageKind.ATTEMPTS, MessageKind.STEP]
    attempts, step = new
    assert (attempts.facts["first_attempt"], attempts.facts["attempt"]) == (3, 4)
    assert attempts.facts["final_attempt"]
    assert step.facts["step"] == "step3" and step.facts["posted_late"] and step.facts["due_on"] == date(2026, 3, 8)
    assert sim.case.step(Step.STEP2).state is StepState.SKIPPED
    for day in range(11, 16):
        sim.tick(at(3, day, 11), p6_invoice(date(2026, 3, day)))
    assert [k for k in sim.kinds() if k[0] > date(2026, 3, 10)] == [
        (date(2026, 3, 14), "step", "step4"), (date(2026, 3, 15), "step", "step5")]
    assert not any(m.facts.get("step") == "step2" for _, m in sim.sent)


def test_p11_the_same_failure_seen_twice_posts_one_root():
    sim = Sim()
    sim.tick(at(3, 1, 10), card())
    assert sim.tick(at(3, 1, 10), card()) == []
    assert sim.tick(at(3, 1, 11), card()) == []  # the hourly poll sees attempt_count=1 again
    assert len(sim.sent) == 1


def test_p11_two_replicas_deciding_independently_produce_the_same_keys():
    a = open_case([card()], ALICE, at(3, 1, 10), PARAMS)
    b = open_case([card()], ALICE, at(3, 1, 10, ), PARAMS)
    assert [m.dedupe_key for m in a.messages] == [m.dedupe_key for m in b.messages] == ["pay:in_P1:root"]


def test_p12_third_consecutive_missed_period_asks_for_three_months_in_advance():
    sim = Sim(history=(True, True), usage=(Decimal("1000"), Decimal("1200"), Decimal("1400")))
    [root] = sim.tick(at(3, 1, 10), card("1400.00"))
    assert root.facts["consecutive_missed"] == 3
    assert root.facts["advance_payment"] == Decimal("3600.00")
    [paid] = sim.tick(at(3, 3), card("1400.00", status="paid", paid_at=at(3, 3, 9)))
    assert paid.facts["advance_payment"] == Decimal("3600.00")


def test_p12_an_on_time_period_resets_the_count():
    assert consecutive_missed([True, False, True]) == 2
    assert consecutive_missed([]) == 1
    sim = Sim(history=(True, False), usage=(Decimal("1000"),))
    [root] = sim.tick(at(3, 1, 10), card())
    assert root.facts["advance_payment"] is None


def test_p13_more_time_moves_every_pending_step():
    sim = Sim()
    sim.tick(at(3, 1, 10), card())
    out = extend(sim.case, 7, "customer's AP run is on the 10th", "U_ALICE", date(2026, 3, 3))
    [msg] = out.messages
    assert msg.kind is MessageKind.EXTENDED and msg.facts["days"] == 7
    assert (msg.facts["suspend_on"], msg.facts["cancel_on"]) == (date(2026, 3, 15), date(2026, 3, 22))
    assert {r.step: r.due_on for r in out.case.steps} == {
        Step.STEP2: date(2026, 3, 14), Step.STEP3: date(2026, 3, 15),
        Step.STEP4: date(2026, 3, 21), Step.STEP5: date(2026, 3, 22)}
    sim.case = out.case
    assert sim.tick(at(3, 7, 12), card()) == []  # the old step-2 day passes quietly


def test_p13_a_second_extension_gets_its_own_key():
    case = open_case([card()], ALICE, at(3, 1, 10), PARAMS).case
    first = extend(case, 3, "AP run", "U_ALICE", date(2026, 3, 3))
    second = extend(first.case, 2, "bank holiday", "U_ALICE", date(2026, 3, 4))
    assert first.messages[0].dedupe_key != second.messages[0].dedupe_key
    assert second.case.step(Step.STEP3).due_on == date(2026, 3, 13)


@pytest.mark.parametrize(
    "days, reason, problem",
    [("abc", "x", "whole number"), ("0", "x", "outside 1-30"), ("31", "x", "outside 1-30"), ("7", "  ", "reason")],
)
def test_more_time_rejects_bad_input_with_an_example(days, reason, problem):
    err = validate_extension(days, reason)
    assert isinstance(err, ExtensionError) and problem in err.message and "for example 7 days" in err.message
    assert err.field == ("reason" if problem == "reason" else "days")


def test_more_time_accepts_a_valid_request():
    assert validate_extension(" 7 ", "AP run") == 7


def test_p14_voided_invoice_closes_the_escalation():
    sim = Sim()
    sim.tick(at(2, 15, 9), bank())
    [msg] = sim.tick(at(2, 18, 9), bank(status="void", closed_at=at(2, 18, 8)))
    assert msg.facts["resolution"] == "voided"
    assert sim.tick(at(2, 21, 9), bank(status="void", closed_at=at(2, 18, 8))) == []


def test_p15_long_overdue_at_first_deployment_goes_to_the_backlog_summary_only():
    inv = bank("5000.00", due=date(2026, 1, 9))
    out = open_case([inv], ALICE, at(3, 12, 9), PARAMS)
    assert out.messages == () and out.case.status is CaseStatus.BACKLOG
    summary = backlog_summary([out.case], {"cus_CEDAR": "U_ALICE"}, date(2026, 3, 12))
    [item] = summary.facts["items"]
    assert item["days_late"] == 61 and item["owner"] == "U_ALICE"
    again = backlog_summary([out.case], {"cus_CEDAR": "U_ALICE"}, date(2026, 3, 12))
    assert again.dedupe_key == summary.dedupe_key


def test_first_sight_within_backlog_days_posts_root_then_only_the_latest_due_step():
    out = open_case([card(first=at(3, 1, 10))], ALICE, at(3, 9, 9), PARAMS)
    root, step = out.messages
    assert root.facts["first_seen_late"] and root.facts["late_day"] == date(2026, 3, 1)
    assert step.facts["step"] == "step3" and step.facts["posted_late"]


def test_p16_india_3ds_line_when_action_is_required():
    india = replace(ALICE, country="IN")
    [root] = Sim(account=india).tick(at(3, 1, 10), card(action_required=True))
    assert root.facts["three_ds"]
    [plain] = Sim().tick(at(3, 1, 10), card(action_required=True))
    assert not plain.facts["three_ds"]


@pytest.mark.parametrize(
    "example, invoice, now",
    [
        ("P17 draft", card(status="draft"), at(3, 2)),
        ("P17 paused", card(collection_paused=True), at(3, 2)),
        ("P18 due tomorrow", bank(due=date(2026, 2, 15)), at(2, 14)),
        ("no attempt yet", card(attempts=0), at(3, 2)),
        ("fully covered by credit", bank(amount_remaining=Decimal(0)), at(3, 2)),
    ],
)
def test_p17_p18_not_late_means_nothing(example, invoice, now):
    assert late_day(invoice, now, PARAMS) is None, example
    assert open_case([invoice], ALICE, now, PARAMS).case is None


def test_p19_another_late_invoice_joins_the_case_without_restarting_the_clock():
    sim = Sim()
    for day in range(1, 11):
        sim.tick(at(3, day, 10), card())
    second = card("950.00", invoice_id="in_P19", number="2F3A-0013", first=at(3, 11, 10), next_at=at(3, 14, 10))
    new = sim.tick(at(3, 11, 10), card(), second)
    assert [m.kind for m in new] == [MessageKind.JOINED]
    assert new[0].facts["invoice_label"] == "2F3A-0013"
    assert sim.case.step(Step.STEP3).due_on == date(2026, 3, 8)
    paid_first = card(status="paid", paid_at=at(3, 12, 9))
    assert [m.kind for m in sim.tick(at(3, 12, 10), paid_first, second)] == []
    assert sim.case.status is CaseStatus.OPEN
    paid_second = replace(second, status="paid", amount_remaining=Decimal(0), paid_at=at(3, 13, 9))
    [resolved] = sim.tick(at(3, 13, 10), paid_first, paid_second)
    assert resolved.kind is MessageKind.RESOLVED and sim.case.status is CaseStatus.RESOLVED


def test_payg_day0_setting_can_wait_for_retries_to_run_out():
    params = replace(PARAMS, payg_day0="retries_exhausted")
    assert late_day(card(), at(3, 1, 11), params) is None
    last = card(attempts=4, next_at=None, last_failed_at=at(3, 9, 10))
    assert late_day(last, at(3, 9, 11), params) == date(2026, 3, 9)


def test_responsible_owner_wins_whatever_the_amount():
    assert responsible_for("U_ALICE", Decimal("99999"), PARAMS).user_ids == ("U_ALICE",)


@given(
    late=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
    downtime=st.sets(st.integers(min_value=0, max_value=20)),
)
def test_each_step_posts_at_most_once_and_never_out_of_order(late, downtime):
    """Property: whatever days the bot is down, every step posts at most once, in order, never
    before its day, and a "tomorrow" warning never goes out after the day it warns about."""
    inv = card(first=datetime(late.year, late.month, late.day, 10, tzinfo=UTC), next_at=None, attempts=4)
    sim = Sim()
    for offset in range(0, 21):
        if offset in downtime:
            continue
        day = date.fromordinal(late.toordinal() + offset)
        sim.tick(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), inv)
    steps = [(when.date(), m.facts["step"]) for when, m in sim.sent if m.kind is MessageKind.STEP]
    names = [s for _, s in steps]
    assert len(names) == len(set(names))
    assert names == sorted(names)
    dates = step_dates(late, 0, PARAMS)
    for posted_on, name in steps:
        assert posted_on >= dates[Step(name)]
        if name in ("step2", "step4"):
            assert posted_on == dates[Step(name)]

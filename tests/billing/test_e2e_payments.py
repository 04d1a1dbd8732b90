"""Failed and late payments end to end: the real job and the real Bolt app over HTTP, the
database seeded through the importer, messages read back from the fake Slack's #sales-alerts.
Spec billing-alerts.md §6.2 (P1, P2, P5, P6, P9, P13) and the issue's duplicates and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.billing.tables import PaymentCase, PaymentStep
from bot.db.core import OutboxMessage
from bot.db.session import session_scope
from bot.render import blocks_to_text
from jobs import run_job
from tests.billing.fixtures import SALES_ALERTS, billing_doc, sales_alerts, settle


def at(month: int, day: int, hour: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def birch(status: str = "open", attempts: int = 1, owner: str | None = "U0TAM01", amount: str = "820.00",
          paid_at: str | None = None) -> dict:
    invoice = {"id": "in_P1", "status": status, "payment_method": "card", "amount_due": amount,
               "total": amount, "period_start": "2026-02-01", "period_end": "2026-03-01",
               "finalized_at": "2026-03-01T10:00:00Z", "attempt_count": attempts,
               "first_failed_at": "2026-03-01T10:00:00Z"}
    if paid_at:
        invoice["paid_at"] = paid_at
    return {"id": "bill-birch", "name": "Birch Labs", "stripe_customer_ids": ["cus_BIRCH"],
            "owner_slack_id": owner, "billing_email": "billing@birch.example", "invoices": [invoice]}


def run(rt, when: datetime, name: str = "payments_reconcile", dry_run: bool = False):
    return run_job(rt, name, now=when, dry_run=dry_run)


def test_p1_late_card_payment_posts_one_root_tagging_the_owner(rt, seed, fake_slack):
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    [root] = sales_alerts(fake_slack, wait_for=1)
    assert root["text"] == ("Payment late: Birch Labs, $820.00 (invoice in_P1), card payment attempt 1 of 4 "
                            "failed. <@U0TAM01>")
    assert "8 Mar 2026 if unpaid" in blocks_to_text(root["blocks"], "")
    with session_scope(rt.session_factory) as s:
        steps = {r.step: r.due_on.isoformat() for r in s.scalars(select(PaymentStep))}
    assert steps == {"step2": "2026-03-07", "step3": "2026-03-08", "step4": "2026-03-14", "step5": "2026-03-15"}


def test_the_same_job_run_twice_posts_once(rt, seed, fake_slack):
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    run(rt, at(3, 1, 12))
    settle()
    assert len(sales_alerts(fake_slack)) == 1


def test_p2_unmanaged_large_amount_tags_simon_and_dana(rt, seed, fake_slack):
    seed(billing_doc(birch(owner=None, amount="2400.00")))
    run(rt, at(3, 1))
    [root] = sales_alerts(fake_slack, wait_for=1)
    assert root["text"].endswith("<@U0LEAD01> <@U0CSM01>")


def test_dry_run_prints_and_posts_nothing(rt, seed, fake_slack):
    seed(billing_doc(birch()))
    result = run(rt, at(3, 1), dry_run=True)
    assert [p.key for p in result.planned] == ["pay:in_P1:root"]
    settle()
    assert sales_alerts(fake_slack) == []
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(PaymentCase)) is None  # nothing recorded either
    run(rt, at(3, 1))
    assert len(sales_alerts(fake_slack, wait_for=1)) == 1


def test_steps_go_out_in_the_thread_and_payment_closes_it(rt, seed, fake_slack):
    """P9's shape on a card invoice: root, step 2, step 3 (with its task button), then paid."""
    seed(billing_doc(birch()))
    for day in (1, 7, 8):
        run(rt, at(3, day))
    seed(billing_doc(birch(status="paid", paid_at="2026-03-10T09:00:00Z")))
    run(rt, at(3, 10))
    run(rt, at(3, 14))  # nothing more after payment
    posts = sales_alerts(fake_slack, wait_for=4)
    settle()
    posts = sales_alerts(fake_slack)
    assert len(posts) == 4
    root, step2, step3, paid = posts
    assert all(p["thread_ts"] == root["ts"] for p in (step2, step3, paid))
    assert "suspended *tomorrow* (8 Mar 2026)" in step2["text"]
    assert "Suspend access *today*" in step3["text"]
    assert paid["text"].startswith("Paid on 10 Mar 2026 ($820.00). Escalation closed.")
    assert "re-enable it in Django admin" in paid["text"]
    broadcasts = [c.args.get("reply_broadcast") for c in fake_slack.calls_to("chat.postMessage")]
    assert broadcasts == [None, True, True, True]


def test_after_downtime_only_the_latest_step_is_posted(rt, seed, fake_slack):
    """P10's catch-up: the bot is down from day 1 to day 9; step 3 comes late, step 2 never."""
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    run(rt, at(3, 10))
    posts = sales_alerts(fake_slack, wait_for=2)
    settle()
    assert len(sales_alerts(fake_slack)) == 2
    assert "(due 8 Mar 2026, posted late)" in posts[1]["text"]
    with session_scope(rt.session_factory) as s:
        assert s.get(PaymentStep, ("in_P1", "step2")).state == "skipped"


def test_a_restart_between_send_and_record_does_not_post_twice(rt, seed, fake_slack):
    """The step was recorded and sent, but the process died before marking the outbox row sent:
    the next flush finds the message in Slack by its key and does not resend it."""
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    sales_alerts(fake_slack, wait_for=1)
    with session_scope(rt.session_factory) as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "pay:in_P1:root").values(
            status="sending", sent_ts=None, claimed_at=datetime.now(UTC) - timedelta(minutes=10)))
    run(rt, at(3, 1, 12), name="outbox_flush")
    run(rt, at(3, 1, 13))
    settle()
    assert len(sales_alerts(fake_slack)) == 1
    with session_scope(rt.session_factory) as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "pay:in_P1:root"))
        assert row.status == "sent" and row.sent_ts == sales_alerts(fake_slack)[0]["ts"]


def test_a_crash_before_slack_got_it_sends_exactly_once_on_restart(rt, seed, fake_slack):
    seed(billing_doc(birch()))
    fake_slack.fail("chat.postMessage", error="internal_error", status=500, times=1)
    run(rt, at(3, 1))
    settle()
    with session_scope(rt.session_factory) as s:
        s.execute(update(OutboxMessage).values(claimed_at=datetime.now(UTC) - timedelta(minutes=10),
                                               next_attempt_at=None))
    run(rt, at(3, 1, 12), name="outbox_flush")
    assert len(sales_alerts(fake_slack, wait_for=1)) == 1
    settle()
    assert len(sales_alerts(fake_slack)) == 1


def test_suspended_button_records_once_and_says_so_in_the_thread(rt, seed, fake_slack, bot):
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    run(rt, at(3, 8))
    _, step3 = sales_alerts(fake_slack, wait_for=2)
    button = step3["blocks"][1]["elements"][0]
    assert button["action_id"] == "pay_suspended_done"
    bot.click(button, user="U0TAM01", channel=SALES_ALERTS, message=step3)
    posts = sales_alerts(fake_slack, wait_for=3)
    assert posts[2]["text"].startswith("<@U0TAM01> recorded that access was suspended in Django admin on")
    assert posts[2]["thread_ts"] == posts[0]["ts"]
    again = bot.click(button, user="U0TAE01", channel=SALES_ALERTS, message=step3)
    assert again.text().startswith("Already recorded by <@U0TAM01>")
    with session_scope(rt.session_factory) as s:
        assert s.get(PaymentCase, "in_P1").suspended_by == "U0TAM01"
    settle()
    assert len(sales_alerts(fake_slack)) == 3


def test_p13_more_time_moves_the_steps_and_replies_in_the_thread(rt, seed, fake_slack, bot):
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    [root] = sales_alerts(fake_slack, wait_for=1)
    more = next(e for e in root["blocks"][-1]["elements"] if e["action_id"] == "pay_extend")
    bot.click(more, user="U0TAM01", channel=SALES_ALERTS, message=root)
    fake_slack.wait_for(lambda: fake_slack.calls_to("views.open"))
    view = fake_slack.calls_to("views.open")[0].args["view"]
    assert view["callback_id"] == "pay_extend_modal" and view["private_metadata"] == "in_P1"

    bad = bot.view_submission(view, {"days": {"value": {"value": "abc"}}, "reason": {"value": {"value": "AP"}}},
                              user="U0TAM01")
    assert bad.json()["response_action"] == "errors"
    assert "whole number" in bad.json()["errors"]["days"] and "for example 7 days" in bad.json()["errors"]["days"]

    ok = bot.view_submission(view, {"days": {"value": {"value": "7"}},
                                    "reason": {"value": {"value": "customer's AP run is on the 10th"}}},
                             user="U0TAM01")
    assert ok.status_code == 200
    posts = sales_alerts(fake_slack, wait_for=2)
    assert posts[1]["text"] == ("<@U0TAM01> gave 7 more days: customer's AP run is on the 10th. "
                                "Suspension now 15 Mar 2026, cancellation 22 Mar 2026.")
    assert posts[1]["thread_ts"] == root["ts"]
    run(rt, at(3, 8))  # the old suspension day passes quietly
    settle()
    assert len(sales_alerts(fake_slack)) == 2


def test_slack_connect_user_cannot_press_the_buttons(rt, seed, fake_slack, bot):
    from bot.guard import REFUSAL
    from tests.fakes.slack import EXTERNAL_USER

    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    [root] = sales_alerts(fake_slack, wait_for=1)
    responded = next(e for e in root["blocks"][-1]["elements"] if e["action_id"] == "pay_responded")
    reply = bot.click(responded, user=EXTERNAL_USER, channel=SALES_ALERTS, message=root)
    assert reply.text() == REFUSAL.replace("this command", "this button")  # names what was refused
    with session_scope(rt.session_factory) as s:
        assert s.get(PaymentCase, "in_P1").responded_by is None


def test_p15_long_overdue_invoices_at_first_sight_go_to_one_backlog_summary(rt, seed, fake_slack):
    dune = {"id": "bill-dune", "name": "Dune Retail", "stripe_customer_ids": ["cus_DUNE"], "owner_slack_id": "U0TAM01",
            "invoices": [{"id": "in_DUNE1", "status": "open", "payment_method": "bank_transfer",
                          "amount_due": "5000.00", "due_date": "2026-01-09"}]}
    seed(billing_doc(dune))
    run(rt, at(3, 12))
    run(rt, at(3, 13))
    [summary] = sales_alerts(fake_slack, wait_for=1)
    settle()
    assert len(sales_alerts(fake_slack)) == 1
    assert summary["text"] == "Overdue invoices backlog: 1 account(s) already long overdue."
    assert "<@U0TAM01>: *Dune Retail* $5,000.00, late since 10 Jan 2026 (61 days)" in blocks_to_text(
        summary["blocks"], "")


def test_p12_third_missed_period_asks_for_the_advance_payment(rt, seed, fake_slack):
    def card(inv_id, month, amount, status="paid"):
        inv = {"id": inv_id, "status": status, "payment_method": "card", "amount_due": amount, "total": amount,
               "period_start": f"2026-{month:02d}-01", "period_end": f"2026-{month + 1:02d}-01",
               "finalized_at": f"2026-{month + 1:02d}-01T10:00:00Z", "attempt_count": 2}
        if status == "paid":
            inv["paid_at"] = f"2026-{month + 1:02d}-05T10:00:00Z"
        else:
            inv["first_failed_at"] = f"2026-{month + 1:02d}-01T10:00:00Z"
            inv["attempt_count"] = 1
        return inv

    elm = {"id": "bill-elm", "name": "Elm Studio", "stripe_customer_ids": ["cus_ELM"], "owner_slack_id": "U0TAM01",
           "invoices": [card("in_ELM1", 1, "1000.00"), card("in_ELM2", 2, "1200.00"),
                        card("in_ELM3", 3, "1400.00", status="open")]}
    seed(billing_doc(elm))
    run(rt, datetime(2026, 4, 1, 11, tzinfo=UTC))
    [root] = sales_alerts(fake_slack, wait_for=1)
    text = blocks_to_text(root["blocks"], "")
    assert "Third consecutive missed payment period" in text and "≈ $3,600.00" in text


def test_invoice_needs_changes_button_routes_to_revops_in_the_thread(rt, seed, fake_slack, bot):
    seed(billing_doc(birch()))
    run(rt, at(3, 1))
    [root] = sales_alerts(fake_slack, wait_for=1)
    button = next(e for e in root["blocks"][-1]["elements"] if e["action_id"] == "pay_needs_changes")
    bot.click(button, user="U0TAM01", channel=SALES_ALERTS, message=root)
    posts = sales_alerts(fake_slack, wait_for=2)
    assert "credit notes via RevOps" in posts[1]["text"] and posts[1]["thread_ts"] == root["ts"]


def cedar(owner: str | None = None, amount: str = "60000.00") -> dict:
    """P7's shape: an annual credit invoice paid by bank transfer, due 14 Feb, never paid."""
    return {"id": "bill-cedar", "name": "Cedar Co", "stripe_customer_ids": ["cus_CEDAR"], "owner_slack_id": owner,
            "invoices": [{"id": "in_P7", "status": "open", "payment_method": "bank_transfer", "kind": "credit_purchase",
                          "amount_due": amount, "total": amount, "due_date": "2026-02-14"}]}


def test_bank_transfer_escalation_says_unpaid_not_failed_and_one_late_day(rt, seed, fake_slack):
    """Issue 16: a bank-transfer invoice that is merely unpaid never reads "failed payment", and the
    notification text and the message body give the same day 0 (the day after the due date)."""
    seed(billing_doc(cedar()))
    for day in ((2, 14), (2, 15), (2, 21), (2, 22), (2, 28), (3, 1)):
        run(rt, at(*day))
    posts = sales_alerts(fake_slack, wait_for=5)
    root, step2, step3, step4, step5 = posts
    assert root["text"] == ("Payment late: Cedar Co, $60,000.00 (invoice in_P7), bank-transfer invoice unpaid, "
                            "late since 15 Feb 2026 (due 14 Feb 2026). <@U0LEAD01> <@U0CSM01>")
    body = blocks_to_text(root["blocks"], "")
    assert "Late since* 15 Feb 2026 (day 0)" in body
    assert "unmanaged account, unpaid invoice ≥ $1,500. Invoice *in_P7* was due on *14 Feb 2026*" in body
    assert step2["text"].endswith("tell all active users on the account that access will be suspended tomorrow "
                                  "due to the unpaid invoice in_P7.")
    assert "terminated due to the unpaid invoice in_P7" in step4["text"]
    for post in posts:
        assert "failed payment" not in (post["text"] + blocks_to_text(post["blocks"], "")).lower()


def test_card_escalation_still_names_the_failed_payment(rt, seed, fake_slack):
    seed(billing_doc(birch(owner=None, amount="2400.00")))
    for day in (1, 7, 14):
        run(rt, at(3, day))
    root, step2, step4 = sales_alerts(fake_slack, wait_for=3)
    assert "unmanaged account, failed payment ≥ $1,500" in blocks_to_text(root["blocks"], "")
    assert "suspended tomorrow due to the failed payment" in step2["text"]
    assert "terminated due to the failed payment" in step4["text"]

"""Block Kit for CreditBot and payment escalations: what a rep reads in #sales-alerts.
Examples from billing-alerts.md §5.1-5.2 (C1, C2, C3, C8, C10, P1, P2, P7, P8, P10, P12, P13)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.billing.blocks import (
    backlog_summary,
    creditbot_acknowledged,
    creditbot_alert,
    day,
    extension_modal,
    money,
    needs_changes_reply,
    payment_reply,
    payment_root,
    task_recorded,
)
from services.billing import payment_escalation as pe
from services.billing.runway import (
    CreditCustomer,
    CreditSnapshot,
    Episode,
    FireParams,
    RanOutInvoice,
    RunwayParams,
    UsageInvoice,
    add_months,
    alert_facts,
    compute_runway,
    decide_alert,
)

T_END = date(2027, 1, 1)


def month(year, mon, total):
    start = date(year, mon, 1)
    return UsageInvoice(f"in_{year}{mon:02d}", start, add_months(start, 1), Decimal(total))


def acme(balance):
    return CreditCustomer("cus_ACME", "Acme Inc", Decimal(balance), T_END, term_start=date(2026, 1, 1), term_months=12)


def alert(today, balance, usage, episode=None, snapshot=None, ran_out_invoice=None, mentions=("U_ALICE",)):
    runway = compute_runway(acme(balance), usage, today, RunwayParams())
    d = decide_alert(runway, Decimal(balance), T_END, snapshot, episode, FireParams(), None, ran_out_invoice)
    return creditbot_alert(alert_facts(d.alert, "Acme Inc", mentions))


def all_text(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


C1 = dict(today=date(2026, 5, 10), balance="66000",
          usage=[month(2026, 2, "13000"), month(2026, 3, "14000"), month(2026, 4, "15000")])


def test_formatting():
    assert money(Decimal("66000")) == "$66,000.00"
    assert money(Decimal("471.9101")) == "$471.91"
    assert day(date(2026, 9, 7)) == "7 Sep 2026"


def test_c1_alert_leads_with_the_owner_date_and_days_then_the_figures():
    p = alert(**C1)
    assert p["text"] == ("CreditBot: Acme Inc will run out of credit around 17 Sep 2026, 106 days before its term "
                         "ends (1 Jan 2027). <@U_ALICE>")
    header, lead, figures, guidance, context, actions = p["blocks"]
    assert header["text"]["text"] == "CreditBot: Acme Inc will run out of credit before its term ends"
    assert lead["text"]["text"].startswith("<@U_ALICE> at the current burn *Acme Inc* runs out of credit around "
                                           "*17 Sep 2026*: *130 days* from today, *106 days (≈3.5 months)")
    fields = [f["text"] for f in figures["fields"]]
    assert fields == ["*Credit left*\n$66,000.00", "*Burn (last 3 invoices)*\n$471.91/day (≈ $14,353.93/month)",
                      "*Runway*\n130 days → 17 Sep 2026", "*Term*\n1 Jan 2026 → 1 Jan 2027 (12 months)"]
    g = guidance["text"]["text"]
    assert "*Runs out with 2–6 months to go.*" in g and "Contract Start Date *1 Sep 2026*" in g
    assert "original discount* until *1 Jul 2026*" in g
    assert "by *17 Sep 2026*" in g
    assert "discounting principles" in g
    assert [e["action_id"] for e in actions["elements"]] == ["creditbot_open_stripe", "creditbot_ack"]
    assert p["metadata"]["event_payload"]["dedupe_key"] == "creditbot:cus_ACME:2027-01-01:1:first"
    assert "<@" not in header["text"]["text"]  # mentions never go in a plain_text header


def test_c2_band_a_text():
    g = alert(date(2026, 4, 5), "42000", [month(2026, 1, "25000"), month(2026, 2, "26000"),
                                          month(2026, 3, "27000")])["blocks"][3]["text"]["text"]
    assert "*Runs out in the first half of the term.*" in g and "expiring on 1 Jan 2027" in g


def test_c3_band_c_text_says_sign_before_run_out():
    g = alert(date(2026, 10, 6), "15000", [month(2026, 7, "9000"), month(2026, 8, "9300"),
                                           month(2026, 9, "9000")])["blocks"][3]["text"]["text"]
    assert "renewal order form starting 1 Jan 2027 is signed *before 20 Nov 2026*" in g
    assert "by *2 Nov 2026*" in g


def test_c16_no_owner_tags_simon():
    assert alert(**C1, mentions=("U_SIMON",))["text"].endswith("<@U_SIMON>")


def test_c8_re_alert_header_shows_how_much_sooner():
    ep = Episode("cus_ACME", T_END, 1, date(2026, 5, 10), last_alert_run_out=date(2026, 9, 17))
    p = alert(date(2026, 6, 8), "36000", [month(2026, 3, "14000"), month(2026, 4, "15000"), month(2026, 5, "30000")],
              episode=ep)
    assert p["blocks"][0]["text"]["text"] == "CreditBot update: Acme Inc now runs out ~52 days sooner"
    assert "(was 17 Sep 2026)" in p["blocks"][1]["text"]["text"]


def test_c10_ran_out_message():
    ep = Episode("cus_ACME", T_END, 1, date(2026, 10, 5), last_alert_run_out=date(2026, 11, 20))
    p = alert(date(2026, 11, 2), "0", [month(2026, 10, "12000")], episode=ep,
              snapshot=CreditSnapshot(Decimal("4000"), T_END, date(2026, 11, 1)),
              ran_out_invoice=RanOutInvoice(date(2026, 11, 1), Decimal("4000"), Decimal("8000")))
    assert p["blocks"][0]["text"]["text"] == "CreditBot: Acme Inc has run out of credit (term ends 1 Jan 2027)"
    body = p["blocks"][1]["text"]["text"]
    assert "The 1 Nov 2026 invoice used the last $4,000.00; $8,000.00 was billed at standard rates." in body
    assert "+5% no longer applies" in body


def test_acknowledged_replaces_the_button_with_who_took_it():
    blocks = creditbot_acknowledged(alert(**C1)["blocks"], "U_BOB")
    assert "creditbot_ack" not in all_text(blocks) and "✓ <@U_BOB> is on it" in all_text(blocks)


PARAMS = pe.EscalationParams()


def at(m, d, h=10):
    return datetime(2026, m, d, h, tzinfo=UTC)


def p1_invoice(**kw):
    fields = dict(invoice_id="in_P1", customer_id="cus_BIRCH", status="open", payment_method="card",
                  amount_due=Decimal("820.00"), amount_remaining=Decimal("820.00"), number="2F3A-0012",
                  attempt_count=1, first_failed_at=at(3, 1), next_payment_attempt=at(3, 4),
                  hosted_invoice_url="https://invoice.stripe.com/i/P1", decline="card_declined (insufficient_funds)")
    fields.update(kw)
    return pe.InvoiceFacts(**fields)


def root_payload(invoice, account):
    now = (datetime.combine(invoice.due_date, datetime.min.time(), UTC) + timedelta(days=1, hours=9)
           if invoice.due_date else at(3, 1))
    out = pe.open_case([invoice], account, now, PARAMS)
    root = out.messages[0]
    return payment_root(root.facts, root.mentions, root.dedupe_key), out


ALICE = pe.AccountContext("Birch Labs", "U_ALICE", "TAM", billing_email="billing@birch.example")


def test_p1_root_message():
    p, _ = root_payload(p1_invoice(), ALICE)
    assert p["text"] == ("Payment late: Birch Labs, $820.00 (invoice 2F3A-0012), card payment attempt 1 of 4 "
                         "failed. <@U_ALICE>")
    header, lead, figures, todo, context, actions = p["blocks"]
    assert header["text"]["text"] == "Payment late: Birch Labs ($820.00)"
    assert lead["text"]["text"] == ("<@U_ALICE> The card payment for invoice *2F3A-0012* failed on *1 Mar 2026* "
                                    "(attempt 1 of 4; Stripe retries on 4 Mar 2026). Please reach out today.")
    fields = [f["text"] for f in figures["fields"]]
    assert "*Suspend access*\n8 Mar 2026 if unpaid" in fields and "*Cancel subscription*\n15 Mar 2026 if unpaid" in fields
    assert "<https://invoice.stripe.com/i/P1|payment link>" in todo["text"]["text"]
    assert "*7 calendar days*" in todo["text"]["text"]
    assert "Decline: card_declined (insufficient_funds)" in context["elements"][0]["text"]
    assert [e["action_id"] for e in actions["elements"]] == ["pay_open_invoice", "pay_responded", "pay_extend",
                                                             "pay_needs_changes"]
    assert actions["elements"][2]["value"] == "in_P1"


def test_p2_unmanaged_large_mention_line():
    p, _ = root_payload(p1_invoice(amount_due=Decimal("2400.00"), amount_remaining=Decimal("2400.00")),
                        pe.AccountContext("Birch Labs"))
    assert p["blocks"][1]["text"]["text"].startswith(
        "<@U_SIMON> <@U_DANA> unmanaged account, failed payment ≥ $1,500.")


def test_p7_invoiced_root_has_pdf_bill_com_and_commission_lines():
    inv = pe.InvoiceFacts("in_P7", "cus_CEDAR", "open", "bank_transfer", Decimal("60000"), Decimal("60000"),
                          number="CEDAR-0001", due_date=date(2026, 2, 14), invoice_pdf="https://pay.example/P7.pdf")
    p, _ = root_payload(inv, pe.AccountContext("Cedar Co", "U_BOB", "TAE"))
    text = all_text(p)
    assert "<https://pay.example/P7.pdf|Invoice PDF>" in text
    assert "Bill.com" in text and "|Billing>" in text
    assert "Commission is paid only once the invoice is paid" in text
    assert "Invoiced, bank transfer (due 14 Feb 2026)" in text


def test_p8_withholding_line():
    inv = pe.InvoiceFacts("in_P8", "cus_CEDAR", "open", "bank_transfer", Decimal("10000"), Decimal("1000"),
                          amount_paid=Decimal("9000"), due_date=date(2026, 4, 30))
    p, _ = root_payload(inv, pe.AccountContext("Cedar Co"))
    assert "$1,000.00" in p["blocks"][0]["text"]["text"]
    assert "tax withheld is treated as outstanding" in all_text(p)


def test_p12_repeat_line_in_root():
    out = pe.open_case([p1_invoice()], ALICE, at(3, 1), PARAMS, (True, True),
                       (Decimal("1000"), Decimal("1200"), Decimal("1400")))
    root = out.messages[0]
    assert "≈ $3,600.00" in all_text(payment_root(root.facts, root.mentions, root.dedupe_key))


def test_p16_three_ds_line():
    out = pe.open_case([p1_invoice(action_required=True)], pe.AccountContext("Birch", "U_A", country="IN"),
                       at(3, 1), PARAMS)
    root = out.messages[0]
    assert "Card needs 3DS" in all_text(payment_root(root.facts, root.mentions, root.dedupe_key))


def reply(msg):
    return payment_reply(msg.kind.value, msg.facts, msg.mentions, msg.dedupe_key)


def test_p10_catch_up_replies_read_attempts_3_and_4_and_posted_late():
    _, out = root_payload(p1_invoice(), ALICE)
    case = pe.reconcile(out.case, [p1_invoice(attempt_count=2, next_payment_attempt=at(3, 6))], at(3, 4), PARAMS).case
    later = pe.reconcile(case, [p1_invoice(attempt_count=4, next_payment_attempt=None, last_failed_at=at(3, 9), decline=None)],
                         at(3, 10), PARAMS)
    attempts, step = (reply(m) for m in later.messages)
    assert attempts["text"] == "<@U_ALICE> Attempts 3 and 4 of 4 failed on 9 Mar 2026. Stripe will not retry again."
    assert step["text"].startswith("<@U_ALICE> Suspend access *today*")
    assert "_(due 8 Mar 2026, posted late)_" in step["text"]
    assert step["blocks"][1]["elements"][0]["action_id"] == "pay_suspended_done"


@pytest.mark.parametrize("step, phrase", [("step2", "suspended *tomorrow* (8 Mar 2026)"),
                                          ("step4", "cancelled *tomorrow* (15 Mar 2026)"),
                                          ("step5", "Cancel the subscription *today*")])
def test_step_replies(step, phrase):
    facts = {"step": step, "due_on": date(2026, 3, 7), "posted_late": False, "amount": Decimal("820"),
             "suspend_on": date(2026, 3, 8), "cancel_on": date(2026, 3, 15)}
    p = payment_reply("step", facts, ("U_ALICE",), f"pay:in_P1:{step}")
    assert phrase in p["text"] and "posted late" not in p["text"]
    assert ("pay_cancelled_done" in all_text(p)) == (step == "step5")


def test_p9_paid_after_suspension_reply():
    facts = {"resolution": "paid", "on": date(2026, 2, 25), "amount": Decimal("60000"), "suspended": True,
             "suspended_on": date(2026, 2, 22), "advance_payment": None}
    text = payment_reply("resolved", facts, ("U_BOB",), "pay:in_P7:resolved")["text"]
    assert text == ("Paid on 25 Feb 2026 ($60,000.00). Escalation closed. <@U_BOB> Access was suspended on "
                    "22 Feb 2026: re-enable it in Django admin.")


def test_p12_resolution_says_wait_for_the_advance_payment():
    facts = {"resolution": "paid", "on": date(2026, 3, 3), "amount": Decimal("1400"), "suspended": True,
             "suspended_on": date(2026, 3, 8), "advance_payment": Decimal("3600")}
    text = payment_reply("resolved", facts, ("U_ALICE",), "pay:in_P1:resolved")["text"]
    assert "don't restore access until the advance payment of ≈ $3,600.00" in text
    assert "re-enable" not in text


def test_p14_voided_reply():
    facts = {"resolution": "voided", "on": date(2026, 2, 18), "amount": Decimal("1")}
    assert payment_reply("resolved", facts, (), "pay:x:resolved")["text"].startswith("Invoice voided on 18 Feb 2026: escalation closed.")


def test_p13_extension_reply():
    facts = {"user_id": "U_ALICE", "days": 7, "reason": "customer's AP run is on the 10th", "suspension_pending": True,
             "suspend_on": date(2026, 3, 15), "cancel_on": date(2026, 3, 22)}
    text = payment_reply("extended", facts, (), "pay:in_P1:extended:1")["text"]
    assert text == ("<@U_ALICE> gave 7 more days: customer's AP run is on the 10th. Suspension now 15 Mar 2026, "
                    "cancellation 22 Mar 2026.")


def test_p19_joined_reply():
    text = payment_reply("joined", {"invoice_label": "2F3A-0013", "amount": Decimal("950")}, ("U_ALICE",),
                         "pay:in_P1:joined:in_P19")["text"]
    assert "Another invoice is late: 2F3A-0013 $950.00; schedule unchanged" in text


def test_p15_backlog_summary_lists_by_owner():
    facts = {"items": [{"account_name": "Dune", "owner": "U_ALICE", "late_day": date(2026, 1, 10), "days_late": 61,
                        "amount": Decimal("5000"), "invoices": ["DUNE-1"]}], "today": date(2026, 3, 12)}
    p = backlog_summary(facts, "pay:backlog:abc")
    assert "<@U_ALICE>: *Dune* $5,000.00, late since 10 Jan 2026 (61 days) · DUNE-1" in all_text(p)


def test_needs_changes_and_task_recorded_and_modal():
    assert "credit notes via RevOps" in needs_changes_reply("U_A")["text"]
    assert task_recorded("pay_suspended_done", "U_A", date(2026, 3, 8))["text"] == (
        "<@U_A> recorded that access was suspended in Django admin on 8 Mar 2026.")
    modal = extension_modal("in_P1", "Birch Labs", error="Days must be a whole number")
    assert modal["private_metadata"] == "in_P1" and modal["callback_id"] == "pay_extend_modal"
    assert "Days must be a whole number" in all_text(modal)


def test_every_payload_is_json_and_headers_fit():
    p = alert(**C1)
    json.dumps(p)
    long = creditbot_alert({**alert_facts_for_long_name(), "account_name": "X" * 200})
    assert len(long["blocks"][0]["text"]["text"]) <= 150


def alert_facts_for_long_name():
    runway = compute_runway(acme("66000"), C1["usage"], C1["today"], RunwayParams())
    d = decide_alert(runway, Decimal("66000"), T_END, None, None, FireParams())
    return alert_facts(d.alert, "Acme Inc", ("U_ALICE",))


def test_imported_card_invoice_without_a_retry_schedule_does_not_claim_stripe_stopped():
    """Imported data has no `next_payment_attempt`; only Stripe's own null means "no more retries"."""
    unknown = p1_invoice(next_payment_attempt=None, next_attempt_known=False)
    p, _ = root_payload(unknown, ALICE)
    assert "Stripe retries automatically, up to 4 attempts" in p["blocks"][1]["text"]["text"]
    stopped, _ = root_payload(p1_invoice(next_payment_attempt=None), ALICE)
    assert "Stripe will not retry again" in stopped["blocks"][1]["text"]["text"]

"""CreditBot end to end: the daily job over accounts imported in the IMPORT.md format, alerts
read back from the fake Slack's #sales-alerts, the "I'm on it" button through the Bolt app.
Spec billing-alerts.md §6.1 C1, C7, C10, C16, C17."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.billing.tables import CreditEpisode
from bot.db.session import session_scope
from jobs import run_job
from tests.billing.fixtures import SALES_ALERTS, billing_doc, sales_alerts, settle


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 30, tzinfo=UTC)


def usage(inv_id: str, start: str, end: str, total: str, due: str = "0.00") -> dict:
    return {"id": inv_id, "status": "paid", "payment_method": "card", "total": total, "amount_due": due,
            "period_start": start, "period_end": end, "paid_at": f"{end}T06:00:00Z"}


def granite(balance: str = "66000.00", owner: str | None = "U0TAM01", invoices: list | None = None) -> dict:
    return {
        "id": "bill-granite", "name": "Granite Analytics", "stripe_customer_ids": ["cus_GRANITE"],
        "owner_slack_id": owner,
        "credit": {"amount": "180000.00", "term_start": "2026-01-01", "term_months": 12, "balance": balance},
        "invoices": invoices if invoices is not None else [
            usage("in_G02", "2026-02-01", "2026-03-01", "13000.00"),
            usage("in_G03", "2026-03-01", "2026-04-01", "14000.00"),
            usage("in_G04", "2026-04-01", "2026-05-01", "15000.00"),
        ],
    }


def test_c1_alert_tags_the_owner_with_runway_and_band(rt, seed, fake_slack):
    seed(billing_doc(granite()))
    result = run_job(rt, "creditbot", now=at(2026, 5, 10))
    [alert] = sales_alerts(fake_slack, wait_for=1)
    assert alert["text"] == ("CreditBot: Granite Analytics will run out of credit around 17 Sep 2026, 106 days "
                             "before its term ends (1 Jan 2027). <@U0TAM01>")
    assert "*Runs out with 2–6 months to go.*" in str(alert["blocks"])
    assert alert["metadata"]["event_payload"]["dedupe_key"] == "creditbot:cus_GRANITE:2027-01-01:1:first"
    assert "1 alert(s)" in result.summary


def test_c7_c17_the_next_run_and_a_second_run_post_nothing_more(rt, seed, fake_slack):
    seed(billing_doc(granite()))
    run_job(rt, "creditbot", now=at(2026, 5, 10))
    run_job(rt, "creditbot", now=at(2026, 5, 10))
    run_job(rt, "creditbot", now=at(2026, 5, 11))
    sales_alerts(fake_slack, wait_for=1)
    settle()
    assert len(sales_alerts(fake_slack)) == 1


def test_c16_no_owner_tags_simon(rt, seed, fake_slack):
    seed(billing_doc(granite(owner=None)))
    run_job(rt, "creditbot", now=at(2026, 5, 10))
    [alert] = sales_alerts(fake_slack, wait_for=1)
    assert alert["text"].endswith("<@U0LEAD01>")


def test_c10_ran_out_alert_once(rt, seed, fake_slack):
    invoices = [usage("in_G08", "2026-08-01", "2026-09-01", "9300.00"),
                usage("in_G09", "2026-09-01", "2026-10-01", "9000.00"),
                usage("in_G10", "2026-10-01", "2026-11-01", "9000.00")]
    seed(billing_doc(granite(balance="4000.00", invoices=invoices)))
    run_job(rt, "creditbot", now=at(2026, 10, 5))
    ran_out = usage("in_G11", "2026-10-01", "2026-11-01", "12000.00", due="8000.00")
    ran_out["id"] = "in_G10"
    seed(billing_doc(granite(balance="0.00", invoices=[*invoices[:2], ran_out])))
    run_job(rt, "creditbot", now=at(2026, 11, 2))
    run_job(rt, "creditbot", now=at(2026, 11, 3))
    posts = sales_alerts(fake_slack, wait_for=2)
    settle()
    posts = sales_alerts(fake_slack)
    assert len(posts) == 2
    assert posts[1]["blocks"][0]["text"]["text"] == "CreditBot: Granite Analytics has run out of credit (term ends 1 Jan 2027)"
    assert "The 1 Nov 2026 invoice used the last $4,000.00; $8,000.00 was billed at standard rates." in posts[1]["text"] \
        or "used the last $4,000.00" in str(posts[1]["blocks"])


def test_im_on_it_records_and_updates_the_alert(rt, seed, fake_slack, bot):
    seed(billing_doc(granite()))
    run_job(rt, "creditbot", now=at(2026, 5, 10))
    [alert] = sales_alerts(fake_slack, wait_for=1)
    button = next(e for e in alert["blocks"][-1]["elements"] if e["action_id"] == "creditbot_ack")
    bot.click(button, user="U0TAE01", channel=SALES_ALERTS, message=alert)
    fake_slack.wait_for(lambda: fake_slack.calls_to("chat.update"))
    [updated] = sales_alerts(fake_slack)
    assert "✓ <@U0TAE01> is on it" in str(updated["blocks"]) and "creditbot_ack" not in str(updated["blocks"])
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(CreditEpisode)).acknowledged_by == "U0TAE01"
    again = bot.click(button, user="U0TAM01", channel=SALES_ALERTS, message=alert)
    assert again.text() == "<@U0TAE01> is already on it."


def test_dry_run_prints_the_alert_and_records_nothing(rt, seed, fake_slack):
    seed(billing_doc(granite()))
    result = run_job(rt, "creditbot", now=at(2026, 5, 10), dry_run=True)
    assert [p.key for p in result.planned] == ["creditbot:cus_GRANITE:2027-01-01:1:first"]
    settle()
    assert sales_alerts(fake_slack) == []
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(CreditEpisode)) is None

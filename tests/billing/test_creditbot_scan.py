"""A whole CreditBot run: one decision per customer and the job summary (spec §2.2, C5, C12-C15)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.billing.creditbot_scan import scan
from services.billing.runway import (
    CreditCustomer,
    CreditSnapshot,
    FireParams,
    RunwayParams,
    UsageInvoice,
    add_months,
)

T_END = date(2027, 1, 1)
TODAY = date(2026, 5, 10)


def usage(*totals):
    out = []
    for i, total in enumerate(totals):
        start = date(2026, 2 + i, 1)
        out.append(UsageInvoice(f"in_{i}", start, add_months(start, 1), Decimal(total)))
    return out


def cus(cid, credit, expires=T_END, **kw):
    return CreditCustomer(cid, cid, None if credit is None else Decimal(credit), expires,
                          term_start=date(2026, 1, 1), term_months=12, **kw)


def test_summary_counts_alerts_skips_and_data_gaps():
    customers = [
        cus("cus_C1", "66000"),  # alert band B
        cus("cus_C4a", "90000"),  # ok
        cus("cus_C5", "66000", startup_plan=True),
        cus("cus_C12", "8000", billing_config="amortized"),
        cus("cus_C13", "5000", expires=date(2026, 5, 1)),
        cus("cus_C14", "1000", expires=None),
        cus("cus_C15", "66000", expires=None, expires_invalid=True),
        cus("cus_payg", "0", expires=None),
    ]
    usage_by = {"cus_C1": usage("13000", "14000", "15000"), "cus_C4a": usage("10000", "10000", "10000"),
                "cus_C5": usage("13000", "14000", "15000"), "cus_C12": usage("10000", "10000", "10000")}
    result = scan(customers, usage_by, {}, {}, TODAY, RunwayParams(), FireParams())
    assert [d.customer.customer_id for d in result.alerts] == ["cus_C1"]
    s = result.summary
    assert s["alert"] == 1 and s["alert:first"] == 1 and s["ok"] == 1 and s["startup"] == 1
    assert s["data_gap:amortized_schedule"] == 1 and s["data_gap:credit_expires_at"] == 1
    assert s["expired"] == 1 and s["no_term"] == 1 and s["no_credit"] == 1


def test_snapshots_are_kept_for_customers_with_credit_so_a_run_out_is_seen_next_time():
    first = scan([cus("cus_X", "500")], {"cus_X": usage("10000", "10000", "10000")}, {}, {}, TODAY,
                 RunwayParams(), FireParams())
    snap = first.decisions[0].snapshot
    assert snap == CreditSnapshot(Decimal("500"), T_END, TODAY)
    second = scan([cus("cus_X", "0")], {}, {"cus_X": snap},
                  {"cus_X": first.decisions[0].decision.episode} if first.decisions[0].decision.episode else {},
                  date(2026, 5, 11), RunwayParams(), FireParams())
    assert second.summary.get("alert:ran_out") == 1

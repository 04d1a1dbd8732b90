"""Worked-example accounts of churn-risk.md §5 in IMPORT.md's JSON form, for end-to-end tests
(seeded through the real importer) and for `bot/churn/demo_data.json` (written by `main()`).

As of Mon 2025-06-02. Every field an example does not name is healthy (§5 preamble).
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TODAY = date(2025, 6, 2)
TEAM = [  # the shared demo roster (bot/demo/data/00_core.json) plus nobody new
    {"slack_id": "U0LEAD01", "name": "Simon", "email": "simon@example.com", "role": "LEAD", "region": "US",
     "is_team_lead": True},
    {"slack_id": "U0LEAD02", "name": "Ben", "email": "ben@example.com", "role": "LEAD", "region": "EU",
     "is_team_lead": True},
    {"slack_id": "U0TAE01", "name": "Alex Rivera", "email": "alex@example.com", "role": "TAE", "region": "US"},
    {"slack_id": "U0CSM01", "name": "Dana Okafor", "email": "dana@example.com", "role": "CSM", "region": "EU",
     "is_team_lead": True, "cmoc": "EU"},
    {"slack_id": "U0TAE02", "name": "Priya Shah", "email": "priya@example.com", "role": "TAE", "region": "EU"},
    {"slack_id": "U0TAM02", "name": "Lukas Becker", "email": "lukas@example.com", "role": "TAM", "region": "EU"},
    {"slack_id": "U0TAM03", "name": "Mei Chen", "email": "mei@example.com", "role": "TAM", "region": "APAC"},
    {"slack_id": "U0CSM02", "name": "Jordan Blake", "email": "jordan@example.com", "role": "CSM", "region": "US",
     "cmoc": "US"},
    {"slack_id": "U0CSM03", "name": "Aisha Rahman", "email": "aisha@example.com", "role": "CSM",
     "region": "APAC"},
]


def _day(d: date) -> str:
    return d.isoformat()


def usage_rows(windows: list[int], extra: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """30-day window totals oldest -> newest (newest = the 30 days before TODAY), one day row per
    product at each window's start: total - sum(extra) on product analytics, the rest as given."""
    extra = {"session_replay": 300, "feature_flags": 300} if extra is None else extra
    rows = []
    n = len(windows)
    for i, total in enumerate(windows):
        day = _day(TODAY - timedelta(days=30 * (n - i)))
        rows.append({"product": "product_analytics", "period": day, "value": f"{total - sum(extra.values())}.00"})
        rows += [{"product": p, "period": day, "value": f"{v}.00"} for p, v in extra.items()]
    # A current feed: yesterday is reported (a zero is data; a missing day is unknown, not zero).
    rows.append({"product": "product_analytics", "period": _day(TODAY - timedelta(days=1)), "value": "0.00"})
    return rows


def weekly_rows(values: list[int]) -> list[dict[str, Any]]:
    last = TODAY - timedelta(days=TODAY.weekday() + 7)
    n = len(values)
    return [{"period": _day(last - timedelta(weeks=n - 1 - i)), "value": v} for i, v in enumerate(values)]


def health_rows(labels: list[str]) -> list[dict[str, Any]]:
    monday = TODAY - timedelta(days=TODAY.weekday())
    n = len(labels)
    return [{"period": _day(monday - timedelta(weeks=n - 1 - i)), "label": lab} for i, lab in enumerate(labels)]


def account(id: str, name: str, arr: str, owner: str | None, channel: str | None, **changes: Any) -> dict[str, Any]:
    """A healthy account (3 paid products, 8 active users, Slack 2 days ago, flat 16 months)."""
    doc: dict[str, Any] = {
        "id": id, "name": name, "domain": f"{id.split('-', 1)[1]}.example",
        "vitally_url": f"https://vitally.example.com/accounts/{id}",
        "owner_slack_id": owner, "arr": arr, "active_users_30d": 8,
        "slack_channel_ids": [channel] if channel else [],
        "last_customer_slack_message_at": _day(TODAY - timedelta(days=2)) + "T10:00:00Z",
        "mrr_history": [{"period": f"2025-{mo:02d}", "value": f"{int(arr.split('.')[0]) // 12}.00"}
                        for mo in range(1, 6)],
        "usage": usage_rows([2400] * 16),
        "events_weekly": weekly_rows([1_000_000] * 20),
        "health_history": health_rows(["Good"] * 6),
        "tickets": [],
        "contacts": [{"email": f"champion@{id.split('-', 1)[1]}.example", "role": "champion",
                      "last_inbound_at": _day(TODAY - timedelta(days=2)) + "T10:00:00Z"}],
    }
    doc.update(changes)
    return doc


def churn_accounts() -> list[dict[str, Any]]:
    """A subset of §5 covering every level, escalation and the data-gap case."""
    return [
        account("churn-cobalt", "Cobalt Fintech", "120000.00", "U0TAM02", "C0CHCOBALT",
                credit={"amount": "150000.00", "term_start": "2024-12-19", "term_end": "2025-12-19"},
                contacts=[{"email": "hop@cobalt.example", "name": "Head of Product", "role": "champion",
                           "status": "left", "changed_at": "2025-05-12T10:00:00Z",
                           "last_inbound_at": "2025-05-02T10:00:00Z"}]),  # E3
        account("churn-pulse", "Pulse Credit", "96000.00", "U0CSM02", "C0CHPULSE",
                usage=usage_rows([9000] * 12 + [9200, 8900, 8900, 6100]),
                mrr_history=[{"period": f"2025-{mo:02d}", "value": "8000.00"} for mo in range(1, 6)]),  # E16
        account("churn-vega", "Vega Tools", "50000.00", "U0TAE01", "C0CHVEGA",
                usage=usage_rows([4000] * 13 + [2800])),  # E21
        account("churn-helix", "Helix SaaS", "40000.00", "U0TAM03", "C0CHHELIX",
                health_history=health_rows(["Good", "Good", "Poor", "Poor", "Poor", "Poor"])),  # E8
        account("churn-ember", "Ember Care", "28800.00", None, "C0CHEMBER",
                last_customer_slack_message_at="2025-05-26T11:00:00Z",
                contacts=[{"email": "rae@embercare.example", "role": "champion",
                           "last_inbound_at": "2025-05-26T11:00:00Z"}],
                stripe_customer_ids=["cus_ChurnEmberCare"],
                invoices=[{"id": "in_ChurnEmberMay", "status": "open", "payment_method": "card",
                           "amount_due": "2400.00", "finalized_at": "2025-05-28T10:00:00Z", "attempt_count": 1,
                           "first_failed_at": "2025-05-28T10:00:00Z"}]),  # E5
        account("churn-lumen", "Lumen Dev", "25200.00", "U0TAE01", "C0CHLUMEN", active_users_30d=2,
                usage=usage_rows([2220] * 16, extra={"session_replay": 120}),
                notes=[{"kind": "recommendation", "title": "Set up a reverse proxy", "status": "open",
                        "created_at": "2025-05-13T09:00:00Z", "updated_at": "2025-05-13T09:00:00Z"}]),  # E13
        account("churn-tango", "Tango Retail", "80000.00", "U0CSM03", "C0CHTANGO",
                last_customer_slack_message_at="2025-05-20T08:00:00Z",
                stripe_customer_ids=["cus_ChurnTango"],
                contacts=[{"email": "finance@tango.example", "role": "finance",
                           "last_inbound_at": "2025-05-22T10:00:00Z"}],
                invoices=[{"id": "in_ChurnTangoQ2", "status": "open", "payment_method": "bank_transfer",
                           "amount_due": "20000.00", "due_date": "2025-05-20"}]),  # E20
        account("churn-nova", "Nova Games", "36000.00", "U0CSM02", "C0CHNOVA",
                mrr_history=[{"period": "2025-03", "value": "3000.00"}, {"period": "2025-04", "value": "3000.00"},
                             {"period": "2025-05", "value": "0.00"}],
                subscription_status="canceled", canceled_at="2025-05-30T12:00:00Z"),  # E14
        account("churn-borealis", "Borealis Learning", "90000.00", "U0TAM02", "C0CHBOREALIS",
                usage=usage_rows([8000] * 13 + [5200, 8000, 8000, 8000, 8000, 8000, 8000, 8000, 8000,
                                                7600, 7500, 7400, 4650])),  # E2
        account("churn-xylo", "Xylo", "22000.00", "U0TAE02", None),  # E23
    ]


def document() -> dict[str, Any]:
    return {"format": "gtmbot-accounts/1", "team": TEAM, "accounts": churn_accounts()}


def main() -> None:
    """Write bot/churn/demo_data.json (the demo's churn accounts)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bot/churn/demo_data.json")
    doc = {"format": "gtmbot-accounts/1", "accounts": churn_accounts()}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

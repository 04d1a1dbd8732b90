"""The worked example accounts E1-E25 of churn-risk.md §5, as plain snapshots.

Common as-of time Mon 2025-06-02 09:00 UTC. Every field an example does not name is
healthy (§5 preamble): 3 paid products > $200, 8 active users, customer Slack message
2 days ago, 1 ticket in the last 104 days, health Good every week, monthly plan, owner set,
usage and event series flat for 16 months. Usage is seeded as one day row per product at
the start of each 30-day window, so window sums are exact, plus a zero row for yesterday so the
feed is current.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from services.churn.model import (
    AccountSnapshot,
    Contact,
    Credit,
    Destination,
    Evaluation,
    Flag,
    Invoice,
    Note,
    OneTimeCredit,
    Person,
    Ticket,
    UsageRow,
)

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
D = Decimal


def ts(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def owner(name: str, role: str = "CSM") -> Person:
    return Person(f"U0{name.upper()}", name, role)


def usage_windows(values: list[int | str], today: date = TODAY,
                  extra: dict[str, int] | None = None) -> tuple[UsageRow, ...]:
    """Window totals oldest -> newest (newest = the last 30 days). Each total is split as
    total - 600 on product analytics, 300 each on session replay and feature flags, unless
    `extra` names other products (then the first product takes the rest)."""
    extra = {"session_replay": 300, "feature_flags": 300} if extra is None else extra
    rows: list[UsageRow] = []
    n = len(values)
    for i, total in enumerate(values):
        day = today - timedelta(days=30 * (n - i))
        rest = D(total) - sum(D(v) for v in extra.values())
        rows.append(UsageRow("product_analytics", day, rest))
        rows.extend(UsageRow(p, day, D(v)) for p, v in extra.items())
    if rows:  # a current feed: yesterday is reported (zero usage is data; a missing day is not)
        rows.append(UsageRow("product_analytics", today - timedelta(days=1), D(0)))
    return tuple(rows)


def weekly(values: list[int], today: date = TODAY) -> dict[date, int]:
    """Event counts oldest -> newest; the newest is the last complete week."""
    last = today - timedelta(days=today.weekday() + 7)
    n = len(values)
    return {last - timedelta(weeks=n - 1 - i): v for i, v in enumerate(values)}


def health(labels: list[str], today: date = TODAY) -> dict[date, str]:
    """Weekly labels oldest -> newest; the newest is this week's Monday."""
    monday = today - timedelta(days=today.weekday())
    n = len(labels)
    return {monday - timedelta(weeks=n - 1 - i): label for i, label in enumerate(labels)}


def healthy(id: str, name: str, arr: str, owner_name: str | None = "sam", today: date = TODAY,
            **changes) -> AccountSnapshot:
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=9)
    base = AccountSnapshot(
        id=id,
        name=name,
        arr=D(arr),
        owner=owner(owner_name) if owner_name else None,
        vitally_url=f"https://vitally.example.com/accounts/{id}",
        active_users_30d=8,
        slack_channel_ids=(f"C0{id.upper().replace('-', '')[:8]}",),
        last_customer_slack_message_at=now - timedelta(days=2),
        usage=usage_windows([2400] * 16, today),
        events_weekly=weekly([1_000_000] * 70, today),
        health_history=health(["Good"] * 20, today),
        tickets=(Ticket(1, now - timedelta(days=60), "solved", "normal"),),
        contacts=(Contact(f"champ@{id}.example", role="champion", last_inbound_at=now - timedelta(days=2)),),
        mrr_history={date(2025, m, 1): (D(arr) / 12).quantize(D("0.01")) for m in range(1, 6)} if today < date(2025, 7, 1)
        else {date(2025, m, 1): (D(arr) / 12).quantize(D("0.01")) for m in range(1, 7)},
    )
    return replace(base, **changes)


def annual(term_end: str, amount: str = "100000") -> Credit:
    end = date.fromisoformat(term_end)
    return Credit(amount=D(amount), discount_pct=D("20"), term_start=date(end.year - 1, end.month, end.day),
                  term_end=end, balance=D("20000"))


def examples() -> dict[str, AccountSnapshot]:
    """E1-E25 (E18 is as of 2025-07-02, so it is under its own key `E18`)."""
    ex: dict[str, AccountSnapshot] = {}
    ex["E1"] = healthy(
        "e01-acme", "Acme Analytics", "48000",
        usage=usage_windows([4000] * 6 + [4000, 4100, 3900, 2640]),
        events_weekly=weekly([1_000_000] * 8 + [800_000, 700_000, 650_000, 640_000]),
    )
    e2 = [8000] * 26
    e2[-1], e2[-2], e2[-3], e2[-4] = 4650, 7400, 7500, 7600  # baseline 7,500, recent 4,650: -38%
    e2[-13] = 5200  # the same windows a year earlier: 8,000 -> 5,200, -35%
    ex["E2"] = healthy("e02-borealis", "Borealis Learning", "90000", owner_name="ana", usage=usage_windows(e2))
    ex["E3"] = healthy(
        "e03-cobalt", "Cobalt Fintech", "120000", owner_name="ana", credit=annual("2025-12-19"),
        contacts=(
            Contact("hop@cobalt.example", name="Head of Product", role="champion", status="left",
                    changed_at=ts("2025-05-12T10:00:00Z"), last_inbound_at=ts("2025-05-02T10:00:00Z")),
            Contact("dev@cobalt.example", role="user", last_inbound_at=ts("2025-04-01T10:00:00Z")),
        ),
    )
    ex["E4"] = healthy(
        "e04-dune", "Dune Labs", "36000", owner_name="ana",
        contacts=(
            Contact("old@dune.example", role="champion", status="left", changed_at=ts("2025-05-05T10:00:00Z")),
            Contact("staff@dune.example", name="Staff Engineer", role="champion",
                    last_inbound_at=ts("2025-05-28T10:00:00Z")),
        ),
    )
    ex["E5"] = healthy(
        "e05-ember", "Ember Health", "28800", owner_name=None,
        last_customer_slack_message_at=ts("2025-05-26T11:00:00Z"),
        contacts=(Contact("rae@ember.example", role="champion", last_inbound_at=ts("2025-05-26T11:00:00Z")),),
        invoices=(Invoice("in_EmberMay", "open", "card", D("2400"), attempt_count=1,
                          first_failed_at=ts("2025-05-28T10:00:00Z"), finalized_at=ts("2025-05-28T10:00:00Z")),),
        mrr_history={date(2025, m, 1): D("2400") for m in range(1, 6)},
    )
    ex["E6"] = healthy(
        "e06-fjord", "Fjord Media", "75000", owner_name="maria", credit=annual("2025-08-01"),
        last_customer_slack_message_at=ts("2025-05-12T14:03:00Z"), active_users_30d=2,
        contacts=(Contact("ingrid@fjord.example", role="champion", last_inbound_at=ts("2025-05-12T14:03:00Z")),),
    )
    ex["E7"] = healthy(
        "e07-gamma", "Gamma Robotics", "55000", credit=annual("2025-09-30"),
        last_customer_slack_message_at=ts("2025-05-12T10:00:00Z"),
    )
    ex["E8"] = healthy("e08-helix", "Helix SaaS", "40000", owner_name="ian",
                       health_history=health(["Good"] * 10 + ["Poor"] * 4))
    ex["E9"] = healthy("e09-indigo", "Indigo Cloud", "33000", owner_name="ian",
                       health_history=health(["Good"] * 10 + ["Concerning"] + ["Poor"] * 3))
    ex["E10"] = healthy(
        "e10-iris", "Iris Data", "42000", owner_name="eve",
        destinations=(Destination("batch_export", "Snowflake"), Destination("batch_export", "Snowflake")),
        inapp_analysis_actions_30d=0,
        usage=usage_windows([3650] * 16, extra={"data_pipelines": 150}),
    )
    ex["E11"] = healthy(
        "e11-juno", "Juno AI", "60000", owner_name="tom",
        tickets=(Ticket(1, NOW - timedelta(days=60), "solved", "normal"),
                 Ticket(2, ts("2025-05-30T10:00:00Z"), "open", "normal", ("data_export",),
                        "please export all of our event data")),
    )
    ex["E12"] = healthy(
        "e12-kite", "Kite Mobility", "30000", owner_name="ola",
        flags=(Flag("evaluating_alternatives", ts("2025-05-29T16:00:00Z"), note="evaluating Amplitude"),),
        destinations=(Destination("realtime", "Amplitude"),),
    )
    ex["E13"] = healthy(
        "e13-lumen", "Lumen Dev", "25200", owner_name="tom", active_users_30d=2,
        usage=usage_windows([2220] * 16, extra={"session_replay": 120}),
        notes=(Note("recommendation", "Set up a reverse proxy", updated_at=ts("2025-05-13T09:00:00Z"),
                    created_at=ts("2025-05-13T09:00:00Z")),),
    )
    ex["E14"] = healthy(
        "e14-nova", "Nova Games", "36000", owner_name="lee",
        mrr_history={date(2025, 3, 1): D("3000"), date(2025, 4, 1): D("3000"), date(2025, 5, 1): D("0")},
        subscription_status="canceled", canceled_at=ts("2025-05-30T12:00:00Z"),
    )
    ex["E15"] = healthy("e15-orbit", "Orbit Commerce", "26000", owner_name="kim",
                        usage=usage_windows([1900, 2000, 2000, 2200, 6000, 2300]))
    ex["E16"] = healthy(
        "e16-pulse", "Pulse Credit", "96000", owner_name="raj", credit=annual("2026-01-15", "96000"),
        usage=usage_windows([9000] * 12 + [9200, 8900, 8900, 6100]),
        mrr_history={date(2025, m, 1): D("8000") for m in range(1, 6)},
    )
    now = NOW
    ex["E17"] = healthy(
        "e17-quartz", "Quartz Labs", "40000", owner_name="eve",
        tickets=tuple(Ticket(100 + i, now - timedelta(days=1 + i), "open", "normal") for i in range(7))
        + tuple(Ticket(200 + i, now - timedelta(days=20 + 9 * i), "solved", "normal") for i in range(9)),
    )
    e18_today = date(2025, 7, 2)
    ex["E18"] = healthy(
        "e18-rho", "Rho Systems", "60000", owner_name="kim", today=e18_today,
        mrr_history={date(2025, 3, 1): D("4900"), date(2025, 4, 1): D("5000"), date(2025, 5, 1): D("0"),
                     date(2025, 6, 1): D("5100")},
        one_time_credits=(OneTimeCredit(date(2025, 5, 3), D("5000"), "incident"),),
    )
    ex["E19"] = healthy(
        "e19-sol", "Sol Partners", "45000", owner_name="kim",
        segments=("Churn Risk",), churn_risk_flagged_at=ts("2025-04-28T09:00:00Z"),
        usage=usage_windows([5000] * 12 + [5000, 5000, 5000, 3200]),
        notes=(Note("recovery_call", "Recovery call", updated_at=ts("2025-04-29T15:00:00Z"),
                    created_at=ts("2025-04-29T15:00:00Z")),),
        history=(Evaluation(ts("2025-04-28T09:00:00Z"), "at_risk", frozenset({"F0", "F2"}), 10),
                 Evaluation(ts("2025-05-26T08:00:00Z"), "at_risk", frozenset({"F0", "F2"}), 10)),
    )
    ex["E20"] = healthy(
        "e20-tango", "Tango Retail", "80000", owner_name="raj",
        last_customer_slack_message_at=ts("2025-05-20T08:00:00Z"),
        contacts=(Contact("champ@tango.example", role="champion", last_inbound_at=ts("2025-05-20T08:00:00Z")),
                  Contact("finance@tango.example", role="finance", last_inbound_at=ts("2025-05-22T10:00:00Z"))),
        invoices=(Invoice("in_TangoQ2", "open", "bank_transfer", D("20000"), due_date=date(2025, 5, 20)),),
    )
    ex["E21"] = healthy("e21-vega", "Vega Tools", "50000", owner_name="jo",
                        usage=usage_windows([4000] * 13 + [2800]))
    ex["E22"] = healthy("e22-willow", "Willow Apps", "24000", owner_name="jo", credit=annual("2025-08-31"),
                        last_customer_slack_message_at=ts("2025-05-12T10:00:00Z"))
    ex["E23"] = healthy("e23-xylo", "Xylo", "22000", owner_name="ola", slack_channel_ids=())
    ex["E24"] = healthy(
        "e24-yarrow", "Yarrow", "38000", owner_name="ola",
        flags=(Flag("optimization_note", ts("2025-05-01T10:00:00Z"),
                    note="turned off autocapture noise, identify() once per session"),),
        usage=usage_windows([5000] * 15 + [3000]),
    )
    ex["E25"] = healthy(
        "e25-zenith", "Zenith", "30000", first_paid_date=date(2025, 5, 15), owner_since=date(2025, 5, 15),
        usage=usage_windows([2500] * 16, extra={}),
    )
    return ex


E18_NOW = datetime(2025, 7, 2, 9, 0, tzinfo=UTC)

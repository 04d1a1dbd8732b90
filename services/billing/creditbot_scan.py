"""One CreditBot run over many customers: eligibility, runway and alert decisions for each, plus
the job summary (alerts, skips by reason, data gaps). Pure: the job gathers the inputs and
persists the outputs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services.billing.runway import (
    CreditCustomer,
    CreditSnapshot,
    Episode,
    FireDecision,
    FireParams,
    RanOutInvoice,
    RunwayParams,
    Status,
    UsageInvoice,
    compute_runway,
    decide_alert,
)


@dataclass(frozen=True)
class CustomerDecision:
    customer: CreditCustomer
    status: Status
    decision: FireDecision
    snapshot: CreditSnapshot | None  # today's snapshot to store (None when the customer has no credit data)


@dataclass(frozen=True)
class ScanResult:
    decisions: tuple[CustomerDecision, ...]
    summary: Mapping[str, int] = field(default_factory=dict)

    @property
    def alerts(self) -> list[CustomerDecision]:
        return [d for d in self.decisions if d.decision.alert is not None]


def scan(
    customers: Iterable[CreditCustomer],
    usage: Mapping[str, Sequence[UsageInvoice]],
    snapshots: Mapping[str, CreditSnapshot],
    episodes: Mapping[str, Episode],
    today: date,
    runway_params: RunwayParams,
    fire_params: FireParams,
    used_since: Mapping[str, Decimal] | None = None,
    ran_out_invoices: Mapping[str, RanOutInvoice] | None = None,
) -> ScanResult:
    """Decide for every customer; the summary counts each status and `data_gap:<kind>` (spec §2.2, C12, C15)."""
    summary: Counter[str] = Counter()
    decisions: list[CustomerDecision] = []
    for customer in customers:
        runway = compute_runway(customer, usage.get(customer.customer_id, ()), today, runway_params)
        summary[runway.status.value] += 1
        if runway.data_gap is not None:
            summary[f"data_gap:{runway.data_gap.value}"] += 1
        credit = customer.credit_left if customer.credit_left is not None else Decimal(0)
        snapshot = snapshots.get(customer.customer_id)
        episode = episodes.get(customer.customer_id)
        if snapshot is None and episode is None and runway.status is not Status.ALERT:
            # Nothing to compare against and nothing to say: the common case, kept cheap.
            decision = FireDecision(None, None, None)
        else:
            decision = decide_alert(
                runway, credit, customer.expires_on, snapshot, episode, fire_params,
                (used_since or {}).get(customer.customer_id),
                (ran_out_invoices or {}).get(customer.customer_id),
            )
        if decision.alert is not None:
            summary[f"alert:{decision.alert.kind.value}"] += 1
        today_snapshot = (
            CreditSnapshot(credit, customer.expires_on, today)
            if customer.credit_left is not None and (credit > 0 or snapshot is not None)
            else None
        )
        decisions.append(CustomerDecision(customer, runway.status, decision, today_snapshot))
    return ScanResult(tuple(decisions), dict(summary))

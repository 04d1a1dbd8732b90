"""Benchmark (not a test): a CreditBot scan of N customers against the local Stripe fake.

Prints the Stripe calls made and the wall time; asserts nothing about time.
    /work/venv/bin/python bench/credit_scan.py [N]          # default 10000

Shape of the data: every 5th customer holds prepaid credit with a `credit_expires_at`, each of
those has three monthly usage invoices; the rest are pay-as-you-go. The scan is the steady-state
path of the daily job (spec §4.4): one customers listing, 100 a page, plus one incremental invoice
listing since the watermark, then the policy for every customer."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clients.stripe_client import (  # noqa: E402
    credit_customer,
    iter_customers,
    iter_invoices_since,
    make_client,
    usage_invoice,
)
from bot.fakes.stripe import FakeStripe  # noqa: E402
from services.credit_runway import FireParams, RunwayParams  # noqa: E402
from services.creditbot_scan import scan  # noqa: E402

TODAY = date(2026, 5, 10)


def ts(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp())


def seed(fake: FakeStripe, n: int) -> None:
    for i in range(n):
        cid = f"cus_{i:06d}"
        if i % 5 == 0:
            credit = 20_000_00 + (i % 97) * 1_000_00
            fake.add_customer(cid, balance=-credit, name=f"Credit {i}",
                              metadata={"credit_expires_at": "2027-01-01", "is_startup_plan_customer": "false"})
            for k, (start, end) in enumerate([((2026, 2, 1), (2026, 3, 1)), ((2026, 3, 1), (2026, 4, 1)),
                                              ((2026, 4, 1), (2026, 5, 1))]):
                fake.add_invoice(f"in_{i:06d}_{k}", cid, status="paid", total=(8_000 + (i % 13) * 500) * 100,
                                 period_start=ts(*start), period_end=ts(*end), created=ts(*end))
        else:
            fake.add_customer(cid, balance=0, name=f"PAYG {i}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with FakeStripe() as fake:
        seed(fake, n)
        client = make_client("sk_test_bench", fake.url, max_network_retries=0)
        started = time.perf_counter()
        customers = [credit_customer(c) for c in iter_customers(client)]
        t_customers = time.perf_counter()
        usage = defaultdict(list)
        for raw in iter_invoices_since(client, datetime(2026, 1, 30, tzinfo=UTC)):
            if (u := usage_invoice(raw)) is not None:
                usage[raw["customer"]].append(u)
        t_invoices = time.perf_counter()
        result = scan(customers, usage, {}, {}, TODAY, RunwayParams(), FireParams())
        finished = time.perf_counter()
    print(f"customers scanned:        {len(customers)}")
    print(f"usage invoices read:      {sum(len(v) for v in usage.values())}")
    print(f"Stripe calls, customers:  {fake.calls('/v1/customers')}  (ceil(N/100) = {-(-n // 100)})")
    print(f"Stripe calls, invoices:   {fake.calls('/v1/invoices')}")
    print(f"Stripe calls, total:      {len(fake.requests)}")
    print(f"alerts decided:           {len(result.alerts)}")
    print(f"summary:                  {dict(sorted(result.summary.items()))}")
    print(f"wall time: customers {t_customers - started:.2f}s, invoices {t_invoices - t_customers:.2f}s, "
          f"policy {finished - t_invoices:.2f}s, total {finished - started:.2f}s")


if __name__ == "__main__":
    main()

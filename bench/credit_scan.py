"""Benchmark (not a test): a CreditBot scan of N customers against the local Stripe fake.

Prints the Stripe calls made and the wall time; asserts nothing about time.
    python -m bench.credit_scan [N]            # default 10000
    python -m bench.credit_scan [N] --job      # also the whole job: sync into SQLite, decide, post


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


def run_job_bench(n: int) -> None:
    """The real `creditbot` job: Stripe sync into the account model, the policy, the outbox, a fake Slack."""
    import tempfile

    from pydantic import SecretStr
    from sqlalchemy import insert

    from bot.db.models import Account, AccountStripeCustomer
    from bot.fakes.slack import FakeSlack
    from bot.fakes.workspace import seed_workspace
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from jobs import run_job

    with FakeStripe() as fake, tempfile.TemporaryDirectory() as tmp:
        seed(fake, n)
        slack = seed_workspace(FakeSlack(bot_token="xoxb-bench").start())
        settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret="bench", slack_api_url=slack.url,
                            database_url=f"sqlite:///{tmp}/bench.db", scheduler_enabled=False,
                            stripe_api_key=SecretStr("sk_test_bench"), stripe_api_base=fake.url)
        rt = build_runtime(settings)
        with rt.session_factory() as s:
            s.execute(insert(Account), [{"id": f"acct-{i:06d}", "name": f"Account {i}", "credit_present": i % 5 == 0,
                                         "credit_term_start": date(2026, 1, 1) if i % 5 == 0 else None,
                                         "credit_term_months": 12 if i % 5 == 0 else None} for i in range(n)])
            s.execute(insert(AccountStripeCustomer), [{"account_id": f"acct-{i:06d}", "customer_id": f"cus_{i:06d}",
                                                       "position": 0} for i in range(n)])
            s.commit()
        before = len(fake.requests)
        started = time.perf_counter()
        result = run_job(rt, "creditbot", now=datetime(2026, 5, 10, 9, 30, tzinfo=UTC))
        finished = time.perf_counter()
        posted = len(slack.posts())
        slack.stop()
        rt.engine.dispose()
    print(f"job: Stripe calls {len(fake.requests) - before}, alerts posted {posted}, "
          f"wall time {finished - started:.2f}s")
    print(f"job summary: {result.summary}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
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
    if "--job" in sys.argv:
        run_job_bench(n)


if __name__ == "__main__":
    main()

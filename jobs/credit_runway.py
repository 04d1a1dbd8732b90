"""CreditBot, daily: for every prepaid-credit account, will the credit run out before the term
ends? Alert #sales-alerts with the owner tagged, once per episode (spec billing-alerts.md §2).

"We have CreditBot alerts set up in #sales-alerts when a customer is going to run out of credit
before their contract term ends" 002_59a801b964a2a19e.txt:4694."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.billing import state as st
from bot.billing.blocks import creditbot_alert
from bot.billing.settings import BillingSettings, load_billing_settings
from bot.channels import channel_id
from bot.db.models import Account
from jobs import JobContext, job
from services.billing.creditbot_scan import CustomerDecision, ScanResult, scan
from services.billing.runway import (
    FireParams,
    RanOutInvoice,
    RunwayParams,
    alert_facts,
    creditbot_mentions,
)

log = logging.getLogger("gtmbot.jobs.creditbot")


def cron_kwargs(crontab: str) -> dict[str, str]:
    """`CREDITBOT_CRON="30 9 * * *"` as APScheduler cron trigger arguments."""
    minute, hour, day, month, day_of_week = crontab.split()
    return {"trigger": "cron", "minute": minute, "hour": hour, "day": day, "month": month,
            "day_of_week": day_of_week}


def ran_out_invoice(account: Account, today: date) -> RanOutInvoice | None:
    """The latest usage invoice, if it used credit and billed the rest (spec §2.7, C10)."""
    usage = [i for i in account.invoices if i.effective_kind == "usage" and i.period_end and i.period_end <= today]
    if not usage:
        return None
    last = max(usage, key=lambda i: i.period_end)
    used = last.effective_total - last.amount_due
    if used <= 0:
        return None
    return RanOutInvoice(last.period_end, used, last.amount_due)


# Accounts decided per batch: one keyset page of credit accounts with their invoices, snapshots and
# episodes, decided, recorded and committed together, then let go (issue 10: memory flat in N).
BATCH_SIZE = 500


@dataclass
class CreditbotRun:
    """What a run decided, tallied over its batches (the decisions themselves are not kept)."""

    checked: int = 0
    alerts: int = 0
    summary: Counter[str] = field(default_factory=Counter)

    def add(self, result: ScanResult) -> None:
        self.checked += len(result.decisions)
        self.alerts += len(result.alerts)
        self.summary.update(result.summary)


def run_creditbot(ctx: JobContext, session: Session, bs: BillingSettings, *,
                  batch_size: int = BATCH_SIZE) -> CreditbotRun:
    """Every credit account, a batch at a time in account id order; each batch is committed (in a
    dry run only flushed, and the caller rolls everything back)."""
    today = ctx.now.date()
    runway = RunwayParams(bs.burn_max_invoices, bs.burn_lookback_days, bs.burn_min_days, bs.early_renewal_days,
                          bs.default_term_months, bs.creditbot_include_startup)
    fire = FireParams(bs.realert_earlier_days, bs.episode_reset_ok_days)
    fallback = st.resolve_people(session, bs.no_owner_fallback_users)
    channel: str | None = None
    run = CreditbotRun()
    for batch in st.credit_account_batches(session, batch_size):
        accounts = {st.customer_key(a): a for a in batch}
        result = _decide(session, accounts, today, runway, fire)
        run.add(result)
        if result.alerts and channel is None:
            channel = channel_id(ctx.rt, ctx.settings.sales_alerts_channel)
        _record_batch(ctx, session, result, accounts, fallback, channel or "")
        st.end_batch(session, ctx.dry_run)
    gaps = {k: v for k, v in run.summary.items() if k.startswith("data_gap:")}
    if gaps:
        log.warning("creditbot data gaps: %s", gaps)
    return run


def _decide(session: Session, accounts: dict[str, Account], today: date, runway: RunwayParams,
            fire: FireParams) -> ScanResult:
    """The policy for one batch, with the snapshots and episodes of its customers only."""
    snaps = st.snapshots(session, accounts)
    used_since = {
        cid: st.credit_used_since(a, snaps[cid].taken_on, today) for cid, a in accounts.items() if cid in snaps
    }
    return scan(
        (st.credit_customer(a) for a in accounts.values()),
        {cid: st.usage_invoices(a) for cid, a in accounts.items()},
        snaps,
        st.latest_episodes(session, accounts),
        today,
        runway,
        fire,
        used_since,
        {cid: inv for cid, a in accounts.items() if (inv := ran_out_invoice(a, today)) is not None},
    )


def _record_batch(ctx: JobContext, session: Session, result: ScanResult, accounts: dict[str, Account],
                  fallback: tuple[str, ...], channel: str) -> None:
    for item in result.decisions:
        d = item.decision
        if item.snapshot is None and d.closed is None and d.episode is None and d.alert is None:
            continue  # nothing to record: the common case on a large scan
        try:
            with st.decision_unit(session, ctx.dry_run):
                _record(ctx, session, item, accounts[item.customer.customer_id], fallback, channel)
        except IntegrityError:
            # Another scheduler recorded this episode at the same moment; its outbox key stands.
            log.warning("creditbot: %s was decided concurrently by another process; skipped",
                        item.customer.customer_id)


def _record(ctx: JobContext, session: Session, item: CustomerDecision, account: Account,
            fallback: tuple[str, ...], channel: str) -> None:
    """Persist one customer's episode and snapshot and queue its alert, in one savepoint."""
    cid = item.customer.customer_id
    for episode in (item.decision.closed, item.decision.episode):
        if episode is not None:
            st.save_episode(session, episode, account.id)
    if item.snapshot is not None:
        st.save_snapshot(session, cid, item.snapshot)
    alert = item.decision.alert
    if alert is None:
        return
    mentions = creditbot_mentions(account.owner_slack_id, fallback)
    payload = creditbot_alert(alert_facts(alert, account.name, mentions))
    ctx.post(key=alert.dedupe_key, channel=channel, text=payload["text"], blocks=payload["blocks"],
             session=session, metadata=payload["metadata"], unfurl_links=False)


@job("creditbot", "CreditBot: alert #sales-alerts when prepaid credit will run out before the term ends",
     **cron_kwargs(load_billing_settings().creditbot_cron))
def creditbot(ctx: JobContext) -> str:
    bs = load_billing_settings()
    from bot.billing.stripe_sync import stripe_client, sync_credit

    client = stripe_client(ctx.settings)
    with ctx.session() as session:
        if client is not None:
            # A dry run pulls too, so it previews what the real run will see; its writes are only
            # flushed in this transaction, which ctx.session() rolls back (issue 15: dry run = real run, minus writes).
            sync_credit(session, client, ctx.now, commit=not ctx.dry_run)
        result = run_creditbot(ctx, session, bs)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.summary.items()))
    return f"{result.checked} account(s) checked, {result.alerts} alert(s); {counts or 'nothing in scope'}"


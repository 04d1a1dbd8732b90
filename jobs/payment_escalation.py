"""Failed and late payments, hourly: bring every late invoice's escalation up to date and post
what is due, each message once (spec billing-alerts.md §3, §4.3, §5.5); and daily, compare every
open escalation with Stripe (issue 15: reconciliation, not trust).

The same `bot.billing.escalation.evaluate_customer` runs from the Stripe webhook, so a webhook only
makes a step happen sooner; this poll is the safety net that finds what a missed webhook would have
said. A dry run reads exactly what the real run reads (the Stripe pull included) and writes nothing:
its writes are flushed inside one transaction that is rolled back."""

from __future__ import annotations

from bot.billing.escalation import audit_open_escalations, run_escalations
from bot.billing.settings import load_billing_settings
from jobs import JobContext, job
from jobs.credit_runway import cron_kwargs


@job("payments_reconcile", "Failed and late payments: open, advance and close escalations (hourly safety net "
     "for missed Stripe webhooks)", trigger="interval", minutes=load_billing_settings().payments_reconcile_interval)
def payments_reconcile(ctx: JobContext) -> str:
    bs = load_billing_settings()
    from bot.billing.stripe_sync import stripe_client, sync_open_invoices

    client = stripe_client(ctx.settings)
    with ctx.session() as session:
        hold: set[str] = set()
        if client is not None:
            # The open list, then every tracked invoice that left it, re-read one by one: a paid
            # invoice whose webhook was lost closes its escalation here (issue 15).
            hold = sync_open_invoices(session, client, commit=not ctx.dry_run).unverified_customers
        summary = run_escalations(ctx, session, bs, hold=hold)
    held = f"; {summary['held']} customer(s) held until Stripe answers" if summary.get("held") else ""
    return (f"{summary['customers']} customer(s) checked, {summary['messages']} message(s), "
            f"{summary['backlog']} in the backlog summary{held}")


@job("payments_audit", "Failed and late payments: compare every open escalation with Stripe, invoice by invoice "
     "(daily)", **cron_kwargs(load_billing_settings().payments_audit_cron))
def payments_audit(ctx: JobContext) -> str:
    bs = load_billing_settings()
    from bot.billing.stripe_sync import stripe_client

    client = stripe_client(ctx.settings)
    if client is None:
        return "STRIPE_API_KEY is not set: no Stripe to compare the open escalations with"
    with ctx.session() as session:
        result = audit_open_escalations(ctx, session, client, bs)
    unverified = f", {len(result.unverified)} not verified (Stripe did not answer)" if result.unverified else ""
    return (f"{result.cases} open escalation(s) compared with Stripe ({result.invoices_read} invoice(s) read): "
            f"{len(result.differed)} invoice(s) had changed, {len(result.cancelled)} subscription(s) cancelled"
            f"{unverified}; {result.escalations.get('messages', 0)} message(s)")

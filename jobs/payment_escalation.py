"""Failed and late payments, hourly: bring every late invoice's escalation up to date and post
what is due, each message once (spec billing-alerts.md §3, §4.3, §5.5).

The same `bot.billing.escalation.evaluate_customer` runs from the Stripe webhook, so a webhook only
makes a step happen sooner; this poll is the safety net that finds what a missed webhook would have
said."""

from __future__ import annotations

from bot.billing.escalation import run_escalations
from bot.billing.settings import load_billing_settings
from jobs import JobContext, job


@job("payments_reconcile", "Failed and late payments: open, advance and close escalations (hourly safety net "
     "for missed Stripe webhooks)", trigger="interval", minutes=load_billing_settings().payments_reconcile_interval)
def payments_reconcile(ctx: JobContext) -> str:
    bs = load_billing_settings()
    from bot.billing.stripe_sync import stripe_client, sync_open_invoices

    client = stripe_client(ctx.settings)
    session = ctx.rt.session_factory()
    try:
        if client is not None and not ctx.dry_run:
            sync_open_invoices(session, client, commit=True)
        summary = run_escalations(ctx, session, bs)
        if ctx.dry_run:
            session.rollback()  # a dry run decides and prints; it records nothing
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
    return (f"{summary['customers']} customer(s) checked, {summary['messages']} message(s), "
            f"{summary['backlog']} in the backlog summary")

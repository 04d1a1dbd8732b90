"""CreditBot and payment escalations: tables, Stripe client and sync, webhook, flows, Block Kit."""

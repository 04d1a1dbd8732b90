"""HTTP clients for the systems of record (Stripe, Zendesk, Vitally)."""

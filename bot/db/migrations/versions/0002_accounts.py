"""The one account model: team directory, accounts and their children (IMPORT.md §4-§8).

Revision ID: 0002_accounts
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_accounts"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_members",
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("is_team_lead", sa.Boolean(), nullable=False),
        sa.Column("team_lead_slack_id", sa.String(length=32), nullable=True),
        sa.Column("cmoc", sa.String(length=8), nullable=True),
        sa.Column("out_of_office", sa.Boolean(), nullable=False),
        sa.Column("managed_count", sa.Integer(), nullable=True),
        sa.Column("leads_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("slack_id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("email", name=op.f("uq_team_members_email")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("posthog_org_id", sa.String(length=128), nullable=True),
        sa.Column("vitally_url", sa.String(length=1000), nullable=True),
        sa.Column("salesforce_id", sa.String(length=64), nullable=True),
        sa.Column("zendesk_org_id", sa.BigInteger(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("cloud", sa.String(length=2), nullable=True),
        sa.Column("owner_slack_id", sa.String(length=32), nullable=True),
        sa.Column("owner_since", sa.Date(), nullable=True),
        sa.Column("previous_owner_slack_id", sa.String(length=32), nullable=True),
        sa.Column("tam_overlay_slack_id", sa.String(length=32), nullable=True),
        sa.Column("new_owner", sa.String(length=32), nullable=True),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("churn_risk_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("top40", sa.Boolean(), nullable=True),
        sa.Column("high_potential", sa.Boolean(), nullable=False),
        sa.Column("retained_by_tae", sa.Boolean(), nullable=False),
        sa.Column("closed_won_date", sa.Date(), nullable=True),
        sa.Column("initial_deal_arr", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("open_cross_sell_opps", sa.Integer(), nullable=False),
        sa.Column("onboarding_checklist", sa.JSON(), nullable=True),
        sa.Column("user_region_counts", sa.JSON(), nullable=True),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("forecasted_mrr", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("first_paid_date", sa.Date(), nullable=True),
        sa.Column("subscription_status", sa.String(length=16), nullable=False),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("billing_email", sa.String(length=320), nullable=True),
        sa.Column("legacy_coupon_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("nonprofit", sa.Boolean(), nullable=False),
        sa.Column("trial_revenue", sa.Boolean(), nullable=False),
        sa.Column("uptime_sla", sa.Boolean(), nullable=False),
        sa.Column("paying_for", sa.JSON(), nullable=False),
        sa.Column("products_used", sa.JSON(), nullable=True),
        sa.Column("billing_limits", sa.JSON(), nullable=False),
        sa.Column("destinations", sa.JSON(), nullable=False),
        sa.Column("active_users_30d", sa.Integer(), nullable=True),
        sa.Column("inapp_analysis_actions_30d", sa.Integer(), nullable=True),
        sa.Column("last_customer_slack_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("billing_page_views", sa.JSON(), nullable=False),
        sa.Column("risk_indicators", sa.JSON(), nullable=False),
        sa.Column("credit_present", sa.Boolean(), nullable=False),
        sa.Column("credit_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("credit_discount_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("credit_term_start", sa.Date(), nullable=True),
        sa.Column("credit_term_months", sa.Integer(), nullable=True),
        sa.Column("credit_term_end", sa.Date(), nullable=True),
        sa.Column("credit_first_purchase_date", sa.Date(), nullable=True),
        sa.Column("credit_balance", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("credit_expires_on", sa.Date(), nullable=True),
        sa.Column("credit_startup_plan", sa.Boolean(), nullable=True),
        sa.Column("credit_yc_plan", sa.Boolean(), nullable=True),
        sa.Column("credit_billing_config", sa.String(length=16), nullable=True),
        sa.Column("credit_scheduled_remaining", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_slack_id"],
            ["team_members.slack_id"],
            name=op.f("fk_accounts_owner_slack_id_team_members"),
        ),
        sa.ForeignKeyConstraint(
            ["previous_owner_slack_id"],
            ["team_members.slack_id"],
            name=op.f("fk_accounts_previous_owner_slack_id_team_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tam_overlay_slack_id"],
            ["team_members.slack_id"],
            name=op.f("fk_accounts_tam_overlay_slack_id_team_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("posthog_org_id", name=op.f("uq_accounts_posthog_org_id")),
        sa.UniqueConstraint("zendesk_org_id", name=op.f("uq_accounts_zendesk_org_id")),
    )
    op.create_index(op.f("ix_accounts_owner_slack_id"), "accounts", ["owner_slack_id"], unique=False)
    op.create_table(
        "account_slack_channels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_slack_channels_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_slack_channels")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_account_slack_channels_channel_id")),
    )
    op.create_index(
        op.f("ix_account_slack_channels_account_id"), "account_slack_channels", ["account_id"], unique=False
    )
    op.create_table(
        "account_stripe_customers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_stripe_customers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_stripe_customers")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_account_stripe_customers_customer_id")),
    )
    op.create_index(
        op.f("ix_account_stripe_customers_account_id"),
        "account_stripe_customers",
        ["account_id"],
        unique=False,
    )
    op.create_table(
        "contacts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_contacts")),
        sa.UniqueConstraint("account_id", "email", name=op.f("uq_contacts_account_id_email")),
    )
    op.create_index(op.f("ix_contacts_account_id"), "contacts", ["account_id"], unique=False)
    op.create_table(
        "flags",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_flags_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_flags")),
        sa.UniqueConstraint("account_id", "kind", "at", name=op.f("uq_flags_account_id_kind_at")),
    )
    op.create_index(op.f("ix_flags_account_id"), "flags", ["account_id"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("amount_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("amount_remaining", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempt_count", sa.Integer(), nullable=True),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_invoices_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index(op.f("ix_invoices_account_id"), "invoices", ["account_id"], unique=False)
    op.create_table(
        "notes",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("note_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_notes_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notes")),
        sa.UniqueConstraint("account_id", "note_id", name=op.f("uq_notes_account_id_note_id")),
    )
    op.create_index(op.f("ix_notes_account_id"), "notes", ["account_id"], unique=False)
    op.create_table(
        "one_time_credits",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_one_time_credits_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_one_time_credits")),
        sa.UniqueConstraint(
            "account_id", "date", "reason", name=op.f("uq_one_time_credits_account_id_date_reason")
        ),
    )
    op.create_index(op.f("ix_one_time_credits_account_id"), "one_time_credits", ["account_id"], unique=False)
    op.create_table(
        "series_points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("billed", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_series_points_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_points")),
        sa.UniqueConstraint(
            "account_id",
            "series",
            "period",
            "product",
            name=op.f("uq_series_points_account_id_series_period_product"),
        ),
    )
    op.create_index(op.f("ix_series_points_account_id"), "series_points", ["account_id"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tickets_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_account_id"), "tickets", ["account_id"], unique=False)


def downgrade() -> None:
    for table in (
        "one_time_credits",
        "tickets",
        "contacts",
        "flags",
        "notes",
        "series_points",
        "invoices",
        "account_slack_channels",
        "account_stripe_customers",
        "accounts",
        "team_members",
    ):
        op.drop_table(table)

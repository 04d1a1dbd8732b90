"""tickets: slack_tickets (one per Slack thread and generation) and slack_ticket_messages

Revision ID: tickets_0001
Revises: 0002_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tickets_0001"
down_revision = "0002_accounts"
branch_labels = ("tickets",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("seed_ts", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("raised_by", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("requester_slack_id", sa.String(length=32), nullable=True),
        sa.Column("requester_email", sa.String(length=320), nullable=True),
        sa.Column("zendesk_org_id", sa.BigInteger(), nullable=True),
        sa.Column("org_tags", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request", sa.JSON(), nullable=True),
        sa.Column("zendesk_ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("followup_of", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holding_posted", sa.Boolean(), nullable=False),
        sa.Column("note_added", sa.Boolean(), nullable=False),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_in_zendesk_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_tickets")),
        sa.UniqueConstraint("external_id", name=op.f("uq_slack_tickets_external_id")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "thread_ts",
            "generation",
            name=op.f("uq_slack_tickets_team_id_channel_id_thread_ts_generation"),
        ),
        sa.UniqueConstraint("zendesk_ticket_id", name=op.f("uq_slack_tickets_zendesk_ticket_id")),
    )
    with op.batch_alter_table("slack_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_tickets_status"), ["status"], unique=False)

    op.create_table(
        "slack_ticket_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("slack_ts", sa.String(length=32), nullable=False),
        sa.Column("author_slack_id", sa.String(length=32), nullable=True),
        sa.Column("in_transcript", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("zendesk_audit_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["slack_tickets.id"],
            name=op.f("fk_slack_ticket_messages_ticket_id_slack_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_ticket_messages")),
        sa.UniqueConstraint(
            "ticket_id", "slack_ts", name=op.f("uq_slack_ticket_messages_ticket_id_slack_ts")
        ),
    )
    with op.batch_alter_table("slack_ticket_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_ticket_messages_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_slack_ticket_messages_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_ticket_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_ticket_messages_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_slack_ticket_messages_status"))
    op.drop_table("slack_ticket_messages")
    with op.batch_alter_table("slack_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_tickets_status"))
    op.drop_table("slack_tickets")

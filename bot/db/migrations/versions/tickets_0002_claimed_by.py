"""slack_tickets.claimed_by: the process working on a ticket row, so a live one takes over a dead one's

Revision ID: tickets_0002
Revises: tickets_0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tickets_0002"
down_revision = "tickets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_tickets") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_tickets") as batch:
        batch.drop_column("claimed_by")

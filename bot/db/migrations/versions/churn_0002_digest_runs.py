"""Churn: one row per weekly digest posted, so "new since the previous digest" has a previous digest.

Revision ID: churn_0002
Revises: 0003_churn
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'churn_0002'
down_revision = '0003_churn'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('churn_digest_runs',
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('week', name=op.f('pk_churn_digest_runs'))
    )


def downgrade() -> None:
    op.drop_table('churn_digest_runs')

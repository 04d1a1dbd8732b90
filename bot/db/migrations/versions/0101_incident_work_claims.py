"""broadcasts.claimed_by and deliveries.sending_by: which process is sending, so a live one resumes a dead one's

Revision ID: 0101_incident_work_claims
Revises: 0100_incidents
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0101_incident_work_claims'
down_revision = '0100_incidents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('broadcasts') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=128), nullable=True))
    with op.batch_alter_table('deliveries') as batch:
        batch.add_column(sa.Column('sending_by', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries') as batch:
        batch.drop_column('sending_by')
    with op.batch_alter_table('broadcasts') as batch:
        batch.drop_column('claimed_by')

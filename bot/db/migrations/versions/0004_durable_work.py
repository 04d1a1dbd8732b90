"""inbound requests in flight and process heartbeats (nothing acknowledged is lost)

Revision ID: 0004_durable_work
Revises: 0002_accounts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_durable_work'
down_revision = '0002_accounts'
branch_labels = ('durable',)
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_requests',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=128), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_inbound_requests'))
    )
    op.create_index(op.f('ix_inbound_requests_status'), 'inbound_requests', ['status'], unique=False)
    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeats'))
    )
    op.create_index(op.f('ix_worker_heartbeats_heartbeat_at'), 'worker_heartbeats', ['heartbeat_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_worker_heartbeats_heartbeat_at'), table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
    op.drop_index(op.f('ix_inbound_requests_status'), table_name='inbound_requests')
    op.drop_table('inbound_requests')

"""Churn state: weekly evaluations (at-risk history) and flags recorded through the bot.

Revision ID: 0003_churn
Revises: 0002_accounts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_churn'
down_revision = '0002_accounts'
branch_labels = ('churn',)
depends_on = None


def upgrade() -> None:
    op.create_table('churn_evaluations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('f_codes', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_churn_evaluations_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_evaluations')),
    sa.UniqueConstraint('account_id', 'week', name=op.f('uq_churn_evaluations_account_id_week'))
    )
    with op.batch_alter_table('churn_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_churn_evaluations_account_id'), ['account_id'], unique=False)

    op.create_table('churn_flags',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('flagged_by', sa.String(length=32), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('known', sa.Text(), nullable=False),
    sa.Column('help_needed', sa.Text(), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_churn_flags_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_churn_flags'))
    )
    with op.batch_alter_table('churn_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_churn_flags_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('churn_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_churn_flags_account_id'))

    op.drop_table('churn_flags')
    with op.batch_alter_table('churn_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_churn_evaluations_account_id'))

    op.drop_table('churn_evaluations')

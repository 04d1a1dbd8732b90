"""index on accounts.arr: "is this account in the Top 40 by ARR?" stops after 40 index entries

Revision ID: 0006_account_arr
Revises: 0005_account_lookup
"""
from __future__ import annotations

from alembic import op

revision = '0006_account_arr'
down_revision = '0005_account_lookup'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_accounts_arr', 'accounts', ['arr'])


def downgrade() -> None:
    op.drop_index('ix_accounts_arr', table_name='accounts')

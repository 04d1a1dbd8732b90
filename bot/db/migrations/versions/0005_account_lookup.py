"""indexes for naming an account exactly: lower(id), lower(name), lower(org id), domain

Revision ID: 0005_account_lookup
Revises: 0002_accounts
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_account_lookup'
down_revision = '0002_accounts'
branch_labels = ('account_lookup',)
depends_on = None


def upgrade() -> None:
    op.create_index('ix_accounts_lower_id', 'accounts', [sa.text('lower(id)')])
    op.create_index('ix_accounts_lower_name', 'accounts', [sa.text('lower(name)')])
    op.create_index('ix_accounts_lower_org', 'accounts', [sa.text('lower(posthog_org_id)')])
    op.create_index('ix_accounts_domain', 'accounts', ['domain'])


def downgrade() -> None:
    for name in ('ix_accounts_domain', 'ix_accounts_lower_org', 'ix_accounts_lower_name', 'ix_accounts_lower_id'):
        op.drop_index(name, table_name='accounts')

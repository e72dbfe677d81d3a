"""Corrections keep history: fees, costs, exchange rates, licence claims, consent records and
agreements entered in error are voided (who, when, why), never deleted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('license_claim', 'agreement', 'fee', 'consent', 'cost_item', 'fx_rate')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('voided_at', sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column('voided_by', sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('void_reason')
            batch_op.drop_column('voided_by')
            batch_op.drop_column('voided_at')

"""Sign-in attempts counted in the registry, so every worker of the desk shares the count.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sign_in_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_sign_in_attempt_kind_key', 'sign_in_attempt', ['kind', 'key'],
                    unique=False)
    op.create_index('ix_sign_in_attempt_at', 'sign_in_attempt', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sign_in_attempt_at', table_name='sign_in_attempt')
    op.drop_index('ix_sign_in_attempt_kind_key', table_name='sign_in_attempt')
    op.drop_table('sign_in_attempt')

"""A dataset's identifier in the metadata it was imported from (a DPI unique id, a hub id,
a Croissant URL), so that re-imports find it again even where two identifiers would make
the same slug.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=600), nullable=True))
        batch_op.create_index('ix_dataset_external_id', ['external_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.drop_index('ix_dataset_external_id')
        batch_op.drop_column('external_id')

"""Opt-out evidence per crawled domain (robots.txt, TDMRep, ai.txt, headers), read from what
a crawl saved, and the crawler's own user agent on a source.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crawler', sa.String(length=300), nullable=False,
                                      server_default=''))
    op.create_table(
        'crawl_signal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.Column('robots', sa.String(length=20), nullable=False),
        sa.Column('reserved', sa.String(length=10), nullable=False),
        sa.Column('decided_by', sa.Text(), nullable=False),
        sa.Column('captured_on', sa.Date(), nullable=True),
        sa.Column('signals', sa.Text(), nullable=False),
        sa.Column('files', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['source.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_id', 'domain'),
    )
    op.create_index('ix_crawl_signal_source_id', 'crawl_signal', ['source_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_crawl_signal_source_id', table_name='crawl_signal')
    op.drop_table('crawl_signal')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_column('crawler')

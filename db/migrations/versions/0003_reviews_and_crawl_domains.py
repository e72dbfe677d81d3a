"""Compliance reviews, per-domain crawl content, crawler and EU-summary fields.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:10:35.130953
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crawl_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('content_bytes', sa.BigInteger(), nullable=False),
    sa.Column('robots', sa.String(length=20), nullable=False),
    sa.Column('tdm_reserved', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'domain')
    )
    with op.batch_alter_table('crawl_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_domain_source_id'), ['source_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reviewed_at', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['training_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crawler', sa.String(length=300), nullable=False, server_default=''))

    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tdm_measures', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('illegal_content_measures', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('other_processing', sa.Text(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.drop_column('other_processing')
        batch_op.drop_column('illegal_content_measures')
        batch_op.drop_column('tdm_measures')

    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.drop_column('crawler')

    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_run_id'))
        batch_op.drop_index(batch_op.f('ix_review_dataset_id'))

    op.drop_table('review')
    with op.batch_alter_table('crawl_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_domain_source_id'))

    op.drop_table('crawl_domain')

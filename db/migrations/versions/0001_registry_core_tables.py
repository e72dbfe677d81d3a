"""Registry core tables: datasets, sources, licences, claims, fees, consent, lineage, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 04:41:03.219244
"""

import sqlalchemy as sa
from alembic import op

import tracker.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counterparty', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('counterparty', 'reference')
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hash')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('modality', sa.String(length=20), nullable=False),
    sa.Column('source_category', sa.String(length=40), nullable=False),
    sa.Column('collection_method', sa.Text(), nullable=False),
    sa.Column('homepage', sa.String(length=2048), nullable=True),
    sa.Column('size_tokens', sa.BigInteger(), nullable=True),
    sa.Column('size_records', sa.BigInteger(), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('size_hours', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('languages', sa.String(length=500), nullable=False),
    sa.Column('personal_data', sa.String(length=10), nullable=False),
    sa.Column('generator_model', sa.String(length=300), nullable=False),
    sa.Column('acquired_from', sa.Date(), nullable=True),
    sa.Column('acquired_to', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('steward', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_slug'), ['slug'], unique=True)

    op.create_table('fx_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base', sa.String(length=3), nullable=False),
    sa.Column('quote', sa.String(length=3), nullable=False),
    sa.Column('rate', tracker.db.types.ExactDecimal(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('base', 'quote', 'as_of')
    )
    op.create_table('license',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('commercial_use', sa.String(length=10), nullable=False),
    sa.Column('attribution', sa.Boolean(), nullable=False),
    sa.Column('share_alike', sa.Boolean(), nullable=False),
    sa.Column('no_derivatives', sa.Boolean(), nullable=False),
    sa.Column('restricts_models', sa.Boolean(), nullable=False),
    sa.Column('restricts_outputs', sa.Boolean(), nullable=False),
    sa.Column('ai_training', sa.String(length=20), nullable=False),
    sa.Column('aliases', sa.String(length=1000), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_key'), ['key'], unique=True)

    op.create_table('registry_meta',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('rights_holder', sa.String(length=300), nullable=False),
    sa.Column('terms_url', sa.String(length=2048), nullable=True),
    sa.Column('tdm_reservation', sa.String(length=20), nullable=False),
    sa.Column('tdm_honoured', sa.String(length=10), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_slug'), ['slug'], unique=True)

    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=False),
    sa.Column('compensation', sa.String(length=10), nullable=False),
    sa.Column('evidence_url', sa.String(length=2048), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_source_id'), ['source_id'], unique=False)

    op.create_table('cost_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('amount', tracker.db.types.ExactDecimal(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('incurred_on', sa.Date(), nullable=True),
    sa.Column('vendor', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_item_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('dataset_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('content_bytes', sa.BigInteger(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'source_id')
    )
    with op.batch_alter_table('dataset_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataset_source_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dataset_source_source_id'), ['source_id'], unique=False)

    op.create_table('fee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', tracker.db.types.ExactDecimal(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fee_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('license_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('expression', sa.String(length=1000), nullable=False),
    sa.Column('claimed_by', sa.String(length=20), nullable=False),
    sa.Column('evidence_url', sa.String(length=2048), nullable=True),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('license_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_claim_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('lineage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'parent_id')
    )
    with op.batch_alter_table('lineage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineage_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lineage_parent_id'), ['parent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lineage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lineage_parent_id'))
        batch_op.drop_index(batch_op.f('ix_lineage_child_id'))

    op.drop_table('lineage')
    with op.batch_alter_table('license_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_claim_dataset_id'))

    op.drop_table('license_claim')
    with op.batch_alter_table('fee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_dataset_id'))
        batch_op.drop_index(batch_op.f('ix_fee_agreement_id'))

    op.drop_table('fee')
    with op.batch_alter_table('dataset_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_source_source_id'))
        batch_op.drop_index(batch_op.f('ix_dataset_source_dataset_id'))

    op.drop_table('dataset_source')
    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_item_dataset_id'))

    op.drop_table('cost_item')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_source_id'))
        batch_op.drop_index(batch_op.f('ix_consent_dataset_id'))

    op.drop_table('consent')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_slug'))

    op.drop_table('source')
    op.drop_table('registry_meta')
    with op.batch_alter_table('license', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_key'))

    op.drop_table('license')
    op.drop_table('fx_rate')
    with op.batch_alter_table('dataset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataset_slug'))

    op.drop_table('dataset')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity')

    op.drop_table('audit_event')
    op.drop_table('agreement')

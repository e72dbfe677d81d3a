"""Training runs, what they draw, flag waivers and manual flags; costs can sit on a run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 04:54:39.883887
"""

import sqlalchemy as sa
from alembic import op

import tracker.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('training_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=128), nullable=False),
    sa.Column('model_name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('provider', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('intended_use', sa.String(length=20), nullable=False),
    sa.Column('contingency_pct', tracker.db.types.ExactDecimal(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pricing', sa.String(length=20), nullable=False),
    sa.Column('accelerator', sa.String(length=40), nullable=True),
    sa.Column('accelerator_count', sa.BigInteger(), nullable=True),
    sa.Column('duration_hours', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('accelerator_hours', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('training_flops', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('parameters', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('training_tokens', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('mfu', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('peak_flops', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('compute_currency', sa.String(length=3), nullable=False),
    sa.Column('price_per_hour', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('hardware_value', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('amortization_years', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('interconnect_share', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('tdp_kw', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('server_power_ratio', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('average_load', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('pue', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('electricity_price', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_run_slug'), ['slug'], unique=True)

    op.create_table('flag_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['training_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flag_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_waiver_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flag_waiver_run_id'), ['run_id'], unique=False)

    op.create_table('manual_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('fix', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.String(length=200), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('manual_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manual_flag_dataset_id'), ['dataset_id'], unique=False)

    op.create_table('run_dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('tokens', sa.BigInteger(), nullable=True),
    sa.Column('records', sa.BigInteger(), nullable=True),
    sa.Column('hours', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('share', tracker.db.types.ExactDecimal(length=64), nullable=True),
    sa.Column('epochs', tracker.db.types.ExactDecimal(length=64), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['training_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'dataset_id')
    )
    with op.batch_alter_table('run_dataset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_dataset_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_dataset_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('split_runs', sa.Integer(), nullable=False, server_default='1'))
        batch_op.alter_column('dataset_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_cost_item_run_id'), ['run_id'], unique=False)
        batch_op.create_foreign_key('fk_cost_item_run_id_training_run', 'training_run', ['run_id'], ['id'])

    with op.batch_alter_table('fee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('split_runs', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('fee', schema=None) as batch_op:
        batch_op.drop_column('split_runs')

    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cost_item_run_id_training_run', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cost_item_run_id'))
        batch_op.alter_column('dataset_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('split_runs')
        batch_op.drop_column('run_id')

    with op.batch_alter_table('run_dataset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_dataset_run_id'))
        batch_op.drop_index(batch_op.f('ix_run_dataset_dataset_id'))

    op.drop_table('run_dataset')
    with op.batch_alter_table('manual_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manual_flag_dataset_id'))

    op.drop_table('manual_flag')
    with op.batch_alter_table('flag_waiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_waiver_run_id'))
        batch_op.drop_index(batch_op.f('ix_flag_waiver_dataset_id'))

    op.drop_table('flag_waiver')
    with op.batch_alter_table('training_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_run_slug'))

    op.drop_table('training_run')

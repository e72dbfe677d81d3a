"""The dataset each audit event is about, indexed.

A dataset's page, a stale review and the four-eyes rule ask which changes
touched one dataset. Reading that out of every event's JSON costs a pass over
the whole log; this column, filled when the event is written (and here from
the events already logged), answers it from an index. It is not part of an
event's hash: it only says where to look, never what happened.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The dataset an event's row belongs to: the dataset itself, or its dataset_id, or the
# child of a lineage edge, as written after the change or, for a deletion, before it.
_KEYS = ('dataset_id', 'child_id')


def _subject_sql(dialect: str) -> str:
    def field(state: str, key: str) -> str:
        if dialect == 'postgresql':
            return f"({state}::jsonb ->> '{key}')::integer"
        return f"json_extract({state}, '$.{key}')"

    found = ', '.join(field(state, key) for state in ('after', 'before') for key in _KEYS)
    return (f"UPDATE audit_event SET about_dataset_id = CASE WHEN entity = 'dataset' "
            f"THEN entity_id ELSE COALESCE({found}) END")


def upgrade() -> None:
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('about_dataset_id', sa.Integer(), nullable=True))
    op.execute(_subject_sql(op.get_bind().dialect.name))
    op.create_index('ix_audit_event_about_dataset_id', 'audit_event', ['about_dataset_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_event_about_dataset_id', table_name='audit_event')
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('about_dataset_id')

"""Drop the single-column indexes that lead a unique constraint's index: that index serves
the same lookups, and every insert paid for both (a large import or crawl domain list
mostly writes these tables).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 15:50:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# (index, table, column): each column leads its table's unique constraint.
REDUNDANT = (
    ("ix_dataset_source_dataset_id", "dataset_source", "dataset_id"),
    ("ix_lineage_child_id", "lineage", "child_id"),
    ("ix_run_dataset_run_id", "run_dataset", "run_id"),
    ("ix_crawl_domain_source_id", "crawl_domain", "source_id"),  # restored by 0007
)


def upgrade() -> None:
    for index, table, _ in REDUNDANT:
        op.drop_index(index, table_name=table)


def downgrade() -> None:
    for index, table, column in REDUNDANT:
        op.create_index(index, table, [column], unique=False)

"""Restore the index of crawl domains by source: the unique (source, domain) index serves
lookups by source too, but not in id order, which a domain list's digest (`verify`,
`export json`) reads it in; without this index, every digest sorted the whole list.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:00:00
"""

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_crawl_domain_source_id", "crawl_domain", ["source_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crawl_domain_source_id", table_name="crawl_domain")

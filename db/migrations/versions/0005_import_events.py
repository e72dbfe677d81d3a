"""Import events: the audit log may hold one event per imported dataset, holding the rows
of several tables. No table changes; the revision keeps a tool that cannot verify such
events from opening the registry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 11:45:00
"""

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

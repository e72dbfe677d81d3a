"""Alembic environment: always given a live connection by tracker.db.migrate."""

from alembic import context
from sqlmodel import SQLModel

import tracker.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("tracker migrations run from code: use 'tracker db upgrade'")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic, run from code: the migrations ship inside the package and apply on open."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from tracker.db import write_connection


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "tracker.db:migrations")
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to head; returns (from, to). Cheap when already there."""
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return head, head
    with write_connection(engine) as conn:
        # Re-read under the write lock: another process may have migrated meanwhile.
        before = current_revision(conn)
        if before != head:
            command.upgrade(_config(conn), "head")
        return before, head

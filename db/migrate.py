"""Alembic, run from code: the migrations ship inside the package and apply on open.

Opening a registry only reads its schema version and compares it with HEAD;
Alembic itself is imported when there is something to migrate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from tracker.db import write_connection
from tracker.values.errors import TrackerError

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in db/migrations/versions; a test keeps the two in step.
HEAD = "0013"


def _config(conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "tracker.db:migrations")
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to head; returns (from, to). Cheap when already there."""
    with engine.connect() as conn:
        current = current_revision(conn)
        if current == HEAD:
            return HEAD, HEAD
        # Revisions are numbered in order: a later one was written by a newer tool, whose
        # registry (and audit log) this one may misread.
        if current is not None and current > HEAD:
            raise TrackerError(f"registry schema {current} is newer than this tool's "
                               f"({HEAD}): upgrade tracker to open it")
    from alembic import command

    with write_connection(engine) as conn:
        # Re-read under the write lock: another process may have migrated meanwhile.
        before = current_revision(conn)
        if before != HEAD:
            command.upgrade(_config(conn), "head")
        return before, HEAD

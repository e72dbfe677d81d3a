"""Opening a registry, and the one place every change goes through.

``Registry.writing(actor)`` yields a Writer whose add/update/delete record an
audit event in the same transaction as the change: a failed command leaves
neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError, OperationalError

from tracker.db import display_url, release, shared_engine, write_connection
from tracker.db.rows import record
from tracker.values.errors import TrackerError

if TYPE_CHECKING:
    from sqlmodel import Session, SQLModel

# The ORM (SQLModel, the models, the audit module) is imported on first use, inside the
# methods below: a plain listing opens the registry and reads through Core alone.
T = TypeVar("T", bound="SQLModel")


class Writer:
    """Audited changes within one transaction."""

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor
        # The transaction holds the write lock, so the chain's head can be remembered.
        self._last_hash: str | None = None

    @property
    def head(self) -> str:
        """The hash the next event chains onto."""
        if self._last_hash is None:
            from tracker.registry import audit

            self._last_hash = audit.last_hash(self.session)
        return self._last_hash

    @head.setter
    def head(self, value: str) -> None:
        """Move the chain's head to an event written outside the session (a bulk import's)."""
        self._last_hash = value

    def event(self, action: str, entity: str, entity_id: int, label: str,
              before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        """Record a change that is not one row's (e.g. a whole domain list)."""
        from tracker.db.models import AuditEvent
        from tracker.registry import audit

        values = audit.new_event(prev_hash=self.head, actor=self.actor, action=action,
                                 entity=entity, entity_id=entity_id, label=label,
                                 before=before, after=after)
        self.session.add(AuditEvent(**values))
        self.session.flush()
        self._last_hash = values["hash"]

    def _log(self, action: str, row: SQLModel, label: str, before: dict[str, Any] | None,
             after: dict[str, Any] | None) -> None:
        self.event(action, row.__tablename__, row.id, label, before, after)  # type: ignore[attr-defined]

    def add(self, row: T, label: str) -> T:
        """Insert a row and log its creation, in the same transaction; the row gets its id."""
        self.session.add(row)
        self.session.flush()
        self._log("create", row, label, None, record(row))
        return row

    def update(self, row: T, changes: dict[str, Any], label: str) -> bool:
        """Apply changes; False (and no event) when nothing actually changed."""
        before = record(row)
        for field, value in changes.items():
            setattr(row, field, value)
        after = record(row)
        if after == before:
            return False
        self.session.add(row)
        self.session.flush()
        self._log("update", row, label, before, after)
        return True

    def delete(self, row: SQLModel, label: str) -> None:
        """Delete a row, logging what it held so the log can show what was removed."""
        before = record(row)
        self.session.delete(row)
        self.session.flush()
        self._log("delete", row, label, before, None)


class Registry:
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = shared_engine(url)
        if migrate:
            self.upgrade()

    @property
    def location(self) -> str:
        """Where the registry is, for messages: the SQLite path, or the URL without its password."""
        return display_url(self.url)

    def upgrade(self) -> tuple[str | None, str | None]:
        """Bring the schema to head and refresh the built-in licences if the packaged knowledge
        base changed; returns the schema revisions (from, to)."""
        from tracker.db.migrate import upgrade
        from tracker.facts.license_kb import KB_DIGEST_KEY, kb_digest

        with self.translate_errors():
            result = upgrade(self.engine)
            with self.engine.connect() as conn:
                stored = conn.execute(text("SELECT value FROM registry_meta WHERE key = :key"),
                                      {"key": KB_DIGEST_KEY}).scalar()
            if stored != kb_digest():
                from tracker.registry.licenses import sync_knowledge_base

                sync_knowledge_base(self)
        return result

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Driver errors become one-line messages: locked, unreachable, not a database."""
        try:
            yield
        except OperationalError as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise TrackerError(f"database {self.location}: {detail}") from exc
        except DatabaseError as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise TrackerError(f"database {self.location}: {detail}") from exc

    def _read_bind(self) -> Any:
        if self.engine.dialect.name == "postgresql":
            return self.engine.execution_options(isolation_level="REPEATABLE READ",
                                                 postgresql_readonly=True)
        return self.engine

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One consistent view: a report's queries and its digest see the same registry."""
        from sqlmodel import Session

        with self.translate_errors(), Session(self._read_bind()) as session:
            yield session

    @contextmanager
    def connected(self) -> Iterator[Connection]:
        """The same consistent view through SQLAlchemy Core, without loading the ORM."""
        with self.translate_errors(), self._read_bind().connect() as conn:
            yield conn

    @contextmanager
    def writing(self, actor: str) -> Iterator[Writer]:
        """A Writer in a transaction that holds the registry's write lock; everything is
        committed together when the block ends, nothing if it raises."""
        from sqlmodel import Session

        with self.translate_errors(), write_connection(self.engine) as conn:
            session = Session(bind=conn, expire_on_commit=False)
            try:
                yield Writer(session, actor)
                session.flush()
            finally:
                session.close()

    def page(self, table: str, columns: tuple[str, ...], limit: int | None,
             offset: int) -> list[dict[str, Any]]:
        """A page of a table's text columns by slug: what a plain listing prints, read
        through Core (full records, for --json and --csv, come from the catalog)."""
        query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY slug"
        params: dict[str, int] = {"offset": offset}
        if limit is not None:
            query += " LIMIT :limit"
            params["limit"] = limit
        elif self.engine.dialect.name == "sqlite":
            query += " LIMIT -1"
        with self.connected() as conn:
            return [dict(row) for row in
                    conn.execute(text(query + " OFFSET :offset"), params).mappings()]

    def close(self) -> None:
        """Release the registry's connections: a SQLite file is closed, a PostgreSQL session
        is kept for the next opening in this process (see tracker.db.shared_engine)."""
        release(self.engine)

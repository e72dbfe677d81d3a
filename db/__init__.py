"""The registry database: engines from a path or URL, transactions, migrations.

SQLite is tuned on every connection (foreign keys, WAL, busy timeout), and
writers take the write lock when their transaction begins: a reader upgraded
to a writer mid-transaction is how "database is locked" reaches users.
"""

from __future__ import annotations

import atexit
import os
import random
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from tracker.values.errors import TrackerError

DEFAULT_PATH = "tracker.db"
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 16_384
# Any constant will do: every writer of one PostgreSQL registry takes this lock.
_PG_WRITE_LOCK = 0x7472_6163  # "trac"


def resolve_url(db: str | None) -> str:
    """--db, else TRACKER_DB, else ./tracker.db; a bare path means SQLite."""
    value = db or os.environ.get("TRACKER_DB") or DEFAULT_PATH
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise TrackerError(f"database: not a valid URL or path ({value!r})") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise TrackerError(
            f"database: only SQLite paths and postgresql URLs are supported ({value!r})")
    return value


def display_url(url: str) -> str:
    """The URL without its password, or the SQLite file path."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # Autocommit at the driver level so that BEGIN is ours to choose (see _begin).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Takes effect only on a new, empty file (before WAL is on): audit events are rows of
    # a few hundred bytes, and 16 KiB pages write a large import about a fifth faster.
    cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("tracker_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def _check_folder(url: str) -> bool:
    """True for SQLite; a SQLite file's folder must exist (SQLite would say only 'unable to
    open database file')."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    path = parsed.database
    if path and path != ":memory:":
        folder = Path(path).parent
        if not folder.is_dir():
            raise TrackerError(f"database: folder does not exist ({folder})")
    return True


def make_engine(url: str) -> Engine:
    """A new engine of its own (see shared_engine for the one a registry opens)."""
    if _check_folder(url):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=False)


# One engine per registry URL in a process, the most recently opened few. An engine keeps the
# SQL it has compiled and what it learnt of the server on first connect: a process that opens
# the same registry again (the review desk, a script, a test session) skips both.
#
# Closing a registry releases its connections (see release): a SQLite file is closed, so
# nothing holds it open and its log is folded back into it (it may then be copied, replaced
# or compared byte for byte); a PostgreSQL connection stays in the engine's pool for the next
# opening, which skips the server's start of a new session. Those are closed when the engine
# leaves the cache, by dispose_engines, and at exit.
ENGINES_KEPT = 8
_engines: OrderedDict[str, Engine] = OrderedDict()
_engines_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """The process's engine for this registry URL, made on first use."""
    _check_folder(url)  # every time: the folder may have gone since the engine was made
    with _engines_lock:
        engine = _engines.pop(url, None) or make_engine(url)
        _engines[url] = engine
        while len(_engines) > ENGINES_KEPT:
            _engines.popitem(last=False)[1].dispose()
    return engine


def release(engine: Engine) -> None:
    """A registry is closed: close SQLite connections, keep PostgreSQL ones pooled."""
    if is_sqlite(engine):
        engine.dispose()


def dispose_engines(url: str | None = None) -> None:
    """Close the pooled connections to this registry (every registry without a URL): before
    a PostgreSQL database is dropped, renamed or copied as a template, which needs it
    unconnected."""
    with _engines_lock:
        engines = list(_engines.values()) if url is None else \
            [e for e in (_engines.get(url),) if e is not None]
    for engine in engines:
        engine.dispose()


def _forget_engines_after_fork() -> None:
    """A forked child must not use its parent's connections: it makes engines of its own."""
    global _engines_lock
    _engines_lock = threading.Lock()  # the parent may have held it while forking
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


os.register_at_fork(after_in_child=_forget_engines_after_fork)
atexit.register(dispose_engines)  # a PostgreSQL session ends with a goodbye, not a dropped socket


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


LOCK_RETRIES = 6


def _begin_write(conn: Connection) -> Any:
    """Start the write transaction, backing off while another writer holds the lock.

    SQLite's busy timeout already waits; the retries cover a lock held longer than
    that, so "database is locked" reaches a user only after minutes of contention.
    """
    delay = 0.05
    for attempt in range(LOCK_RETRIES + 1):
        try:
            return conn.begin()
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == LOCK_RETRIES:
                raise
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 4, 5.0)
    raise AssertionError("unreachable")


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that holds the registry's write lock."""
    with engine.connect() as conn:
        conn.execution_options(tracker_write=True)
        with _begin_write(conn):
            if not is_sqlite(engine):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
            yield conn


def refresh_statistics(engine: Engine) -> None:
    """Have the database count its tables again, as after a bulk load: until then
    PostgreSQL plans the queries on a large new registry as if its tables were empty (the
    lineage walk of a dataset's page goes from 90 ms to 800 ms at 100,000 datasets)."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execute(text("PRAGMA optimize"))
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent copy through SQLite's online backup, safe while others write."""
    if not is_sqlite(engine):
        raise TrackerError("db backup: only SQLite registries; use pg_dump for PostgreSQL")
    if target.exists():
        raise TrackerError(f"db backup: file already exists ({target})")
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(str(target))
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise TrackerError(f"db backup: cannot write {target} ({exc})") from exc
    finally:
        raw.close()


def insert_rows(conn: Connection, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[Any]]) -> None:
    """Many rows in one statement's time: COPY on PostgreSQL, executemany on SQLite.

    The values go to the driver as they are (dates, decimals, text), within the caller's
    transaction."""
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        statement = f"COPY {table} ({names}) FROM STDIN"
        try:
            with conn.connection.dbapi_connection.cursor() as cursor, \
                    cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except conn.dialect.dbapi.Error as exc:
            # Raw driver errors, wrapped as SQLAlchemy's would be, so the caller reports
            # them as it reports any other database error.
            raise DatabaseError(statement, None, exc) from exc
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                         rows if isinstance(rows, list) else list(rows))

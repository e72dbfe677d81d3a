"""Every test gets a real registry: a SQLite file in tmp_path, or a fresh PostgreSQL database.

PostgreSQL comes from TRACKER_TEST_PG_URL (an admin URL; .ci/run starts a
server and sets it). Without it the PostgreSQL half is skipped, except in CI,
where a missing server is a failure.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shlex
import sqlite3
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Connection, create_engine, text

from tracker.cli.main import cli
from tracker.db import dispose_engines
from tracker.registry import Registry, audit

PG_ENV = "TRACKER_TEST_PG_URL"
# One per test session, so two sessions can share a server.
TEMPLATE = f"tracker_test_template_{os.getpid()}"
REAL = Path(__file__).resolve().parent / "fixtures" / "real"
BENCH = Path(__file__).resolve().parents[1] / "bench"


@functools.cache
def bench_generate() -> ModuleType:
    """bench/generate.py, the benchmarks' data generator (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{PG_ENV} is not set: CI must run the PostgreSQL tests")
    return None


PG_SKIP = f"PostgreSQL: set {PG_ENV} to an admin URL to run these tests"


def _skip_postgres() -> None:
    pytest.skip(PG_SKIP)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """Every PostgreSQL skip at one location, so `-ra` folds them into one line rather than
    one per test (pytest reports a fixture's skip at the test)."""
    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and longrepr[2].endswith(PG_SKIP):
        report.longrepr = (__file__, _skip_postgres.__code__.co_firstlineno + 1, longrepr[2])
    return report


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated, seeded template database, which each test's database copies (see
    PgDatabases)."""
    admin = _pg_admin_url()
    if admin is None:
        _skip_postgres()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    url = admin.rsplit("/", 1)[0] + f"/{TEMPLATE}"
    Registry(url).close()
    dispose_engines(url)  # a template is copied only while nobody is connected to it
    yield admin
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
    engine.dispose()


class PgDatabases:
    """The tests' PostgreSQL databases: copies of the template, each made once per session
    and put back to the template's rows after every test that used it.

    A copy costs the server about a quarter of a second of CPU (it writes out the whole
    catalogue); putting back the template's few hundred rows, a hundredth. A database whose
    tables are no longer the template's, or that cannot be put back, is dropped instead."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.server = admin.rsplit("/", 1)[0]
        self.engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        self.free: list[str] = []
        self.made: set[str] = set()
        # The template's rows as COPY text, and where its sequences stand (None: unused).
        self.rows: dict[str, bytes] = {}
        self.sequences: dict[str, int | None] = {}
        engine = create_engine(f"{self.server}/{TEMPLATE}")
        with engine.connect() as conn:
            self.sequences = {name: value for name, value in conn.execute(text(
                "SELECT quote_ident(sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = 'public'"))}
            with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                for table in self._tables(conn):
                    with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                        self.rows[table] = b"".join(bytes(block) for block in copy)
        engine.dispose()

    @staticmethod
    def _tables(conn: Connection) -> list[str]:
        return list(conn.execute(text(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename")).scalars())

    def take(self) -> str:
        if self.free:
            name = self.free.pop()
        else:
            name = f"tracker_test_{uuid.uuid4().hex[:12]}"
            with self.engine.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            self.made.add(name)
        return f"{self.server}/{name}"

    def give_back(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        dispose_engines(url)
        with self.engine.connect() as conn:  # whatever the test left connected
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
        try:
            self._put_back(url)
        except Exception as exc:  # dropped, as before databases were reused; said once
            warnings.warn(f"PostgreSQL test database not reused: {exc}", stacklevel=1)
            with self.engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            self.made.discard(name)
            return
        self.free.append(name)

    def _put_back(self, url: str) -> None:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                tables = self._tables(conn)
                if tables != sorted(self.rows):
                    raise RuntimeError(f"tables changed: {tables}")
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
                # The template's own rows, consistent among themselves: loaded in any order.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                    for table, rows in self.rows.items():
                        if rows:
                            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                                copy.write(rows)
                for sequence, value in self.sequences.items():
                    if value is None:
                        conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
                    else:
                        conn.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": value})
        finally:
            engine.dispose()

    def drop(self) -> None:
        with self.engine.connect() as conn:
            for name in self.made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_databases(pg_template: str) -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_template)
    yield databases
    databases.drop()


def _pg_copy(databases: PgDatabases) -> Iterator[str]:
    url = databases.take()
    yield url
    databases.give_back(url)


@pytest.fixture
def pg_url(pg_databases: PgDatabases) -> Iterator[str]:
    yield from _pg_copy(pg_databases)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite registry; each test copies it, as PostgreSQL tests copy
    their template database (migrating a new file costs about 0.2 s, a copy a millisecond).
    Tests of a registry's creation use a path of their own."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    Registry(_url(str(path))).close()
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """A SQLite registry copied over another (or into a new file) through SQLite's backup."""
    reading, copy = sqlite3.connect(source), sqlite3.connect(target)
    with copy:
        reading.backup(copy)
    reading.close()
    copy.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    _sqlite_copy(sqlite_template, path)
    return str(path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The registry under test, once per backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@dataclass
class Tracker:
    """Runs `tracker` commands against one registry, as a user would from a shell."""

    db: str
    actor: str = "tester"

    def __call__(self, command: str | list[str], *, input: str | None = None,
                 expect: int | None = 0) -> Result:
        args = shlex.split(command) if isinstance(command, str) else command
        result = CliRunner().invoke(cli, ["--db", self.db, "--as", self.actor, *args],
                                    input=input, catch_exceptions=True)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if expect is not None:
            assert result.exit_code == expect, (
                f"`tracker {command}` exited {result.exit_code}, expected {expect}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def digest(self) -> str:
        registry = Registry(_url(self.db))
        try:
            with registry.reading() as session:
                return audit.state_digest(session)
        finally:
            registry.close()

    def sql(self, statement: str) -> None:
        """Edit the registry directly, as someone bypassing the tool would."""
        if "://" in self.db:
            engine = create_engine(self.db)
            with engine.begin() as conn:
                conn.execute(text(statement))
            engine.dispose()
        else:
            conn = sqlite3.connect(self.db)
            with conn:
                conn.execute(statement)
            conn.close()

    def file_bytes(self) -> str | None:
        """SHA-256 of the SQLite file (None on PostgreSQL)."""
        if "://" in self.db:
            return None
        return hashlib.sha256(Path(self.db).read_bytes()).hexdigest()


def _url(db: str) -> str:
    from tracker.db import resolve_url

    return resolve_url(db)


@pytest.fixture
def tracker(db_url: str) -> Tracker:
    return Tracker(db_url)


class Snapshots:
    """Registries as a fixture leaves them, built once per session and copied after that.

    `restore(tracker, key, build)` runs `build(tracker)` the first time a key is asked for on
    a backend and keeps a copy of the result (a SQLite file; on PostgreSQL, a template
    database); later it puts that copy in place of the tracker's registry instead. For
    builds made of fixed commands only: whatever a build depends on besides the key (a
    tmp_path, a file it imports) would be frozen at the first test's.

    A SQLite copy costs milliseconds; a PostgreSQL one recreates the test's database (a
    few hundred milliseconds of the server's time), more than a few dozen commands cost
    there: `postgres=False` builds on PostgreSQL every time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved: dict[tuple[str, str], str] = {}
        self.admin: str | None = None

    def restore(self, tracker: Tracker, key: str, build: Callable[[Tracker], object], *,
                postgres: bool = True) -> None:
        on_postgres = "://" in tracker.db
        if on_postgres and not postgres:
            build(tracker)
            return
        saved = self.saved.get(("postgresql" if on_postgres else "sqlite", key))
        if saved is None:
            build(tracker)
            self._save(tracker, key, on_postgres)
        elif on_postgres:
            name = tracker.db.rsplit("/", 1)[1]
            dispose_engines(_url(tracker.db))
            with self._admin() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {saved}"))
        else:
            _sqlite_copy(Path(saved), Path(tracker.db))

    def _save(self, tracker: Tracker, key: str, postgres: bool) -> None:
        tag = hashlib.sha256(key.encode()).hexdigest()[:12]
        if not postgres:
            path = self.folder / f"{tag}.db"
            _sqlite_copy(Path(tracker.db), path)
            self.saved[("sqlite", key)] = str(path)
            return
        self.admin = tracker.db.rsplit("/", 1)[0] + "/postgres"
        name = f"{TEMPLATE}_{tag}"
        dispose_engines(_url(tracker.db))
        with self._admin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {tracker.db.rsplit('/', 1)[1]}"))
        self.saved[("postgresql", key)] = name

    @contextmanager
    def _admin(self) -> Iterator[Connection]:
        assert self.admin is not None
        engine = create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def drop(self) -> None:
        names = [name for (backend, _), name in self.saved.items() if backend == "postgresql"]
        if names:
            with self._admin() as conn:
                for name in names:
                    conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshots]:
    kept = Snapshots(tmp_path_factory.mktemp("snapshots"))
    yield kept
    kept.drop()


@pytest.fixture
def other(tracker: Tracker, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Tracker]:
    """A second, empty registry on the same backend as `tracker`."""
    if "://" not in tracker.db:
        yield Tracker(str(tmp_path / "other.db"))
        return
    yield from (Tracker(url) for url in _pg_copy(request.getfixturevalue("pg_databases")))


@pytest.fixture
def sqlite_tracker(sqlite_url: str) -> Tracker:
    return Tracker(sqlite_url)


@pytest.fixture
def real_fixture() -> Callable[[str], Path]:
    """A real public metadata file kept in tests/fixtures/real (see its README)."""
    def find(relative: str) -> Path:
        path = REAL / relative
        if not path.exists():
            pytest.fail(f"missing fixture {path}")
        return path

    return find


@pytest.fixture
def desk(tracker: Tracker, snapshots: Snapshots) -> Iterator[Any]:
    """The review desk on a seeded registry (`web_support.seed`), once per backend: a
    (Tracker, LiveDesk) pair."""
    from web_support import seeded_desk

    yield from seeded_desk(tracker, snapshots)


@pytest.fixture
def sqlite_desk(sqlite_tracker: Tracker, snapshots: Snapshots) -> Iterator[Any]:
    """The review desk on a seeded SQLite registry."""
    from web_support import seeded_desk

    yield from seeded_desk(sqlite_tracker, snapshots)


# Modules holding the suite's longest tests (minutes of subprocesses between them): run
# first, so that the workers share out the short tests around them instead of one worker
# finishing on a long one while the other idles. Each module stays whole and in order.
FIRST = ("test_readme.py", "test_bench_script.py", "test_web_bench.py",
         "test_real_world_import.py", "test_reliability.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))  # stable: order kept

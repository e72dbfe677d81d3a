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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from tracker.cli.main import cli
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
    """A migrated, seeded template database; each test copies it (fast) and drops the copy."""
    admin = _pg_admin_url()
    if admin is None:
        _skip_postgres()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    url = admin.rsplit("/", 1)[0] + f"/{TEMPLATE}"
    Registry(url).close()
    yield admin
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
    engine.dispose()


def _pg_copy(pg_template: str) -> Iterator[str]:
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(pg_template, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    yield pg_template.rsplit("/", 1)[0] + f"/{name}"
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    yield from _pg_copy(pg_template)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite registry; each test copies it, as PostgreSQL tests copy
    their template database (migrating a new file costs about 0.2 s, a copy a millisecond).
    Tests of a registry's creation use a path of their own."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    Registry(_url(str(path))).close()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "registry.db"
    source, copy = sqlite3.connect(sqlite_template), sqlite3.connect(path)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
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


@pytest.fixture
def other(tracker: Tracker, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Tracker]:
    """A second, empty registry on the same backend as `tracker`."""
    if "://" not in tracker.db:
        yield Tracker(str(tmp_path / "other.db"))
        return
    yield from (Tracker(url) for url in _pg_copy(request.getfixturevalue("pg_template")))


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
def desk(tracker: Tracker) -> Iterator[Any]:
    """The review desk on a seeded registry (`web_support.seed`), once per backend: a
    (Tracker, LiveDesk) pair."""
    from web_support import seeded_desk

    yield from seeded_desk(tracker)


@pytest.fixture
def sqlite_desk(sqlite_tracker: Tracker) -> Iterator[Any]:
    """The review desk on a seeded SQLite registry."""
    from web_support import seeded_desk

    yield from seeded_desk(sqlite_tracker)

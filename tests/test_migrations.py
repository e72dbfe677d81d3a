"""Schema upgrades: a registry made by the first released schema opens with every record intact."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from conftest import Tracker
from tracker.db.migrate import head_revision

FIXTURE = Path(__file__).parent / "fixtures" / "registry-0001.db"


def _rows(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        conn.close()


def test_first_schema_registry_upgrades_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    old_datasets = _rows(path, "dataset")
    old_fees = _rows(path, "fee")
    old_events = _rows(path, "audit_event")
    tracker = Tracker(str(path))

    assert tracker("verify").stdout.startswith("ok: ")  # opening upgrades, then verifies
    status = json.loads(tracker("db status --json").stdout)
    assert status["schema"] == head_revision() != "0001"
    # Columns added later come after the old ones, holding their defaults (crawler, size
    # category, external id).
    assert [row[:len(old_datasets[0])] for row in _rows(path, "dataset")] == old_datasets
    assert all(row[len(old_datasets[0]):] == ("", "", None) for row in _rows(path, "dataset"))
    width = len(old_fees[0])
    assert [row[:width] for row in _rows(path, "fee")] == old_fees
    # Plus split_runs, and no fee voided (who, when, why).
    assert all(row[width:] == (1, None, None, None) for row in _rows(path, "fee"))
    assert all(row[-3:] == (None, None, None) for row in _rows(path, "license_claim"))
    # Old events stay as they were; licences the knowledge base gained since are appended.
    events = _rows(path, "audit_event")
    width = len(old_events[0])
    assert [e[:width] for e in events[:len(old_events)]] == old_events
    # Plus the dataset each event is about, read from what it logged: a dataset's own row,
    # or the dataset a claim, fee or consent record belongs to.
    about = {(e[4], e[5]): e[width] for e in events}
    old_fee = old_fees[0]
    assert about[("fee", old_fee[0])] == old_fee[1] is not None
    assert all(about[("dataset", row[0])] == row[0] for row in old_datasets)
    assert {e[width] for e in events if e[4] == "license"} == {None}
    assert {e[2] for e in events[len(old_events):]} <= {"tracker (licence knowledge base)"}
    fees = json.loads(tracker("fee list --json").stdout)["fees"]
    assert "0.0000025" in {f["amount"] for f in fees}
    # The upgraded registry takes new records and stays verifiable.
    tracker("fee add code-corpus --amount 1.50 --currency USD --counterparty X")
    assert tracker("verify").stdout.startswith("ok: ")


def test_the_head_constant_names_the_newest_migration() -> None:
    from tracker.db.migrate import HEAD

    assert head_revision() == HEAD


def test_a_registry_from_a_newer_tool_is_refused_untouched(tracker: Tracker) -> None:
    """A newer tool may write what this one misreads (import events, for one)."""
    tracker("dataset add a --name A")
    tracker.sql("UPDATE alembic_version SET version_num = '9999'")
    result = tracker("dataset list", expect=1)
    assert result.stderr.strip().endswith(
        "registry schema 9999 is newer than this tool's "
        f"({head_revision()}): upgrade tracker to open it")
    assert "Traceback" not in result.stderr


def test_a_migrated_registry_has_the_schema_the_models_declare(tracker: Tracker) -> None:
    """Migrations build the schema and the models describe it to the code: an index only one
    of them has costs every insert, or leaves a lookup scanning, without anything failing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    from conftest import _url
    from tracker.db import models  # noqa: F401 - the tables, registered on the metadata

    tracker("dataset list")  # creates the registry, migrated to head
    engine = create_engine(_url(tracker.db))
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    finally:
        engine.dispose()

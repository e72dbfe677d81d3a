"""Concurrent writers, crashes, backups under load, forged records."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Tracker, bench_generate

# Four writers of 40 datasets and fees each: every command meets the others' transactions
# (each writer's turn is a few milliseconds), which is what the test is about; more rows
# repeat the same contention.
WORKERS = 4
PER_WORKER = 40


def _writer(db: str, worker: int, count: int, errors: multiprocessing.Queue) -> None:
    from click.testing import CliRunner

    from tracker.cli.main import cli

    runner = CliRunner()
    for i in range(count):
        slug = f"w{worker}-{i:03d}"
        for args in (["dataset", "add", slug, "--name", f"Worker {worker} #{i}"],
                     ["fee", "add", slug, "--amount", "0.10", "--currency", "USD",
                      "--counterparty", "Shared Vendor"]):
            result = runner.invoke(cli, ["--db", db, "--as", f"worker-{worker}", *args])
            if result.exit_code != 0:
                errors.put(f"{' '.join(args)}: {result.output.strip()}")


def _run_writers(db: str, workers: int, count: int) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db, w, count, errors)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert all(p.exitcode == 0 for p in procs)
    return found


def test_concurrent_writers_lose_nothing(tracker: Tracker) -> None:
    tracker("dataset list")  # create and migrate the registry before the race
    errors = _run_writers(tracker.db, WORKERS, PER_WORKER)
    assert errors == []  # in particular, no "database is locked" reached anyone
    datasets = json.loads(tracker("dataset list --json").stdout)
    assert len(datasets) == WORKERS * PER_WORKER
    fees = json.loads(tracker("fee list --json").stdout)
    assert len(fees["fees"]) == WORKERS * PER_WORKER
    total = Decimal("0.10") * WORKERS * PER_WORKER
    assert fees["totals"] == [{"basis": "one-time", "unit": None, "currency": "USD",
                               "amount": f"{total:.2f}"}]
    assert tracker("verify").stdout.startswith("ok")


def _big_table(path: Path, rows: int) -> None:
    with path.open("w") as out:
        bench_generate().write_datasets(rows, out)


def test_an_import_killed_halfway_leaves_nothing(tracker: Tracker, tmp_path: Path) -> None:
    data = tmp_path / "big.jsonl"
    _big_table(data, 3000)
    lines = data.read_text().splitlines(keepends=True)
    tracker("dataset list")
    before = tracker.digest()
    # The import reads from a pipe, so it is provably mid-way when killed: it pulls rows
    # only as it applies them, and a write into the pipe returns once the importer has
    # read all but a pipe buffer (under 200 rows) of it, i.e. applied three chunks.
    stream = tmp_path / "stream.jsonl"
    os.mkfifo(stream)
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", tracker.db, "import",
                             "table", str(stream)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with stream.open("w") as pipe:
        pipe.write("".join(lines[:2000]))
        pipe.flush()
        assert proc.poll() is None, "the import stopped before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert tracker("verify").stdout.startswith("ok")
    assert tracker.digest() == before
    assert json.loads(tracker("dataset list --json").stdout) == []
    tracker(["import", "table", str(data)])
    assert len(json.loads(tracker("dataset list --json --limit 10000").stdout)) == 3000
    assert tracker("verify").stdout.startswith("ok")


def test_backup_while_others_write(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    sqlite_tracker("dataset list")
    ctx = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue = ctx.Queue()
    writer = ctx.Process(target=_writer, args=(sqlite_tracker.db, 9, 60, errors))
    writer.start()
    backups = []
    for n in range(3):
        time.sleep(0.5)
        target = tmp_path / f"backup-{n}.db"
        sqlite_tracker(["db", "backup", str(target)])
        backups.append(target)
    writer.join(timeout=300)
    assert writer.exitcode == 0 and errors.empty()
    counts = []
    for target in backups:
        copy = Tracker(str(target))
        assert copy("verify").stdout.startswith("ok")
        counts.append(len(json.loads(copy("dataset list --json").stdout)))
    assert counts == sorted(counts) and counts[-1] <= 60


def test_forged_rows_and_approvals_are_caught(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("dataset add d --name D --personal-data yes")
    t("license claim d CC-BY-4.0 --by contract")
    t("--as reviewer review d --decision approved --note ok")
    t("consent set d --status withdrawn")
    stale = [f for f in json.loads(t("flags --json").stdout) if f["code"] == "review_stale"]
    assert stale, "an approval of an older record must not count for the changed one"
    conn = sqlite3.connect(t.db)
    digest, at = conn.execute("SELECT digest, reviewed_at FROM review").fetchone()
    with conn:  # a forged approval, written behind the tool's back
        conn.execute("INSERT INTO review (dataset_id, decision, note, conditions, reviewer, "
                     "reviewed_at, digest) VALUES (1, 'approved', 'forged', '', 'mallory', "
                     "?, ?)", (at, digest))
    conn.close()
    assert "review #2: exists without an audit event" in t("verify", expect=1).stderr


def test_inserted_audit_events_are_caught(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("dataset add a --name A")
    t("dataset add b --name B")
    conn = sqlite3.connect(t.db)
    last_id, prev = conn.execute("SELECT id, prev_hash FROM audit_event "
                                 "ORDER BY id DESC LIMIT 1").fetchone()
    with conn:  # slip an event in before the last one
        conn.execute("UPDATE audit_event SET id = id + 1000 WHERE id = ?", (last_id,))
        conn.execute("INSERT INTO audit_event (id, at, actor, action, entity, entity_id, label, "
                     "before, after, prev_hash, hash) VALUES (?, '2024-01-01', 'mallory', "
                     "'update', 'dataset', 1, 'a', NULL, NULL, ?, ?)",
                     (last_id, prev, "f" * 64))
    conn.close()
    result = t("verify", expect=1)
    assert f"audit event #{last_id}: content does not match its hash" in result.stderr


@pytest.mark.parametrize("size", [10 * 1024 * 1024])
def test_huge_fields_are_refused(sqlite_tracker: Tracker, size: int) -> None:
    sqlite_tracker("dataset list")
    before = sqlite_tracker.file_bytes()
    result = sqlite_tracker(["dataset", "add", "big", "--name", "x" * size], expect=1)
    assert "name: is longer than 300 characters" in result.stderr
    assert len(result.stderr) < 300
    assert sqlite_tracker.file_bytes() == before

"""bench/web.py end to end at a tiny size: the load it puts on the review desk loses no
write and leaves a registry that verifies (tests never assert on time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BENCH


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_review_desk_benchmark_runs_at_a_tiny_size(backend: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    extra = ["--postgres", request.getfixturevalue("pg_template"), "--workers", "2"] \
        if backend == "postgresql" else []
    done = subprocess.run([sys.executable, str(BENCH / "web.py"), "--datasets", "20",
                           "--samples", "2", "--clients", "4", "--seconds", "2",
                           "--max-requests", "60", *extra],
                          check=True, capture_output=True, text=True, cwd=tmp_path)
    rows = dict(line.strip("| ").split(" | ", 1) for line in done.stdout.splitlines()
                if line.startswith("| ") and not line.startswith("| measurement"))
    load = next(v for k, v in rows.items() if k.startswith("4 clients"))
    assert ", 0 errors," in load
    assert rows["accepted reviews in the audit log"].endswith("(none lost)")
    assert rows["`tracker verify` afterwards"] == "passes"
    assert "the desk does" in rows["bare FastAPI endpoint, same clients"]

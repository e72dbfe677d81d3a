"""The benchmark script end to end at a tiny size: it must keep working, whatever it
measures (tests never assert on time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BENCH


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_benchmark_script_runs_at_a_tiny_size(backend: str, tmp_path: Path,
                                                  request: pytest.FixtureRequest) -> None:
    """bench/run.py end to end (every measurement, the table it writes), at a tiny size."""
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nWritten by hand, kept.\n")
    extra = ["--postgres", request.getfixturevalue("pg_template")] if backend == "postgresql" \
        else []
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--datasets", "60", "--domains",
                    "200", "--repeat", "1", "--import-repeat", "1", "--dpi-files", "2",
                    "--startup-repeat", "1",
                    "--out", str(out),
                    *extra], check=True, capture_output=True, cwd=tmp_path)
    text = out.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand, kept.\n")
    assert f"<!-- bench:start {backend} -->" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    assert [r.split(" | ")[0] for r in rows] == [
        "| import 60 datasets (JSONL: validated, about 7 rows and 1 audit event each)",
        "| import 200 crawl domains", "| read opt-out signals of 20 crawl domains",
        "| `dataset list --limit 50` on 60 datasets",
        "| `dataset show` on 60 datasets", "| effective terms for all 60 datasets",
        "| licence inventory (`license resolve --all`) for all 60 datasets",
        "| `dataset list --commercial no --limit 50` on 60 datasets",
        "| `budget` of a run drawing 6 datasets", "| `report audit` of that run",
        "| import a DPI-shaped collection of 2 files (21 records) in one command",
        "| start-up: `tracker --version`"]

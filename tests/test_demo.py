"""`tracker demo`: the illustrative registry a new user starts from."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Tracker
from tracker.service import demo


def test_demo_builds_an_illustrative_registry(tracker: Tracker) -> None:
    result = tracker("demo")
    assert "demo registry built" in result.stderr
    datasets = json.loads(tracker("dataset list --json").stdout)
    assert {d["slug"] for d in datasets} == set(demo.DATASETS)
    assert all("Illustrative" in d["description"] for d in datasets)
    categories = {d["source_category"] for d in datasets}
    assert {"crawled", "commercially_licensed", "public_dataset", "synthetic"} <= categories

    fees = json.loads(tracker("fee list --json").stdout)
    assert {f["currency"] for f in fees["fees"]} == {"USD", "EUR"}
    assert {"per year", "one-time", "per token", "per record"} <= {f["basis"] for f in fees["fees"]}
    assert all("(illustrative)" in f["counterparty"] for f in fees["fees"])
    costs = json.loads(tracker("cost list --json").stdout)
    assert "GBP" in {c["currency"] for c in costs["costs"]}

    qa = json.loads(tracker("dataset show hub-qa-dataset --json").stdout)
    assert {(c["license"], c["claimed_by"]) for c in qa["license_claims"]} == {
        ("CC-BY-4.0", "hub"), ("CC-BY-NC-4.0", "authors")}
    crawl = json.loads(tracker("source show open-web --json").stdout)
    assert crawl["tdm_reservation"] == "robots_txt"
    video = json.loads(tracker("dataset show video-transcripts --json").stdout)
    assert video["sources"][0]["kind"] == "platform"
    assert video["consent"][-1]["status"] == "none"
    synthetic = json.loads(tracker("dataset show synthetic-instructions --json").stdout)
    assert synthetic["generator_model"] and synthetic["parents"][0]["relation"] == "generated_by"
    assert tracker("verify").stdout.startswith("ok: ")


def test_demo_twice_changes_nothing_and_never_mixes_into_a_real_registry(
        tracker: Tracker) -> None:
    tracker("demo")
    before = tracker.digest()
    assert "already present" in tracker("demo").stderr
    assert tracker.digest() == before


def test_demo_refuses_a_registry_in_use(tracker: Tracker) -> None:
    tracker("dataset add mine --name Mine")
    result = tracker("demo", expect=1)
    assert "already holds other datasets" in result.stderr


def _hint(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("try: "))[5:]


@pytest.mark.parametrize("program", ["tracker", "python -m tracker"])
def test_demo_hint_works_pasted_as_printed(program: str, tmp_path: Path) -> None:
    # A real shell, as the reader has: `tracker` on PATH, or the module of this environment.
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("TRACKER_DB", None)
    command = program.replace("python", shlex.quote(sys.executable))

    def shell(line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, text=True,
                              capture_output=True, check=False)

    built = shell(f"{command} --db 'my demo.db' demo")
    assert built.returncode == 0, built.stderr
    hint = _hint(built.stderr)
    assert hint.endswith("--db 'my demo.db' budget frontier-run-1")
    budget = shell(hint)
    assert budget.returncode == 0, budget.stderr
    assert "Budget for frontier-run-1" in budget.stdout

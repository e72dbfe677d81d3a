"""Work that must not grow with the registry: a snapshot loads in a fixed number of queries."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from conftest import Tracker, bench_generate
from tracker.db import resolve_url
from tracker.facts.load import load_registry, load_run
from tracker.registry import Registry
from tracker.registry.runs import find_run


def _generated(tracker: Tracker, tmp_path: Path, rows: int) -> None:
    data = tmp_path / "gen.jsonl"
    with data.open("w") as out:
        bench_generate().write_datasets(rows, out)
    tracker(["import", "table", str(data)])


def _queries(registry: Registry, load) -> int:  # type: ignore[no-untyped-def]
    count = 0

    def seen(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(registry.engine, "before_cursor_execute", seen)
    try:
        with registry.reading() as session:
            load(session)
    finally:
        event.remove(registry.engine, "before_cursor_execute", seen)
    return count


def test_snapshots_load_in_a_fixed_number_of_queries(tracker: Tracker, tmp_path: Path) -> None:
    _generated(tracker, tmp_path, 60)
    tracker("run create small --model m --start 2025-01-01 --end 2025-12-31")
    tracker("run create large --model m --start 2025-01-01 --end 2025-12-31")
    for i in range(5):
        tracker(f"run add-dataset small ds-{i + 40:07d}")
    for i in range(50):
        tracker(f"run add-dataset large ds-{i + 10:07d}")
    registry = Registry(resolve_url(tracker.db))
    try:
        def run_loader(slug: str):  # type: ignore[no-untyped-def]
            return lambda session: load_run(session, find_run(session, slug))

        small, large = (_queries(registry, run_loader(s)) for s in ("small", "large"))
        assert small == large
        assert large <= 20
        everything = _queries(registry, load_registry)
        assert everything <= 20
    finally:
        registry.close()


def test_generated_registries_build_budgets_and_reports(tracker: Tracker,
                                                        tmp_path: Path) -> None:
    """The benchmark's paths at a tiny size: generator, import, effective terms, budget,
    report, list, show."""
    _generated(tracker, tmp_path, 40)
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    for i in range(0, 40, 3):
        tracker(f"run add-dataset r ds-{i:07d}")
    tracker("fx set EUR USD 1.1 --as-of 2024-01-01")
    tracker("fx set GBP USD 1.3 --as-of 2024-01-01")
    tracker("fx set JPY USD 0.0068 --as-of 2024-01-01")
    assert tracker("budget r --json").stdout
    tracker(["report", "audit", "r", "-o", str(tmp_path / "r.html")])
    assert tracker("lineage show ds-0000039 --effective --json").stdout
    assert tracker("dataset list --limit 10").stdout.count("\n") == 11
    assert tracker("verify").stdout.startswith("ok")


def test_domain_lists_stream_in_batches(tracker: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "domains.csv"
    with path.open("w") as out:
        bench_generate().write_domains(12_345, out)  # more than two insert batches
    tracker("source add crawl --name Crawl --kind domain")
    tracker(["source", "domains", "import", str(path), "--source", "crawl"])
    listed = tracker("source domains list crawl --json")
    import json

    assert json.loads(listed.stdout)["domains"] == 12_345
    assert tracker("verify").stdout.startswith("ok")


def test_run_snapshots_hold_the_same_facts_however_they_are_filtered(
        tracker: Tracker, tmp_path: Path) -> None:
    """A run drawing a small part of the registry is filtered in the database (by a recursive
    query over its lineage), a large one after reading: both give the registry's facts."""
    from tracker.facts.load import _ancestry, _edges

    _generated(tracker, tmp_path, 60)
    tracker("run create small --model m --start 2025-01-01 --end 2025-12-31")
    tracker("run create large --model m --start 2025-01-01 --end 2025-12-31")
    for i in (45, 52, 59):  # derived datasets: their ancestors come in too
        tracker(f"run add-dataset small ds-{i:07d}")
    for i in range(5, 60):
        tracker(f"run add-dataset large ds-{i:07d}")
    tracker("consent set ds-0000003 --status withdrawn --date 2024-05-01")
    registry = Registry(resolve_url(tracker.db))
    try:
        with registry.reading() as session:
            everything = load_registry(session)
            edges = _edges(session)
            for slug in ("small", "large"):
                run = find_run(session, slug)
                snapshot = load_run(session, run)
                drawn = set(snapshot.run.draws)  # type: ignore[union-attr]
                scope = _ancestry(edges, drawn)
                assert len(scope) > len(drawn) or slug == "large"
                assert list(snapshot.datasets) == [i for i in everything.datasets if i in scope]
                for i, facts in snapshot.datasets.items():
                    assert facts == everything.datasets[i]
    finally:
        registry.close()

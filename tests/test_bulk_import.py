"""A bulk import leaves the registry that the same changes made one command at a time
would, and an audit log recording the same change to every row: one event per dataset
instead of one per row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from conftest import Tracker, _url, bench_generate
from tracker.db.models import Dataset, Source
from tracker.interop import apply, records, table
from tracker.registry import Registry, Writer, audit, catalog, claims, consent, ledger, lineage

# Rows the generator does not make: a parent named before it is described (a placeholder,
# then updated by its own row), a row updating an earlier one, and a shared agreement.
EXTRA = [
    {"slug": "late-parent-child", "name": "Child of a late parent", "parents": "late-parent",
     "relation": "filtered", "license": "CC-BY-4.0"},
    {"slug": "late-parent", "name": "Late parent", "source_category": "crawled",
     "license": "CC-BY-NC-4.0", "license_by": "hub", "fee_amount": "10.50",
     "fee_currency": "EUR", "fee_counterparty": "Vendor 1", "fee_start": "2024-01-01",
     "fee_end": "2027-12-31"},
    {"slug": "shares-an-agreement", "name": "Shares Vendor 1", "fee_amount": "3",
     "fee_currency": "usd", "fee_counterparty": "Vendor 1"},
]


def _one_at_a_time(registry: Registry, rows: list[records.DatasetIn]) -> None:
    """The reference: each change through the domain function a command would call."""
    with registry.writing("tester") as w:
        for rec in rows:
            if not _exists(w, Dataset, rec.slug):
                catalog.add_dataset(w, rec.slug, rec.fields)
            else:
                catalog.edit_dataset(w, rec.slug, rec.fields)
            for c in rec.claims:
                claims.add_claim(w, rec.slug, c.expression, c.by, evidence_url=c.evidence_url,
                                 observed_on=c.observed_on, notes=c.notes)
            for f in rec.fees:
                ledger.add_fee(w, rec.slug, kind=f.kind, amount=f.amount, currency=f.currency,
                               counterparty=f.counterparty, reference=f.reference,
                               period=f.period, unit=f.unit, term_start=f.term_start,
                               term_end=f.term_end)
            for c in rec.consents:
                consent.set_consent(w, dataset_slug=rec.slug, source_slug=None, status=c.status,
                                    legal_basis=c.legal_basis, compensation=c.compensation,
                                    recorded_on=c.recorded_on)
            for src in rec.sources:
                if not _exists(w, Source, src.slug):
                    catalog.add_source(w, src.slug, src.fields)
                catalog.link_source(w, rec.slug, src.slug)
            for parent in rec.parents:
                if not _exists(w, Dataset, parent.slug):
                    catalog.add_dataset(w, parent.slug, {
                        "name": parent.slug,
                        "description": f"Named as a parent of {rec.slug} by {rec.origin}; "
                                       "not yet described.",
                        "source_category": "other", "status": "planned"})
                lineage.add_edge(w, rec.slug, parent.slug, parent.relation)


def _exists(writer: Writer, model: type[Dataset] | type[Source], slug: str) -> bool:
    return writer.session.exec(select(model.id).where(model.slug == slug)).first() is not None


def _log(db: str) -> list[dict[str, Any]]:
    registry = Registry(_url(db))
    try:
        with registry.reading() as session:
            return list(map(audit.event_record, audit.events(session)))
    finally:
        registry.close()


def _row_changes(log: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    """Every row an event created or updated, with its state before and after: an import
    event's rows spelled out as one event each would give them."""
    changes = []
    for e in log:
        if e["action"] != "import":
            changes.append((e["actor"], e["action"], e["entity"], e["entity_id"], e["before"],
                            e["after"]))
            continue
        before = e["before"] or {}
        for entity, rows in e["after"].items():
            for key, after in rows.items():
                was = before.get(entity, {}).get(key)
                changes.append((e["actor"], "create" if was is None else "update", entity,
                                int(key), was, after))
    return sorted(changes, key=lambda c: (c[2], c[3], c[4] is not None))


# The placeholder (row 41) is described by row 42 in the chunk that created it, or in the
# next one, which asks the writing process for what it has written.
@pytest.mark.parametrize("chunk", [7, 41])
def test_bulk_import_equals_one_change_at_a_time(tracker: Tracker, other: Tracker,
                                                 tmp_path: Path, chunk: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply, "CHUNK", chunk)
    rows = [*bench_generate().datasets(40, seed=3), *EXTRA]
    path = tmp_path / "datasets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    result = tracker(["import", "table", str(path)])
    assert "create placeholder dataset late-parent" in result.stdout
    assert "update dataset late-parent: name, source_category" \
        in result.stdout

    registry = Registry(_url(other.db))
    try:
        _one_at_a_time(registry, list(table.read(path)))
    finally:
        registry.close()

    assert tracker("export json").stdout == other("export json").stdout
    bulk_log, reference_log = _log(tracker.db), _log(other.db)
    assert _row_changes(bulk_log) == _row_changes(reference_log)
    # One event for each dataset a record changed, one for each row shared between
    # datasets: a licence, a source, an agreement, a placeholder parent.
    imports = [e for e in bulk_log if e["action"] == "import"]
    assert len(imports) == len(rows)
    assert {e["entity"] for e in bulk_log if e["action"] != "import"} == \
        {"license", "dataset", "source", "agreement"}
    late = next(e for e in imports if e["label"].startswith("late-parent ("))
    assert late["label"] == "late-parent (license_claim, fee, dataset updated)"
    assert late["before"]["dataset"][str(late["entity_id"])]["status"] == "planned"
    assert len(reference_log) > 2 * len(bulk_log)
    assert tracker("verify").stdout.startswith("ok")
    # The registry keeps working after ids were assigned in bulk.
    tracker("dataset add after-bulk --name 'Added after'")
    tracker("lineage add after-bulk ds-0000001 --relation subset")
    assert tracker("verify").stdout.startswith("ok")
    again = tracker(["import", "table", str(path)])
    assert (again.stdout, again.stderr.strip()) == ("", f"{path}: up to date")


def test_bulk_import_refuses_a_cycle_through_placeholders(tracker: Tracker,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "cycle.jsonl"
    path.write_text(json.dumps({"slug": "a", "name": "A", "parents": "b"}) + "\n"
                    + json.dumps({"slug": "b", "name": "B", "parents": "a"}) + "\n")
    before = tracker.digest()
    result = tracker(["import", "table", str(path)], expect=1)
    assert "line 2: parent: would make a lineage cycle: b -> a -> b (got 'a')" in result.stderr
    assert tracker.digest() == before


def test_large_imports_summarise_their_changes(tracker: Tracker, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply.Changes, "KEEP", 10)
    path = tmp_path / "many.csv"
    path.write_text("slug,name\n" + "".join(f"d{i},D {i}\n" for i in range(12)))
    result = tracker(["import", "table", str(path)])
    assert result.stdout.splitlines() == ["create dataset: 12"]
    assert result.stderr.strip() == f"{path}: made 12 changes"


def test_reimporting_backdated_records_adds_them_once(tracker: Tracker, tmp_path: Path) -> None:
    tracker("dataset add a --name A")
    tracker("consent set a --status opt_in --date 2024-06-01")
    tracker("license claim a CC-BY-4.0 --by authors --date 2024-06-01")
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"slug": "a", "name": "A", "consent_status": "notice_only",
                                "consent_date": "2020-01-01", "license": "MIT",
                                "license_date": "2020-01-01"}) + "\n")
    first = tracker(["import", "table", str(path)])
    assert "made 2 changes" in first.stderr
    again = tracker(["import", "table", str(path)])
    assert again.stderr.strip() == f"{path}: up to date"
    history = json.loads(tracker("consent history a --json").stdout)
    assert [h["status"] for h in history] == ["notice_only", "opt_in"]  # the 2024 one in force


def test_a_value_too_long_for_its_column_is_refused_on_every_backend(
        tracker: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"slug": "a", "name": "A", "size_category": "x" * 41}) + "\n")
    before = tracker.digest()
    result = tracker(["import", "table", str(path)], expect=1)
    assert "line 1: size-category" in result.stderr and "longer than 40" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tracker.digest() == before


def _ids(db: str, table_name: str) -> list[int]:
    registry = Registry(_url(db))
    try:
        with registry.reading() as session:
            return list(session.connection().execute(
                text(f"SELECT id FROM {table_name} ORDER BY id")).scalars())
    finally:
        registry.close()


def test_an_import_leaves_no_gap_in_the_ids_of_tables_it_did_not_fill(
        tracker: Tracker, tmp_path: Path) -> None:
    # The import reserves ids in every table it may fill before it hands the reading to a
    # second process; on PostgreSQL, those of tables it did not fill are given back.
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"slug": "only", "name": "Only", "license": "MIT"}) + "\n")
    tracker("dataset list")
    licences = _ids(tracker.db, "license")
    tracker(["import", "table", str(path)])
    tracker("license add LicenseRef-After --name After")
    assert _ids(tracker.db, "license") == [*licences, licences[-1] + 1]
    tracker("source add after --name After")
    assert _ids(tracker.db, "source") == [1]


def test_a_large_import_leaves_the_database_its_statistics(pg_url: str,
                                                           tmp_path: Path) -> None:
    """Without them PostgreSQL plans the queries on the new rows as if the tables were empty
    (a dataset's page took ten times as long at 100,000 datasets)."""
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(row) + "\n"
                            for row in bench_generate().datasets(1000, seed=5)))
    Tracker(pg_url)(["import", "table", str(path)])
    registry = Registry(_url(pg_url))
    try:
        with registry.connected() as conn:
            analysed = dict(conn.execute(text(
                "SELECT relname, COALESCE(last_analyze, last_autoanalyze) IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname IN ('dataset', 'lineage')")).all())
    finally:
        registry.close()
    assert analysed == {"dataset": True, "lineage": True}

"""The whole registry as one JSON document (or a folder of CSV files), and back.

Rows keep their ids, so importing an export into an empty registry and
exporting again gives the identical document. The audit log is not exported:
the importing registry writes its own, one event per imported row.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Date, func, insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from tracker.db.models import AUDITED, CrawlDomain, Dataset, Source, TrainingRun
from tracker.db.rows import record
from tracker.db.types import ExactDecimal
from tracker.registry import Writer
from tracker.values import parse
from tracker.values.errors import TrackerError

FORMAT = "dataset-tracker-registry"
TABLES: dict[str, type[SQLModel]] = {**AUDITED, "crawl_domain": CrawlDomain}


def export(session: Session) -> dict[str, Any]:
    from tracker.db.migrate import current_revision

    return {
        "format": FORMAT,
        "version": 1,
        "schema": current_revision(session.connection()),
        "tables": {name: [record(row) for row in
                          session.exec(select(model).order_by(model.id))]  # type: ignore[attr-defined]
                   for name, model in TABLES.items()},
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _convert(model: type[SQLModel], values: dict[str, Any], where: str) -> dict[str, Any]:
    columns = {c.name: c for c in model.__table__.columns}  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for key, value in values.items():
        column = columns.get(key)
        if column is None:
            raise TrackerError(f"{where}.{key}: no such column")
        if value is None:
            out[key] = None
        elif isinstance(column.type, ExactDecimal):
            try:
                out[key] = Decimal(str(value))
            except InvalidOperation as exc:
                raise TrackerError(f"{where}.{key}: not a decimal ({value!r})") from exc
            if not out[key].is_finite():
                raise TrackerError(f"{where}.{key}: not a finite decimal ({value!r})")
        elif isinstance(column.type, Date):
            try:
                out[key] = dt.date.fromisoformat(str(value))
            except ValueError as exc:
                raise TrackerError(f"{where}.{key}: not a date ({value!r})") from exc
        else:
            if isinstance(value, str):
                parse.check_utf8(value, f"{where}.{key}")
            out[key] = value
    return out


def load(writer: Writer, document: Any, name: str) -> dict[str, int]:
    """Import an exported registry into an empty one; all or nothing."""
    session = writer.session
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrackerError(f"{name}: $.format: not a dataset-tracker registry export")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise TrackerError(f"{name}: $.tables: missing")
    for model in (Dataset, Source, TrainingRun):
        if session.exec(select(func.count()).select_from(model)).one():
            raise TrackerError(f"{name}: the registry is not empty; import into a new one "
                               "(tracker --db NEW.db import json FILE)")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise TrackerError(f"{name}: $.tables.{unknown[0]}: unknown table")
    counts: dict[str, int] = {}
    for table, model in TABLES.items():
        rows = tables.get(table) or []
        if not isinstance(rows, list):
            raise TrackerError(f"{name}: $.tables.{table}: expected a list")
        counts[table] = 0
        for index, values in enumerate(rows):
            where = f"{name}: $.tables.{table}[{index}]"
            if not isinstance(values, dict):
                raise TrackerError(f"{where}: expected an object")
            data = _convert(model, values, where)
            if table == "license":
                held = session.get(model, data.get("id"))
                if held is not None:
                    if record(held) != values:
                        raise TrackerError(f"{where}: licence {values.get('key')!r} differs "
                                           "from this registry's knowledge base")
                    continue
            try:
                if table == "crawl_domain":
                    session.execute(insert(CrawlDomain), [data])
                else:
                    row = model(**data)
                    writer.add(row, label=str(values.get("slug") or values.get("key")
                                              or f"{table} #{values.get('id')}"))
            except IntegrityError as exc:
                raise TrackerError(f"{where}: conflicts with the registry "
                                   f"({str(exc.orig).splitlines()[0]})") from exc
            counts[table] += 1
    if counts.get("crawl_domain"):
        from tracker.facts.crawl_domains import list_digest

        for source_id in sorted({row["source_id"] for row in tables["crawl_domain"]}):
            rows, digest = list_digest(session, source_id)
            writer.event("update", "crawl_domain", source_id, f"{rows} domains from {name}",
                         None, {"rows": rows, "sha256": digest, "file": name})
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave PostgreSQL's sequences behind; move them past the rows.
        for table in TABLES:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
    return counts


def dataset_count_label(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {t}" for t, n in counts.items() if n)



"""Many new rows at once: ids assigned in the write transaction, audit events chained in
memory, everything written with one executemany per table.

Rows are audited one event each, as `Writer.add` would, or grouped: everything an import
does to one dataset (its row, claims, fees, consent, links and lineage) is one "import"
event holding each row's state before and after. A bulk import and the same changes made
one command at a time leave the same registry and the same audited state of every row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, text, update
from sqlmodel import SQLModel

from tracker import audit
from tracker.db import insert_rows
from tracker.db.models import AuditEvent
from tracker.records import as_record
from tracker.registry import Writer

Row = dict[str, Any]
CACHE_KIB = 128 * 1024


def _defaults(model: type[SQLModel]) -> Row:
    return {name: info.default for name, info in model.model_fields.items()
            if info.default is not PydanticUndefined}


@dataclass
class _Group:
    """The rows one import event covers, by table and id (as text, the JSON key)."""

    before: dict[str, dict[str, Row]] = field(default_factory=dict)
    after: dict[str, dict[str, Row]] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def label(self, name: str) -> str:
        parts = [f"{n} {table}" if n > 1 else table for table, n in self.created.items()]
        parts += [f"{table} updated" for table in self.updated]
        return f"{name} ({', '.join(parts)})"


class BulkWriter:
    """Queued creates and updates, written a batch at a time."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.conn = writer.session.connection()
        self.postgres = self.conn.dialect.name == "postgresql"
        if not self.postgres:
            # The audit log's hash index takes inserts at random places: with SQLite's
            # default 8 MB page cache, every batch past a few hundred thousand events
            # re-reads it from disk.
            self.conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._next: dict[str, int] = {}
        self._written: dict[str, int] = {}
        self._rows: dict[str, list[Row]] = defaultdict(list)
        self._templates: dict[str, Row] = {}
        self._group: _Group | None = None
        self._updates: list[tuple[Table, int, Row]] = []
        # One timestamp per batch: its events are written together, in one transaction.
        self._at = audit.now()

    def _new_id(self, table: Table) -> int:
        name = table.name
        if name not in self._next:
            if self.postgres:
                first = self.conn.execute(text(
                    f"SELECT nextval(pg_get_serial_sequence('{name}', 'id'))")).scalar_one()
            else:
                first = self.conn.execute(text(
                    f"SELECT coalesce(max(id), 0) + 1 FROM {name}")).scalar_one()
            self._next[name] = self._written[name] = int(first)
        self._next[name] += 1
        return self._next[name] - 1

    def event(self, action: str, entity: str, entity_id: int, label: str,
              before: Row | None, after: Row | None) -> None:
        values = audit.new_event(prev_hash=self.writer.head, actor=self.writer.actor,
                                 action=action, entity=entity, entity_id=entity_id, label=label,
                                 before=before, after=after, at=self._at)
        self.writer.head = values["hash"]
        # Explicit ids keep the log in chain order whatever the driver does with a batch.
        events: Table = AuditEvent.__table__  # type: ignore[attr-defined]
        values["id"] = self._new_id(events)
        self._rows[events.name].append(values)

    def open_group(self) -> None:
        """Group the rows added or updated from here on (but those with their own event)."""
        self._group = _Group()

    def close_group(self, entity: str, entity_id: int, name: str) -> None:
        """One "import" event for the group's rows, if it has any."""
        group, self._group = self._group, None
        if group is not None and group.after:
            self.event("import", entity, entity_id, group.label(name), group.before or None,
                       group.after)

    def add(self, model: type[SQLModel], values: Row, label: str | None = None) -> Row:
        """The new row (its id assigned); it may still be changed with `update` until flushed.

        With a label, the row has its own event: rows shared between datasets (a source, an
        agreement, a placeholder parent), whose history must not hide inside one dataset's
        import. Without, it joins the open group."""
        table: Table = model.__table__  # type: ignore[attr-defined]
        template = self._templates.get(model.__name__)
        if template is None:
            template = self._templates[model.__name__] = _defaults(model)
        row = {**template, **values, "id": self._new_id(table)}
        self._rows[table.name].append(row)
        if label is not None:
            self.event("create", table.name, row["id"], label, None, row)
        else:
            assert self._group is not None, "a row without a label needs an open group"
            # The row itself: it changes only through `update`, which records a copy, and
            # the group is written out before the next record's changes.
            self._group.after.setdefault(table.name, {})[str(row["id"])] = row
            self._group.created[table.name] += 1
        return row

    def update(self, model: type[SQLModel], row: Row, changes: Row) -> bool:
        """Change a row (queued or stored) within the open group; False when nothing
        changes."""
        assert self._group is not None, "updates are recorded in an open group"
        table: Table = model.__table__  # type: ignore[attr-defined]
        before = as_record(table, row)  # a copy: the row itself changes next
        row.update(changes)
        after = as_record(table, row)
        if after == before:
            return False
        if row["id"] < self._written.get(table.name, row["id"] + 1):
            self._updates.append((table, row["id"], dict(changes)))
        group, key = self._group, str(row["id"])
        if key not in group.after.get(table.name, {}):
            group.before.setdefault(table.name, {})[key] = before
            group.updated[table.name] += 1
        group.after.setdefault(table.name, {})[key] = after
        return True

    def flush(self) -> None:
        """Write what is queued, parents before children, then the queued updates."""
        for table in SQLModel.metadata.sorted_tables:
            rows = self._rows.pop(table.name, None)
            if rows:
                insert_rows(self.conn, *self._batch(table, rows))
                self._written[table.name] = self._next[table.name]
                if self.postgres:
                    self.conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"{self._next[table.name] - 1})"))
        for table, row_id, changes in self._updates:
            self.conn.execute(update(table).where(table.c.id == row_id).values(changes))
        self._updates = []
        self._at = audit.now()

    def _batch(self, table: Table, rows: list[Row]) -> tuple[str, list[str], list[Any]]:
        """The driver's values, converted as the column types would convert them
        (SQLAlchemy's per-row bookkeeping costs more than the insert)."""
        dialect = self.conn.dialect
        names = [c.name for c in table.columns]
        processors = [(i, proc) for i, c in enumerate(table.columns)
                      if (proc := c.type.dialect_impl(dialect).bind_processor(dialect))]
        params: list[Any] = list(map(itemgetter(*names), rows))
        if processors:
            for n, values in enumerate(params):
                converted = list(values)
                for i, proc in processors:
                    converted[i] = proc(converted[i])
                params[n] = tuple(converted)
        return table.name, names, params

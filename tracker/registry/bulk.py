"""Many new rows at once: ids assigned as rows are queued, audit events chained as they are
written, everything written with one executemany per table.

Rows are audited one event each, as `Writer.add` would, or grouped: everything an import
does to one dataset (its row, claims, fees, consent, links and lineage) is one "import"
event holding each row's state before and after. A bulk import and the same changes made
one command at a time leave the same registry and the same audited state of every row.

Queuing (BulkWriter) and writing (BatchSink) meet at a Batch of plain values, so rows can
be queued by one process while another writes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Connection, Date, Table, text, update
from sqlmodel import SQLModel

from tracker.db import insert_rows
from tracker.db.models import AuditEvent
from tracker.db.rows import as_record
from tracker.db.types import ExactDecimal
from tracker.registry import Writer, audit
from tracker.values.canonical import jsonable

Row = dict[str, Any]
CACHE_KIB = 128 * 1024
# An event as queued: action, entity, entity id, label, and the states before and after,
# as rows or already in canonical JSON.
EventSpec = tuple[str, str, int, str, Any, Any]


def _defaults(model: type[SQLModel]) -> Row:
    return {name: info.default for name, info in model.model_fields.items()
            if info.default is not PydanticUndefined}


@dataclass
class Batch:
    """What one flush hands over: new rows by table, the events to chain onto the log, changes
    to rows handed over before (by table, id), and each table's next id."""

    rows: dict[str, list[Row]]
    events: list[EventSpec]
    updates: list[tuple[str, int, Row]]
    next_ids: dict[str, int]


# Columns whose values are handed over as text: the text the audit log holds is also what
# SQLite stores and what PostgreSQL's COPY reads (dates, exact decimals).
_AS_TEXT = (Date, ExactDecimal)


@cache
def _text_columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if isinstance(c.type, _AS_TEXT))


def _first_id(conn: Connection, name: str) -> int:
    """The id a table's next new row takes (on PostgreSQL, reserved from its sequence)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id'))")).scalar_one())
    return int(conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {name}")).scalar_one())


@dataclass
class _Group:
    """The rows one import event covers, by table and id (as text, the JSON key)."""

    before: dict[str, dict[str, Row]] = field(default_factory=dict)
    after: dict[str, dict[str, Row]] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)  # rows by table
    updated: dict[str, int] = field(default_factory=dict)

    def label(self, name: str) -> str:
        """The import event's label: the name, then what it created per table (with a count
        when more than one) and which tables it updated."""
        parts = [f"{n} {table}" if n > 1 else table for table, n in self.created.items()]
        parts += [f"{table} updated" for table in self.updated]
        return f"{name} ({', '.join(parts)})"


class BulkWriter:
    """Queued creates, updates and events, handed to `write` a batch at a time."""

    def __init__(self, conn: Connection, write: Callable[[Batch], None]) -> None:
        self.conn = conn
        self.write = write
        self._next: dict[str, int] = {}
        self._written: dict[str, int] = {}
        self._rows: dict[str, list[Row]] = defaultdict(list)
        self._events: list[EventSpec] = []
        self._updates: list[tuple[str, int, Row]] = []
        self._templates: dict[str, Row] = {}
        self._group: _Group | None = None
        self._reserved = False
        # Queued events hold the queued rows themselves, encoded when written (where the
        # writing happens, perhaps another process); a row about to change has its events
        # encoded first. By id() of the row: rows are dicts, and alive until handed over.
        self._refs: dict[int, int] = {}

    def reserve(self, models: Iterable[type[SQLModel]]) -> dict[str, int]:
        """Read where the ids of these tables start, so that queuing rows needs the database
        no more (and may go on in a process without it); the first ids, by table."""
        for model in models:
            name = model.__table__.name  # type: ignore[attr-defined]
            if name not in self._next:
                self._next[name] = self._written[name] = _first_id(self.conn, name)
        self._reserved = True
        return dict(self._next)

    def _new_id(self, name: str) -> int:
        new = self._next.get(name)
        if new is None:
            if self._reserved:
                raise RuntimeError(f"no ids reserved for {name}")
            new = self._written[name] = _first_id(self.conn, name)
        self._next[name] = new + 1
        return new

    def event(self, action: str, entity: str, entity_id: int, label: str,
              before: Row | None, after: Row | None) -> int:
        """Queue an event; its position in the batch."""
        self._events.append((action, entity, entity_id, label, before, after))
        return len(self._events) - 1

    def _encode(self, index: int) -> None:
        action, entity, entity_id, label, before, after = self._events[index]
        self._events[index] = (action, entity, entity_id, label, audit.encoded_state(before),
                               audit.encoded_state(after))

    def open_group(self) -> None:
        """Group the rows added or updated from here on (but those with their own event)."""
        self._group = _Group()

    def close_group(self, entity: str, entity_id: int, name: str) -> None:
        """One "import" event for the group's rows, if it has any."""
        group, self._group = self._group, None
        if group is not None and group.after:
            index = self.event("import", entity, entity_id, group.label(name),
                               group.before or None, group.after)
            refs = self._refs
            for rows in group.after.values():
                for row in rows.values():
                    refs[id(row)] = index

    def add(self, model: type[SQLModel], values: Row, label: str | None = None) -> Row:
        """The new row (its id assigned); it may still be changed with `update` until flushed.

        With a label, the row has its own event: rows shared between datasets (a source, an
        agreement, a placeholder parent), whose history must not hide inside one dataset's
        import. Without, it joins the open group."""
        name = model.__table__.name  # type: ignore[attr-defined]
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = _defaults(model)
        row = {**template, **values, "id": self._new_id(name)}
        self._rows[name].append(row)
        if label is not None:
            self._refs[id(row)] = self.event("create", name, row["id"], label, None, row)
        else:
            group = self._group
            assert group is not None, "a row without a label needs an open group"
            # The row itself: it changes only through `update`, which records a copy, and
            # is encoded with the group's event before it changes.
            rows = group.after.get(name)
            if rows is None:
                rows = group.after[name] = {}
            rows[str(row["id"])] = row
            created = group.created
            created[name] = created.get(name, 0) + 1
        return row

    def update(self, model: type[SQLModel], row: Row, changes: Row) -> bool:
        """Change a row (queued or handed over) within the open group; False when nothing
        changes."""
        assert self._group is not None, "updates are recorded in an open group"
        table: Table = model.__table__  # type: ignore[attr-defined]
        queued_in = self._refs.pop(id(row), None)
        if queued_in is not None:
            self._encode(queued_in)
        before = as_record(table, row)  # a copy: the row itself changes next
        row.update(changes)
        after = as_record(table, row)
        if after == before:
            return False
        if row["id"] < self._written.get(table.name, row["id"] + 1):
            self._updates.append((table.name, row["id"], dict(changes)))
        group, key = self._group, str(row["id"])
        if key not in group.after.get(table.name, {}):
            group.before.setdefault(table.name, {})[key] = before
            group.updated[table.name] = group.updated.get(table.name, 0) + 1
        group.after.setdefault(table.name, {})[key] = after
        return True

    def flush(self) -> None:
        """Hand over what is queued."""
        if not (self._rows or self._events or self._updates):
            return
        for name, rows in self._rows.items():
            self._written[name] = self._next[name]
            # As text from here on: cheaper to hand over, and written as it is.
            for column in _text_columns(SQLModel.metadata.tables[name]):
                for row in rows:
                    value = row[column]
                    if value is not None:
                        row[column] = jsonable(value)
        batch = Batch(dict(self._rows), self._events, self._updates, dict(self._next))
        self._rows, self._events, self._updates = defaultdict(list), [], []
        self._refs = {}
        self.write(batch)


class BatchSink:
    """Writes batches in the writer's transaction: events chained onto its log, rows
    parents before children, then the updates."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.conn = writer.session.connection()
        self.postgres = self.conn.dialect.name == "postgresql"
        if not self.postgres:
            # The audit log's hash index takes inserts at random places: with SQLite's
            # default 8 MB page cache, every batch past a few hundred thousand events
            # re-reads it from disk.
            self.conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._event_id: int | None = None
        self._filled: set[str] = set()

    def release_unused(self, first_ids: dict[str, int]) -> None:
        """On PostgreSQL, give back the ids reserved for tables that got no rows."""
        if self.postgres:
            for name, first in first_ids.items():
                if name not in self._filled:
                    self.conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {first}, false)"))

    def __call__(self, batch: Batch) -> None:
        events: Table = AuditEvent.__table__  # type: ignore[attr-defined]
        rows, next_ids = dict(batch.rows), dict(batch.next_ids)
        if batch.events:
            # One timestamp per batch: its events are written together, in one transaction.
            at, writer = audit.now(), self.writer
            if self._event_id is None:
                self._event_id = _first_id(self.conn, events.name)
            written = []
            for action, entity, entity_id, label, before, after in batch.events:
                values = audit.new_event(
                    prev_hash=writer.head, actor=writer.actor, action=action, entity=entity,
                    entity_id=entity_id, label=label, before=before, after=after, at=at)
                writer.head = values["hash"]
                # Explicit ids keep the log in chain order whatever the driver does.
                values["id"] = self._event_id
                self._event_id += 1
                written.append(values)
            rows[events.name] = written
            next_ids[events.name] = self._event_id
        for table in SQLModel.metadata.sorted_tables:
            queued = rows.get(table.name)
            if queued:
                self._filled.add(table.name)
                insert_rows(self.conn, *self._batch(table, queued))
                if self.postgres:
                    self.conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"{next_ids[table.name] - 1})"))
        for name, row_id, changes in batch.updates:
            table = SQLModel.metadata.tables[name]
            self.conn.execute(update(table).where(table.c.id == row_id).values(changes))

    def _batch(self, table: Table, rows: list[Row]) -> tuple[str, list[str], list[Any]]:
        """The driver's values, converted as the column types would convert them
        (SQLAlchemy's per-row bookkeeping costs more than the insert)."""
        dialect = self.conn.dialect
        names = [c.name for c in table.columns]
        processors = [(i, proc) for i, c in enumerate(table.columns)
                      if not isinstance(c.type, _AS_TEXT)
                      and (proc := c.type.dialect_impl(dialect).bind_processor(dialect))]
        params: list[Any] = list(map(itemgetter(*names), rows))
        if processors:
            for n, values in enumerate(params):
                converted = list(values)
                for i, proc in processors:
                    converted[i] = proc(converted[i])
                params[n] = tuple(converted)
        return table.name, names, params

"""Rows as plain JSON-ready dicts, their values written as `tracker.values.canonical` writes
them, so a record reads the same from SQLite and PostgreSQL and hashes the same on both."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, Table

from tracker.db.types import ExactDecimal
from tracker.values.canonical import jsonable

if TYPE_CHECKING:
    from sqlmodel import SQLModel


def record(row: SQLModel) -> dict[str, Any]:
    """Every column of a row, in table order."""
    table = row.__table__  # type: ignore[attr-defined]
    return {column.name: jsonable(getattr(row, column.name)) for column in table.columns}


@cache
def converted_columns(table: Table) -> tuple[str, ...]:
    """The columns whose values `jsonable` changes (dates and decimals); the rest of a
    row's values are JSON already."""
    return tuple(c.name for c in table.columns
                 if isinstance(c.type, (Date, DateTime, ExactDecimal)))


def as_record(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """What `record` gives for a row held as a dict of column values (or a Core row's
    mapping), without building an ORM object."""
    converted = dict(values)
    for name in converted_columns(table):
        converted[name] = jsonable(converted[name])
    return converted

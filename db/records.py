"""Rows as plain JSON-ready dicts: one serialisation for the audit log, digests and output.

Money and other decimals become exact strings, dates ISO strings, so a record
reads the same from SQLite and PostgreSQL and hashes the same on both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, Table

from tracker.db.types import ExactDecimal
from tracker.values.money import decimal_text

if TYPE_CHECKING:
    from sqlmodel import SQLModel


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def record(row: SQLModel) -> dict[str, Any]:
    """Every column of a row, in table order."""
    table = row.__table__  # type: ignore[attr-defined]
    return {column.name: jsonable(getattr(row, column.name)) for column in table.columns}


def _jsonable_or_fail(value: Any) -> Any:
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


# Dates and decimals inside a value are written as `jsonable` writes them, so a row's JSON
# is the same whether it was converted first or not.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=_jsonable_or_fail)


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


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

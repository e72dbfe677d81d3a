"""Canonical JSON of a value: one serialisation for the audit log, digests and output.

Money and other decimals become exact strings, dates ISO strings, so a record
reads the same from SQLite and PostgreSQL and hashes the same on both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from tracker.values.money import decimal_text


def jsonable(value: Any) -> Any:
    """A decimal as its exact text, a date or time in ISO form; anything else as it is."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _jsonable_or_fail(value: Any) -> Any:
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


# Dates and decimals inside a value are written as `jsonable` writes them, so a row's JSON
# is the same whether it was converted first or not.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=_jsonable_or_fail)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal values, equal text, equal digests."""
    return _CANONICAL.encode(value)


def sha256_text(text: str) -> str:
    """The hex SHA-256 of text as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

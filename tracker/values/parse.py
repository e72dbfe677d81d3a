"""Parsers for user input: each returns a clean value or raises InvalidValue naming the field.

Every entry path (command line, importers) goes through these, so a value is
judged the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

from tracker.values.errors import InvalidValue
from tracker.values.money import parse_amount

MAX_NAME = 300
MAX_TEXT = 20_000
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Halves of UTF-16 pairs, alone: what bytes that are not UTF-8 on a command line, or a JSON
# escape such as \udcff, decode to. No database or file can hold them as text.
_SURROGATES = "\ud800-\udfff"
_SURROGATE = re.compile(f"[{_SURROGATES}]")
# Those, control characters, and the bidirectional overrides that make a report read
# backwards: one search for all in the common case of clean text.
_REFUSED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069{_SURROGATES}]")


def text(value: object, field: str, *, limit: int = MAX_TEXT) -> str:
    """Text with surrounding space stripped, at most `limit` characters, without control
    characters, bidirectional overrides or lone surrogates; InvalidValue naming `field`
    otherwise."""
    if not isinstance(value, str):
        raise InvalidValue(field, value, "must be text")
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise InvalidValue(field, cleaned[:20], f"is longer than {limit} characters")
    if _REFUSED.search(cleaned):
        check_utf8(cleaned, field)
        raise InvalidValue(field, cleaned, "contains control characters")
    return cleaned


def check_utf8(value: str, field: str) -> None:
    """Refuse text holding halves of UTF-16 pairs: no database or file can hold it."""
    if _SURROGATE.search(value):
        raise InvalidValue(field, value, "is not valid UTF-8 text")


def name(value: object, field: str = "name", *, limit: int = MAX_NAME) -> str:
    """One non-empty line of text, at most `limit` characters."""
    cleaned = text(value, field, limit=limit)
    if not cleaned:
        raise InvalidValue(field, value, "must not be empty")
    if "\n" in cleaned or "\r" in cleaned:
        raise InvalidValue(field, value, "must be a single line")
    return cleaned


def slug(value: object, field: str = "slug") -> str:
    """A short handle: letters, digits, '.', '_', '/', '-', starting with a letter or
    digit, at most 128 characters."""
    if not isinstance(value, str) or not _SLUG.match(value):
        raise InvalidValue(
            field,
            value,
            "must start with a letter or digit and use only letters, digits, '.', '_', '-' "
            "and '/' (at most 128 characters)",
        )
    return value


def choice(value: object, field: str, choices: Sequence[str]) -> str:
    """One of `choices`, case and '-'/'_' forgiven; the refusal suggests the nearest."""
    if isinstance(value, str):
        normalized = _choice_text(value)
        if normalized in choices:
            return normalized
    hint = suggest(str(value), choices)
    raise InvalidValue(field, value, f"must be one of {', '.join(choices)}{hint}")


@lru_cache(maxsize=4096)
def _choice_text(value: str) -> str:
    """A choice as written, in its canonical spelling: once per distinct text, as an import
    repeats a few values over every line."""
    return value.strip().lower().replace("-", "_")


def date(value: object, field: str) -> dt.date:
    """A date from a date or YYYY-MM-DD text."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return _date_text(value, field)
    raise InvalidValue(field, value, "must be a date as YYYY-MM-DD")


@lru_cache(maxsize=1024)
def _date_text(value: str, field: str) -> dt.date:
    # Imports repeat a few dates many times over.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidValue(field, value, "is not a real calendar date") from exc
    raise InvalidValue(field, value, "must be a date as YYYY-MM-DD")


def date_range(start: dt.date | None, end: dt.date | None, field: str) -> None:
    """Refuse an end before its start, naming `field`."""
    if start is not None and end is not None and end < start:
        raise InvalidValue(field, end.isoformat(), f"ends before it starts ({start.isoformat()})")


def url(value: object, field: str) -> str:
    """Only http(s) URLs: a javascript: or data: link in an audit report is an attack."""
    cleaned = text(value, field, limit=2048)
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidValue(field, value, "must be an http:// or https:// URL")
    if any(ch.isspace() for ch in cleaned):
        raise InvalidValue(field, value, "must not contain spaces")
    return cleaned


def urls(value: object, field: str) -> str:
    """One or more http(s) URLs separated by spaces (evidence may be in several places),
    kept separated by one space."""
    cleaned = text(value, field, limit=2048)
    found = [url(part, field) for part in cleaned.split()]
    if not found:
        raise InvalidValue(field, value, "must be an http:// or https:// URL")
    return " ".join(found)


def count(value: object, field: str) -> int:
    """A whole number from 0 to 2^63-1 ('_' may group its digits)."""
    if isinstance(value, bool):
        raise InvalidValue(field, value, "must be a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\d{1,19}", value.strip().replace("_", "")):
        number = int(value.strip().replace("_", ""))
    else:
        raise InvalidValue(field, value, "must be a whole number such as 1000000")
    if number < 0 or number > 2**63 - 1:
        raise InvalidValue(field, value, "must be between 0 and 2^63-1")
    return number


def quantity(value: object, field: str) -> Decimal:
    """A non-negative exact decimal quantity (tokens, records, hours, shares)."""
    return parse_amount(value, field)


def languages(value: object, field: str = "languages") -> str:
    """Comma-separated BCP 47 language tags, stored normalized as 'en,fr'."""
    if isinstance(value, str):
        items: Iterable[str] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise InvalidValue(field, value, "must be comma-separated language codes such as en,fr")
    tags = []
    for item in items:
        tag = str(item).strip()
        if not tag:
            continue
        if not _LANGUAGE.match(tag):
            raise InvalidValue(field, tag, "is not a language code such as en or pt-BR")
        if tag not in tags:
            tags.append(tag)
    return ",".join(tags)


def suggest(value: str, known: Iterable[str]) -> str:
    """A ' (did you mean X?)' hint, or ''."""
    lowered: dict[str, str] = {}
    for k in known:
        lowered.setdefault(k.lower(), k)
    matches = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[matches[0]]}?)" if matches else ""

"""Corrections that keep history: a record entered in error is voided (kept, marked with who
voided it, when and why) or edited with a reason; either way the audit event holds the row
before, after, and the reason.

Voided records count nowhere (the snapshot never loads them) but stay visible in lists
with --all, in `dataset show` and in the log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from tracker.registry import Writer
from tracker.values import parse
from tracker.values.errors import NotFound, TrackerError

T = TypeVar("T", bound=SQLModel)

# What a user calls each correctable table, in messages and the log.
NOUNS = {"fee": "fee", "cost_item": "cost", "fx_rate": "fx rate",
         "license_claim": "licence claim", "consent": "consent record",
         "agreement": "agreement"}

# Short enough that the log's label (300 characters) always holds it whole.
REASON_LIMIT = 240


def reason_text(value: object) -> str:
    """The checked reason for a correction: required, one line, at most REASON_LIMIT."""
    return parse.name(value if value is not None else "", "reason", limit=REASON_LIMIT)


def noun(row: SQLModel) -> str:
    """What a user calls a correctable row's table, for messages and the log."""
    return NOUNS[row.__tablename__]  # type: ignore[attr-defined]


def find_record(session: Session, model: type[T], record_id: int) -> T:
    """The record with this id, voided or not."""
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(f"{NOUNS[model.__tablename__]} #{record_id}: no such record")  # type: ignore[attr-defined]
    return row


def find_live(session: Session, model: type[T], record_id: int) -> T:
    """The record with this id, which must not be voided: a voided record stays as it was."""
    row = find_record(session, model, record_id)
    if row.voided_at is not None:  # type: ignore[attr-defined]
        raise TrackerError(f"{noun(row)} #{record_id} is voided (by {row.voided_by} at "  # type: ignore[attr-defined]
                           f"{row.voided_at}: {row.void_reason}) and cannot be changed")  # type: ignore[attr-defined]
    return row


def _label(row: SQLModel, verb: str, reason: str, what: str) -> str:
    # The reason before the description, so that truncation to 300 never cuts it.
    return f"{noun(row)} #{row.id} {verb} ({reason}): {what}"  # type: ignore[attr-defined]


def void(writer: Writer, row: SQLModel, reason: str, what: str) -> None:
    """Mark a live record voided by the writer's actor, now, for `reason`."""
    why = reason_text(reason)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    writer.update(row, {"voided_at": at, "voided_by": writer.actor, "void_reason": why},
                  label=_label(row, "voided", why, what))


def correct(writer: Writer, row: SQLModel, changes: dict[str, Any], reason: str,
            what: str) -> bool:
    """Apply checked changes to a live record; False (and no event) when nothing changed."""
    return writer.update(row, changes, label=_label(row, "corrected", reason_text(reason), what))


def voided(row: Any) -> dict[str, str] | None:
    """Who voided a record, when and why, as lists and `show` give it; None if in force."""
    if row.voided_at is None:
        return None
    return {"by": row.voided_by, "at": row.voided_at, "reason": row.void_reason}


def voided_text(state: dict[str, str] | None) -> str:
    """The same in words: 'by alice at 2026-12-03T05:00:00+00:00: entered twice'."""
    return "" if state is None else f"by {state['by']} at {state['at']}: {state['reason']}"


def voided_cell(state: dict[str, str] | None) -> str:
    """Short enough for a table cell: '2026-12-03 by alice' (the reason follows the table)."""
    return "" if state is None else f"{state['at'][:10]} by {state['by']}"


VOID_COLUMNS = ("voided_at", "voided_by", "void_reason")


def columns(row: SQLModel) -> dict[str, Any]:
    """A row's columns by name, as the checked-values dicts of the record modules hold them."""
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}  # type: ignore[attr-defined]

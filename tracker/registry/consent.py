"""Consent history for datasets and sources: append-only, the latest record is in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Consent, Dataset, Source
from tracker.registry import Writer, corrections
from tracker.registry.catalog import find_dataset, find_source
from tracker.values import parse, vocab
from tracker.values.errors import TrackerError


def set_consent(writer: Writer, *, dataset_slug: str | None, source_slug: str | None,
                status: str, legal_basis: str = "unknown", compensation: str = "unknown",
                evidence_url: str | None = None, recorded_on: object = None,
                notes: str = "") -> Consent:
    """Record a consent status for a dataset or for a source (exactly one of them); a new
    record each time, the latest in force, so the history is kept."""
    if (dataset_slug is None) == (source_slug is None):
        raise TrackerError("consent: give a DATASET or --source SOURCE (one of them)")
    session = writer.session
    dataset = find_dataset(session, dataset_slug) if dataset_slug else None
    source = find_source(session, source_slug) if source_slug else None
    row = Consent(**consent_values(
        dataset.id if dataset else None, source.id if source else None, status=status,
        legal_basis=legal_basis, compensation=compensation, evidence_url=evidence_url,
        recorded_on=recorded_on, notes=notes))
    subject = dataset_slug or f"source {source_slug}"
    return writer.add(row, label=f"{subject}: consent {row.status}")


def consent_values(dataset_id: int | None, source_id: int | None, *, status: str,
                   legal_basis: str = "unknown", compensation: str = "unknown",
                   evidence_url: str | None = None, recorded_on: object = None,
                   notes: str = "") -> dict[str, Any]:
    """The checked columns of a consent record."""
    return {
        "dataset_id": dataset_id,
        "source_id": source_id,
        "status": parse.choice(status, "status", vocab.CONSENT_STATUSES),
        "legal_basis": parse.choice(legal_basis, "legal-basis", vocab.LEGAL_BASES),
        "compensation": parse.choice(compensation, "compensation", vocab.YES_NO_UNKNOWN),
        "evidence_url": None if not evidence_url else parse.url(evidence_url, "evidence"),
        "recorded_on": dt.date.today() if recorded_on in (None, "")
        else parse.date(recorded_on, "date"),
        "notes": parse.text(notes, "notes"),
    }


def history(session: Session, *, dataset_slug: str | None = None,
            source_slug: str | None = None,
            include_voided: bool = False) -> list[dict[str, Any]]:
    """Consent records of a dataset or source, oldest first: the last in force is the one
    that applies. Voided records only with `include_voided`."""
    query = select(Consent)
    if not include_voided:
        query = query.where(col(Consent.voided_at).is_(None))
    if dataset_slug:
        query = query.where(Consent.dataset_id == find_dataset(session, dataset_slug).id)
    if source_slug:
        query = query.where(Consent.source_id == find_source(session, source_slug).id)
    rows = session.exec(query.order_by(Consent.recorded_on, Consent.id)).all()
    return [
        {"id": c.id, "status": c.status, "legal_basis": c.legal_basis,
         "compensation": c.compensation, "evidence_url": c.evidence_url,
         "recorded_on": c.recorded_on.isoformat(), "notes": c.notes,
         "voided": corrections.voided(c)}
        for c in rows
    ]


def void_consent(writer: Writer, consent_id: int, reason: str) -> Consent:
    """Void a consent record entered in error: the record before it is in force again. A
    change of status is not an error: record it with `set_consent`."""
    row = corrections.find_live(writer.session, Consent, consent_id)
    owner = (writer.session.get(Dataset, row.dataset_id) if row.dataset_id is not None
             else writer.session.get(Source, row.source_id))
    subject = owner.slug if row.dataset_id is not None else f"source {owner.slug}"  # type: ignore[union-attr]
    corrections.void(writer, row, reason, f"{subject}: consent {row.status} "
                                          f"({row.recorded_on.isoformat()})")
    return row

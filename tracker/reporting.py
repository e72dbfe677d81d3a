"""Snapshots for reports and roll-ups, stamped with the registry state they were built from."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from tracker import audit
from tracker.db.load import load_registry, load_run
from tracker.runs import find_run
from tracker.snapshot import Snapshot


def _stamp(session: Session) -> str:
    return audit.state_digest(session)


def run_snapshot(session: Session, slug: str, *, stamp: bool = False) -> Snapshot:
    snapshot = load_run(session, find_run(session, slug))
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot


def registry_snapshot(session: Session, *, stamp: bool = False) -> Snapshot:
    snapshot = load_registry(session)
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot

"""Snapshots for reports and roll-ups, stamped with the registry state they were built from."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, col, select

from tracker import audit
from tracker.db.load import load_registry, load_run
from tracker.db.models import Dataset, DatasetSource, Source
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


def eu_summary(session: Session, slug: str, *, sme: bool = False) -> tuple[object, Snapshot]:
    from tracker.domains import top_domains
    from tracker.eu_summary import build

    snapshot = run_snapshot(session, slug, stamp=True)
    crawl_sources = session.exec(
        select(Source.id).join(DatasetSource, col(DatasetSource.source_id) == Source.id)
        .join(Dataset, col(Dataset.id) == DatasetSource.dataset_id)
        .where(col(Dataset.id).in_(snapshot.in_scope))
        .where(Dataset.source_category == "crawled")).all()
    top = top_domains(session, set(crawl_sources), sme=sme)
    return build(snapshot, top), snapshot

"""Snapshots for reports and roll-ups, stamped with the registry state they were built from."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, col, select

from tracker import audit
from tracker.db.load import load_registry, load_run
from tracker.db.models import Dataset, DatasetSource, Source
from tracker.runs import find_run
from tracker.snapshot import DatasetFacts, Snapshot


def _stamp(session: Session) -> str:
    return audit.state_digest(session)


def run_snapshot(session: Session, slug: str, *, stamp: bool = False) -> Snapshot:
    snapshot = load_run(session, find_run(session, slug))
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot


def registry_snapshot(session: Session, *, stamp: bool = False) -> Snapshot:
    snapshot = load_registry(session)
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot


def eu_summary(session: Session, slug: str, *, sme: bool = False) -> tuple[object, Snapshot]:
    from tracker.domain_signals import crawl_evidence
    from tracker.domains import top_domains
    from tracker.eu_summary import build

    snapshot = run_snapshot(session, slug, stamp=True)
    crawl_sources = crawl_source_ids(session, snapshot)
    top = top_domains(session, crawl_sources, sme=sme)
    return build(snapshot, top, crawl_evidence(session, crawl_sources)), snapshot


def crawl_source_ids(session: Session, snapshot: Snapshot) -> set[int]:
    """The sources of the crawled datasets in the snapshot's scope."""
    return set(session.exec(
        select(Source.id).join(DatasetSource, col(DatasetSource.source_id) == Source.id)
        .join(Dataset, col(Dataset.id) == DatasetSource.dataset_id)
        .where(col(Dataset.id).in_(snapshot.in_scope))
        .where(Dataset.source_category == "crawled")).all())


def datasheet(session: Session, slug: str) -> tuple[DatasetFacts, Snapshot, list[str]]:
    from tracker.catalog import find_dataset
    from tracker.db.models import RunDataset, TrainingRun

    dataset = find_dataset(session, slug)
    snapshot = registry_snapshot(session, stamp=True)
    runs = list(session.exec(select(TrainingRun.slug)
                             .join(RunDataset, col(RunDataset.run_id) == TrainingRun.id)
                             .where(RunDataset.dataset_id == dataset.id)
                             .order_by(TrainingRun.slug)).all())
    return snapshot.datasets[dataset.id], snapshot, runs  # type: ignore[index]

"""Snapshots for reports and roll-ups, stamped with the registry state they were built from."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session, col, select

from tracker.db.models import Dataset, DatasetSource, Source
from tracker.facts.load import load_registry, load_run
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.registry import audit
from tracker.registry.runs import find_run


def _stamp(session: Session) -> str:
    return audit.state_digest(session)


def run_snapshot(session: Session, slug: str, *, stamp: bool = False) -> Snapshot:
    """The snapshot of the run SLUG; with `stamp`, carrying the digest of the
    registry state it was read from, as reports show it."""
    snapshot = load_run(session, find_run(session, slug))
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot


def registry_snapshot(session: Session, *, stamp: bool = False) -> Snapshot:
    """The snapshot of the whole registry; with `stamp`, carrying the
    digest of the registry state it was read from."""
    snapshot = load_registry(session)
    return replace(snapshot, digest=_stamp(session)) if stamp else snapshot


def eu_summary(session: Session, slug: str, *, sme: bool = False) -> tuple[object, Snapshot]:
    """The EU summary of the run SLUG (with the top crawl domains of its crawled
    datasets) and the stamped snapshot it was built from."""
    from tracker.facts.crawl_domains import top_domains
    from tracker.publish.eu_summary import build

    snapshot = run_snapshot(session, slug, stamp=True)
    crawl_sources = session.exec(
        select(Source.id).join(DatasetSource, col(DatasetSource.source_id) == Source.id)
        .join(Dataset, col(Dataset.id) == DatasetSource.dataset_id)
        .where(col(Dataset.id).in_(snapshot.in_scope))
        .where(Dataset.source_category == "crawled")).all()
    top = top_domains(session, set(crawl_sources), sme=sme)
    return build(snapshot, top), snapshot


def datasheet(session: Session, slug: str) -> tuple[DatasetFacts, Snapshot, list[str]]:
    """The facts of the dataset SLUG, the stamped registry snapshot, and the runs
    drawing the dataset: what its datasheet is made from."""
    from tracker.db.models import RunDataset, TrainingRun
    from tracker.registry.catalog import find_dataset

    dataset = find_dataset(session, slug)
    snapshot = registry_snapshot(session, stamp=True)
    runs = list(session.exec(select(TrainingRun.slug)
                             .join(RunDataset, col(RunDataset.run_id) == TrainingRun.id)
                             .where(RunDataset.dataset_id == dataset.id)
                             .order_by(TrainingRun.slug)).all())
    return snapshot.datasets[dataset.id], snapshot, runs  # type: ignore[index]

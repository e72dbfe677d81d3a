"""Snapshots for reports and roll-ups, stamped with the registry state they were built from."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from tracker.db.models import Dataset, DatasetSource, Source
from tracker.facts.load import load_datasets, load_registry, load_run
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.registry import Registry, audit
from tracker.registry.runs import find_run

if TYPE_CHECKING:
    from tracker.facts.crawl_signals import CrawlEvidence


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


def dataset_snapshot(session: Session, slug: str, *, stamp: bool = False
                     ) -> tuple[DatasetFacts, Snapshot]:
    """The facts of the dataset SLUG and a snapshot of it with its ancestors: all that
    judging it needs, read in time that follows its ancestry, not the registry's size."""
    from tracker.registry.catalog import find_dataset

    dataset_id: int = find_dataset(session, slug).id  # type: ignore[assignment]
    snapshot = load_datasets(session, [dataset_id])
    if stamp:
        snapshot = replace(snapshot, digest=_stamp(session))
    return snapshot.datasets[dataset_id], snapshot


def eu_summary(session: Session, slug: str, *, sme: bool = False) -> tuple[object, Snapshot]:
    """The EU summary of the run SLUG (with the top crawl domains of its crawled
    datasets) and the stamped snapshot it was built from."""
    from tracker.facts.crawl_domains import top_domains
    from tracker.facts.crawl_signals import crawl_evidence
    from tracker.publish.eu_summary import build

    snapshot = run_snapshot(session, slug, stamp=True)
    crawl_sources = crawl_source_ids(session, snapshot)
    top = top_domains(session, crawl_sources, sme=sme)
    return build(snapshot, top, crawl_evidence(session, crawl_sources)), snapshot


def run_crawl_evidence(registry: Registry, snapshot: Snapshot) -> CrawlEvidence | None:
    """The opt-out evidence of the crawls a run's snapshot draws on, for its audit report."""
    from tracker.facts.crawl_signals import crawl_evidence

    with registry.reading() as session:
        return crawl_evidence(session, crawl_source_ids(session, snapshot))


def crawl_source_ids(session: Session, snapshot: Snapshot) -> set[int]:
    """The sources of the crawled datasets in the snapshot's scope."""
    return set(session.exec(
        select(Source.id).join(DatasetSource, col(DatasetSource.source_id) == Source.id)
        .join(Dataset, col(Dataset.id) == DatasetSource.dataset_id)
        .where(col(Dataset.id).in_(snapshot.in_scope))
        .where(Dataset.source_category == "crawled")).all())


def datasheet(session: Session, slug: str) -> tuple[DatasetFacts, Snapshot, list[str]]:
    """The facts of the dataset SLUG, a stamped snapshot of it with its ancestors, and the
    runs drawing the dataset: what its datasheet is made from."""
    from tracker.db.models import RunDataset, TrainingRun

    facts, snapshot = dataset_snapshot(session, slug, stamp=True)
    runs = list(session.exec(select(TrainingRun.slug)
                             .join(RunDataset, col(RunDataset.run_id) == TrainingRun.id)
                             .where(RunDataset.dataset_id == facts.id)
                             .order_by(TrainingRun.slug)).all())
    return facts, snapshot, runs

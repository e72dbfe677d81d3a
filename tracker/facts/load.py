"""Load a snapshot with a fixed handful of queries, whatever the number of datasets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Numeric, Result, func, or_, true
from sqlmodel import Session, SQLModel, col, select

from tracker.db.models import (
    Agreement,
    Consent,
    CostItem,
    CrawlDomain,
    CrawlSignal,
    Dataset,
    DatasetSource,
    Fee,
    FlagWaiver,
    FxRate,
    License,
    LicenseClaim,
    Lineage,
    ManualFlag,
    Review,
    RunDataset,
    Source,
    TrainingRun,
)
from tracker.db.rows import record
from tracker.db.types import ExactDecimal
from tracker.facts.compute_plan import ComputePlan
from tracker.facts.lineage_reach import Within, among, closure, in_reach, within_closure
from tracker.facts.snapshot import (
    ClaimFacts,
    ConsentFacts,
    CostFacts,
    DatasetFacts,
    Draw,
    FeeFacts,
    LicenseFacts,
    ManualFlagFacts,
    ReviewFacts,
    RunFacts,
    Snapshot,
    SourceFacts,
    WaiverFacts,
    collector_paused,
)
from tracker.values.canonical import jsonable
from tracker.values.fx import Rate, RateTable

_PLAN_FIELDS = ("pricing", "accelerator", "accelerator_count", "duration_hours",
                "accelerator_hours", "training_flops", "parameters", "training_tokens", "mfu",
                "peak_flops", "price_per_hour", "hardware_value", "amortization_years",
                "interconnect_share", "tdp_kw", "server_power_ratio", "average_load", "pue",
                "electricity_price")


def plan_of(run: TrainingRun) -> ComputePlan:
    """The compute plan stored on a training run's row."""
    return ComputePlan(currency=run.compute_currency,
                       **{name: getattr(run, name) for name in _PLAN_FIELDS})


_REPEATED = ("version", "modality", "source_category", "collection_method", "languages",
             "personal_data", "generator_model", "status", "steward", "crawler",
             "size_category")


def _rows(session: Session, statement: Any) -> Result[Any]:
    """Rows of plain values, read through the session's connection: tuples of columns need
    none of the ORM's per-row work, which would be most of the cost of a large snapshot."""
    return session.connection().execute(statement)


def _columns(model: type[SQLModel]) -> list[Any]:
    """Every column of a table, in table order, as ORM attributes: a select of them returns
    plain tuples (no instances, no identity map) and still autoflushes a writing session."""
    return [getattr(model, c.name) for c in model.__table__.columns]  # type: ignore[attr-defined]


def _consent(status: str, legal_basis: str, compensation: str, recorded_on: dt.date,
             evidence_url: str | None, notes: str) -> ConsentFacts:
    return ConsentFacts(status, legal_basis, compensation, recorded_on, evidence_url, notes)


_CONSENT = (Consent.status, Consent.legal_basis, Consent.compensation, Consent.recorded_on,
            Consent.evidence_url, Consent.notes)
_COST = (CostItem.id, CostItem.category, CostItem.amount, CostItem.currency,
         CostItem.incurred_on, CostItem.vendor, CostItem.description, CostItem.split_runs)


def _cost(id_: int | None, category: str, amount: Decimal, currency: str,
          incurred_on: dt.date | None, vendor: str, description: str,
          split_runs: int) -> CostFacts:
    return CostFacts(id_ or 0, category, amount, currency, incurred_on, vendor, description,
                     split_runs)


def _in_force(model: type[SQLModel]) -> ColumnElement[bool]:
    """Not voided: a record entered in error counts nowhere (budgets, findings, summaries,
    review digests), so no snapshot holds it."""
    return col(model.voided_at).is_(None)  # type: ignore[attr-defined]


def _reserved_by_signals() -> ColumnElement[bool]:
    """The domain's opt-out evidence, read from what the crawl saved, reserves its content
    (or disallows the crawler in robots.txt)."""
    signal = select(CrawlSignal.id).where(
        CrawlSignal.source_id == CrawlDomain.source_id, CrawlSignal.domain == CrawlDomain.domain,
        or_(CrawlSignal.reserved == "yes", CrawlSignal.robots == "disallowed"))
    return signal.exists()


def _largest_opted_out(session: Session, source_id: int) -> str:
    """The crawl's largest kept domain whose signals reserve it, with the rule that decided
    it ("" when no signals were read): what a finding names as its example."""
    found = session.exec(
        select(CrawlDomain.domain, CrawlDomain.content_bytes, CrawlSignal.decided_by)
        .join(CrawlSignal, (CrawlSignal.source_id == CrawlDomain.source_id)
              & (CrawlSignal.domain == CrawlDomain.domain))
        .where(CrawlDomain.source_id == source_id, CrawlDomain.content_bytes > 0,
               or_(CrawlSignal.reserved == "yes", CrawlSignal.robots == "disallowed"))
        .order_by(col(CrawlDomain.content_bytes).desc(), CrawlDomain.domain).limit(1)).first()
    return "" if found is None else f"{found[0]} ({found[1]:,} bytes; {found[2]})"


def _ancestry(edges: list[tuple[int, int, str]], roots: Iterable[int]) -> set[int]:
    parents: dict[int, list[int]] = defaultdict(list)
    for child, parent, _ in edges:
        parents[child].append(parent)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(parents.get(node, ()))
    return seen


def _everything(_column: Any) -> ColumnElement[bool]:
    return true()


def _run_scope(run_id: int) -> Within:
    """The datasets a run draws and all their ancestors, as a recursive query: a list of ids
    would bind one parameter per dataset, past SQLite's limit for a large run."""
    return in_reach(closure(select(RunDataset.dataset_id.label("id"))  # type: ignore[attr-defined]
                            .where(RunDataset.run_id == run_id), "up"))


_MAX_LISTED = 10_000


def _linked_sources(within: Within) -> Within:
    """A filter for a column of source ids: linked to a dataset `within` lets through."""
    if within is _everything:
        return _everything
    return among(select(DatasetSource.source_id).where(within(DatasetSource.dataset_id)))


def _datasets(session: Session, ids: set[int] | None, within: Within,
              edges: list[tuple[int, int, str]]) -> dict[int, DatasetFacts]:
    """The datasets `ids` names (all if None), whatever rows `within` lets the queries
    return beyond them."""
    table = Dataset.__table__  # type: ignore[attr-defined]
    table_columns = _columns(Dataset)
    names = [c.name for c in table.columns]
    # Only dates and decimals differ from their JSON form; the other columns are taken as is.
    convert = [i for i, c in enumerate(table.columns)
               if isinstance(c.type, (Date, DateTime, ExactDecimal, Numeric))]
    # In id order whichever way the rows are filtered, so the snapshot is too.
    rows = _rows(session, select(*table_columns).where(within(Dataset.id))
                 .order_by(Dataset.id)).all()
    # Equal facts are one object, and so are equal tuples of them: a registry repeats a
    # few licences, claimants and consent records over many datasets, and every object
    # kept is one more for each garbage collection to traverse.
    shared: dict[Any, Any] = {}
    claims: dict[int, list[ClaimFacts]] = defaultdict(list)
    for dataset_id, *claim in _rows(session,
            select(LicenseClaim.dataset_id, LicenseClaim.expression, LicenseClaim.claimed_by,
                   LicenseClaim.evidence_url, LicenseClaim.observed_on)
            .where(within(LicenseClaim.dataset_id), _in_force(LicenseClaim))
            .order_by(LicenseClaim.observed_on, LicenseClaim.id)):
        key = ("claim", *claim)
        found = shared.get(key)
        if found is None:
            found = shared[key] = ClaimFacts(*claim)
        if ids is None or dataset_id in ids:
            claims[dataset_id].append(found)
    fees: dict[int, list[FeeFacts]] = defaultdict(list)
    for (dataset_id, fee_id, kind, amount, currency, period, unit, split_runs, description,
         counterparty, reference, term_start, term_end) in _rows(session,
            select(Fee.dataset_id, Fee.id, Fee.kind, Fee.amount, Fee.currency, Fee.period,
                   Fee.unit, Fee.split_runs, Fee.description, Agreement.counterparty,
                   Agreement.reference, Agreement.term_start, Agreement.term_end)
            .join(Agreement, col(Agreement.id) == Fee.agreement_id)
            .where(within(Fee.dataset_id), _in_force(Fee), _in_force(Agreement))
            .order_by(Fee.id)):
        if ids is not None and dataset_id not in ids:
            continue
        fees[dataset_id].append(FeeFacts(fee_id or 0, kind, amount, currency, period, unit,
                                         counterparty, reference, term_start, term_end,
                                         split_runs, description))
    costs: dict[int, list[CostFacts]] = defaultdict(list)
    for dataset_id, *cost in _rows(session,
            select(CostItem.dataset_id, *_COST).where(col(CostItem.dataset_id).is_not(None))
            .where(within(CostItem.dataset_id), _in_force(CostItem)).order_by(CostItem.id)):
        if ids is None or dataset_id in ids:
            costs[dataset_id].append(_cost(*cost))
    consent: dict[int, list[ConsentFacts]] = defaultdict(list)
    source_consent: dict[int, list[ConsentFacts]] = defaultdict(list)
    linked = _linked_sources(within)
    for dataset_id, source_id, *fields in _rows(session,
            select(Consent.dataset_id, Consent.source_id, *_CONSENT).where(_in_force(Consent))
            .where(or_(within(Consent.dataset_id), linked(Consent.source_id)))
            .order_by(Consent.recorded_on, Consent.id)):
        key = ("consent", *fields)
        found = shared.get(key)
        if found is None:
            found = shared[key] = _consent(*fields)
        if dataset_id is not None and (ids is None or dataset_id in ids):
            consent[dataset_id].append(found)
        elif source_id is not None:
            source_consent[source_id].append(found)
    opted_out = {
        source_id: (int(n), int(size or 0)) for source_id, n, size in _rows(session,
            select(CrawlDomain.source_id, func.count(), func.sum(CrawlDomain.content_bytes))
            .where(or_(CrawlDomain.robots == "disallowed", CrawlDomain.tdm_reserved == "yes",
                       _reserved_by_signals()))
            .where(CrawlDomain.content_bytes > 0, linked(CrawlDomain.source_id))
            .group_by(CrawlDomain.source_id))}
    examples = {source_id: _largest_opted_out(session, source_id) for source_id in opted_out}
    sources: dict[int, list[SourceFacts]] = defaultdict(list)
    # One SourceFacts per source, shared by every dataset linked to it.
    source_facts: dict[int, SourceFacts] = {}
    for (dataset_id, source_id, slug, name, kind, url, rights_holder, terms_url,
         tdm_reservation, tdm_honoured) in _rows(session,
            select(DatasetSource.dataset_id, Source.id, Source.slug, Source.name, Source.kind,
                   Source.url, Source.rights_holder, Source.terms_url, Source.tdm_reservation,
                   Source.tdm_honoured)
            .join(Source, col(Source.id) == DatasetSource.source_id)
            .where(within(DatasetSource.dataset_id)).order_by(Source.slug)):
        if ids is not None and dataset_id not in ids:
            continue
        facts = source_facts.get(source_id)
        if facts is None:
            key = source_id or 0
            facts = source_facts[source_id] = SourceFacts(
                slug, name, kind, url, rights_holder, terms_url, tdm_reservation, tdm_honoured,
                tuple(source_consent.get(key, ())), *opted_out.get(key, (0, 0)),
                examples.get(key, ""))
        sources[dataset_id].append(facts)
    parents: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for child, parent, relation in edges:
        parents[child].append((parent, relation))
    empty: tuple[()] = ()
    at = {name: i for i, name in enumerate(names)}
    i_id, i_slug, i_name = at["id"], at["slug"], at["name"]
    i_category, i_personal = at["source_category"], at["personal_data"]
    i_method, i_generator = at["collection_method"], at["generator_model"]
    i_tokens, i_records = at["size_tokens"], at["size_records"]
    i_bytes, i_hours = at["size_bytes"], at["size_hours"]
    record_names = [n for n in names if n != "id"]
    record_at = [at[n] for n in record_names]

    def one(items: dict[int, list[Any]], key: int) -> tuple[Any, ...]:
        if key not in items:
            return empty
        listed = items[key]
        # The items are shared objects already, so their identities name the tuple.
        name = (tuple, *map(id, listed))
        found = shared.get(name)
        if found is None:
            found = shared[name] = tuple(listed)
        return found  # type: ignore[no-any-return]

    facts_by_id = {}
    # Values that repeat across datasets (vocabularies, models, stewards) as one object
    # each rather than one per row: less memory, and less for the collector to visit.
    repeated = [at[n] for n in _REPEATED if n in at]
    words: dict[Any, Any] = {}
    for row in rows:
        key = row[i_id] or 0
        if ids is not None and key not in ids:
            continue
        values = list(row)
        raw_hours = values[i_hours]
        for i in convert:
            values[i] = jsonable(values[i])
        for i in repeated:
            values[i] = words.setdefault(values[i], values[i])
        facts_by_id[key] = DatasetFacts(
            key, values[i_slug], values[i_name], values[i_category], values[i_personal],
            values[i_method], values[i_generator], values[i_tokens], values[i_records],
            values[i_bytes], raw_hours,
            dict(zip(record_names, [values[i] for i in record_at], strict=True)),
            one(claims, key),
            tuple(fees[key]) if key in fees else empty,
            tuple(costs[key]) if key in costs else empty,
            one(consent, key), one(sources, key),
            tuple(parents[key]) if key in parents else empty)
    return facts_by_id


def _shared(session: Session) -> tuple[dict[str, LicenseFacts], RateTable]:
    licenses = {
        row[0]: LicenseFacts(*row) for row in _rows(session,
            select(License.key, License.name, License.url, License.category,
                   License.commercial_use, License.attribution, License.share_alike,
                   License.no_derivatives, License.restricts_models, License.restricts_outputs,
                   License.ai_training, License.builtin))
    }
    rates = RateTable(Rate(*row) for row in _rows(session,
        select(FxRate.base, FxRate.quote, FxRate.rate, FxRate.as_of).where(_in_force(FxRate))))
    return licenses, rates


def _flags(session: Session, ids: set[int] | None, within: Within = _everything
           ) -> tuple[tuple[WaiverFacts, ...], tuple[ManualFlagFacts, ...]]:
    waivers = tuple(
        WaiverFacts(*row) for row in _rows(session,
            select(FlagWaiver.dataset_id, FlagWaiver.run_id, FlagWaiver.code,
                   FlagWaiver.reviewer, FlagWaiver.reason, FlagWaiver.granted_on,
                   FlagWaiver.expires_on).where(within(FlagWaiver.dataset_id))
            .order_by(FlagWaiver.id))
        if ids is None or row[0] in ids)
    manual = tuple(
        ManualFlagFacts(*row) for row in _rows(session,
            select(ManualFlag.dataset_id, ManualFlag.code, ManualFlag.severity, ManualFlag.why,
                   ManualFlag.fix, ManualFlag.raised_by, ManualFlag.raised_on)
            .where(col(ManualFlag.resolved_on).is_(None), within(ManualFlag.dataset_id))
            .order_by(ManualFlag.id))
        if ids is None or row[0] in ids)
    return waivers, manual


def _reviews(session: Session, ids: set[int] | None, run_id: int | None,
             within: Within = _everything
             ) -> tuple[dict[int, ReviewFacts], ReviewFacts | None]:
    latest: dict[int, ReviewFacts] = {}
    run_review = None
    for dataset_id, review_run_id, *fields in _rows(session,
            select(Review.dataset_id, Review.run_id, Review.decision, Review.reviewer,
                   Review.reviewed_at, Review.digest, Review.note, Review.conditions)
            .where(within(Review.dataset_id)).order_by(Review.id)):
        facts = ReviewFacts(*fields)
        if dataset_id is not None and (ids is None or dataset_id in ids):
            latest[dataset_id] = facts
        elif review_run_id is not None and review_run_id == run_id:
            run_review = facts
    return latest, run_review


def _edges(session: Session, within: Within = _everything) -> list[tuple[int, int, str]]:
    return [(c, p, r) for c, p, r in
            _rows(session, select(Lineage.child_id, Lineage.parent_id, Lineage.relation)
                  .where(within(Lineage.child_id)))]


def load_run(session: Session, run: TrainingRun, *, digest: str = "") -> Snapshot:
    """The snapshot of a run: the run and every dataset it draws with their
    ancestors, in a fixed number of queries; `digest` stamps the registry state."""
    session.flush()  # what an ORM query would do first: the snapshot sees pending changes
    with collector_paused():
        return _load_run(session, run, digest)


def load_registry(session: Session, *, digest: str = "") -> Snapshot:
    """The snapshot of the whole registry, every dataset in scope, in a fixed
    number of queries; `digest` stamps the registry state."""
    session.flush()  # what an ORM query would do first: the snapshot sees pending changes
    with collector_paused():
        return _load_registry(session, digest)


def load_datasets(session: Session, roots: Iterable[int], *, digest: str = "") -> Snapshot:
    """The snapshot of some datasets: `roots` in scope, with their ancestors, read in a fixed
    number of queries that each touch only those rows, whatever the registry's size. What it
    judges of a dataset equals what the whole registry's snapshot would: a dataset's facts
    depend on itself and its ancestors alone."""
    session.flush()  # what an ORM query would do first: the snapshot sees pending changes
    with collector_paused():
        return _load_datasets(session, set(roots), digest)


def _load_datasets(session: Session, roots: set[int], digest: str) -> Snapshot:
    reach = within_closure(roots, "up")
    # Walked once: a dozen queries each repeating the walk cost PostgreSQL a plan and a
    # recursion apiece. Past SQLite's limit on bound parameters, each query walks it again.
    ids = sorted(_rows(session, select(Dataset.id).where(reach(Dataset.id))).scalars())
    within = reach if len(ids) > _MAX_LISTED else among(ids)
    edges = _edges(session, within)
    licenses, rates = _shared(session)
    waivers, manual = _flags(session, None, within)
    datasets = _datasets(session, None, within, edges)
    in_scope = tuple(sorted((i for i in roots if i in datasets),
                            key=lambda i: datasets[i].slug))
    reviews, _ = _reviews(session, None, None, within)
    return Snapshot(datasets, in_scope, licenses, rates, waivers, manual, None, digest,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reviews)


def _load_run(session: Session, run: TrainingRun, digest: str) -> Snapshot:
    run_id = run.id or 0
    draws = {
        dataset_id: Draw(*draw) for dataset_id, *draw in _rows(session,
            select(RunDataset.dataset_id, RunDataset.tokens, RunDataset.records,
                   RunDataset.hours, RunDataset.share, RunDataset.epochs)
            .where(RunDataset.run_id == run_id))
    }
    edges = _edges(session)
    ids = _ancestry(edges, draws)
    run_costs = tuple(_cost(*row) for row in _rows(session,
        select(*_COST).where(CostItem.run_id == run_id, _in_force(CostItem))
        .order_by(CostItem.id)))
    facts = RunFacts(run_id, run.slug, {k: v for k, v in record(run).items() if k != "id"},
                     run.period_start, run.period_end, run.currency, run.intended_use,
                     run.contingency_pct, plan_of(run), draws, run_costs)
    licenses, rates = _shared(session)
    waivers, manual = _flags(session, ids)
    # Filtered in the database when the run draws on a small part of the registry; else
    # read whole and filtered here, which is cheaper than the recursive query repeated.
    total = _rows(session, select(func.count()).select_from(Dataset)).scalar_one()
    within = _run_scope(run_id) if 2 * len(ids) < total else _everything
    datasets = _datasets(session, ids, within, edges)
    in_scope = tuple(sorted(draws, key=lambda i: datasets[i].slug))
    reviews, run_review = _reviews(session, ids, run_id)
    return Snapshot(datasets, in_scope, licenses, rates, waivers, manual, facts, digest,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reviews, run_review)


def _load_registry(session: Session, digest: str) -> Snapshot:
    edges = _edges(session)
    licenses, rates = _shared(session)
    waivers, manual = _flags(session, None)
    datasets = _datasets(session, None, _everything, edges)
    in_scope = tuple(sorted(datasets, key=lambda i: datasets[i].slug))
    reviews, _ = _reviews(session, None, None)
    return Snapshot(datasets, in_scope, licenses, rates, waivers, manual, None, digest,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reviews)

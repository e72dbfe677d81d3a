"""Load a snapshot with a fixed handful of queries, whatever the number of datasets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_, true
from sqlmodel import Session, col, select

from tracker.compute import ComputePlan
from tracker.db.models import (
    Agreement,
    Consent,
    CostItem,
    CrawlDomain,
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
from tracker.fx import Rate, RateTable
from tracker.records import record
from tracker.snapshot import (
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
)

_PLAN_FIELDS = ("pricing", "accelerator", "accelerator_count", "duration_hours",
                "accelerator_hours", "training_flops", "parameters", "training_tokens", "mfu",
                "peak_flops", "price_per_hour", "hardware_value", "amortization_years",
                "interconnect_share", "tdp_kw", "server_power_ratio", "average_load", "pue",
                "electricity_price")


def plan_of(run: TrainingRun) -> ComputePlan:
    return ComputePlan(currency=run.compute_currency,
                       **{name: getattr(run, name) for name in _PLAN_FIELDS})


def _consent(c: Consent) -> ConsentFacts:
    return ConsentFacts(c.status, c.legal_basis, c.compensation, c.recorded_on, c.evidence_url,
                        c.notes)


def _cost(c: CostItem) -> CostFacts:
    return CostFacts(c.id or 0, c.category, c.amount, c.currency, c.incurred_on, c.vendor,
                     c.description, c.split_runs)


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


def _datasets(session: Session, ids: set[int] | None,
              edges: list[tuple[int, int, str]]) -> dict[int, DatasetFacts]:
    def within(column):  # type: ignore[no-untyped-def]
        return true() if ids is None else col(column).in_(ids)

    rows = session.exec(select(Dataset).where(within(Dataset.id))).all()
    claims: dict[int, list[ClaimFacts]] = defaultdict(list)
    for c in session.exec(select(LicenseClaim).where(within(LicenseClaim.dataset_id))
                          .order_by(LicenseClaim.observed_on, LicenseClaim.id)):
        claims[c.dataset_id].append(ClaimFacts(c.expression, c.claimed_by, c.evidence_url,
                                               c.observed_on))
    fees: dict[int, list[FeeFacts]] = defaultdict(list)
    for f, a in session.exec(select(Fee, Agreement)
                             .join(Agreement, col(Agreement.id) == Fee.agreement_id)
                             .where(within(Fee.dataset_id)).order_by(Fee.id)):
        fees[f.dataset_id].append(FeeFacts(f.id or 0, f.kind, f.amount, f.currency, f.period,
                                           f.unit, a.counterparty, a.reference, a.term_start,
                                           a.term_end, f.split_runs, f.description))
    costs: dict[int, list[CostFacts]] = defaultdict(list)
    for c in session.exec(select(CostItem).where(col(CostItem.dataset_id).is_not(None))
                          .where(within(CostItem.dataset_id)).order_by(CostItem.id)):
        costs[c.dataset_id].append(_cost(c))  # type: ignore[index]
    consent: dict[int, list[ConsentFacts]] = defaultdict(list)
    source_consent: dict[int, list[ConsentFacts]] = defaultdict(list)
    for c in session.exec(select(Consent).order_by(Consent.recorded_on, Consent.id)):
        if c.dataset_id is not None and (ids is None or c.dataset_id in ids):
            consent[c.dataset_id].append(_consent(c))
        elif c.source_id is not None:
            source_consent[c.source_id].append(_consent(c))
    opted_out = {
        source_id: (int(n), int(size or 0)) for source_id, n, size in session.exec(
            select(CrawlDomain.source_id, func.count(), func.sum(CrawlDomain.content_bytes))
            .where(or_(CrawlDomain.robots == "disallowed", CrawlDomain.tdm_reserved == "yes"))
            .where(CrawlDomain.content_bytes > 0)
            .group_by(CrawlDomain.source_id))}
    sources: dict[int, list[SourceFacts]] = defaultdict(list)
    for link, s in session.exec(select(DatasetSource, Source)
                                .join(Source, col(Source.id) == DatasetSource.source_id)
                                .where(within(DatasetSource.dataset_id)).order_by(Source.slug)):
        sources[link.dataset_id].append(SourceFacts(
            s.slug, s.name, s.kind, s.url, s.rights_holder, s.terms_url, s.tdm_reservation,
            s.tdm_honoured, tuple(source_consent.get(s.id or 0, ())),
            *opted_out.get(s.id or 0, (0, 0))))
    parents: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for child, parent, relation in edges:
        parents[child].append((parent, relation))
    facts = {}
    for d in rows:
        key = d.id or 0
        facts[key] = DatasetFacts(
            id=key, slug=d.slug, name=d.name, source_category=d.source_category,
            personal_data=d.personal_data, collection_method=d.collection_method,
            generator_model=d.generator_model, size_tokens=d.size_tokens,
            size_records=d.size_records, size_bytes=d.size_bytes, size_hours=d.size_hours,
            record={k: v for k, v in record(d).items() if k != "id"},
            claims=tuple(claims[key]), fees=tuple(fees[key]), costs=tuple(costs[key]),
            consent=tuple(consent[key]), sources=tuple(sources[key]),
            parents=tuple(parents[key]))
    return facts


def _shared(session: Session) -> tuple[dict[str, LicenseFacts], RateTable]:
    licenses = {
        lic.key: LicenseFacts(lic.key, lic.name, lic.url, lic.category, lic.commercial_use,
                              lic.attribution, lic.share_alike, lic.no_derivatives,
                              lic.restricts_models, lic.restricts_outputs, lic.ai_training,
                              lic.builtin)
        for lic in session.exec(select(License))
    }
    rates = RateTable(Rate(r.base, r.quote, r.rate, r.as_of) for r in session.exec(select(FxRate)))
    return licenses, rates


def _flags(session: Session, ids: set[int] | None
           ) -> tuple[tuple[WaiverFacts, ...], tuple[ManualFlagFacts, ...]]:
    waivers = tuple(
        WaiverFacts(w.dataset_id, w.run_id, w.code, w.reviewer, w.reason, w.granted_on,
                    w.expires_on)
        for w in session.exec(select(FlagWaiver).order_by(FlagWaiver.id))
        if ids is None or w.dataset_id in ids)
    manual = tuple(
        ManualFlagFacts(m.dataset_id, m.code, m.severity, m.why, m.fix, m.raised_by, m.raised_on)
        for m in session.exec(select(ManualFlag).where(col(ManualFlag.resolved_on).is_(None))
                              .order_by(ManualFlag.id))
        if ids is None or m.dataset_id in ids)
    return waivers, manual


def _reviews(session: Session, ids: set[int] | None, run_id: int | None
             ) -> tuple[dict[int, ReviewFacts], ReviewFacts | None]:
    latest: dict[int, ReviewFacts] = {}
    run_review = None
    for r in session.exec(select(Review).order_by(Review.id)):
        facts = ReviewFacts(r.decision, r.reviewer, r.reviewed_at, r.digest, r.note,
                            r.conditions)
        if r.dataset_id is not None and (ids is None or r.dataset_id in ids):
            latest[r.dataset_id] = facts
        elif r.run_id is not None and r.run_id == run_id:
            run_review = facts
    return latest, run_review


def _edges(session: Session) -> list[tuple[int, int, str]]:
    return [(c, p, r) for c, p, r in
            session.exec(select(Lineage.child_id, Lineage.parent_id, Lineage.relation))]


def load_run(session: Session, run: TrainingRun, *, digest: str = "") -> Snapshot:
    run_id = run.id or 0
    draws = {
        d.dataset_id: Draw(d.tokens, d.records, d.hours, d.share, d.epochs)
        for d in session.exec(select(RunDataset).where(RunDataset.run_id == run_id))
    }
    edges = _edges(session)
    ids = _ancestry(edges, draws)
    run_costs = tuple(_cost(c) for c in session.exec(
        select(CostItem).where(CostItem.run_id == run_id).order_by(CostItem.id)))
    facts = RunFacts(run_id, run.slug, {k: v for k, v in record(run).items() if k != "id"},
                     run.period_start, run.period_end, run.currency, run.intended_use,
                     run.contingency_pct, plan_of(run), draws, run_costs)
    licenses, rates = _shared(session)
    waivers, manual = _flags(session, ids)
    datasets = _datasets(session, ids, edges)
    in_scope = tuple(sorted(draws, key=lambda i: datasets[i].slug))
    reviews, run_review = _reviews(session, ids, run_id)
    return Snapshot(datasets, in_scope, licenses, rates, waivers, manual, facts, digest,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reviews, run_review)


def load_registry(session: Session, *, digest: str = "") -> Snapshot:
    edges = _edges(session)
    licenses, rates = _shared(session)
    waivers, manual = _flags(session, None)
    datasets = _datasets(session, None, edges)
    in_scope = tuple(sorted(datasets, key=lambda i: datasets[i].slug))
    reviews, _ = _reviews(session, None, None)
    return Snapshot(datasets, in_scope, licenses, rates, waivers, manual, None, digest,
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), reviews)

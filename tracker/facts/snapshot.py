"""Plain facts about datasets and a run, loaded at once, for the pure rules and roll-ups."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from tracker.facts.compute_plan import ComputePlan
from tracker.values.fx import RateTable

T = TypeVar("T")
# Tells a key never seen from one whose value is None.
_MISSING = object()


@dataclass(frozen=True)
class LicenseFacts:
    key: str
    name: str
    url: str | None
    category: str
    commercial_use: str
    attribution: bool
    share_alike: bool
    no_derivatives: bool
    restricts_models: bool
    restricts_outputs: bool
    ai_training: str
    builtin: bool
    aliases: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ClaimFacts:
    expression: str
    claimed_by: str
    evidence_url: str | None
    observed_on: dt.date


@dataclass(frozen=True)
class FeeFacts:
    id: int
    kind: str
    amount: Decimal
    currency: str
    period: str | None
    unit: str | None
    counterparty: str
    reference: str
    term_start: dt.date | None
    term_end: dt.date | None
    split_runs: int
    description: str


@dataclass(frozen=True)
class CostFacts:
    id: int
    category: str
    amount: Decimal
    currency: str
    incurred_on: dt.date | None
    vendor: str
    description: str
    split_runs: int


@dataclass(frozen=True)
class ConsentFacts:
    status: str
    legal_basis: str
    compensation: str
    recorded_on: dt.date
    evidence_url: str | None
    notes: str


@dataclass(frozen=True)
class SourceFacts:
    slug: str
    name: str
    kind: str
    url: str | None
    rights_holder: str
    terms_url: str | None
    tdm_reservation: str
    tdm_honoured: str
    consent: tuple[ConsentFacts, ...] = ()
    # From the crawl's domain list: domains that disallow crawling or reserve TDM.
    opted_out_domains: int = 0
    opted_out_bytes: int = 0
    # The largest of them whose opt-out signals were read, with the rule that decided it.
    opted_out_example: str = ""


@dataclass(frozen=True)
class DatasetFacts:
    id: int
    slug: str
    name: str
    source_category: str
    personal_data: str
    collection_method: str
    generator_model: str
    size_tokens: int | None
    size_records: int | None
    size_bytes: int | None
    size_hours: Decimal | None
    record: dict[str, Any]
    claims: tuple[ClaimFacts, ...] = ()
    fees: tuple[FeeFacts, ...] = ()
    costs: tuple[CostFacts, ...] = ()
    consent: tuple[ConsentFacts, ...] = ()
    sources: tuple[SourceFacts, ...] = ()
    parents: tuple[tuple[int, str], ...] = ()  # (parent id, relation)

    @property
    def latest_consent(self) -> ConsentFacts | None:
        """The consent record in force (the last one recorded), or None if consent was never set."""
        return self.consent[-1] if self.consent else None


@dataclass(frozen=True)
class Draw:
    tokens: int | None
    records: int | None
    hours: Decimal | None
    share: Decimal | None
    epochs: Decimal


@dataclass(frozen=True)
class WaiverFacts:
    dataset_id: int
    run_id: int | None
    code: str
    reviewer: str
    reason: str
    granted_on: dt.date
    expires_on: dt.date | None


@dataclass(frozen=True)
class ManualFlagFacts:
    dataset_id: int
    code: str
    severity: str
    why: str
    fix: str
    raised_by: str
    raised_on: dt.date


@dataclass(frozen=True)
class ReviewFacts:
    decision: str
    reviewer: str
    reviewed_at: str
    digest: str
    note: str
    conditions: str


@dataclass(frozen=True)
class RunFacts:
    id: int
    slug: str
    record: dict[str, Any]
    period_start: dt.date
    period_end: dt.date
    currency: str
    intended_use: str
    contingency_pct: Decimal
    plan: ComputePlan
    draws: dict[int, Draw]
    costs: tuple[CostFacts, ...] = ()

    @property
    def commercial(self) -> bool:
        """Whether the run is meant for commercial use, which the licence terms must then permit."""
        return self.intended_use == "commercial"


@dataclass(frozen=True)
class Snapshot:
    """The datasets in scope (a run's, or all) plus their ancestors, and the shared tables."""

    datasets: dict[int, DatasetFacts]
    in_scope: tuple[int, ...]
    licenses: dict[str, LicenseFacts]
    rates: RateTable
    waivers: tuple[WaiverFacts, ...] = ()
    manual_flags: tuple[ManualFlagFacts, ...] = ()
    run: RunFacts | None = None
    digest: str = ""
    generated_at: str = ""
    reviews: dict[int, ReviewFacts] = field(default_factory=dict)  # latest per dataset id
    run_review: ReviewFacts | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def scope(self) -> list[DatasetFacts]:
        """The datasets in scope, in order (their ancestors are in `datasets` too)."""
        return [self.datasets[i] for i in self.in_scope]

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """What `make()` gives, worked out once per snapshot and kept in `extra`: the one
        cache of the layers that judge and publish. Derived data lives and dies with the
        facts it came from, so it can never answer for a registry that has changed."""
        found = self.extra.get(key, _MISSING)
        if found is _MISSING:
            found = self.extra[key] = make()
        return found  # type: ignore[no-any-return]


@contextmanager
def collector_paused() -> Iterator[None]:
    """For building many objects, all kept, none cyclic (a snapshot, a roll-up of it, an
    import's queued rows and events). Collections while they are built would traverse them
    again and again (the whole heap each time it grows by a quarter) and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Review status: whether a review still covers a provenance record as it stands, and the
queue of what needs reviewing.

A review stores a digest of what was reviewed (the dataset's row, claims,
fees, costs, consent, sources and lineage edges); any later change to those
makes the digest differ and the review stale, so a forged or outdated
approval cannot pass for a current one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any

from tracker.assess.fees import annual_cost
from tracker.assess.policy import SEVERITIES, Policy
from tracker.facts.snapshot import DatasetFacts, ReviewFacts, Snapshot
from tracker.values.canonical import canonical_json, jsonable, sha256_text
from tracker.values.errors import TrackerError
from tracker.values.money import decimal_text, to_minor_unit

DECISIONS = ("approved", "conditional", "rejected", "needs_info")
ACCEPTING = ("approved", "conditional")


_EMPTY = (None, "", [], (), {})
_AS_IS = frozenset({str, int, bool, float, type(None)})  # what jsonable() returns unchanged
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    names = _FIELDS.get(kind, ())
    if names == ():
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind)) \
            if is_dataclass(kind) else None
    return names


def _plain(value: Any) -> Any:
    """JSON-ready, with empty values left out: a column a later schema adds (empty until
    someone fills it) must not make every earlier review stale. Facts (dataclasses) become
    dicts of their fields, as asdict() would make them, without its deep copies."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in _EMPTY}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    names = _field_names(type(value))
    if names is not None:
        return {n: _plain(v) for n in names if (v := getattr(value, n)) not in _EMPTY}
    return jsonable(value)


def record_digest(d: DatasetFacts, snapshot: Snapshot) -> str:
    """SHA-256 of everything a reviewer of this dataset looked at, including the terms it
    inherits: an ancestor's licence or consent changing makes the review stale too."""
    cache: dict[int, str] = snapshot.memo("record_digest", dict)
    if d.id not in cache:
        cache[d.id] = _record_digest(d, snapshot)
    return cache[d.id]


def _record_digest(d: DatasetFacts, snapshot: Snapshot) -> str:
    from tracker.assess.provenance import effective

    eff = effective(d, snapshot)
    body = {
        "effective": eff.terms,
        "inherited": eff.inherited,
        "record": d.record,
        "claims": d.claims,
        "fees": d.fees,
        "costs": d.costs,
        "consent": d.consent,
        "sources": d.sources,
        "parents": sorted((snapshot.datasets[p].slug if p in snapshot.datasets else str(p), rel)
                          for p, rel in d.parents),
    }
    return sha256_text(canonical_json(_plain(body)))


def run_digest(snapshot: Snapshot) -> str:
    """SHA-256 of what a reviewer of the run looked at: the run, its draws and the
    record digest of every dataset in scope."""
    run = snapshot.run
    if run is None:
        raise TrackerError("review: no run in this snapshot")
    body = {
        "run": run.record,
        "draws": {snapshot.datasets[i].slug: draw for i, draw in run.draws.items()},
        "datasets": {d.slug: record_digest(d, snapshot) for d in snapshot.scope()},
    }
    return sha256_text(canonical_json(_plain(body)))


@dataclass(frozen=True)
class Status:
    state: str  # missing | current | stale
    review: ReviewFacts | None
    why: str = ""

    @property
    def accepted(self) -> bool:
        """True when the review is current (the record unchanged since, not too old) and
        approved it, outright or on conditions."""
        return self.state == "current" and self.review is not None \
            and self.review.decision in ACCEPTING


def status(review: ReviewFacts | None, digest: str, policy: Policy,
           today: dt.date | None = None) -> Status:
    """Whether `review` still covers a record whose digest is now `digest`: missing,
    stale (the record changed, or the review is older than the policy allows) or current."""
    if review is None:
        return Status("missing", None, "never reviewed")
    if review.digest != digest:
        return Status("stale", review, "the record changed after the review")
    if policy.review_max_age_days is not None:
        reviewed = dt.datetime.fromisoformat(review.reviewed_at).date()
        age = ((today or dt.date.today()) - reviewed).days
        if age > policy.review_max_age_days:
            return Status("stale", review, f"the review is {age} days old "
                                           f"(policy: {policy.review_max_age_days})")
    return Status("current", review)


def dataset_status(d: DatasetFacts, snapshot: Snapshot, policy: Policy,
                   today: dt.date | None = None) -> Status:
    """The review status of a dataset in the snapshot (see `status`)."""
    review = snapshot.reviews.get(d.id)
    if review is None:  # the digest is costly, and only a review needs comparing with it
        return Status("missing", None, "never reviewed")
    return status(review, record_digest(d, snapshot), policy, today)


def queue(snapshot: Snapshot, policy: Policy, findings: list[Any], currency: str = "USD",
          today: dt.date | None = None) -> list[dict[str, Any]]:
    """What needs review: never reviewed, stale, or sent back; most severe, most costly first."""
    return [row for _, row in sorted(queue_entries(snapshot, policy, findings, currency, today),
                                     key=lambda entry: entry[0])]


QueueKey = tuple[int, Decimal, str]


def queue_entries(snapshot: Snapshot, policy: Policy, findings: list[Any],
                  currency: str = "USD", today: dt.date | None = None
                  ) -> Iterator[tuple[QueueKey, dict[str, Any]]]:
    """The queue's rows of the datasets in scope that need review, each with the key that
    orders the queue (most severe, then costliest, then by slug), in no particular order."""
    day = today or dt.date.today()
    open_by_slug: dict[str, list[Any]] = {}
    for f in findings:
        if f.waiver is None:
            open_by_slug.setdefault(f.dataset, []).append(f)
    for d in snapshot.scope():
        st = dataset_status(d, snapshot, policy, day)
        if st.state == "current" and st.review is not None and st.review.decision in ACCEPTING:
            continue
        own = open_by_slug.get(d.slug, [])
        worst = max((SEVERITIES.index(f.severity) for f in own), default=-1)
        cost = annual_cost(d, snapshot, currency, day)
        yield (-worst, -(cost if cost is not None else Decimal(-1)), d.slug), {
            "dataset": d.slug,
            "status": st.state if st.state != "current" else st.review.decision,  # type: ignore[union-attr]
            "why": st.why or (st.review.note if st.review else ""),
            "worst_finding": SEVERITIES[worst] if worst >= 0 else None,
            "findings": len(own),
            "annual_cost": None if cost is None else decimal_text(to_minor_unit(cost, currency)),
            "currency": currency,
            "last_review": None if st.review is None else
            f"{st.review.decision} by {st.review.reviewer} at {st.review.reviewed_at}",
        }

"""Compliance reviews: a decision on a provenance record as it stood, and when it went stale.

A review stores a digest of what was reviewed (the dataset's row, claims,
fees, costs, consent, sources and lineage edges); any later change to those
makes the digest differ and the review stale, so a forged or outdated
approval cannot pass for a current one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tracker import parse
from tracker.db.models import AuditEvent, DatasetSource, Review
from tracker.errors import InvalidValue, TrackerError
from tracker.money import decimal_text, to_minor_unit
from tracker.policy import SEVERITIES, Policy
from tracker.records import canonical_json, jsonable, sha256_text
from tracker.registry import Writer
from tracker.snapshot import DatasetFacts, ReviewFacts, Snapshot

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
    cache = snapshot.extra.setdefault("record_digest", {})
    if d.id not in cache:
        cache[d.id] = _record_digest(d, snapshot)
    return cache[d.id]


def _record_digest(d: DatasetFacts, snapshot: Snapshot) -> str:
    from tracker.provenance import effective

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
        return self.state == "current" and self.review is not None \
            and self.review.decision in ACCEPTING


def status(review: ReviewFacts | None, digest: str, policy: Policy,
           today: dt.date | None = None) -> Status:
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
    review = snapshot.reviews.get(d.id)
    if review is None:  # the digest is costly, and only a review needs comparing with it
        return Status("missing", None, "never reviewed")
    return status(review, record_digest(d, snapshot), policy, today)


def _touching(session: Session, dataset_id: int) -> Any:
    """The audit events about anything a review of the dataset covers: its row, its claims,
    fees, costs, consent and lineage, and the sources it is linked to."""
    patterns = [f'%"{key}":{dataset_id}{end}%' for key in ("dataset_id", "child_id")
                for end in (",", "}")]
    matches = [col(AuditEvent.after).like(p) for p in patterns] + \
              [col(AuditEvent.before).like(p) for p in patterns]
    sources = session.exec(select(DatasetSource.source_id)
                           .where(DatasetSource.dataset_id == dataset_id)).all()
    return (select(AuditEvent)
            .where(AuditEvent.entity != "review")
            .where(or_((AuditEvent.entity == "dataset") & (AuditEvent.entity_id == dataset_id),
                       (AuditEvent.entity == "source") & col(AuditEvent.entity_id).in_(sources),
                       *matches)))


def last_changed_by(session: Session, dataset_id: int) -> str | None:
    """Who last changed anything the dataset's review covers, from the audit log."""
    found = session.exec(_touching(session, dataset_id)
                         .order_by(col(AuditEvent.id).desc()).limit(1)).first()
    return found.actor if found is not None else None


def changes_since(session: Session, dataset_id: int, after_event: int = 0,
                  limit: int = 50) -> list[AuditEvent]:
    """The latest changes (at most `limit`, oldest first) to what a review of the dataset
    covers, made after audit event `after_event`: what a stale review or a reviewer's open
    form did not see."""
    found = session.exec(_touching(session, dataset_id).where(AuditEvent.id > after_event)
                         .order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    return list(reversed(found))


def record_review(writer: Writer, *, digest: str, decision: str, note: str, conditions: str,
                  dataset_id: int | None, run_id: int | None, label: str,
                  policy: Policy) -> Review:
    choice = parse.choice(decision, "decision", DECISIONS)
    if not note.strip():
        raise InvalidValue("note", note, "say what was checked and why")
    if choice == "conditional" and not conditions.strip():
        raise InvalidValue("conditions", conditions, "a conditional approval needs --conditions")
    if dataset_id is not None and policy.reviewer_must_differ:
        changer = last_changed_by(writer.session, dataset_id)
        if changer == writer.actor:
            raise InvalidValue("reviewer", writer.actor,
                               f"last changed {label}; the policy requires a different reviewer")
    row = Review(dataset_id=dataset_id, run_id=run_id, decision=choice,
                 note=parse.text(note, "note"), conditions=parse.text(conditions, "conditions"),
                 reviewer=writer.actor,
                 reviewed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 digest=digest)
    return writer.add(row, label=f"{label}: {choice}")


def history(session: Session, dataset_slug: str | None = None,
            run_slug: str | None = None) -> list[dict[str, Any]]:
    from tracker.runs import with_owner

    query = with_owner(session, Review, dataset_slug=dataset_slug, run_slug=run_slug)
    return [{"dataset": ds, "run": rs, "decision": r.decision, "reviewer": r.reviewer,
             "reviewed_at": r.reviewed_at, "note": r.note, "conditions": r.conditions,
             "digest": r.digest}
            for r, ds, rs in session.exec(query.order_by(Review.id))]


def annual_cost(d: DatasetFacts, snapshot: Snapshot, currency: str, on: dt.date
                ) -> Decimal | None:
    """A year of what the dataset costs, for ordering the queue; None if unconvertible."""
    from tracker.budget import PERIODS_PER_YEAR, units_drawn
    from tracker.snapshot import Draw

    whole = Draw(None, None, None, None, Decimal(1))
    total = Decimal(0)
    try:
        for fee in d.fees:
            amount = fee.amount
            if fee.kind == "recurring":
                amount *= PERIODS_PER_YEAR[fee.period or "year"]
            elif fee.kind == "per_unit":
                amount *= units_drawn(d, whole, fee.unit or "token") or Decimal(0)
            total += snapshot.rates.convert(amount, fee.currency, currency, on).amount
        for cost in d.costs:
            total += snapshot.rates.convert(cost.amount, cost.currency, currency, on).amount
    except TrackerError:
        return None
    return total


def queue(snapshot: Snapshot, policy: Policy, findings: list[Any], currency: str = "USD",
          today: dt.date | None = None) -> list[dict[str, Any]]:
    """What needs review: never reviewed, stale, or sent back; most severe, most costly first."""
    day = today or dt.date.today()
    rows = []
    for d in snapshot.scope():
        st = dataset_status(d, snapshot, policy, day)
        if st.state == "current" and st.review is not None and st.review.decision in ACCEPTING:
            continue
        own = [f for f in findings if f.dataset == d.slug and f.waiver is None]
        worst = max((SEVERITIES.index(f.severity) for f in own), default=-1)
        cost = annual_cost(d, snapshot, currency, day)
        rows.append({
            "dataset": d.slug,
            "status": st.state if st.state != "current" else st.review.decision,  # type: ignore[union-attr]
            "why": st.why or (st.review.note if st.review else ""),
            "worst_finding": SEVERITIES[worst] if worst >= 0 else None,
            "findings": len(own),
            "annual_cost": None if cost is None else decimal_text(to_minor_unit(cost, currency)),
            "currency": currency,
            "last_review": None if st.review is None else
            f"{st.review.decision} by {st.review.reviewer} at {st.review.reviewed_at}",
            "_worst": worst, "_cost": cost if cost is not None else Decimal(-1),
        })
    rows.sort(key=lambda r: (-r["_worst"], -r["_cost"], r["dataset"]))
    for r in rows:
        del r["_worst"], r["_cost"]
    return rows

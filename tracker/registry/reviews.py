"""Compliance reviews as recorded: a decision on a record, by whom, with the digest of what
was reviewed, and the history of those decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from tracker.assess.policy import Policy
from tracker.assess.review_status import DECISIONS
from tracker.db.models import AuditEvent, Consent, Dataset, DatasetSource, Fee, Review
from tracker.facts.lineage_reach import within_closure
from tracker.registry.writer import Writer
from tracker.values import parse
from tracker.values.errors import InvalidValue


def _touching(session: Session, dataset_id: int) -> Any:
    """The audit events about anything a review of the dataset covers: its row, its claims,
    fees, costs, consent and lineage; the sources it is linked to, with their consent, crawl
    domains and opt-out signals; the agreements its fees fall under (an agreement's term is
    part of each of its fees); and its ancestors' licence claims and lineage, whose terms it
    inherits."""
    sources = session.exec(select(DatasetSource.source_id)
                           .where(DatasetSource.dataset_id == dataset_id)).all()
    agreements = session.exec(select(Fee.agreement_id).distinct()
                              .where(Fee.dataset_id == dataset_id)).all()
    source_consent = select(Consent.id).where(col(Consent.source_id).in_(sources))
    ancestors = [i for i in session.exec(select(Dataset.id).where(
        within_closure([dataset_id], "up")(Dataset.id))).all() if i != dataset_id]
    return (select(AuditEvent)
            .where(AuditEvent.entity != "review")
            .where(or_(AuditEvent.about_dataset_id == dataset_id,
                       col(AuditEvent.entity).in_(("source", "crawl_domain", "crawl_signal"))
                       & col(AuditEvent.entity_id).in_(sources),
                       (AuditEvent.entity == "consent")
                       & col(AuditEvent.entity_id).in_(source_consent),
                       (AuditEvent.entity == "agreement")
                       & col(AuditEvent.entity_id).in_(agreements),
                       # What it inherits: an ancestor's licence claims and lineage.
                       col(AuditEvent.entity).in_(("license_claim", "lineage"))
                       & col(AuditEvent.about_dataset_id).in_(ancestors))))


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
    """Record a decision on a dataset or run whose record has digest `digest`,
    the writer's actor as the reviewer; refused without a note, a conditional approval
    without conditions, or (if the policy says so) by the person who last changed it."""
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
    """Past reviews of a dataset, a run, or all, oldest first."""
    from tracker.registry.runs import with_owner

    query = with_owner(session, Review, dataset_slug=dataset_slug, run_slug=run_slug)
    return [{"dataset": ds, "run": rs, "decision": r.decision, "reviewer": r.reviewer,
             "reviewed_at": r.reviewed_at, "note": r.note, "conditions": r.conditions,
             "digest": r.digest}
            for r, ds, rs in session.exec(query.order_by(Review.id))]

"""Where a dataset stands, as a reader of its record needs it first: the licence that
governs it and its effective terms, its open findings, its review, and what it reaches."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlmodel import Session

from tracker.assess.flags import evaluate
from tracker.assess.inventory import resolution_view
from tracker.assess.policy import Policy
from tracker.assess.provenance import effective, resolve
from tracker.assess.review_status import dataset_status
from tracker.facts.snapshot import Snapshot
from tracker.registry.catalog import find_dataset
from tracker.service.impact import dataset_impact
from tracker.service.snapshots import dataset_snapshot

# What of `license resolve`'s view the overview gives (the claims are listed apart).
_LICENSE_KEYS = ("resolved", "why", "terms", "effective_terms", "inherited", "conflicts")


def dataset_overview(session: Session, slug: str, policy: Policy,
                     today: dt.date | None = None, *,
                     snapshot: Snapshot | None = None) -> dict[str, Any]:
    """The resolved licence and effective terms, the findings (open and waived), the review
    state and the impact of the dataset SLUG, judged by `policy` on `today`; `snapshot` is
    one holding the dataset and its ancestors, when the caller has it already (read in the
    same session)."""
    if snapshot is None:
        facts, snapshot = dataset_snapshot(session, slug)
    else:
        facts = snapshot.datasets[find_dataset(session, slug).id]  # type: ignore[index]
    view = resolution_view(resolve(facts, snapshot, policy.or_branch),
                           effective(facts, snapshot, policy.or_branch))
    # Only this dataset is judged; its ancestors are in the snapshot for what it inherits.
    findings = evaluate(replace(snapshot, in_scope=(facts.id,)), policy, today=today)
    status = dataset_status(facts, snapshot, policy, today)
    review = status.review
    return {
        "resolved_license": {k: view[k] for k in _LICENSE_KEYS},
        "open_findings": [f.as_dict() for f in findings if f.waiver is None],
        "waived_findings": [f.as_dict() for f in findings if f.waiver is not None],
        "review": {"state": status.state, "why": status.why,
                   "decision": review.decision if review else None,
                   "reviewer": review.reviewer if review else None,
                   "reviewed_at": review.reviewed_at if review else None,
                   "note": review.note if review else None,
                   "conditions": review.conditions if review else None},
        "impact": dataset_impact(session, slug),
    }

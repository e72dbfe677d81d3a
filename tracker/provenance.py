"""Licence resolution and effective terms through lineage, from a snapshot (pure).

A dataset's own terms are the strictest of its current claims (the latest per
claimant). Its effective terms add every ancestor's, through any depth: the
strictest value of each term wins, and each inherited restriction keeps the
lineage path it came by.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.snapshot import ClaimFacts, ConsentFacts, DatasetFacts, Snapshot
from tracker.terms import Terms, current_claims, expression_terms, strictest

CONSENT_RISK = ("not_applicable", "opt_in", "opt_out_honoured", "notice_only", "unknown",
                "none", "withdrawn")


@dataclass(frozen=True)
class ClaimTerms:
    claim: ClaimFacts
    terms: Terms
    current: bool


@dataclass(frozen=True)
class Resolution:
    dataset: str
    claims: tuple[ClaimTerms, ...]
    terms: Terms | None  # strictest of the current claims; None without any claim
    resolved_by: tuple[ClaimFacts, ...]  # the current claims whose terms are the resolution
    conflicts: tuple[tuple[ClaimFacts, ClaimFacts, tuple[str, ...]], ...]
    drift: tuple[tuple[ClaimFacts, ClaimFacts], ...]  # (earlier, later) of one claimant

    @property
    def expression(self) -> str | None:
        if self.terms is None:
            return None
        if self.resolved_by:
            return self.resolved_by[0].expression
        return " AND ".join(f"({c.claim.expression})" for c in self.claims if c.current)


RELAYS = ("hub", "aggregator", "repository")
GRANTORS = ("authors", "contract", "reviewer")


def _memo(snapshot: Snapshot, kind: str, key: Any, compute: Callable[[], Any]) -> Any:
    """Derived values cached on the snapshot: its facts never change once loaded, and a
    budget or report asks for the same dataset's resolution many times."""
    cache = snapshot.extra.setdefault(kind, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _terms(expression: str, snapshot: Snapshot, or_branch: str) -> Terms:
    return _memo(snapshot, "terms", (expression, or_branch),
                 lambda: expression_terms(expression, snapshot.licenses, or_branch))


def resolve(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Resolution:
    return _memo(snapshot, "resolve", (d.id, or_branch),
                 lambda: _resolve(d, snapshot, or_branch))


def _resolve(d: DatasetFacts, snapshot: Snapshot, or_branch: str) -> Resolution:
    current = current_claims(d.claims)
    judged = tuple(ClaimTerms(c, _terms(c.expression, snapshot, or_branch), c in current)
                   for c in d.claims)
    live = [c for c in judged if c.current]
    terms = strictest(c.terms for c in live) if live else None
    resolved_by = tuple(c.claim for c in live
                        if terms is not None and _same(c.terms, terms))
    conflicts = []
    for relay in live:
        if relay.claim.claimed_by not in RELAYS:
            continue
        for grant in live:
            if grant.claim.claimed_by in GRANTORS:
                stricter = grant.terms.stricter_than(relay.terms)
                if stricter:
                    conflicts.append((relay.claim, grant.claim, tuple(stricter)))
    drift = []
    by_claimant: dict[str, ClaimFacts] = {}
    for c in sorted(d.claims, key=lambda c: c.observed_on):
        before = by_claimant.get(c.claimed_by)
        if before is not None and before.expression != c.expression:
            drift.append((before, c))
        by_claimant[c.claimed_by] = c
    return Resolution(d.slug, judged, terms, resolved_by, tuple(conflicts), tuple(drift))


def _same(a: Terms, b: Terms) -> bool:
    return (a.commercial_use, a.ai_training, a.attribution, a.share_alike, a.no_derivatives,
            a.restricts_models, a.restricts_outputs, a.unknown) == \
        (b.commercial_use, b.ai_training, b.attribution, b.share_alike, b.no_derivatives,
         b.restricts_models, b.restricts_outputs, b.unknown)


@dataclass(frozen=True)
class Inherited:
    ancestor: str
    path: tuple[str, ...]  # from the dataset up to the ancestor
    licence: str | None
    restrictions: tuple[str, ...]
    consent: ConsentFacts | None = None
    tdm_ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class Effective:
    dataset: str
    own: Terms | None
    terms: Terms | None
    inherited: tuple[Inherited, ...] = field(default=())
    consent: ConsentFacts | None = None  # the riskiest latest consent in the lineage
    consent_from: str | None = None


def ancestors(d: DatasetFacts, snapshot: Snapshot) -> list[tuple[DatasetFacts, tuple[str, ...]]]:
    """Every ancestor once, nearest first, with the path it is reached by."""
    found = []
    seen = {d.id}
    queue = deque((p, (d.slug,)) for p, _ in d.parents)
    while queue:
        node, path = queue.popleft()
        if node in seen or node not in snapshot.datasets:
            continue
        seen.add(node)
        parent = snapshot.datasets[node]
        full = (*path, parent.slug)
        found.append((parent, full))
        queue.extend((p, full) for p, _ in parent.parents)
    return found


def _risk(consent: ConsentFacts | None) -> int:
    return -1 if consent is None else CONSENT_RISK.index(consent.status)


def effective(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Effective:
    return _memo(snapshot, "effective", (d.id, or_branch),
                 lambda: _effective(d, snapshot, or_branch))


def _effective(d: DatasetFacts, snapshot: Snapshot, or_branch: str) -> Effective:
    own = resolve(d, snapshot, or_branch)
    merged = [own.terms] if own.terms is not None else []
    inherited = []
    worst, worst_from = d.latest_consent, d.slug
    for ancestor, path in ancestors(d, snapshot):
        theirs = resolve(ancestor, snapshot, or_branch)
        restrictions: list[str] = []
        if theirs.terms is not None:
            merged.append(theirs.terms)
            restrictions = theirs.terms.stricter_than(own.terms or Terms())
        else:
            # An ancestor nobody has licensed passes the gap on.
            restrictions = ["no licence claim recorded"]
            merged.append(Terms("unknown", "unknown", unknown=True))
        consent = ancestor.latest_consent
        if _risk(consent) > _risk(worst):
            worst, worst_from = consent, ancestor.slug
        ignored = tuple(s.slug for s in ancestor.sources
                        if s.tdm_reservation not in ("none", "unknown") and s.tdm_honoured == "no")
        withdrawn = consent is not None and consent.status == "withdrawn"
        if restrictions or ignored or withdrawn:
            inherited.append(Inherited(ancestor.slug, path, theirs.expression,
                                       tuple(restrictions), consent, ignored))
    return Effective(d.slug, own.terms, strictest(merged) if merged else None, tuple(inherited),
                     worst, worst_from)

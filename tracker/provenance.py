"""Licence resolution and effective terms through lineage, from a snapshot (pure).

A dataset's own terms are the strictest of its current claims (the latest per
claimant). Its effective terms add every ancestor's, through any depth: the
strictest value of each term wins, and each inherited restriction keeps the
lineage path it came by.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tracker.snapshot import ClaimFacts, ConsentFacts, DatasetFacts, Snapshot, collector_paused
from tracker.terms import (
    Terms,
    current_claims,
    expression_terms,
    from_strictness,
    strictest,
    strictness,
)

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

# The placeholder an unlicensed ancestor contributes to the merged terms.
_UNLICENSED = Terms("unknown", "unknown", unknown=True)
_NO_CLAIM = ("no licence claim recorded",)
_NEUTRAL = Terms()
_UNLICENSED_KEY = -1  # the verdict key of an ancestor nobody has licensed


class _Cache:
    """Derived values of one snapshot under one OR-branch choice. The snapshot's facts never
    change once loaded, and a budget or report asks for the same datasets (and shared
    ancestors) many times, so each resolution is computed once.

    Merged terms are folded as strictness bits, and the comparisons memoised on them:
    the distinct terms are few, the datasets and ancestors many."""

    def __init__(self, snapshot: Snapshot, or_branch: str) -> None:
        # Not the snapshot itself: it holds this cache, and a cycle would keep both alive
        # until a garbage collection instead of freeing them with the last reference.
        self.datasets = snapshot.datasets
        self.licenses = snapshot.licenses
        self.expression_terms: dict[tuple[str, str], Terms] = {}
        self.or_branch = or_branch
        self.resolutions: dict[int, Resolution] = {}
        self.effective: dict[int, Effective] = {}
        self.heirlooms: dict[int, _Heirloom] = {}
        # Keyed by id() of terms, with the terms kept to check a hit is the same object.
        self.single: dict[int, tuple[Terms, Terms]] = {}
        self.masks: dict[int, tuple[Terms, int]] = {}
        self.lone_claims: dict[int, tuple[ClaimFacts, tuple[ClaimTerms], Terms,
                                          tuple[ClaimFacts]]] = {}
        self.restrictions: dict[int, dict[int, tuple[str, ...]]] = {}
        self.merged_terms: dict[tuple[int, tuple[str, ...]], Terms] = {}
        self.consents: list[ConsentFacts | None] = []
        self.consent_indices: dict[int, tuple[ConsentFacts | None, int]] = {}

    def strictest_of(self, terms: Terms) -> Terms:
        """strictest([terms]), shared by every dataset whose terms those are."""
        hit = self.single.get(id(terms))
        if hit is None or hit[0] is not terms:
            hit = self.single[id(terms)] = (terms, strictest((terms,)))
        return hit[1]

    def lone_claim(self, claim: ClaimFacts
                   ) -> tuple[ClaimFacts, tuple[ClaimTerms], Terms, tuple[ClaimFacts]]:
        """The resolution of a dataset with this one claim, but for the dataset's name:
        datasets loaded together share equal claims, so they share this too."""
        hit = self.lone_claims.get(id(claim))
        if hit is None or hit[0] is not claim:
            own = self.terms(claim.expression)
            hit = self.lone_claims[id(claim)] = (
                claim, (ClaimTerms(claim, own, True),), self.strictest_of(own), (claim,))
        return hit

    def own_resolution(self, d: DatasetFacts) -> tuple[Terms | None, str | None]:
        """resolve(d)'s terms and expression, without building the resolution when one
        claim decides."""
        if len(d.claims) == 1 and d.id not in self.resolutions:
            claim = d.claims[0]
            return self.lone_claim(claim)[2], claim.expression
        theirs = self.resolve(d)
        return theirs.terms, theirs.expression

    def consent_index(self, consent: ConsentFacts | None) -> int:
        hit = self.consent_indices.get(id(consent))
        if hit is None or hit[0] is not consent:
            hit = self.consent_indices[id(consent)] = (consent, len(self.consents))
            self.consents.append(consent)
        return hit[1]

    def own_terms(self, d: DatasetFacts) -> Terms | None:
        """resolve(d).terms, without building the resolution when one claim decides."""
        if len(d.claims) == 1 and d.id not in self.resolutions:
            return self.lone_claim(d.claims[0])[2]
        return self.resolve(d).terms

    def resolve(self, d: DatasetFacts) -> Resolution:
        found = self.resolutions.get(d.id)
        if found is None:
            found = self.resolutions[d.id] = _resolve(d, self)
        return found

    def terms(self, expression: str) -> Terms:
        """What an expression permits under this OR-branch choice, once per expression."""
        key = (expression, self.or_branch)
        found = self.expression_terms.get(key)
        if found is None:
            found = self.expression_terms[key] = expression_terms(expression, self.licenses,
                                                                  self.or_branch)
        return found

    def against(self, own_mask: int) -> dict[int, tuple[str, ...]]:
        """What an ancestor's terms add to a dataset's, by the ancestor's verdict key."""
        found = self.restrictions.get(own_mask)
        if found is None:
            found = self.restrictions[own_mask] = {_UNLICENSED_KEY: _NO_CLAIM}
        return found

    def mask(self, terms: Terms) -> int:
        hit = self.masks.get(id(terms))
        if hit is None or hit[0] is not terms:
            hit = self.masks[id(terms)] = (terms, strictness(terms))
        return hit[1]

    def restricted(self, ancestor: DatasetFacts, verdict_key: int, own: Terms | None,
                   against: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
        """The ancestor's terms' stricter_than(own), which depends on nothing strictness()
        leaves out."""
        theirs = self.own_terms(ancestor)
        found = against[verdict_key] = _NO_CLAIM if theirs is None else tuple(
            theirs.stricter_than(_NEUTRAL if own is None else own))
        return found

    def merged(self, mask: int, keys: tuple[str, ...]) -> Terms:
        found = self.merged_terms.get((mask, keys))
        if found is None:
            found = self.merged_terms[(mask, keys)] = from_strictness(mask, keys)
        return found


def _cache(snapshot: Snapshot, or_branch: str) -> _Cache:
    cache = snapshot.extra.get(("provenance", or_branch))
    if cache is None:
        cache = snapshot.extra[("provenance", or_branch)] = _Cache(snapshot, or_branch)
    return cache  # type: ignore[no-any-return]


def resolve(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Resolution:
    return _cache(snapshot, or_branch).resolve(d)


def _resolve(d: DatasetFacts, cache: _Cache) -> Resolution:
    claims = d.claims
    if len(claims) == 1:  # the common case: one claim, current, no conflict or drift
        _, judged, terms, resolved_by = cache.lone_claim(claims[0])
        return Resolution(d.slug, judged, terms, resolved_by, (), ())
    current = current_claims(claims)
    judged = tuple(ClaimTerms(c, cache.terms(c.expression), c in current) for c in claims)
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
    for c in sorted(claims, key=lambda c: c.observed_on):
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


# What an ancestor passes on to every descendant, whoever the descendant is, and the ids of
# its own parents: the walk up the lineage reads only these. A plain tuple of plain values
# (the consent as an index into _Cache.consents), which the collector stops tracking.
_Heirloom = tuple[
    str,  # slug
    tuple[int, ...],  # parent ids
    int,  # strictness() of what it adds to the merged terms
    dict[str, None],  # the licence keys it adds to them, in order
    int,  # verdict key: strictness() of its terms, which its restrictions depend on
    str | None,  # licence expression
    int,  # index of its latest consent in _Cache.consents
    int,  # risk of that consent
    tuple[str, ...],  # sources whose text-and-data-mining reservation was ignored
    bool,  # reported to every descendant, whatever the descendant's own terms
]


def _heirloom(ancestor: DatasetFacts, cache: _Cache) -> _Heirloom:
    found = cache.heirlooms.get(ancestor.id)
    if found is None:
        terms, expression = cache.own_resolution(ancestor)
        # An ancestor nobody has licensed passes the gap on.
        passed = _UNLICENSED if terms is None else terms
        mask = cache.mask(passed)
        consent = ancestor.latest_consent
        ignored = tuple(s.slug for s in ancestor.sources
                        if s.tdm_reservation not in ("none", "unknown") and s.tdm_honoured == "no")
        withdrawn = consent is not None and consent.status == "withdrawn"
        found = cache.heirlooms[ancestor.id] = (
            ancestor.slug, tuple(p for p, _ in ancestor.parents), mask,
            dict.fromkeys(passed.keys), _UNLICENSED_KEY if terms is None else mask, expression,
            cache.consent_index(consent), _risk(consent), ignored, bool(ignored) or withdrawn)
    return found


def effective(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Effective:
    cache = _cache(snapshot, or_branch)
    found = cache.effective.get(d.id)
    if found is None:
        found = cache.effective[d.id] = _effective(d, cache)
    return found


def effective_all(snapshot: Snapshot, or_branch: str = "permissive") -> dict[str, Effective]:
    """The effective terms of every dataset in scope, by slug: one pass over the graph, with
    the collector paused while the results (all kept) are built."""
    with collector_paused():
        return {d.slug: effective(d, snapshot, or_branch) for d in snapshot.scope()}


def _effective(d: DatasetFacts, cache: _Cache) -> Effective:
    own = cache.own_terms(d)
    if not d.parents:
        return Effective(d.slug, own, None if own is None else cache.strictest_of(own), (),
                         d.latest_consent, d.slug)
    datasets = cache.datasets
    heirlooms = cache.heirlooms
    # The merged terms are strictest() of own and every ancestor's: the term values as the
    # OR of their strictness bits, the licence keys in order of first appearance.
    own_mask = 0 if own is None else cache.mask(own)
    against = cache.against(own_mask)
    mask, merged_any = own_mask, own is not None
    keys: dict[str, None] = {} if own is None else dict.fromkeys(own.keys)
    inherited = []
    worst, worst_from = d.latest_consent, d.slug
    worst_risk = _risk(worst)
    # Breadth first, as ancestors() walks: each ancestor once, by the path that reaches it
    # first. Paths are spelled out only for the ancestors that are reported.
    via: dict[int, int] = {d.id: d.id}
    queue: deque[int] = deque()
    for p, _ in d.parents:
        if p not in via:
            via[p] = d.id
            queue.append(p)
    popleft, append = queue.popleft, queue.append
    heirloom, add_keys, verdicts = heirlooms.get, keys.update, against.get
    consents = cache.consents
    while queue:
        node = popleft()
        heir = heirloom(node)
        if heir is None:
            ancestor = datasets.get(node)
            if ancestor is None:
                continue
            heir = _heirloom(ancestor, cache)
        slug, parents, heir_mask, heir_keys, verdict, expression, consent, risk, ignored, \
            reported = heir
        for p in parents:
            if p not in via:
                via[p] = node
                append(p)
        mask |= heir_mask
        merged_any = True
        add_keys(heir_keys)
        restrictions = verdicts(verdict)
        if restrictions is None:
            restrictions = cache.restricted(datasets[node], verdict, own, against)
        if risk > worst_risk:
            worst, worst_from, worst_risk = consents[consent], slug, risk
        if restrictions or reported:
            previous = via[node]
            path = (d.slug, slug) if previous == d.id \
                else _path(node, d.id, via, heirlooms, d.slug)
            inherited.append(Inherited(slug, path, expression, restrictions,
                                       consents[consent], ignored))
    merged = cache.merged(mask, tuple(keys)) if merged_any else None
    return Effective(d.slug, own, merged, tuple(inherited), worst, worst_from)


def _path(node: int, start: int, via: dict[int, int], heirlooms: dict[int, _Heirloom],
          start_slug: str) -> tuple[str, ...]:
    path = [heirlooms[node][0]]
    node = via[node]
    while node != start:
        path.append(heirlooms[node][0])
        node = via[node]
    path.append(start_slug)
    path.reverse()
    return tuple(path)

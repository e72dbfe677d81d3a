"""Licence resolution and effective terms through lineage, from a snapshot (pure).

A dataset's own terms are the strictest of its current claims (the latest per
claimant). Its effective terms add every ancestor's, through any depth: the
strictest value of each term wins, and each inherited restriction keeps the
lineage path it came by.
"""

from __future__ import annotations

import gc
from collections import deque
from dataclasses import dataclass, field

from tracker.assess.terms import (
    Terms,
    current_claims,
    expression_terms,
    from_strictness,
    strictest,
    strictness,
)
from tracker.facts.snapshot import (
    ClaimFacts,
    ConsentFacts,
    DatasetFacts,
    Snapshot,
    SourceFacts,
    collector_paused,
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
        """The licence expression that governs: that of the first claim whose terms decide,
        else the current claims joined by AND; None without any claim."""
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
        # Keyed by id() of objects a loaded snapshot shares between datasets, which the
        # values keep alive: no other object can take those ids while the cache lives.
        self.ignored: dict[int, tuple[tuple[SourceFacts, ...], tuple[str, ...]]] = {}
        self.parts: dict[tuple[int, int, int], tuple[tuple[object, ...], _Part]] = {}
        self.nodes: dict[int, _Node] = {}  # by dataset id
        # Keyed by id() of terms, with the terms kept to check a hit is the same object.
        self.single: dict[int, tuple[Terms, Terms]] = {}
        self.masks: dict[int, tuple[Terms, int]] = {}
        self.lone_claims: dict[int, tuple[ClaimFacts, tuple[ClaimTerms], Terms,
                                          tuple[ClaimFacts]]] = {}
        self.restrictions: dict[int, dict[int, tuple[str, ...]]] = {}
        self.merged_terms: dict[tuple[int, tuple[str, ...]], Terms] = {}

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

    def resolve(self, d: DatasetFacts) -> Resolution:
        """resolve(d) computed once per dataset and kept for the snapshot's later readers."""
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
        """strictness(terms) computed once per terms object; the object is kept so its id is not
        reused by another."""
        hit = self.masks.get(id(terms))
        if hit is None or hit[0] is not terms:
            hit = self.masks[id(terms)] = (terms, strictness(terms))
        return hit[1]

    def part(self, d: DatasetFacts) -> _Part:
        """What d passes on to its descendants, shared by the datasets that share d's claims,
        latest consent and ignored sources."""
        consent = d.latest_consent
        ignored = self.ignored.get(id(d.sources))
        if ignored is None:
            ignored = self.ignored[id(d.sources)] = (d.sources, tuple(
                s.slug for s in d.sources
                if s.tdm_reservation not in ("none", "unknown") and s.tdm_honoured == "no"))
        key = (id(d.claims), id(consent), id(ignored[1]))
        hit = self.parts.get(key)
        if hit is None:
            hit = self.parts[key] = ((d.claims, consent, ignored[1]),
                                     _part(d, consent, ignored[1], self))
        return hit[1]

    def node(self, dataset_id: int) -> _Node | None:
        """The node of the snapshot's dataset of this id, one per dataset (walks tell nodes
        apart by identity); None outside the snapshot, where walks do not go."""
        found = self.nodes.get(dataset_id)
        if found is None:
            d = self.datasets.get(dataset_id)
            if d is None:
                return None
            found = self.nodes.setdefault(dataset_id, _Node(d, self.part(d)))
        return found

    def build_nodes(self) -> None:
        """Every dataset's node and its parents, built before the walks rather than as they
        first meet them, so that the nodes lie together in memory instead of scattered
        among the results: at 100k datasets most reads of a node miss the processor's
        caches, and what nodes share of cache lines and memory pages saves reads."""
        nodes, part = self.nodes, self.part
        for key, d in self.datasets.items():
            if key not in nodes:
                nodes[key] = _Node(d, part(d))
        for node in nodes.values():
            if node.parents is None:
                self.expand(node)

    def expand(self, node: _Node) -> tuple[_Node, ...]:
        """node.parents, read from its dataset the first time."""
        d = node.dataset
        if d is None:  # already read (parents are set before the dataset is dropped)
            return node.parents  # type: ignore[return-value]
        found = node.parents = self.parents(d)
        node.dataset = None  # the collector need not visit the facts through the node
        return found

    def parents(self, d: DatasetFacts) -> tuple[_Node, ...]:
        """The nodes of d's parents in the snapshot, in d's order."""
        nodes, node = self.nodes, self.node
        found = []
        for p, _ in d.parents:
            parent = nodes.get(p) or node(p)
            if parent is not None:
                found.append(parent)
        return tuple(found)

    def restricted(self, part: _Part, verdict_key: int, own: Terms | None,
                   against: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
        """The ancestor's terms' stricter_than(own), which depends on nothing strictness()
        leaves out."""
        theirs = part[8]
        found = against[verdict_key] = _NO_CLAIM if theirs is None else tuple(
            theirs.stricter_than(_NEUTRAL if own is None else own))
        return found

    def merged(self, mask: int, keys: tuple[str, ...]) -> Terms:
        """from_strictness(mask, keys) once per pair: datasets that merge to the same terms
        share one Terms object."""
        found = self.merged_terms.get((mask, keys))
        if found is None:
            found = self.merged_terms[(mask, keys)] = from_strictness(mask, keys)
        return found


def _cache(snapshot: Snapshot, or_branch: str) -> _Cache:
    return snapshot.memo(("provenance", or_branch), lambda: _Cache(snapshot, or_branch))


def resolve(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Resolution:
    """Which licence governs the dataset by its own claims: the latest claim of each
    claimant counts, the strictest value of each term wins; conflicts and drift kept.
    Remembered on the snapshot per reading of OR."""
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
    license: str | None
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


# What a dataset passes on to every descendant, whoever the descendant is. It depends only on
# the dataset's claims, latest consent and sources, objects a loaded snapshot shares between
# datasets, so there are few of these, each computed once and read by many walks.
_Part = tuple[
    int,  # strictness() of what it adds to the merged terms
    dict[str, None],  # the licence keys it adds to them, in order
    int,  # verdict key: strictness() of its terms, which its restrictions depend on
    str | None,  # licence expression
    ConsentFacts | None,  # its latest consent
    int,  # risk of that consent
    tuple[str, ...],  # sources whose text-and-data-mining reservation was ignored
    bool,  # reported to every descendant, whatever the descendant's own terms
    Terms | None,  # its own terms
]


class _Node:
    """A dataset as a walk up the lineage reads it: its parents are nodes too, so a walk
    goes from node to node without looking ids up in a dictionary as large as the
    registry, and keys its own dictionary by nodes, which hash by identity."""

    __slots__ = ("slug", "part", "parents", "dataset")

    def __init__(self, dataset: DatasetFacts, part: _Part) -> None:
        self.slug = dataset.slug
        self.part = part
        self.parents: tuple[_Node, ...] | None = None  # those in the snapshot, once read
        self.dataset: DatasetFacts | None = dataset  # until then: what they are read from


def _part(d: DatasetFacts, consent: ConsentFacts | None, ignored: tuple[str, ...],
          cache: _Cache) -> _Part:
    terms, expression = cache.own_resolution(d)
    # An ancestor nobody has licensed passes the gap on.
    passed = _UNLICENSED if terms is None else terms
    mask = cache.mask(passed)
    withdrawn = consent is not None and consent.status == "withdrawn"
    return (mask, dict.fromkeys(passed.keys), _UNLICENSED_KEY if terms is None else mask,
            expression, consent, _risk(consent), ignored, bool(ignored) or withdrawn, terms)


def effective(d: DatasetFacts, snapshot: Snapshot, or_branch: str = "permissive") -> Effective:
    """The dataset's terms once the restrictions of every ancestor are added: what a
    user of it must honour. Remembered on the snapshot per reading of OR."""
    cache = _cache(snapshot, or_branch)
    found = cache.effective.get(d.id)
    if found is None:
        found = cache.effective[d.id] = _effective(d, cache)
    return found


# Datasets between two collections of the young generations in effective_all(): few
# enough that what they allocated is still in the processor's caches.
_COLLECT_EVERY = 128


def effective_all(snapshot: Snapshot, or_branch: str = "permissive") -> dict[str, Effective]:
    """The effective terms of every dataset in scope, by slug: one pass over the graph, with
    the collector paused while the results (all kept) are built."""
    cache = _cache(snapshot, or_branch)
    done = cache.effective
    # Even paused, the collector visits every new object once, at its first collection
    # afterwards: all at once, when the objects have left the processor's caches (a fifth of
    # the time at 100k datasets). Collecting the young generations as the results grow
    # visits each object while still cached and moves it to the old generation, which only
    # a full collection visits. A caller that disabled the collector is obeyed.
    scope = snapshot.scope()
    collect = gc.isenabled() and len(scope) >= _COLLECT_EVERY
    found = {}
    with collector_paused():
        cache.build_nodes()
        for i, d in enumerate(scope, 1):
            result = done.get(d.id)
            if result is None:
                result = done[d.id] = _effective(d, cache)
            found[d.slug] = result
            if collect and (i % _COLLECT_EVERY == 0 or i == len(scope)):
                gc.collect(1)
    return found


def _effective(d: DatasetFacts, cache: _Cache) -> Effective:
    start, via = _start(d, cache)
    part = start.part
    own = part[8]
    if not d.parents:
        return Effective(d.slug, own, None if own is None else cache.strictest_of(own), (),
                         part[4], d.slug)
    # The merged terms are strictest() of own and every ancestor's: the term values as the
    # OR of their strictness bits, the licence keys in order of first appearance.
    own_mask = 0 if own is None else part[0]
    against = cache.against(own_mask)
    mask = own_mask
    keys: dict[str, None] = {} if own is None else dict(part[1])
    inherited = []
    worst, worst_from, worst_risk = part[4], d.slug, part[5]  # d's latest consent first
    # Breadth first, as ancestors() walks: each ancestor once, by the path that reaches it
    # first. Paths are spelled out only for the ancestors that are reported.
    queue = []
    append, add_keys, verdicts, expand = queue.append, keys.update, against.get, cache.expand
    for p in _parents(start, cache):
        if p not in via:
            via[p] = start
            append(p)
    for node in queue:  # grows as it is read
        parents = node.parents
        if parents is None:
            parents = expand(node)
        for p in parents:
            if p not in via:
                via[p] = node
                append(p)
        heir = node.part
        heir_mask, heir_keys, verdict, expression, consent, risk, ignored, reported, _ = heir
        mask |= heir_mask
        add_keys(heir_keys)
        restrictions = verdicts(verdict)
        if restrictions is None:
            restrictions = cache.restricted(heir, verdict, own, against)
        if risk > worst_risk:
            worst, worst_from, worst_risk = consent, node.slug, risk
        if restrictions or reported:
            previous = via[node]
            if previous is start:
                path = (d.slug, node.slug)
            elif via[previous] is start:  # the common case of a grandparent, spelled out
                path = (d.slug, previous.slug, node.slug)
            else:
                path = _path(node, start, via)
            inherited.append(Inherited(node.slug, path, expression, restrictions, consent,
                                       ignored))
    merged = cache.merged(mask, tuple(keys)) if own is not None or queue else None
    return Effective(d.slug, own, merged, tuple(inherited), worst, worst_from)


def _start(d: DatasetFacts, cache: _Cache) -> tuple[_Node, dict[_Node, _Node]]:
    """d's node, and the walk's record of the node each node was first reached from, with
    d's own node in it: seen, as ancestors() has it."""
    start = cache.node(d.id)
    if start is not None and cache.datasets.get(d.id) is d:
        return start, {start: start}
    # A dataset that is not the snapshot's own walks from its own parents, with the
    # snapshot's dataset of its id (if any) seen.
    theirs = start
    start = _Node(d, cache.part(d))
    return start, {start: start} if theirs is None else {start: start, theirs: start}


def _parents(node: _Node, cache: _Cache) -> tuple[_Node, ...]:
    return cache.expand(node) if node.parents is None else node.parents


def _path(node: _Node, start: _Node, via: dict[_Node, _Node]) -> tuple[str, ...]:
    path = [node.slug]
    node = via[node]
    while node is not start:
        path.append(node.slug)
        node = via[node]
    path.append(start.slug)
    path.reverse()
    return tuple(path)

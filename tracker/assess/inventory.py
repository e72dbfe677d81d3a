"""The licence inventory and the dataset filters that read a whole snapshot (pure).

Both read one snapshot once: the resolved licence of each dataset, its effective
terms (every dataset's in one pass over the lineage), its consent in force and
its open findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from typing import Any

from license_expression import Licensing

from tracker.assess.provenance import (
    Effective,
    Inherited,
    Resolution,
    effective,
    effective_all,
    resolve,
)
from tracker.assess.terms import Terms, strictness
from tracker.facts.snapshot import (
    ClaimFacts,
    ConsentFacts,
    DatasetFacts,
    Snapshot,
    collector_paused,
)

# The terms as output gives them: the licence keys they came from are left out.
TERM_FIELDS = tuple(f.name for f in fields(Terms) if f.name != "keys")
FLAG_FIELDS = ("attribution", "share_alike", "no_derivatives", "restricts_models",
               "restricts_outputs")
# The columns of `license resolve --all --csv`, one row per dataset.
INVENTORY_CSV_COLUMNS = (
    "dataset", "resolved", "commercial_use", "ai_training", "flags", "effective_commercial_use",
    "effective_ai_training", "effective_flags", "restricted_by", "conflicts")


def terms_record(terms: Terms | None) -> dict[str, Any] | None:
    """Terms as a JSON-ready mapping (None: no licence claimed)."""
    return None if terms is None else {k: getattr(terms, k) for k in TERM_FIELDS}


def inherited_record(item: Inherited) -> dict[str, Any]:
    """What one ancestor passes on, with the lineage path it comes by."""
    # The tuples as they are: JSON writes them as arrays, and copies cost at 100k datasets.
    return {"ancestor": item.ancestor, "path": item.path, "license": item.license,
            "restrictions": item.restrictions, "tdm_ignored": item.tdm_ignored}


def conflict_records(conflicts: Iterable[tuple[ClaimFacts, ClaimFacts, tuple[str, ...]]]
                     ) -> list[dict[str, Any]]:
    """Relay claims (hub, aggregator, repository) laxer than a grantor's, with the terms."""
    return [{"relay": f"{a.expression} ({a.claimed_by})",
             "grantor": f"{b.expression} ({b.claimed_by})",
             "differences": list(diff)} for a, b, diff in conflicts]


def _why(resolution: Resolution) -> str:
    current = [c for c in resolution.claims if c.current]
    if resolution.terms is None:
        return "no licence claim is recorded"
    if len(current) == 1:
        return f"the only current claim, by the {current[0].claim.claimed_by}"
    if resolution.resolved_by:
        by = ", ".join(c.claimed_by for c in resolution.resolved_by)
        return (f"{len(current)} current claims; the strictest term of each wins, which is "
                f"the licence claimed by the {by}")
    return (f"{len(current)} current claims and none is strictest on every term: all apply "
            "together")


def resolution_view(resolution: Resolution, eff: Effective) -> dict[str, Any]:
    """One dataset's licence resolution, claims, conflicts, drift and effective terms, as
    `license resolve` gives it."""
    return {
        "dataset": resolution.dataset,
        "resolved": resolution.expression,
        "terms": terms_record(resolution.terms),
        "why": _why(resolution),
        "claims": [{"license": c.claim.expression, "claimed_by": c.claim.claimed_by,
                    "observed_on": c.claim.observed_on.isoformat(),
                    "evidence_url": c.claim.evidence_url, "current": c.current,
                    "terms": terms_record(c.terms)} for c in resolution.claims],
        "conflicts": conflict_records(resolution.conflicts),
        "drift": [{"claimed_by": b.claimed_by, "from": a.expression,
                   "from_date": a.observed_on.isoformat(), "to": b.expression,
                   "to_date": b.observed_on.isoformat()} for a, b in resolution.drift],
        "inherited": [inherited_record(i) for i in eff.inherited],
        "effective_terms": terms_record(eff.terms),
    }


def _own(d: DatasetFacts, snapshot: Snapshot, or_branch: str
         ) -> tuple[str | None, tuple[tuple[ClaimFacts, ClaimFacts, tuple[str, ...]], ...]]:
    """The resolved expression and the conflicts of d. One claim (the common case) is its
    own resolution, without conflicts: the full resolution is built only for several."""
    if len(d.claims) > 1:
        resolution = resolve(d, snapshot, or_branch)
        return resolution.expression, resolution.conflicts
    return (d.claims[0].expression if d.claims else None), ()


def inventory(snapshot: Snapshot, or_branch: str = "permissive") -> Iterator[dict[str, Any]]:
    """Every dataset in scope, in slug order: its resolved licence and terms, its effective
    terms with the ancestors that restrict them, and its conflicts. The keys and values are
    those `resolution_view` gives for the dataset alone.

    One pass: the effective terms of all datasets at once; then the rows one at a time, as
    the output takes them (100,000 rows held at once would cost more to build than to
    compute), each distinct set of terms turned into a mapping once."""
    every = effective_all(snapshot, or_branch)
    record_of = _terms_records()
    # Each row is freed once written, and nothing here is cyclic: a collection while the
    # rows are made would find nothing, yet visit the snapshot and every result (a full
    # one is due after effective_all() at 100k datasets: 0.7 s).
    with collector_paused():
        for d in snapshot.scope():
            eff = every[d.slug]
            expression, conflicts = _own(d, snapshot, or_branch)
            yield {
                "dataset": d.slug,
                "resolved": expression,
                "terms": record_of(eff.own),
                "effective_terms": record_of(eff.terms),
                "inherited": [inherited_record(i) for i in eff.inherited],
                "conflicts": conflict_records(conflicts) if conflicts else [],
            }


def _terms_records() -> Callable[[Terms | None], dict[str, Any] | None]:
    """terms_record, memoised by object and by value: datasets share terms objects, and the
    objects (which differ by their licence keys) share a few values. Keyed by id(): the
    snapshot's cache keeps every terms object alive while the inventory is made, so no
    other object can take an id meanwhile."""
    by_id: dict[int, dict[str, Any] | None] = {id(None): None}
    by_value: dict[int, dict[str, Any]] = {}

    def record_of(terms: Terms | None) -> dict[str, Any] | None:
        found = by_id.get(id(terms), _MISSING)
        if found is _MISSING:
            assert terms is not None
            value = strictness(terms)  # every term but the keys, as bits
            found = by_value.get(value)
            if found is None:
                found = by_value[value] = terms_record(terms)
            by_id[id(terms)] = found
        return found  # type: ignore[return-value]

    return record_of


_MISSING: Any = object()


def terms_text(terms: dict[str, Any] | None) -> str:
    """Terms in words: 'commercial use no, AI training allowed, attribution'."""
    if not terms:
        return "unknown"
    flags = [k.replace("_", "-") for k in FLAG_FIELDS if terms.get(k)]
    if terms.get("unknown"):
        flags.append("terms unknown")
    return (f"commercial use {terms['commercial_use']}, AI training {terms['ai_training']}"
            + (f", {', '.join(flags)}" if flags else ""))


def restriction_text(item: dict[str, Any]) -> str:
    """One inherited restriction in words: the path, the ancestor's licence, what it adds."""
    reasons = [*item["restrictions"],
               *(f"TDM opt-out of {s} not honoured" for s in item["tdm_ignored"])]
    return (f"{' <- '.join(item['path'])}: {item['license'] or 'no licence'}: "
            f"{'; '.join(reasons) or 'consent withdrawn'}")


def conflict_text(conflict: dict[str, Any]) -> str:
    """A conflict between two claimants as one line: who against whom, and on what."""
    return f"{conflict['grantor']} vs {conflict['relay']}: {'; '.join(conflict['differences'])}"


def inventory_csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """An inventory row flattened for a spreadsheet: one cell per term."""
    own, eff = row["terms"] or {}, row["effective_terms"] or {}

    def flags(terms: dict[str, Any]) -> str:
        return " ".join(k.replace("_", "-") for k in (*FLAG_FIELDS, "unknown") if terms.get(k))

    return {
        "dataset": row["dataset"], "resolved": row["resolved"],
        "commercial_use": own.get("commercial_use"), "ai_training": own.get("ai_training"),
        "flags": flags(own), "effective_commercial_use": eff.get("commercial_use"),
        "effective_ai_training": eff.get("ai_training"), "effective_flags": flags(eff),
        "restricted_by": " | ".join(restriction_text(i) for i in row["inherited"]),
        "conflicts": " | ".join(conflict_text(c) for c in row["conflicts"]),
    }


# ---- filters of `dataset list` ----------------------------------------------------------


@dataclass(frozen=True)
class DatasetFilter:
    """Checked filter values; None: not filtered on. All given must hold (AND)."""

    license: str | None = None  # a canonical licence id, in the resolved expression
    commercial: str | None = None  # the effective commercial-use term
    consent: str | None = None  # the consent status in force
    finding: str | None = None  # a finding code, open (not waived) under the policy
    source_category: str | None = None

    @property
    def needs_snapshot(self) -> bool:
        """True when a filter on licence, commercial use, consent or finding is set: those need
        the assessed snapshot, the others only the datasets' columns."""
        return any(v is not None for v in (self.license, self.commercial, self.consent,
                                            self.finding))


def consent_in_force(d: DatasetFacts) -> ConsentFacts | None:
    """The dataset's latest consent record; without one, the latest of its sources' (as the
    consent rules read it)."""
    if d.latest_consent is not None:
        return d.latest_consent
    recorded = [s.consent[-1] for s in d.sources if s.consent]
    return max(recorded, key=lambda c: c.recorded_on) if recorded else None


@cache
def _licensing() -> Licensing:
    return Licensing()


@lru_cache(maxsize=4096)
def license_ids(expression: str) -> frozenset[str]:
    """The licence ids a stored (normalised) expression names, exceptions included."""
    return frozenset(_licensing().license_keys(expression))


def matching(snapshot: Snapshot, wanted: DatasetFilter, or_branch: str = "permissive",
             findings: Callable[[Snapshot], Iterable[tuple[str, str]]] | None = None
             ) -> list[DatasetFacts]:
    """The datasets in scope, in slug order, that meet every filter given. `findings` gives
    the open findings of the snapshot as (dataset slug, code), for the finding filter."""
    tests: list[Callable[[DatasetFacts], bool]] = []
    if wanted.source_category is not None:
        tests.append(lambda d: d.source_category == wanted.source_category)
    if wanted.consent is not None:
        tests.append(lambda d: consent_status(d) == wanted.consent)
    if wanted.license is not None:
        tests.append(lambda d: wanted.license in own_license_ids(d, snapshot, or_branch))
    if wanted.commercial is not None:
        every = effective_all(snapshot, or_branch)
        tests.append(lambda d: _commercial(every[d.slug]) == wanted.commercial)
    if wanted.finding is not None:
        flagged = {slug for slug, code in (findings(snapshot) if findings else ())
                   if code == wanted.finding}
        tests.append(lambda d: d.slug in flagged)
    return [d for d in snapshot.scope() if all(test(d) for test in tests)]


@dataclass(frozen=True)
class Standing:
    """What the filters of `dataset list` read of one dataset, worked out once: a view kept
    per dataset can then be filtered without judging the registry again."""

    source_category: str
    consent: str
    license_ids: frozenset[str]
    commercial: str
    open_codes: frozenset[str]

    def meets(self, wanted: DatasetFilter) -> bool:
        """True when the dataset meets every filter of `wanted`, as `matching` decides."""
        return (wanted.source_category in (None, self.source_category)
                and wanted.consent in (None, self.consent)
                and (wanted.license is None or wanted.license in self.license_ids)
                and wanted.commercial in (None, self.commercial)
                and (wanted.finding is None or wanted.finding in self.open_codes))


def standing(d: DatasetFacts, snapshot: Snapshot, or_branch: str,
             open_codes: Iterable[str]) -> Standing:
    """The dataset's standing under the filters, its open finding codes given."""
    return Standing(d.source_category, consent_status(d),
                    own_license_ids(d, snapshot, or_branch),
                    _commercial(effective(d, snapshot, or_branch)), frozenset(open_codes))


def consent_status(d: DatasetFacts) -> str:
    """The status of the consent in force; with no record anywhere, nobody knows."""
    in_force = consent_in_force(d)
    return in_force.status if in_force else "unknown"


def own_license_ids(d: DatasetFacts, snapshot: Snapshot, or_branch: str) -> frozenset[str]:
    """The licence ids the dataset's own resolved expression names."""
    expression, _ = _own(d, snapshot, or_branch)
    return frozenset() if expression is None else license_ids(expression)


def _commercial(eff: Effective) -> str:
    # No licence claimed here or upstream: commercial use is unknown.
    return "unknown" if eff.terms is None else eff.terms.commercial_use

"""What an SPDX expression permits, term by term, from the licence knowledge base.

AND means every licence applies, so the strictest value of each term wins; OR
lets the licensee choose, so the most permissive branch is taken; a WITH
exception keeps the licence's terms. Across several claims the strictest wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from license_expression import (
    AND,
    OR,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
)

from tracker.facts.snapshot import ClaimFacts, LicenseFacts

# Strictness order, most permissive first.
COMMERCIAL = ("yes", "unknown", "no")
AI_TRAINING = ("allowed", "conditional", "unknown", "prohibited")
UNKNOWN_KEYS = frozenset({"LicenseRef-Unknown", "LicenseRef-Other", "LicenseRef-Unmapped",
                          "LicenseRef-Various", "LicenseRef-Request-Form"})


@dataclass(frozen=True)
class Terms:
    commercial_use: str = "yes"
    ai_training: str = "allowed"
    attribution: bool = False
    share_alike: bool = False
    no_derivatives: bool = False
    restricts_models: bool = False
    restricts_outputs: bool = False
    unknown: bool = False  # rests on a licence whose terms nobody has recorded
    keys: tuple[str, ...] = ()

    def stricter_than(self, other: Terms) -> list[str]:
        """The terms on which self is stricter than other, by name."""
        found = []
        if COMMERCIAL.index(self.commercial_use) > COMMERCIAL.index(other.commercial_use):
            found.append(f"commercial use {self.commercial_use} vs {other.commercial_use}")
        if AI_TRAINING.index(self.ai_training) > AI_TRAINING.index(other.ai_training):
            found.append(f"AI training {self.ai_training} vs {other.ai_training}")
        for flag in ("share_alike", "no_derivatives", "restricts_models", "restricts_outputs"):
            if getattr(self, flag) and not getattr(other, flag):
                found.append(flag.replace("_", "-"))
        return found


def current_claims(claims: Iterable[ClaimFacts]) -> list[ClaimFacts]:
    """The latest claim of each claimant, in claim order; earlier ones are licence drift."""
    latest: dict[str, ClaimFacts] = {}
    for claim in sorted(claims, key=lambda c: c.observed_on):
        latest.pop(claim.claimed_by, None)
        latest[claim.claimed_by] = claim
    return list(latest.values())


def _of(lic: LicenseFacts | None, key: str) -> Terms:
    if lic is None:
        return Terms("unknown", "unknown", unknown=True, keys=(key,))
    custom_without_text = not lic.builtin and not lic.url
    return Terms(lic.commercial_use, lic.ai_training, lic.attribution, lic.share_alike,
                 lic.no_derivatives, lic.restricts_models, lic.restricts_outputs,
                 unknown=key in UNKNOWN_KEYS or custom_without_text, keys=(key,))


def strictest(terms: Iterable[Terms]) -> Terms:
    """The strictest value of each term across `terms`: what applies when every
    licence of an AND (or every current claim) must be honoured."""
    items = list(terms)
    if not items:
        return Terms("unknown", "unknown", unknown=True)
    return Terms(
        max((t.commercial_use for t in items), key=COMMERCIAL.index),
        max((t.ai_training for t in items), key=AI_TRAINING.index),
        any(t.attribution for t in items), any(t.share_alike for t in items),
        any(t.no_derivatives for t in items), any(t.restricts_models for t in items),
        any(t.restricts_outputs for t in items), any(t.unknown for t in items),
        tuple(dict.fromkeys(k for t in items for k in t.keys)),
    )


# strictest() as bit arithmetic, for folding many terms cheaply: each ordered term is
# written in unary (one bit per step past its most permissive value) and each flag as a
# bit, so the strictest of several terms is the bitwise OR of theirs.
_FLAGS = ("attribution", "share_alike", "no_derivatives", "restricts_models",
          "restricts_outputs", "unknown")


def strictness(t: Terms) -> int:
    """The terms, keys aside, as bits; strictness(strictest(ts)) == OR of strictness(t)."""
    mask = (1 << COMMERCIAL.index(t.commercial_use)) - 1
    mask |= ((1 << AI_TRAINING.index(t.ai_training)) - 1) << 2
    for bit, flag in enumerate(_FLAGS, 5):
        if getattr(t, flag):
            mask |= 1 << bit
    return mask


def from_strictness(mask: int, keys: tuple[str, ...]) -> Terms:
    """The terms a strictness mask stands for (see `strictness`), with `keys`
    as the licences they came from."""
    return Terms(COMMERCIAL[(mask & 3).bit_count()], AI_TRAINING[(mask >> 2 & 7).bit_count()],
                 mask & 32 != 0, mask & 64 != 0, mask & 128 != 0, mask & 256 != 0,
                 mask & 512 != 0, mask & 1024 != 0, keys)


def _score(t: Terms) -> tuple[int, ...]:
    return (int(t.unknown), COMMERCIAL.index(t.commercial_use),
            AI_TRAINING.index(t.ai_training), int(t.no_derivatives), int(t.restricts_models),
            int(t.restricts_outputs), int(t.share_alike), int(t.attribution))


@cache
def _licensing() -> Licensing:
    return Licensing()


OR_BRANCHES = ("permissive", "strictest")


def expression_terms(expression: str, licenses: Mapping[str, LicenseFacts],
                     or_branch: str = "permissive") -> Terms:
    """Terms of an expression; `or_branch` says which branch of an OR the licensee takes."""

    def walk(node: object) -> Terms:
        if isinstance(node, LicenseWithExceptionSymbol):
            key = node.license_symbol.key
            return _of(licenses.get(key), key)
        if isinstance(node, LicenseSymbol):
            return _of(licenses.get(node.key), node.key)
        if isinstance(node, AND):
            return strictest(walk(a) for a in node.args)
        if isinstance(node, OR):
            branches = [walk(a) for a in node.args]
            if or_branch == "strictest":
                return strictest(branches)
            return min(branches, key=_score)
        raise ValueError(f"unexpected licence expression node {node!r}")

    return walk(_licensing().parse(expression))

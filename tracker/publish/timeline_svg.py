"""The run's agreements as a picture: each agreement's term as a bar against the budget period.

Positions are fractions of the drawn span (0 to 1), so the picture scales to any
width while its text keeps its size; an agreement ending before the run ends
is marked, as its finding is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.facts.snapshot import Snapshot


@dataclass(frozen=True)
class Bar:
    party: str
    datasets: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    left: float  # fraction of the span
    right: float
    ends_early: bool
    starts_late: bool


@dataclass(frozen=True)
class Timeline:
    bars: tuple[Bar, ...]
    first: dt.date
    last: dt.date
    run_left: float
    run_right: float
    run_start: dt.date
    run_end: dt.date


@dataclass
class _Term:
    start: dt.date | None
    end: dt.date | None
    datasets: set[str]


def _terms(snapshot: Snapshot) -> dict[tuple[str, str], _Term]:
    """Each agreement (counterparty and reference) with a recorded term, and its datasets."""
    terms: dict[tuple[str, str], _Term] = {}
    for d in snapshot.scope():
        for fee in d.fees:
            if fee.term_start is None and fee.term_end is None:
                continue
            term = terms.setdefault((fee.counterparty, fee.reference),
                                    _Term(fee.term_start, fee.term_end, set()))
            term.datasets.add(d.slug)
    return terms


def timeline(snapshot: Snapshot) -> Timeline | None:
    """The agreements of the run's datasets (one bar per counterparty and reference), or None
    when the run has none with a recorded term."""
    run = snapshot.run
    terms = _terms(snapshot) if run is not None else {}
    if run is None or not terms:
        return None
    dates = [run.period_start, run.period_end]
    dates += [day for t in terms.values() for day in (t.start, t.end) if day is not None]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def at(day: dt.date | None, default: float) -> float:
        return default if day is None else (day - first).days / span

    bars = [Bar(f"{party} {reference}".strip(), tuple(sorted(t.datasets)), t.start, t.end,
                at(t.start, 0.0), at(t.end, 1.0),
                t.end is not None and t.end < run.period_end,
                t.start is not None and t.start > run.period_start)
            for (party, reference), t in sorted(terms.items(),
                                                key=lambda kv: (kv[1].start or first, kv[0]))]
    return Timeline(tuple(bars), first, last, at(run.period_start, 0.0),
                    at(run.period_end, 1.0), run.period_start, run.period_end)

"""Fee arithmetic, in one place: the units a run draws, recurring fees prorated over the days
a term overlaps a period (Actual/365 Fixed), and a year of what a dataset costs.

The budget prices a run with these; the review queue orders datasets by a year of cost.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tracker.facts.snapshot import DatasetFacts, Draw, FeeFacts, RunFacts, Snapshot
from tracker.values.errors import TrackerError

PERIODS_PER_YEAR = {"month": Decimal(12), "quarter": Decimal(4), "year": Decimal(1)}
DAYS_PER_YEAR = Decimal(365)
# A dataset drawn whole, for costs that do not depend on a run.
WHOLE = Draw(None, None, None, None, Decimal(1))


def units_drawn(d: DatasetFacts, draw: Draw, unit: str) -> Decimal | None:
    """How many of `unit` (token, record, image, hour, gb) a draw takes from the dataset:
    the quantity given, else its share of the dataset's size; None when neither is known."""
    direct: object
    if unit == "token":
        direct, size = draw.tokens, d.size_tokens
    elif unit in ("record", "image"):
        direct, size = draw.records, d.size_records
    elif unit == "hour":
        direct, size = draw.hours, d.size_hours
    else:  # gb
        direct = None
        size = None if d.size_bytes is None else Decimal(d.size_bytes) / Decimal(10**9)
    if direct is not None:
        return Decimal(direct)  # type: ignore[arg-type]
    if size is None:
        return None
    explicit = any(v is not None for v in (draw.tokens, draw.records, draw.hours))
    share = draw.share if draw.share is not None else (None if explicit else Decimal(1))
    return None if share is None else share * Decimal(size)


def overlap_days(run: RunFacts, start: dt.date | None, end: dt.date | None) -> int:
    """Days (both ends included) a term overlaps the run's budget period; an open end is
    the period's own."""
    first = max(run.period_start, start or run.period_start)
    last = min(run.period_end, end or run.period_end)
    return max(0, (last - first).days + 1)


def per_year(fee: FeeFacts) -> Decimal:
    """How many of a recurring fee's periods make a year."""
    return PERIODS_PER_YEAR[fee.period or "year"]


def prorated(fee: FeeFacts, days: int) -> Decimal:
    """A recurring fee for `days` days, at full precision."""
    return fee.amount * per_year(fee) * days / DAYS_PER_YEAR


def annual_cost(d: DatasetFacts, snapshot: Snapshot, currency: str, on: dt.date
                ) -> Decimal | None:
    """A year of what the dataset costs (recurring fees annualised, per-unit fees on the
    whole dataset, one-time fees and costs once), in `currency` at the rates in force `on`;
    None if a rate is missing. The review queue orders datasets by it."""
    total = Decimal(0)
    try:
        for fee in d.fees:
            amount = fee.amount
            if fee.kind == "recurring":
                amount *= per_year(fee)
            elif fee.kind == "per_unit":
                amount *= units_drawn(d, WHOLE, fee.unit or "token") or Decimal(0)
            total += snapshot.rates.convert(amount, fee.currency, currency, on).amount
        for cost in d.costs:
            total += snapshot.rates.convert(cost.amount, cost.currency, currency, on).amount
    except TrackerError:
        return None
    return total

"""The registry's money at a glance: fees by basis and currency, data costs by category.

Amounts are added only within one currency and one basis: a one-time fee, a
year of a recurring fee (a monthly fee counts twelve times) and a price per
unit are different things, so each has its own row and per-unit prices are
shown as a range, never summed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tracker.assess.fees import PERIODS_PER_YEAR
from tracker.facts.snapshot import Snapshot


@dataclass
class FeeRow:
    kind: str  # one_time | recurring | per_unit
    per: str | None  # the period of a recurring fee, the unit of a per-unit fee
    currency: str
    count: int = 0
    total: Decimal = Decimal(0)  # one-time: sum; recurring: a year's worth
    low: Decimal | None = None  # per-unit prices: the range
    high: Decimal | None = None


@dataclass
class CurrencyTotal:
    currency: str
    one_time: Decimal = Decimal(0)
    per_year: Decimal = Decimal(0)
    costs: Decimal = Decimal(0)
    per_unit_fees: int = 0


@dataclass
class MoneySummary:
    fees: list[FeeRow] = field(default_factory=list)
    costs: list[tuple[str, str, int, Decimal]] = field(default_factory=list)
    totals: list[CurrencyTotal] = field(default_factory=list)


def summarise(snapshot: Snapshot) -> MoneySummary:
    """Every fee and cost item (not voided) of the datasets in scope, grouped."""
    fees: dict[tuple[str, str | None, str], FeeRow] = {}
    costs: dict[tuple[str, str], list[Decimal]] = {}
    totals: dict[str, CurrencyTotal] = {}
    for d in snapshot.scope():
        for fee in d.fees:
            per = fee.period if fee.kind == "recurring" else fee.unit \
                if fee.kind == "per_unit" else None
            row = fees.setdefault((fee.kind, per, fee.currency),
                                  FeeRow(fee.kind, per, fee.currency))
            total = totals.setdefault(fee.currency, CurrencyTotal(fee.currency))
            row.count += 1
            if fee.kind == "per_unit":
                row.low = fee.amount if row.low is None else min(row.low, fee.amount)
                row.high = fee.amount if row.high is None else max(row.high, fee.amount)
                total.per_unit_fees += 1
            elif fee.kind == "recurring":
                year = fee.amount * PERIODS_PER_YEAR[fee.period or "year"]
                row.total += year
                total.per_year += year
            else:
                row.total += fee.amount
                total.one_time += fee.amount
        for cost in d.costs:
            costs.setdefault((cost.category, cost.currency), []).append(cost.amount)
            totals.setdefault(cost.currency, CurrencyTotal(cost.currency)).costs += cost.amount
    order = {"one_time": 0, "recurring": 1, "per_unit": 2}
    return MoneySummary(
        sorted(fees.values(), key=lambda r: (order.get(r.kind, 3), r.per or "", r.currency)),
        [(category, currency, len(amounts), sum(amounts, Decimal(0)))
         for (category, currency), amounts in sorted(costs.items())],
        [totals[c] for c in sorted(totals)])

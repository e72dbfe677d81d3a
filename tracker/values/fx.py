"""Currency conversion at the rate in force on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tracker.values.errors import TrackerError


@dataclass(frozen=True)
class Rate:
    base: str
    quote: str
    rate: Decimal
    as_of: dt.date


@dataclass(frozen=True)
class Conversion:
    amount: Decimal
    rate: Decimal
    as_of: dt.date | None  # None when no conversion was needed


class RateTable:
    def __init__(self, rates: Iterable[Rate]) -> None:
        self.rates = sorted(rates, key=lambda r: r.as_of)

    def rate(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date]:
        """1 base in quote, from the latest rate of either direction dated on or before `on`."""
        best: tuple[dt.date, Decimal] | None = None
        for r in self.rates:
            if r.as_of > on:
                break
            if r.base == base and r.quote == quote:
                best = (r.as_of, r.rate)
            elif r.base == quote and r.quote == base:
                # A direct rate of the same date wins over an inverted one.
                if best is None or best[0] < r.as_of:
                    best = (r.as_of, Decimal(1) / r.rate)
        if best is None:
            raise TrackerError(
                f"fx: no {base}->{quote} rate in force on {on.isoformat()} "
                f"(add one: tracker fx set {base} {quote} RATE --as-of {on.isoformat()})")
        return best[1], best[0]

    def convert(self, amount: Decimal, currency: str, to: str, on: dt.date) -> Conversion:
        """The amount in `to` at the rate in force on `on`, with the rate and its date kept
        for the reader; the same currency converts at 1 with no rate date."""
        if currency == to:
            return Conversion(amount, Decimal(1), None)
        rate, as_of = self.rate(currency, to, on)
        return Conversion(amount * rate, rate, as_of)

"""A training run's compute plan as stored, and the bounds every figure of it must keep.

Accelerator-hours come from the plan directly, from count x wall-clock hours, or
from training FLOPs; `tracker.assess.compute` prices the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tracker.values.errors import TrackerError
from tracker.values.money import CURRENCIES

PRICINGS = ("rental", "ownership")
# The `tracker run set-compute` option of each plan field: messages name what to change.
OPTIONS = {
    "pricing": "--pricing", "accelerator": "--accelerator", "accelerator_count": "--count",
    "duration_hours": "--hours", "accelerator_hours": "--accelerator-hours",
    "training_flops": "--flops", "parameters": "--parameters", "training_tokens": "--tokens",
    "mfu": "--mfu", "peak_flops": "--peak-flops", "currency": "--compute-currency",
    "price_per_hour": "--price-per-hour", "hardware_value": "--hardware-value",
    "amortization_years": "--amortization-years", "interconnect_share": "--interconnect-share",
    "tdp_kw": "--tdp-kw", "server_power_ratio": "--server-power-ratio",
    "average_load": "--average-load", "pue": "--pue", "electricity_price": "--electricity-price",
}


@dataclass(frozen=True)
class Bounds:
    """The range a plan figure can take; the upper bounds lie far past any real training run
    (the largest so far: ~5e26 FLOPs, ~1e5 accelerators), so only absurd figures meet them."""

    low: Decimal
    high: Decimal
    low_included: bool = False
    high_included: bool = True

    def holds(self, value: Decimal) -> bool:
        """Whether the value lies in the range, each end included or not as the bounds say."""
        above = value > self.low or (self.low_included and value == self.low)
        below = value < self.high or (self.high_included and value == self.high)
        return above and below

    def describe(self) -> str:
        """The range in words ('at least 1 and at most 100'), for an error about a value
        outside it."""
        if self.low == 0:
            low = "zero or more" if self.low_included else "greater than zero"
        else:
            low = f"at least {self.low}" if self.low_included else f"greater than {self.low}"
        high = f"at most {self.high}" if self.high_included else f"less than {self.high}"
        return f"{low} and {high}"


def _bounds(low: str, high: str, *, low_included: bool = False,
            high_included: bool = True) -> Bounds:
    return Bounds(Decimal(low), Decimal(high), low_included, high_included)


MAX_AMOUNT = "1E+20"  # amounts take at most 20 integer digits everywhere in the registry
BOUNDS: dict[str, Bounds] = {
    "accelerator_count": _bounds("1", "1E+9", low_included=True),
    "duration_hours": _bounds("0", "1E+6"),
    "accelerator_hours": _bounds("0", "1E+15"),
    "training_flops": _bounds("0", "1E+35"),
    "parameters": _bounds("0", "1E+18"),
    "training_tokens": _bounds("0", "1E+18"),
    "mfu": _bounds("0", "1"),
    "peak_flops": _bounds("0", "1E+18"),
    "price_per_hour": _bounds("0", MAX_AMOUNT),
    "hardware_value": _bounds("0", MAX_AMOUNT),
    "amortization_years": _bounds("0", "100"),
    "interconnect_share": _bounds("0", "1", low_included=True, high_included=False),
    # Zero power or a zero price leaves energy out, for hosts that bill it elsewhere.
    "tdp_kw": _bounds("0", "100", low_included=True),
    "server_power_ratio": _bounds("0", "10"),
    "average_load": _bounds("0", "1", low_included=True),
    "pue": _bounds("1", "10", low_included=True),  # facility power / IT power: never below 1
    "electricity_price": _bounds("0", MAX_AMOUNT, low_included=True),
}


def shown(value: Decimal) -> str:
    """A figure in a message: 1E+400 rather than its 401 digits."""
    for text in (str(value), str(value.normalize())):
        if len(text) <= 40:
            return text
    return f"{value:.6E}"


@dataclass(frozen=True)
class ComputePlan:
    pricing: str = "rental"
    accelerator: str | None = None
    accelerator_count: int | None = None
    duration_hours: Decimal | None = None
    accelerator_hours: Decimal | None = None
    training_flops: Decimal | None = None
    parameters: Decimal | None = None
    training_tokens: Decimal | None = None
    mfu: Decimal | None = None
    peak_flops: Decimal | None = None
    currency: str = "USD"
    price_per_hour: Decimal | None = None
    hardware_value: Decimal | None = None
    amortization_years: Decimal | None = None
    interconnect_share: Decimal | None = None
    tdp_kw: Decimal | None = None
    server_power_ratio: Decimal | None = None
    average_load: Decimal | None = None
    pue: Decimal | None = None
    electricity_price: Decimal | None = None

    def check(self) -> None:
        """Refuse figures no run could have (not finite, out of range, or contradicting each
        other), naming the option that sets them; whatever stored them."""
        for name, bounds in BOUNDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            number = Decimal(value)
            if not number.is_finite() or not bounds.holds(number):
                what = "a finite number " if not number.is_finite() else ""
                raise TrackerError(f"compute: {OPTIONS[name]}: must be {what}"
                                   f"{bounds.describe()} (got {shown(number)})")
        if self.pricing not in PRICINGS:
            raise TrackerError(f"compute: --pricing: must be rental or ownership "
                               f"(got {self.pricing!r})")
        if self.currency not in CURRENCIES:
            raise TrackerError(f"compute: --compute-currency: must be an ISO 4217 currency "
                               f"code (got {self.currency!r})")
        if self.accelerator_hours is not None:
            other = "--count" if self.accelerator_count is not None else "--hours/--days"
            if self.accelerator_count is not None or self.duration_hours is not None:
                raise TrackerError(
                    f"compute: --accelerator-hours and {other} both set the accelerator-hours: "
                    f"give one of them (clear the other with '')")

    @property
    def counts_drawn_tokens(self) -> bool:
        """FLOPs come from the parameters and the tokens the run draws: the plan depends on
        the datasets drawn."""
        hours_given = self.accelerator_hours is not None or (
            self.accelerator_count is not None and self.duration_hours is not None)
        return (self.parameters is not None and self.training_tokens is None
                and self.training_flops is None and not hours_given)

    @property
    def is_empty(self) -> bool:
        """True when the plan gives no hours, FLOPs or parameters to estimate compute from."""
        return (self.accelerator_hours is None and self.duration_hours is None
                and self.training_flops is None and self.parameters is None)


def with_overrides(plan: ComputePlan, **changes: object) -> ComputePlan:
    """The plan with the given figures replaced; None leaves a figure as it is."""
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})

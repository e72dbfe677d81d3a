"""Compute cost: accelerator-hours priced by rental or by ownership (amortized hardware + energy).

Accelerator-hours come from the plan directly, from count x wall-clock hours,
or from training FLOPs / (peak FLOP/s x MFU). Every catalogue figure and
default can be overridden by the plan; the estimate lists each assumption it
had to make so a reader can see which numbers were not the user's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from importlib import resources

from tracker.errors import TrackerError

HOURS_PER_YEAR = Decimal("8766")  # 365.25 days, as Epoch AI amortizes
SECONDS_PER_HOUR = Decimal(3600)
PRICINGS = ("rental", "ownership")
USD_FIGURES = frozenset({"price_usd", "rental_usd_per_hour"})


@dataclass(frozen=True)
class Figure:
    value: Decimal
    source: str


@dataclass(frozen=True)
class Accelerator:
    key: str
    name: str
    figures: dict[str, Figure]
    notes: str = ""

    def figure(self, name: str) -> Figure | None:
        return self.figures.get(name)


@dataclass(frozen=True)
class Catalogue:
    accelerators: dict[str, Accelerator]
    defaults: dict[str, Figure]

    def get(self, key: str) -> Accelerator:
        for name, acc in self.accelerators.items():
            if name.lower() == key.lower():
                return acc
        from tracker.parse import suggest

        raise TrackerError(f"accelerator: unknown {key!r}{suggest(key, self.accelerators)} "
                           f"(known: {', '.join(self.accelerators)})")


def _figures(table: dict[str, object]) -> dict[str, Figure]:
    return {key: Figure(Decimal(str(value)), str(table.get(f"{key}_source", "")))
            for key, value in table.items()
            if not key.endswith("_source") and key not in ("name", "notes")}


@cache
def catalogue() -> Catalogue:
    text = resources.files("tracker.data").joinpath("accelerators.toml").read_text("utf-8")
    data = tomllib.loads(text)
    accelerators = {
        key: Accelerator(key, table["name"], _figures(table), table.get("notes", ""))
        for key, table in data["accelerator"].items()
    }
    return Catalogue(accelerators, _figures(data["defaults"]))


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

    @property
    def is_empty(self) -> bool:
        return (self.accelerator_hours is None and self.duration_hours is None
                and self.training_flops is None and self.parameters is None)


@dataclass(frozen=True)
class ComputeLine:
    component: str
    amount: Decimal
    formula: str


@dataclass(frozen=True)
class ComputeEstimate:
    pricing: str
    hours_basis: str
    accelerator_hours: Decimal
    training_flops: Decimal | None
    currency: str
    lines: tuple[ComputeLine, ...]
    assumptions: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


class _Resolver:
    """Plan value, else the accelerator's catalogue figure, else the catalogue default."""

    def __init__(self, plan: ComputePlan, cat: Catalogue) -> None:
        self.plan = plan
        self.cat = cat
        self.acc = cat.get(plan.accelerator) if plan.accelerator else None
        self.assumptions: list[str] = []

    def value(self, name: str, *, catalogue_name: str | None = None,
              scale: Decimal = Decimal(1), use_default: bool = True) -> Decimal:
        given = getattr(self.plan, name)
        if given is not None:
            return given
        key = catalogue_name or name
        if self.acc is not None and (fig := self.acc.figure(key)) is not None:
            if key in USD_FIGURES and self.plan.currency != "USD":
                raise TrackerError(
                    f"compute: the catalogue's {key} is in USD but the run's compute currency "
                    f"is {self.plan.currency}: give --{name.replace('_', '-')} in "
                    f"{self.plan.currency}, or use --compute-currency USD")
            self.assumptions.append(f"{name} = {fig.value * scale} from the {self.acc.key} "
                                    f"catalogue entry ({fig.source})")
            return fig.value * scale
        if use_default and (fig := self.cat.defaults.get(name)) is not None:
            self.assumptions.append(f"{name} = {fig.value} by default ({fig.source})")
            return fig.value
        flag = "--" + name.replace("_", "-")
        where = f" and the {self.acc.key} catalogue entry has none" if self.acc else ""
        raise TrackerError(f"compute: {flag} is needed for this estimate{where}")


def _hours(plan: ComputePlan, r: _Resolver) -> tuple[Decimal, str, Decimal | None]:
    if plan.accelerator_hours is not None:
        return plan.accelerator_hours, "accelerator-hours given", plan.training_flops
    if plan.accelerator_count is not None and plan.duration_hours is not None:
        hours = Decimal(plan.accelerator_count) * plan.duration_hours
        return hours, f"{plan.accelerator_count} accelerators x {plan.duration_hours} h", None
    flops = plan.training_flops
    basis = "training FLOPs given"
    if flops is None and plan.parameters is not None and plan.training_tokens is not None:
        flops = 6 * plan.parameters * plan.training_tokens
        basis = "6 x parameters x tokens"
    if flops is None:
        raise TrackerError("compute: give --accelerator-hours, --count with --hours/--days, "
                           "or --flops (or --parameters with --tokens)")
    peak = r.value("peak_flops", use_default=False)
    if plan.mfu is None:
        raise TrackerError("compute: --mfu (model FLOP utilization, e.g. 0.4) is needed to "
                           "turn FLOPs into accelerator-hours")
    hours = flops / (peak * plan.mfu) / SECONDS_PER_HOUR
    return hours, f"{basis} / (peak {peak} FLOP/s x MFU {plan.mfu})", flops


def estimate(plan: ComputePlan, cat: Catalogue | None = None) -> ComputeEstimate | None:
    """The compute cost of a plan, or None when the plan says nothing about compute."""
    if plan.is_empty:
        return None
    if plan.pricing not in PRICINGS:
        raise TrackerError(f"compute: pricing must be rental or ownership (got {plan.pricing!r})")
    r = _Resolver(plan, cat or catalogue())
    hours, basis, flops = _hours(plan, r)
    lines: list[ComputeLine]
    if plan.pricing == "rental":
        price = r.value("price_per_hour", catalogue_name="rental_usd_per_hour", use_default=False)
        lines = [ComputeLine("rental", hours * price,
                             f"{_fmt(hours)} accelerator-h x {price} per h")]
    else:
        value = r.value("hardware_value", catalogue_name="price_usd", use_default=False)
        years = r.value("amortization_years")
        share = r.value("interconnect_share")
        if not Decimal(0) <= share < Decimal(1):
            raise TrackerError(f"compute: interconnect share must be in [0, 1) (got {share})")
        tdp = r.value("tdp_kw", catalogue_name="tdp_w", scale=Decimal("0.001"),
                      use_default=False)
        ratio = r.value("server_power_ratio")
        load = r.value("average_load")
        pue = r.value("pue")
        price = r.value("electricity_price")
        hardware = hours * value / (years * HOURS_PER_YEAR)
        with_interconnect = hardware / (1 - share)
        energy = hours * tdp * ratio * load * pue * price
        lines = [
            ComputeLine("hardware", hardware,
                        f"{_fmt(hours)} h x {value} / ({years} y x {HOURS_PER_YEAR} h)"),
            ComputeLine("interconnect", with_interconnect - hardware,
                        f"hardware / (1 - {share}) - hardware"),
            ComputeLine("energy", energy,
                        f"{_fmt(hours)} h x {tdp} kW x {ratio} x {load} x PUE {pue} x "
                        f"{price} per kWh"),
        ]
    return ComputeEstimate(plan.pricing, basis, hours, flops, plan.currency, tuple(lines),
                           tuple(r.assumptions))


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}" if value >= 1 else str(value)


def with_overrides(plan: ComputePlan, **changes: object) -> ComputePlan:
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})

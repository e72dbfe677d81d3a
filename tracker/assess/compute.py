"""Compute cost: accelerator-hours priced by rental or by ownership (amortized hardware + energy).

Accelerator-hours come from the plan directly, from count x wall-clock hours,
or from training FLOPs / (peak FLOP/s x MFU). Every catalogue figure and
default can be overridden by the plan; the estimate lists each assumption it
had to make so a reader can see which numbers were not the user's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources

from tracker.facts.compute_plan import (
    BOUNDS,
    MAX_AMOUNT,
    OPTIONS,
    ComputePlan,
    shown,
)
from tracker.values.errors import TrackerError
from tracker.values.money import quantity_display, quantity_text

HOURS_PER_YEAR = Decimal("8766")  # 365.25 days, as Epoch AI amortizes
SECONDS_PER_HOUR = Decimal(3600)
# Catalogue figures and defaults priced in USD: a plan in another currency must give its own.
USD_FIGURES = frozenset({"price_usd", "rental_usd_per_hour", "electricity_price"})

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
        """The catalogue's figure of that name for this accelerator, or None if it has none."""
        return self.figures.get(name)


@dataclass(frozen=True)
class Catalogue:
    accelerators: dict[str, Accelerator]
    defaults: dict[str, Figure]

    def get(self, key: str) -> Accelerator:
        """The entry named exactly by `key` (case and punctuation aside); a name that is only
        part of some entries' names is refused, offering every one of them."""
        wanted = _squeezed(key)
        for name, acc in self.accelerators.items():
            if _squeezed(name) == wanted:
                return acc
        partial = [name for name, acc in self.accelerators.items()
                   if wanted and (wanted in _squeezed(name) or wanted in _squeezed(acc.name))]
        if partial:
            hint = f" (did you mean {' or '.join(partial)}?)"
        else:
            from tracker.values.parse import suggest

            hint = suggest(key, self.accelerators)
        raise TrackerError(f"accelerator: unknown {key!r}{hint} "
                           f"(known: {', '.join(self.accelerators)})")

    def effective(self, acc: Accelerator, name: str) -> tuple[Figure, str] | None:
        """The figure an estimate would use for `acc` with no override, and where it comes
        from: 'catalogue' (the entry's own) or 'default' (every accelerator's)."""
        if (fig := acc.figure(name)) is not None:
            return fig, "catalogue"
        if (fig := self.defaults.get(name)) is not None:
            return fig, "default"
        return None


def _squeezed(name: str) -> str:
    """'A100 80GB', 'a100-80gb' and 'A100_80GB' are one name."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _figures(table: dict[str, object]) -> dict[str, Figure]:
    return {key: Figure(Decimal(str(value)), str(table.get(f"{key}_source", "")))
            for key, value in table.items()
            if not key.endswith("_source") and key not in ("name", "notes")}


@cache
def catalogue() -> Catalogue:
    """The packaged accelerator catalogue: peak FLOP/s, TDP and prices, each with
    the source of the figure, and the defaults plans fall back on."""
    text = resources.files("tracker.data").joinpath("accelerators.toml").read_text("utf-8")
    data = tomllib.loads(text)
    accelerators = {
        key: Accelerator(key, table["name"], _figures(table), table.get("notes", ""))
        for key, table in data["accelerator"].items()
    }
    return Catalogue(accelerators, _figures(data["defaults"]))


# What `tracker run accelerators` lists for each entry: every figure an estimate may take from
# the catalogue, with its unit; the entry's own figure, else the default for all.
LISTED_FIGURES = {
    "peak_flops": "FLOP/s", "tdp_w": "W", "price_usd": "USD", "rental_usd_per_hour": "USD/h",
    "server_power_ratio": "x TDP", "average_load": "of TDP", "amortization_years": "years",
    "interconnect_share": "of cluster cost", "pue": "", "electricity_price": "USD/kWh",
}


def listing(cat: Catalogue | None = None) -> list[dict[str, object]]:
    """The catalogue as a reader checks it: per entry, every figure with its source; a figure
    taken from the defaults says so ('default: ...'), one the entry lacks is None."""
    cat = cat or catalogue()
    rows: list[dict[str, object]] = []
    for acc in cat.accelerators.values():
        row: dict[str, object] = {"key": acc.key, "name": acc.name}
        for name in LISTED_FIGURES:
            found = cat.effective(acc, name)
            row[name] = None if found is None else quantity_text(found[0].value)
            row[f"{name}_source"] = None if found is None else (
                found[0].source if found[1] == "catalogue" else f"default: {found[0].source}")
        row["notes"] = acc.notes
        rows.append(row)
    return rows


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
        """Sum of the compute lines, in the plan's currency."""
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def hours_display(self) -> str:
        """Accelerator-hours for people, rounded as `budget --json` rounds them."""
        return quantity_display(self.accelerator_hours)


class _Resolver:
    """Plan value, else the accelerator's catalogue figure, else the catalogue default."""

    def __init__(self, plan: ComputePlan, cat: Catalogue) -> None:
        self.plan = plan
        self.cat = cat
        self.acc = cat.get(plan.accelerator) if plan.accelerator else None
        self.assumptions: list[str] = []

    def value(self, name: str, *, catalogue_name: str | None = None,
              scale: Decimal = Decimal(1), use_default: bool = True) -> Decimal:
        """The named value from the plan, else the accelerator's catalogue figure (scaled), else
        the catalogue default; notes which figure it assumed, errors when none is given."""
        given = getattr(self.plan, name)
        if given is not None:
            return given
        key = catalogue_name or name
        if self.acc is not None and (fig := self.acc.figure(key)) is not None:
            self._in_plan_currency(name, key)
            self.assumptions.append(f"{name} = {number_text(fig.value * scale)} from the "
                                    f"{self.acc.key} catalogue entry ({fig.source})")
            return fig.value * scale
        if use_default and (fig := self.cat.defaults.get(name)) is not None:
            self._in_plan_currency(name, name)
            self.assumptions.append(f"{name} = {number_text(fig.value)} by default "
                                    f"({fig.source})")
            return fig.value
        where = f" and the {self.acc.key} catalogue entry has none" if self.acc else ""
        raise TrackerError(f"compute: {OPTIONS[name]} is needed for this estimate{where}")

    def _in_plan_currency(self, name: str, key: str) -> None:
        if key in USD_FIGURES and self.plan.currency != "USD":
            raise TrackerError(
                f"compute: the catalogue's {key} is in USD but the run's compute currency "
                f"is {self.plan.currency}: give {OPTIONS[name]} in {self.plan.currency}, "
                f"or use --compute-currency USD")


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
                           "or --flops (or --parameters with --tokens, or with datasets "
                           "drawn whose tokens are known)")
    _within("training_flops", flops, basis)
    peak = r.value("peak_flops", use_default=False)
    if plan.mfu is None:
        raise TrackerError("compute: --mfu (model FLOP utilization, e.g. 0.4) is needed to "
                           "turn FLOPs into accelerator-hours")
    hours = flops / (peak * plan.mfu) / SECONDS_PER_HOUR
    return hours, (f"{basis} / (peak {number_text(peak)} FLOP/s x MFU "
                   f"{number_text(plan.mfu)})"), flops


def estimate(plan: ComputePlan, cat: Catalogue | None = None) -> ComputeEstimate | None:
    """The compute cost of a plan, or None when the plan says nothing about compute."""
    plan.check()
    if plan.is_empty:
        return None
    r = _Resolver(plan, cat or catalogue())
    hours, basis, flops = _hours(plan, r)
    _within("accelerator_hours", hours, basis)
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
    for line in lines:
        _within_amount(line, plan.currency)
    return ComputeEstimate(plan.pricing, basis, hours, flops, plan.currency, tuple(lines),
                           tuple(r.assumptions))


def _within(name: str, value: Decimal, basis: str) -> None:
    """A figure the plan derives must stay as plausible as one it could give."""
    bounds = BOUNDS[name]
    if not bounds.holds(value):
        raise TrackerError(f"compute: {basis} comes to {shown(value)} "
                           f"{name.replace('_', '-')}, which must be {bounds.describe()}")


def _within_amount(line: ComputeLine, currency: str) -> None:
    if abs(line.amount) >= Decimal(MAX_AMOUNT):
        raise TrackerError(f"compute: the {line.component} cost comes to "
                           f"{shown(line.amount)} {currency}, more than any amount the "
                           f"registry holds (less than {MAX_AMOUNT}): {line.formula}")


def number_text(value: Decimal) -> str:
    """A figure in a formula or an assumption, exact as given: 312,000,000,000,000, not
    3.12E+14; 0.000001, not 1E-6."""
    return f"{value.normalize():,f}" if value.is_finite() else str(value)


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}" if value >= 1 else str(value)

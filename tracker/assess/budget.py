"""The roll-up: compute + data + contingency = estimate; + reserves for findings = risk-adjusted.

Each line is computed at full precision, converted to the run's reporting
currency at the rate in force when the run's budget period starts, and rounded
once to the currency's minor unit; every total is the exact sum of its lines,
so parts always add up to the cent.

Data-cost conventions: one-time fees and dataset costs are divided by the
number of runs they are split over; recurring fees are prorated by the days
their term overlaps the run's budget period (Actual/365 Fixed); per-unit fees
are charged on the units the run draws (epochs do not multiply a licence).
A dataset added to a run without quantities is drawn whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from tracker.assess.compute import ComputeEstimate
from tracker.assess.compute import estimate as estimate_compute
from tracker.assess.fees import overlap_days, per_year, prorated, units_drawn
from tracker.assess.flags import Finding, counts, evaluate
from tracker.assess.policy import Policy, Reserve
from tracker.facts.compute_plan import ComputePlan, with_overrides
from tracker.facts.snapshot import DatasetFacts, Draw, RunFacts, Snapshot, collector_paused
from tracker.values.errors import TrackerError
from tracker.values.money import (
    Money,
    decimal_text,
    money_text,
    quantity_display,
    quantity_text,
    to_minor_unit,
)
from tracker.values.vocab import COST_CATEGORIES

DATA_KINDS = ("one_time", "recurring", "per_unit", "acquisition", "run_cost")


@dataclass(frozen=True)
class Line:
    section: str  # compute | data | reserve
    kind: str
    dataset: str | None
    description: str
    original_amount: Decimal
    original_currency: str
    fx_rate: Decimal | None
    fx_as_of: dt.date | None
    amount: Decimal  # in the reporting currency, rounded to its minor unit
    category: str | None = None  # a cost item's own: annotation, legal, ...

    @property
    def label(self) -> str:
        """What a reader calls the line: a cost item by its category, run-level ones marked
        as such; anything else by its kind."""
        if self.category is None:
            return self.kind
        return f"{self.category} (run)" if self.kind == "run_cost" else self.category

    def as_dict(self) -> dict[str, object]:
        """The line for `budget --json`: its original amount and currency, the exchange rate
        used (if any) and the amount in the reporting currency, as exact text."""
        return {
            "section": self.section, "kind": self.kind, "category": self.category,
            "dataset": self.dataset, "description": self.description,
            "original": {"amount": money_text(self.original_amount, self.original_currency),
                         "currency": self.original_currency},
            "fx_rate": None if self.fx_rate is None else decimal_text(self.fx_rate),
            "fx_as_of": None if self.fx_as_of is None else self.fx_as_of.isoformat(),
            "amount": decimal_text(self.amount),
        }


def _data_order(line: Line) -> tuple[int, int]:
    """Fees in DATA_KINDS order, then cost items in the vocabulary's order of categories."""
    if line.category is None:
        return DATA_KINDS.index(line.kind), 0
    rank = COST_CATEGORIES.index(line.category) if line.category in COST_CATEGORIES \
        else len(COST_CATEGORIES)
    return DATA_KINDS.index(line.kind), rank


def quantity(value: Decimal) -> str:
    """Units for people: 4,500,000,000,000 rather than 4500000000000.0."""
    return quantity_display(value)


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))


@dataclass(frozen=True)
class Budget:
    run: RunFacts
    currency: str
    compute: ComputeEstimate | None
    lines: tuple[Line, ...]
    contingency: Decimal
    findings: tuple[Finding, ...]

    # Totals are derived once: a budget of thousands of lines is summed for several views.
    @cached_property
    def _sections(self) -> dict[str, list[Line]]:
        sections: dict[str, list[Line]] = {}
        for line in self.lines:
            sections.setdefault(line.section, []).append(line)
        return sections

    def section(self, name: str) -> list[Line]:
        """A copy of the lines of one section (compute, data or reserve), in the order added."""
        return list(self._sections.get(name, ()))

    def _total(self, name: str) -> Decimal:
        return _sum(line.amount for line in self._sections.get(name, ()))

    @cached_property
    def compute_total(self) -> Decimal:
        """Sum of the compute section, in the reporting currency."""
        return self._total("compute")

    @cached_property
    def data_total(self) -> Decimal:
        """Sum of the data section (fees and cost items), in the reporting currency."""
        return self._total("data")

    def data_by_kind(self) -> dict[str, Decimal]:
        """Data costs per kind (fees by kind, dataset cost items, the run's cost items),
        every kind of DATA_KINDS present even at zero."""
        result = dict.fromkeys(DATA_KINDS, Decimal(0))
        for line in self._sections.get("data", ()):
            if line.kind in result:
                result[line.kind] += line.amount
        return result

    def data_by_label(self) -> dict[str, Decimal]:
        """Data costs by what a reader calls them: fees by kind, then the datasets' cost items
        by category, then the run's."""
        lines = sorted(self._sections.get("data", ()), key=_data_order)
        result: dict[str, Decimal] = {}
        for line in lines:
            result[line.label] = result.get(line.label, Decimal(0)) + line.amount
        return result

    def data_by_category(self) -> dict[str, Decimal]:
        """Cost items (the dataset's and the run's) by their category."""
        result: dict[str, Decimal] = {}
        for line in self._sections.get("data", ()):
            if line.category is not None:
                result[line.category] = result.get(line.category, Decimal(0)) + line.amount
        return result

    def data_by_dataset(self) -> dict[str, Decimal]:
        """Data costs per dataset slug; lines of the run itself under '(run)'."""
        result: dict[str, Decimal] = {}
        for line in self._sections.get("data", ()):
            key = line.dataset or "(run)"
            result[key] = result.get(key, Decimal(0)) + line.amount
        return result

    @property
    def estimate(self) -> Decimal:
        """Compute + data + contingency: the cost if no finding's reserve is drawn on."""
        return self.compute_total + self.data_total + self.contingency

    @cached_property
    def reserve_total(self) -> Decimal:
        """Sum of the reserves the policy sets aside for findings."""
        return self._total("reserve")

    @property
    def risk_adjusted(self) -> Decimal:
        """The estimate plus the reserves: what to budget for the run with its risks."""
        return self.estimate + self.reserve_total

    @property
    def data_share(self) -> Decimal:
        """Data costs as a fraction of compute + data (contingency aside), to four places;
        zero when both are zero."""
        base = self.compute_total + self.data_total
        return Decimal(0) if base == 0 else (self.data_total / base).quantize(Decimal("0.0001"))

    @property
    def blockers(self) -> list[Finding]:
        """The findings that block approval: blocker severity and not waived."""
        return list(self._blockers)

    @cached_property
    def _blockers(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocks)

    @property
    def approvable(self) -> bool:
        """True when no finding blocks approval of the budget."""
        return not self._blockers

    def csv_rows(self) -> list[dict[str, object]]:
        """One row per line, one per assumption the compute estimate made, then the totals,
        all in the reporting currency."""
        rows: list[dict[str, object]] = [
            {"section": line.section, "kind": line.kind, "dataset": line.dataset or "",
             "description": line.description,
             "original_amount": money_text(line.original_amount, line.original_currency),
             "original_currency": line.original_currency,
             "fx_rate": "" if line.fx_rate is None else decimal_text(line.fx_rate),
             "amount": decimal_text(line.amount), "currency": self.currency}
            for line in self.lines]
        # What the run did not give, as JSON's compute.assumptions: one row per figure.
        for assumption in () if self.compute is None else self.compute.assumptions:
            rows.append({"section": "assumption", "kind": assumption.partition(" = ")[0],
                         "dataset": "", "description": assumption, "original_amount": "",
                         "original_currency": "", "fx_rate": "", "amount": "",
                         "currency": ""})
        for name, value in (("compute", self.compute_total), ("data", self.data_total),
                            ("contingency", self.contingency), ("estimate", self.estimate),
                            ("reserves", self.reserve_total),
                            ("risk_adjusted", self.risk_adjusted)):
            rows.append({"section": "total", "kind": name, "dataset": "", "description": "",
                         "original_amount": "", "original_currency": "", "fx_rate": "",
                         "amount": self.money_text(value), "currency": self.currency})
        return rows

    def money_text(self, amount: Decimal) -> str:
        """Exact text of a total, always to the minor unit ('0.00', not '0')."""
        return decimal_text(to_minor_unit(amount, self.currency))

    def as_dict(self) -> dict[str, object]:
        """The whole budget for `budget --json`; the collector is paused while its many
        objects are built."""
        with collector_paused():
            return self._as_dict()

    def _as_dict(self) -> dict[str, object]:
        text = self.money_text
        return {
            "run": self.run.slug,
            "model": self.run.record.get("model_name"),
            "period": {"start": self.run.period_start.isoformat(),
                       "end": self.run.period_end.isoformat()},
            "currency": self.currency,
            "intended_use": self.run.intended_use,
            "compute": None if self.compute is None else {
                "pricing": self.compute.pricing,
                "hours_basis": self.compute.hours_basis,
                "accelerator_hours": quantity_text(self.compute.accelerator_hours),
                "training_flops": None if self.compute.training_flops is None
                else quantity_text(self.compute.training_flops),
                "assumptions": list(self.compute.assumptions),
            },
            "lines": [line.as_dict() for line in self.lines],
            "totals": {
                "compute": text(self.compute_total),
                "compute_by_component": {line.kind: text(line.amount)
                                         for line in self.section("compute")},
                "data": text(self.data_total),
                "data_by_kind": {k: text(v) for k, v in self.data_by_kind().items()},
                "data_by_category": {k: text(v) for k, v in self.data_by_category().items()},
                "data_by_dataset": {k: text(v) for k, v in self.data_by_dataset().items()},
                "contingency_pct": decimal_text(self.run.contingency_pct),
                "contingency": text(self.contingency),
                "estimate": text(self.estimate),
                "reserves": text(self.reserve_total),
                "risk_adjusted": text(self.risk_adjusted),
                "data_share": decimal_text(self.data_share),
            },
            "approvable": self.approvable,
            "blockers": [f"{f.dataset}: {f.code}" for f in self.blockers],
            "findings_by_severity": counts(list(self.findings)),
            "findings": [f.as_dict() for f in self.findings],
        }


class _Ledger:
    def __init__(self, snapshot: Snapshot, run: RunFacts) -> None:
        self.snapshot = snapshot
        self.run = run
        self.lines: list[Line] = []

    def add(self, section: str, kind: str, dataset: str | None, description: str,
            amount: Decimal, currency: str, category: str | None = None) -> Line:
        """Record a line converted into the run's currency at the rate in force on the run's
        start date, rounded to the minor unit; the rate is kept only when one was used."""
        conv = self.snapshot.rates.convert(amount, currency, self.run.currency,
                                           self.run.period_start)
        line = Line(section, kind, dataset, description, amount, currency,
                    None if conv.as_of is None else conv.rate, conv.as_of,
                    to_minor_unit(conv.amount, self.run.currency), category)
        self.lines.append(line)
        return line


def _data_lines(ledger: _Ledger, d: DatasetFacts, draw: Draw) -> None:
    run = ledger.run
    for fee in d.fees:
        party = f"{fee.counterparty} {fee.reference}".strip()
        if fee.kind == "one_time":
            share = f" / {fee.split_runs} runs" if fee.split_runs > 1 else ""
            ledger.add("data", "one_time", d.slug, f"one-time fee, {party}{share}",
                       fee.amount / fee.split_runs, fee.currency)
        elif fee.kind == "recurring":
            days = overlap_days(run, fee.term_start, fee.term_end)
            ledger.add("data", "recurring", d.slug,
                       f"{Money(fee.amount, fee.currency)} per {fee.period} x {days} days "
                       f"of the run / 365 x {per_year(fee)} per year, {party}",
                       prorated(fee, days), fee.currency)
        else:
            unit = fee.unit or "token"
            units = units_drawn(d, draw, unit)
            if units is None:
                raise TrackerError(
                    f"budget: run {run.slug} draws an unknown number of {unit}s from "
                    f"{d.slug}, which has a per-{unit} fee (give `tracker run add-dataset` "
                    f"a quantity, or a --share and the dataset's size)")
            ledger.add("data", "per_unit", d.slug,
                       f"{decimal_text(fee.amount)} {fee.currency} per {unit} x "
                       f"{quantity(units)} {unit}s, {party}", fee.amount * units,
                       fee.currency)
    for cost in d.costs:
        share = f" / {cost.split_runs} runs" if cost.split_runs > 1 else ""
        ledger.add("data", "acquisition", d.slug,
                   f"{cost.category}{': ' + cost.vendor if cost.vendor else ''}{share}",
                   cost.amount / cost.split_runs, cost.currency, cost.category)


def _reserve_amount(reserve: Reserve, d: DatasetFacts, draw: Draw, data_cost: Decimal,
                    run: RunFacts) -> tuple[Decimal, str, str]:
    if reserve.kind == "fixed":
        return reserve.amount, reserve.currency, f"fixed {Money(reserve.amount, reserve.currency)}"
    if reserve.kind == "percent":
        return (data_cost * reserve.percent / 100, run.currency,
                f"{decimal_text(reserve.percent)}% of the dataset's data cost "
                f"{Money(data_cost, run.currency)}")
    units = units_drawn(d, draw, reserve.unit)
    if units is None:
        return Decimal(0), reserve.currency, (f"shadow licence: the {reserve.unit}s drawn are "
                                              "unknown, so nothing could be reserved")
    return (units * reserve.rate, reserve.currency,
            f"shadow licence {quantity(units)} {reserve.unit}s x "
            f"{decimal_text(reserve.rate)} {reserve.currency}")


def _reserve_lines(ledger: _Ledger, findings: list[Finding], policy: Policy,
                   data_by_dataset: dict[str, Decimal]) -> None:
    by_slug = {d.slug: d for d in ledger.snapshot.scope()}
    shadow_done: set[str] = set()
    # Largest shadow licence first, so a dataset's one missing licence is priced once.
    candidates = []
    for f in findings:
        reserve = policy.reserve(f.code)
        if reserve is None or f.manual:
            continue
        if f.waiver is not None and not policy.waived_flags_keep_reserve:
            continue
        d = by_slug[f.dataset]
        amount, currency, basis = _reserve_amount(reserve, d, ledger.run.draws[d.id],
                                                  data_by_dataset.get(d.slug, Decimal(0)),
                                                  ledger.run)
        candidates.append((f, reserve, amount, currency, basis))
    candidates.sort(key=lambda c: (c[1].kind != "shadow_licence", -c[2]))
    for f, reserve, amount, currency, basis in candidates:
        if reserve.kind == "shadow_licence":
            if f.dataset in shadow_done:
                continue
            shadow_done.add(f.dataset)
        ledger.add("reserve", f.code, f.dataset, basis, amount, currency)


def _compute_plan(snapshot: Snapshot, run: RunFacts) -> ComputePlan:
    """Training tokens default to the tokens every drawn dataset gives, times its epochs."""
    plan = run.plan
    if plan.counts_drawn_tokens:
        tokens = Decimal(0)
        for dataset_id, draw in run.draws.items():
            units = units_drawn(snapshot.datasets[dataset_id], draw, "token")
            if units is not None:
                tokens += units * draw.epochs
        if tokens:
            plan = with_overrides(plan, training_tokens=tokens)
    return plan


def compute_estimate(snapshot: Snapshot) -> ComputeEstimate | None:
    """The compute cost of the snapshot's run as its budget prices it, or an error naming
    the run. `tracker run set-compute` checks a plan with this very function (or, for a plan
    that does not count the tokens drawn, with `plan_estimate`), so a plan it accepts always
    prices, and one stored otherwise fails here with the same message."""
    run = snapshot.run
    if run is None:
        raise TrackerError("budget: needs a training run")
    with _naming_run(run.slug):
        plan = _compute_plan(snapshot, run)
    return plan_estimate(run.slug, plan)


def plan_estimate(run_slug: str, plan: ComputePlan) -> ComputeEstimate | None:
    """The cost of a complete plan (training tokens already counted), errors naming the run."""
    with _naming_run(run_slug):
        return estimate_compute(plan)


@contextmanager
def _naming_run(run_slug: str) -> Iterator[None]:
    try:
        yield
    except TrackerError as exc:
        raise TrackerError(f"run {run_slug}: {exc}") from None
    except ArithmeticError as exc:  # figures stored around the tool's checks
        raise TrackerError(f"run {run_slug}: compute: its figures cannot be computed "
                           f"({type(exc).__name__}): set them again with "
                           f"`tracker run set-compute`") from None


def build(snapshot: Snapshot, policy: Policy, *, today: dt.date | None = None,
          findings: Sequence[Finding] | None = None) -> Budget:
    """The budget of the snapshot's run: each line at full precision, converted and rounded
    once; reserves for the findings (evaluated here unless given) as the policy prices them."""
    with collector_paused():
        return _build(snapshot, policy, today, findings)


def _build(snapshot: Snapshot, policy: Policy, today: dt.date | None,
           given: Sequence[Finding] | None) -> Budget:
    run = snapshot.run
    if run is None:
        raise TrackerError("budget: needs a training run")
    ledger = _Ledger(snapshot, run)
    compute = compute_estimate(snapshot)
    if compute is not None:
        for item in compute.lines:
            ledger.add("compute", item.component, None, item.formula, item.amount,
                       compute.currency)
    for d in snapshot.scope():
        _data_lines(ledger, d, run.draws[d.id])
    for cost in run.costs:
        ledger.add("data", "run_cost", None, f"{cost.category}"
                   f"{': ' + cost.vendor if cost.vendor else ''}", cost.amount, cost.currency,
                   cost.category)
    base = _sum(line.amount for line in ledger.lines)
    contingency = to_minor_unit(base * run.contingency_pct / 100, run.currency)
    findings = list(given) if given is not None else evaluate(snapshot, policy, today=today)
    data_by_dataset: dict[str, Decimal] = {}
    for line in ledger.lines:
        if line.section == "data" and line.dataset:
            data_by_dataset[line.dataset] = data_by_dataset.get(line.dataset, Decimal(0)) \
                + line.amount
    _reserve_lines(ledger, findings, policy, data_by_dataset)
    return Budget(run, run.currency, compute, tuple(ledger.lines), contingency,
                  tuple(findings))

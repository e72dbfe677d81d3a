"""Fees under agreements, acquisition and other data costs, and exchange rates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from tracker import parse, vocab
from tracker.catalog import find_dataset
from tracker.db.models import Agreement, CostItem, Dataset, Fee, FxRate
from tracker.errors import InvalidValue, TrackerError
from tracker.money import decimal_text, parse_amount, parse_currency
from tracker.registry import Writer


def check_term(label: str, held_start: dt.date | None, held_end: dt.date | None,
               start: dt.date | None, end: dt.date | None) -> None:
    """Fees under one agreement share its term, and other fees already rely on it: a fee
    may not move it. A different term is a different contract (--contract)."""
    for field, given, held in (("start", start, held_start), ("end", end, held_end)):
        if given is not None and given != held:
            shown = held.isoformat() if held else "no " + field
            raise InvalidValue(field, given.isoformat(),
                               f"agreement {label!r} already exists with {shown}; give another "
                               "--contract for a different term")


def agreement_label(counterparty: str, reference: str) -> str:
    return f"{counterparty} {reference}".strip()


def _agreement(writer: Writer, terms: dict[str, Any]) -> Agreement:
    found = writer.session.exec(select(Agreement).where(
        Agreement.counterparty == terms["counterparty"],
        Agreement.reference == terms["reference"])).first()
    label = agreement_label(terms["counterparty"], terms["reference"])
    if found is None:
        return writer.add(Agreement(**terms), label=label)
    check_term(label, found.term_start, found.term_end, terms["term_start"], terms["term_end"])
    return found


def fee_values(*, kind: str, amount: object, currency: str, counterparty: str,
               reference: str = "", period: str | None = None, unit: str | None = None,
               term_start: object = None, term_end: object = None, description: str = "",
               split_runs: object = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked columns of a new fee (without its dataset and agreement ids) and of the
    agreement it falls under."""
    fee_kind = parse.choice(kind, "kind", vocab.FEE_KINDS)
    value = parse_amount(amount, "amount", allow_zero=False)
    code = parse_currency(currency)
    fee_period = None if not period else parse.choice(period, "period", vocab.FEE_PERIODS)
    fee_unit = None if not unit else parse.choice(unit, "unit", vocab.FEE_UNITS)
    if fee_kind == "recurring" and fee_period is None:
        raise InvalidValue("period", period or "", "a recurring fee needs --period "
                           + "|".join(vocab.FEE_PERIODS))
    if fee_kind == "per_unit" and fee_unit is None:
        raise InvalidValue("unit", unit or "", "a per-unit fee needs --unit "
                           + "|".join(vocab.FEE_UNITS))
    if fee_kind != "recurring" and fee_period is not None:
        raise InvalidValue("period", period, f"only recurring fees have a period, not {fee_kind}")
    if fee_kind != "per_unit" and fee_unit is not None:
        raise InvalidValue("unit", unit, f"only per-unit fees have a unit, not {fee_kind}")
    start = None if term_start in (None, "") else parse.date(term_start, "start")
    end = None if term_end in (None, "") else parse.date(term_end, "end")
    parse.date_range(start, end, "end")
    agreement = {"counterparty": parse.name(counterparty, "counterparty"),
                 "reference": parse.text(reference, "contract", limit=300),
                 "term_start": start, "term_end": end}
    split = _split(split_runs)
    if split != 1 and fee_kind != "one_time":
        raise InvalidValue("split-runs", split_runs, "only one-time fees are split over runs")
    fee = {"kind": fee_kind, "amount": value, "currency": code, "period": fee_period,
           "unit": fee_unit, "description": parse.text(description, "description"),
           "split_runs": split}
    return fee, agreement


def fee_label(dataset_slug: str, fee: dict[str, Any]) -> str:
    return f"{dataset_slug}: {decimal_text(fee['amount'])} {fee['currency']} {fee['kind']}"


def add_fee(writer: Writer, dataset_slug: str, **given: Any) -> Fee:
    """A fee on a dataset under an agreement (created on first use); see `fee_values`."""
    dataset = find_dataset(writer.session, dataset_slug)
    fee, terms = fee_values(**given)
    agreement = _agreement(writer, terms)
    row = Fee(dataset_id=dataset.id, agreement_id=agreement.id, **fee)  # type: ignore[arg-type]
    return writer.add(row, label=fee_label(dataset_slug, fee))


def _split(value: object) -> int:
    if value in (None, ""):
        return 1
    runs = parse.count(value, "split-runs")
    if runs < 1:
        raise InvalidValue("split-runs", value, "must be at least 1")
    return runs


def fee_basis(kind: str, period: str | None, unit: str | None) -> str:
    if kind == "recurring":
        return f"per {period}"
    if kind == "per_unit":
        return f"per {unit}"
    return "one-time"


def list_fees(session: Session, dataset_slug: str | None = None) -> list[dict[str, Any]]:
    query = (select(Fee, Dataset.slug, Agreement)
             .join(Dataset, col(Dataset.id) == Fee.dataset_id)
             .join(Agreement, col(Agreement.id) == Fee.agreement_id))
    if dataset_slug:
        query = query.where(Fee.dataset_id == find_dataset(session, dataset_slug).id)
    rows = session.exec(query.order_by(Dataset.slug, Fee.id)).all()
    return [
        {
            "dataset": slug,
            "kind": fee.kind,
            "basis": fee_basis(fee.kind, fee.period, fee.unit),
            "amount": decimal_text(fee.amount),
            "currency": fee.currency,
            "period": fee.period,
            "unit": fee.unit,
            "counterparty": agreement.counterparty,
            "contract": agreement.reference,
            "term_start": agreement.term_start.isoformat() if agreement.term_start else None,
            "term_end": agreement.term_end.isoformat() if agreement.term_end else None,
            "split_runs": fee.split_runs,
            "description": fee.description,
        }
        for fee, slug, agreement in rows
    ]


def totals(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Exact sums of 'amount' grouped by the given keys and currency: never across currencies."""
    sums: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[tuple(row[k] for k in keys) + (row["currency"],)] += Decimal(row["amount"])
    return [
        {**dict(zip(keys, group[:-1], strict=True)), "currency": group[-1],
         "amount": decimal_text(total)}
        for group, total in sorted(sums.items(), key=lambda item: tuple(map(str, item[0])))
    ]


def add_cost(writer: Writer, dataset_slug: str | None, *, category: str, amount: object,
             currency: str, incurred_on: object = None, vendor: str = "",
             description: str = "", run_slug: str | None = None,
             split_runs: object = None) -> CostItem:
    """A cost on a dataset (shared by `split_runs` runs), or on one training run."""
    from tracker.runs import find_run

    if (dataset_slug is None) == (run_slug is None):
        raise TrackerError("cost: give a DATASET or --run RUN (one of them)")
    dataset = find_dataset(writer.session, dataset_slug) if dataset_slug else None
    run = find_run(writer.session, run_slug) if run_slug else None
    split = _split(split_runs)
    if run is not None and split != 1:
        raise InvalidValue("split-runs", split_runs, "a run's own cost is not split")
    item = CostItem(
        dataset_id=None if dataset is None else dataset.id,
        run_id=None if run is None else run.id,
        category=parse.choice(category, "category", vocab.COST_CATEGORIES),
        amount=parse_amount(amount, "amount", allow_zero=False),
        currency=parse_currency(currency),
        incurred_on=None if incurred_on in (None, "") else parse.date(incurred_on, "date"),
        vendor=parse.text(vendor, "vendor", limit=300),
        description=parse.text(description, "description"),
        split_runs=split,
    )
    subject = dataset_slug or f"run {run_slug}"
    return writer.add(item, label=f"{subject}: {item.category} "
                                  f"{decimal_text(item.amount)} {item.currency}")


def list_costs(session: Session, dataset_slug: str | None = None,
               run_slug: str | None = None) -> list[dict[str, Any]]:
    from tracker.runs import with_owner

    query = with_owner(session, CostItem, dataset_slug=dataset_slug, run_slug=run_slug)
    rows = session.exec(query.order_by(CostItem.id)).all()
    return [
        {"dataset": slug, "run": run, "category": c.category, "amount": decimal_text(c.amount),
         "currency": c.currency,
         "incurred_on": c.incurred_on.isoformat() if c.incurred_on else None,
         "vendor": c.vendor, "split_runs": c.split_runs, "description": c.description}
        for c, slug, run in rows
    ]


def set_rate(writer: Writer, base: str, quote: str, rate: object, as_of: object = None) -> FxRate:
    """One unit of base costs `rate` units of quote, from as_of until a later rate."""
    base_code = parse_currency(base, "base")
    quote_code = parse_currency(quote, "quote")
    if base_code == quote_code:
        raise InvalidValue("quote", quote, "must differ from the base currency")
    value = parse_amount(rate, "rate", allow_zero=False)
    day = dt.date.today() if as_of in (None, "") else parse.date(as_of, "as-of")
    session = writer.session
    found = session.exec(select(FxRate).where(FxRate.base == base_code, FxRate.quote == quote_code,
                                              FxRate.as_of == day)).first()
    label = f"{base_code}/{quote_code} {day.isoformat()}"
    if found is not None:
        writer.update(found, {"rate": value}, label=label)
        return found
    return writer.add(FxRate(base=base_code, quote=quote_code, rate=value, as_of=day), label=label)


def list_rates(session: Session) -> list[dict[str, Any]]:
    rows = session.exec(select(FxRate).order_by(FxRate.base, FxRate.quote, FxRate.as_of)).all()
    return [{"base": r.base, "quote": r.quote, "rate": decimal_text(r.rate),
             "as_of": r.as_of.isoformat()} for r in rows]

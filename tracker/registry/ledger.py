"""Fees under agreements, acquisition and other data costs, and exchange rates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.db.models import Agreement, CostItem, Dataset, Fee, FxRate
from tracker.registry import Writer, corrections
from tracker.registry.catalog import find_dataset
from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue, TrackerError
from tracker.values.money import (
    Money,
    decimal_text,
    parse_amount,
    parse_currency,
    quantity_display,
    to_minor_unit,
)


def check_term(label: str, held_start: dt.date | None, held_end: dt.date | None,
               start: dt.date | None, end: dt.date | None) -> None:
    """Fees under one agreement share its term, and other fees already rely on it: a fee
    may not move it. A different term is a different contract (--contract)."""
    for field, given, held in (("start", start, held_start), ("end", end, held_end)):
        if given is not None and given != held:
            shown = held.isoformat() if held else "no " + field
            raise InvalidValue(field, given.isoformat(),
                               f"agreement {label!r} already exists with {shown}; change its "
                               "term with `tracker agreement edit`, or give another --contract "
                               "for a different contract")


def agreement_label(counterparty: str, reference: str) -> str:
    """How the audit log names an agreement: counterparty and reference, either may be empty."""
    return f"{counterparty} {reference}".strip()


def _agreement(writer: Writer, terms: dict[str, Any]) -> Agreement:
    found = writer.session.exec(select(Agreement).where(
        Agreement.counterparty == terms["counterparty"],
        Agreement.reference == terms["reference"])).first()
    label = agreement_label(terms["counterparty"], terms["reference"])
    if found is None:
        return writer.add(Agreement(**terms), label=label)
    if found.voided_at is not None:
        raise InvalidValue("contract", terms["reference"],
                           f"agreement {label!r} (#{found.id}) is voided; give another --contract")
    check_term(label, found.term_start, found.term_end, terms["term_start"], terms["term_end"])
    return found


def fee_values(*, kind: str, amount: object, currency: str, counterparty: str,
               reference: str = "", period: str | None = None, unit: str | None = None,
               term_start: object = None, term_end: object = None, description: str = "",
               split_runs: object = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked columns of a new fee (without its dataset and agreement ids) and of the
    agreement it falls under."""
    fee = fee_columns(kind=kind, amount=amount, currency=currency, period=period, unit=unit,
                      description=description, split_runs=split_runs)
    return fee, agreement_terms(counterparty, reference, term_start, term_end)


def fee_columns(*, kind: str, amount: object, currency: str, period: str | None = None,
                unit: str | None = None, description: str = "",
                split_runs: object = None) -> dict[str, Any]:
    """The checked columns of a fee itself, as added or as edited."""
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
    split = _split(split_runs)
    if split != 1 and fee_kind != "one_time":
        raise InvalidValue("split-runs", split_runs, "only one-time fees are split over runs")
    return {"kind": fee_kind, "amount": value, "currency": code, "period": fee_period,
            "unit": fee_unit, "description": parse.text(description, "description"),
            "split_runs": split}


def agreement_terms(counterparty: str, reference: str = "", term_start: object = None,
                    term_end: object = None) -> dict[str, Any]:
    """The checked columns of an agreement: who, which contract, and its term."""
    start = None if term_start in (None, "") else parse.date(term_start, "start")
    end = None if term_end in (None, "") else parse.date(term_end, "end")
    parse.date_range(start, end, "end")
    return {"counterparty": parse.name(counterparty, "counterparty"),
            "reference": parse.text(reference, "contract", limit=300),
            "term_start": start, "term_end": end}


def fee_label(dataset_slug: str, fee: dict[str, Any]) -> str:
    """How the audit log names a fee: dataset, exact amount, currency and kind."""
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
    """What a fee is charged per, in words: 'per month', 'per token' or 'one-time'."""
    if kind == "recurring":
        return f"per {period}"
    if kind == "per_unit":
        return f"per {unit}"
    return "one-time"


def _in_force(query: Any, model: Any, include_voided: bool) -> Any:
    """Voided records are left out unless asked for: they count nowhere."""
    return query if include_voided else query.where(col(model.voided_at).is_(None))


def amount_display(amount: Decimal, currency: str, *, exact: bool = False) -> str:
    """An amount for people, as `budget` prints it ('250,000.00 USD'); `exact` for a rate
    per unit, which rounding to cents would hide ('0.0000025 USD')."""
    money = Money(amount, currency)
    if not exact or to_minor_unit(amount, currency) == amount:
        return money.display()
    return f"{quantity_display(amount, max(0, -int(amount.as_tuple().exponent)))} {currency}"


def list_fees(session: Session, dataset_slug: str | None = None, *,
              include_voided: bool = False) -> list[dict[str, Any]]:
    """Fees (of one dataset, or all) with their agreement's terms, by dataset then id."""
    query = (select(Fee, Dataset.slug, Agreement)
             .join(Dataset, col(Dataset.id) == Fee.dataset_id)
             .join(Agreement, col(Agreement.id) == Fee.agreement_id))
    if dataset_slug:
        query = query.where(Fee.dataset_id == find_dataset(session, dataset_slug).id)
    query = _in_force(query, Fee, include_voided)
    rows = session.exec(query.order_by(Dataset.slug, Fee.id)).all()
    return [
        {
            "id": fee.id,
            "dataset": slug,
            "kind": fee.kind,
            "basis": fee_basis(fee.kind, fee.period, fee.unit),
            "amount": decimal_text(fee.amount),
            "currency": fee.currency,
            "period": fee.period,
            "unit": fee.unit,
            "agreement": agreement.id,
            "counterparty": agreement.counterparty,
            "contract": agreement.reference,
            "term_start": agreement.term_start.isoformat() if agreement.term_start else None,
            "term_end": agreement.term_end.isoformat() if agreement.term_end else None,
            "split_runs": fee.split_runs,
            "description": fee.description,
            "voided": corrections.voided(fee),
        }
        for fee, slug, agreement in rows
    ]


def totals(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Exact sums of 'amount' grouped by the given keys and currency: never across currencies.
    Voided rows count nowhere."""
    sums: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.get("voided") is None:
            sums[tuple(row[k] for k in keys) + (row["currency"],)] += Decimal(row["amount"])
    return [
        {**dict(zip(keys, group[:-1], strict=True)), "currency": group[-1],
         "amount": decimal_text(total)}
        for group, total in sorted(sums.items(), key=lambda item: tuple(map(str, item[0])))
    ]


def fee_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per basis and currency: sums for one-time and recurring fees, and for per-unit fees
    the combined rate per unit ('0.0000025 USD per token'), keyed by the unit too."""
    return totals(rows, "basis", "unit")


_FEE_FIELDS = ("kind", "amount", "currency", "period", "unit", "description", "split_runs")


def edit_fee(writer: Writer, fee_id: int, reason: str, *, agreement: object = None,
             **given: Any) -> bool:
    """Correct a fee's own terms (not its agreement's: see `edit_agreement`), with a reason;
    `agreement` (an id) moves it under another agreement, one in force. Given values replace
    the held ones; a fee changing kind drops its old period, unit and split unless given
    again. False when nothing changed."""
    row = corrections.find_live(writer.session, Fee, fee_id)
    values = {name: getattr(row, name) for name in _FEE_FIELDS}
    given = {k: v for k, v in given.items() if v is not None}
    if "kind" in given and parse.choice(given["kind"], "kind", vocab.FEE_KINDS) != row.kind:
        values.update(period=None, unit=None, split_runs=None)
    changes = fee_columns(**{**values, **given})
    if agreement not in (None, ""):
        agreement_id = parse.count(agreement, "agreement")
        changes["agreement_id"] = corrections.find_live(writer.session, Agreement,
                                                        agreement_id).id
    slug = writer.session.get(Dataset, row.dataset_id).slug  # type: ignore[union-attr]
    return corrections.correct(writer, row, changes, reason, fee_label(slug, changes))


def void_fee(writer: Writer, fee_id: int, reason: str) -> Fee:
    """Void a fee entered in error: kept, marked, counted nowhere."""
    row = corrections.find_live(writer.session, Fee, fee_id)
    slug = writer.session.get(Dataset, row.dataset_id).slug  # type: ignore[union-attr]
    corrections.void(writer, row, reason, fee_label(slug, corrections.columns(row)))
    return row


def cost_columns(*, category: str, amount: object, currency: str, incurred_on: object = None,
                 vendor: str = "", description: str = "", split_runs: object = None,
                 on_run: bool = False) -> dict[str, Any]:
    """The checked columns of a cost item itself (not its owner), as added or edited."""
    split = _split(split_runs)
    if on_run and split != 1:
        raise InvalidValue("split-runs", split_runs, "a run's own cost is not split")
    return {
        "category": parse.choice(category, "category", vocab.COST_CATEGORIES),
        "amount": parse_amount(amount, "amount", allow_zero=False),
        "currency": parse_currency(currency),
        "incurred_on": None if incurred_on in (None, "") else parse.date(incurred_on, "date"),
        "vendor": parse.text(vendor, "vendor", limit=300),
        "description": parse.text(description, "description"),
        "split_runs": split,
    }


def _cost_label(subject: str, item: dict[str, Any]) -> str:
    return f"{subject}: {item['category']} {decimal_text(item['amount'])} {item['currency']}"


def add_cost(writer: Writer, dataset_slug: str | None, *, category: str, amount: object,
             currency: str, incurred_on: object = None, vendor: str = "",
             description: str = "", run_slug: str | None = None,
             split_runs: object = None) -> CostItem:
    """A cost on a dataset (shared by `split_runs` runs), or on one training run."""
    from tracker.registry.runs import find_run

    if (dataset_slug is None) == (run_slug is None):
        raise TrackerError("cost: give a DATASET or --run RUN (one of them)")
    dataset = find_dataset(writer.session, dataset_slug) if dataset_slug else None
    run = find_run(writer.session, run_slug) if run_slug else None
    values = cost_columns(category=category, amount=amount, currency=currency,
                          incurred_on=incurred_on, vendor=vendor, description=description,
                          split_runs=split_runs, on_run=run is not None)
    item = CostItem(dataset_id=None if dataset is None else dataset.id,
                    run_id=None if run is None else run.id, **values)
    return writer.add(item, label=_cost_label(dataset_slug or f"run {run_slug}", values))


_COST_FIELDS = ("category", "amount", "currency", "incurred_on", "vendor", "description",
                "split_runs")


def _cost_subject(session: Session, item: CostItem) -> str:
    from tracker.db.models import TrainingRun

    if item.dataset_id is not None:
        return session.get(Dataset, item.dataset_id).slug  # type: ignore[union-attr]
    return f"run {session.get(TrainingRun, item.run_id).slug}"  # type: ignore[union-attr]


def edit_cost(writer: Writer, cost_id: int, reason: str, **given: Any) -> bool:
    """Correct a cost item's own columns, with a reason; False when nothing changed."""
    row = corrections.find_live(writer.session, CostItem, cost_id)
    values = {name: getattr(row, name) for name in _COST_FIELDS}
    values.update({k: v for k, v in given.items() if v is not None})
    changes = cost_columns(**values, on_run=row.run_id is not None)
    label = _cost_label(_cost_subject(writer.session, row), changes)
    return corrections.correct(writer, row, changes, reason, label)


def void_cost(writer: Writer, cost_id: int, reason: str) -> CostItem:
    """Void a cost entered in error: kept, marked, counted nowhere."""
    row = corrections.find_live(writer.session, CostItem, cost_id)
    label = _cost_label(_cost_subject(writer.session, row), corrections.columns(row))
    corrections.void(writer, row, reason, label)
    return row


def list_costs(session: Session, dataset_slug: str | None = None,
               run_slug: str | None = None, *,
               include_voided: bool = False) -> list[dict[str, Any]]:
    """Cost items (of one dataset, one run, or all), by id."""
    from tracker.registry.runs import with_owner

    query = with_owner(session, CostItem, dataset_slug=dataset_slug, run_slug=run_slug)
    rows = session.exec(_in_force(query, CostItem, include_voided).order_by(CostItem.id)).all()
    return [
        {"id": c.id, "dataset": slug, "run": run, "category": c.category,
         "amount": decimal_text(c.amount), "currency": c.currency,
         "incurred_on": c.incurred_on.isoformat() if c.incurred_on else None,
         "vendor": c.vendor, "split_runs": c.split_runs, "description": c.description,
         "voided": corrections.voided(c)}
        for c, slug, run in rows
    ]


def _rate_label(rate: FxRate) -> str:
    return f"{rate.base}/{rate.quote} {rate.as_of.isoformat()}"


def set_rate(writer: Writer, base: str, quote: str, rate: object, as_of: object = None) -> FxRate:
    """One unit of base costs `rate` units of quote, from as_of until a later rate. A rate
    of the same pair and day replaces the held one; a voided one is reinstated with it."""
    base_code = parse_currency(base, "base")
    quote_code = parse_currency(quote, "quote")
    if base_code == quote_code:
        raise InvalidValue("quote", quote, "must differ from the base currency")
    value = parse_amount(rate, "rate", allow_zero=False)
    day = dt.date.today() if as_of in (None, "") else parse.date(as_of, "as-of")
    session = writer.session
    found = session.exec(select(FxRate).where(FxRate.base == base_code, FxRate.quote == quote_code,
                                              FxRate.as_of == day)).first()
    if found is not None:
        changes = {"rate": value, **dict.fromkeys(corrections.VOID_COLUMNS)}
        reinstated = " (reinstated)" if found.voided_at is not None else ""
        writer.update(found, changes, label=_rate_label(found) + reinstated)
        return found
    row = FxRate(base=base_code, quote=quote_code, rate=value, as_of=day)
    return writer.add(row, label=_rate_label(row))


def edit_rate(writer: Writer, rate_id: int, rate: object, reason: str,
              as_of: object = None) -> bool:
    """Correct an exchange rate's value or the day it holds from, with a reason; False when
    it was that already."""
    row = corrections.find_live(writer.session, FxRate, rate_id)
    changes: dict[str, Any] = {}
    if rate not in (None, ""):
        changes["rate"] = parse_amount(rate, "rate", allow_zero=False)
    if as_of not in (None, ""):
        day = changes["as_of"] = parse.date(as_of, "as-of")
        other = writer.session.exec(select(FxRate.id).where(
            FxRate.base == row.base, FxRate.quote == row.quote, FxRate.as_of == day,
            FxRate.id != row.id)).first()
        if other is not None:
            raise InvalidValue("as-of", as_of, f"{row.base}/{row.quote} has rate #{other} "
                                               "on that day already")
    if not changes:
        raise TrackerError("fx edit: give --rate, --as-of or both")
    return corrections.correct(writer, row, changes, reason, _rate_label(row))


def void_rate(writer: Writer, rate_id: int, reason: str) -> FxRate:
    """Void an exchange rate entered in error: conversions use the others."""
    row = corrections.find_live(writer.session, FxRate, rate_id)
    corrections.void(writer, row, reason, f"{_rate_label(row)} at {decimal_text(row.rate)}")
    return row


def list_rates(session: Session, *, include_voided: bool = False) -> list[dict[str, Any]]:
    """Exchange rates by currency pair and date, voided ones only when asked for."""
    query = _in_force(select(FxRate), FxRate, include_voided)
    rows = session.exec(query.order_by(FxRate.base, FxRate.quote, FxRate.as_of)).all()
    return [{"id": r.id, "base": r.base, "quote": r.quote, "rate": decimal_text(r.rate),
             "as_of": r.as_of.isoformat(), "voided": corrections.voided(r)} for r in rows]


# ---- agreements: the terms their fees share ------------------------------------------------

def list_agreements(session: Session, *, include_voided: bool = False) -> list[dict[str, Any]]:
    """Agreements with their term and how many fees in force they hold."""
    counts = dict(session.exec(
        select(Fee.agreement_id, func.count()).where(col(Fee.voided_at).is_(None))
        .group_by(Fee.agreement_id)).all())
    query = _in_force(select(Agreement), Agreement, include_voided)
    rows = session.exec(query.order_by(Agreement.counterparty, Agreement.reference,
                                       Agreement.id)).all()
    return [{"id": a.id, "counterparty": a.counterparty, "contract": a.reference,
             "term_start": a.term_start.isoformat() if a.term_start else None,
             "term_end": a.term_end.isoformat() if a.term_end else None,
             "fees": counts.get(a.id, 0), "voided": corrections.voided(a)} for a in rows]


def edit_agreement(writer: Writer, agreement_id: int, reason: str, *,
                   counterparty: str | None = None, reference: str | None = None,
                   term_start: object = None, term_end: object = None) -> bool:
    """Correct an agreement's counterparty, contract reference or term (which every fee
    under it shares), with a reason; '' clears a term date. False when nothing changed."""
    session = writer.session
    row = corrections.find_live(session, Agreement, agreement_id)
    terms = agreement_terms(
        row.counterparty if counterparty is None else counterparty,
        row.reference if reference is None else reference,
        row.term_start if term_start is None else term_start,
        row.term_end if term_end is None else term_end)
    clash = session.exec(select(Agreement.id).where(
        Agreement.counterparty == terms["counterparty"],
        Agreement.reference == terms["reference"], Agreement.id != row.id)).first()
    if clash is not None:
        raise InvalidValue("contract", terms["reference"],
                           f"agreement #{clash} has this counterparty and contract already")
    label = agreement_label(terms["counterparty"], terms["reference"])
    return corrections.correct(writer, row, terms, reason, label)


def void_agreement(writer: Writer, agreement_id: int, reason: str) -> int:
    """Void an agreement entered in error and every fee in force under it (they fall with
    it), each with the same reason; returns how many fees were voided."""
    session = writer.session
    row = corrections.find_live(session, Agreement, agreement_id)
    fees = session.exec(select(Fee).where(Fee.agreement_id == row.id)
                        .where(col(Fee.voided_at).is_(None)).order_by(Fee.id)).all()
    for fee in fees:
        void_fee(writer, fee.id, reason)  # type: ignore[arg-type]
    corrections.void(writer, row, reason, agreement_label(row.counterparty, row.reference))
    return len(fees)

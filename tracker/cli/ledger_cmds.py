"""tracker fee | cost | fx: what the data costs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from tracker.cli.common import App, done, output_options, pass_app
from tracker.cli.correcting import (
    all_option,
    corrected,
    reason_option,
    record_id,
    show_list,
    void_command,
)
from tracker.registry import ledger
from tracker.values import vocab

# The amount column shows the currency too, with thousands separators, as `budget` does.
FEE_COLUMNS = ("id", "dataset", "basis", "amount", "counterparty", "contract", "term_start",
               "term_end")
COST_COLUMNS = ("id", "dataset", "run", "category", "amount", "incurred_on", "vendor")
FX_COLUMNS = ("id", "base", "quote", "rate", "as_of")


def _fee_display(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "amount": _money(row, exact=row["kind"] == "per_unit")}


def _cost_display(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "amount": _money(row)}


def _money(row: dict[str, Any], *, exact: bool = False) -> str:
    from decimal import Decimal

    return ledger.amount_display(Decimal(row["amount"]), row["currency"], exact=exact)


def _money_list(rows: list[dict[str, Any]], columns: tuple[str, ...],
                totals: list[dict[str, Any]], group: str,
                display: Callable[[dict[str, Any]], dict[str, Any]], *, include_voided: bool,
                as_json: bool, as_csv: bool, key: str) -> None:
    """A list of amounts with its totals per `group` and currency, for people as `budget`
    prints money."""
    if show_list(rows, columns, as_json=as_json, as_csv=as_csv, include_voided=include_voided,
                 key=key, totals=totals, display=display):
        for total in totals:
            exact = total.get("unit") is not None  # a rate per unit, shown whole
            click.echo(f"TOTAL {total[group]}: {_money(total, exact=exact)}")


@click.group("fee")
def fee_group() -> None:
    """Licence fees under agreements with counterparties."""


@fee_group.command("add")
@click.argument("dataset")
@click.option("--amount", required=True, help="Exact decimal, e.g. 250000 or 0.0000025.")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. USD, EUR.")
@click.option("--kind", default="one_time", show_default=True, metavar="KIND",
              help=f"[{'|'.join(vocab.FEE_KINDS)}]")
@click.option("--period", default=None, help=f"Recurring fees: [{'|'.join(vocab.FEE_PERIODS)}].")
@click.option("--unit", default=None, help=f"Per-unit fees: [{'|'.join(vocab.FEE_UNITS)}].")
@click.option("--counterparty", required=True, help="Who is paid (licensor, vendor).")
@click.option("--contract", default="", help="Contract reference.")
@click.option("--start", default=None, help="Term start (YYYY-MM-DD).")
@click.option("--end", default=None, help="Term end (YYYY-MM-DD).")
@click.option("--description", default="", help="What the fee buys.")
@click.option("--split-runs", default=None, metavar="N",
              help="One-time fees: share the fee equally among N training runs [1].")
@pass_app
def fee_add(app: App, dataset: str, amount: str, currency: str, kind: str, period: str | None,
            unit: str | None, counterparty: str, contract: str, start: str | None,
            end: str | None, description: str, split_runs: str | None) -> None:
    """Record a fee paid for DATASET."""
    with app.registry.writing(app.actor) as w:
        ledger.add_fee(w, dataset, kind=kind, amount=amount, currency=currency,
                       counterparty=counterparty, reference=contract, period=period, unit=unit,
                       term_start=start, term_end=end, description=description,
                       split_runs=split_runs)
    done(f"added fee for {dataset}: {amount} {currency.upper()}")


@fee_group.command("list")
@click.argument("dataset", required=False)
@all_option
@output_options()
@pass_app
def fee_list(app: App, dataset: str | None, include_voided: bool, as_json: bool,
             as_csv: bool) -> None:
    """List fees (of DATASET, or all) with exact totals per basis and currency.

    Per-unit fees total as a rate per unit (the fees per token added up); voided fees
    are listed with --all and count in no total."""
    with app.registry.reading() as session:
        rows = ledger.list_fees(session, dataset, include_voided=include_voided)
    _money_list(rows, FEE_COLUMNS, ledger.fee_totals(rows), "basis", _fee_display,
                include_voided=include_voided, as_json=as_json, as_csv=as_csv, key="fees")


@fee_group.command("edit")
@record_id
@click.option("--amount", default=None, help="Exact decimal, e.g. 250000 or 0.0000025.")
@click.option("--currency", default=None, help="ISO 4217 code, e.g. USD, EUR.")
@click.option("--kind", default=None, metavar="KIND", help=f"[{'|'.join(vocab.FEE_KINDS)}]")
@click.option("--period", default=None, help=f"Recurring fees: [{'|'.join(vocab.FEE_PERIODS)}].")
@click.option("--unit", default=None, help=f"Per-unit fees: [{'|'.join(vocab.FEE_UNITS)}].")
@click.option("--description", default=None, help="What the fee buys.")
@click.option("--split-runs", default=None, metavar="N",
              help="One-time fees: share the fee equally among N training runs.")
@click.option("--agreement", default=None, metavar="ID",
              help="Move the fee under another agreement (ids: `tracker agreement list`).")
@reason_option
@pass_app
def fee_edit(app: App, record_id: int, amount: str | None, currency: str | None,
             kind: str | None, period: str | None, unit: str | None, description: str | None,
             split_runs: str | None, agreement: str | None, reason: str) -> None:
    """Correct fee ID (ids: `tracker fee list`), or move it under another agreement with
    --agreement; the agreement's counterparty and term are changed with `tracker agreement
    edit`. The log keeps the fee before and after."""
    with app.registry.writing(app.actor) as w:
        changed = ledger.edit_fee(w, record_id, reason, amount=amount, currency=currency,
                                  kind=kind, period=period, unit=unit,
                                  description=description, split_runs=split_runs,
                                  agreement=agreement)
    corrected("fee", record_id, changed)


void_command(fee_group, "fee", ledger.void_fee)


@click.group("cost")
def cost_group() -> None:
    """Acquisition and other data costs: annotation, transcription, cleaning, storage, legal."""


@cost_group.command("add")
@click.argument("dataset", required=False)
@click.option("--run", "run_slug", default=None, help="Charge the cost to a training run instead.")
@click.option("--split-runs", default=None, metavar="N",
              help="Share a dataset's cost equally among N training runs [1].")
@click.option("--category", required=True, metavar="CATEGORY",
              help=f"[{'|'.join(vocab.COST_CATEGORIES)}]")
@click.option("--amount", required=True, help="Exact decimal amount.")
@click.option("--currency", required=True, help="ISO 4217 code.")
@click.option("--date", "incurred_on", default=None, help="When it was incurred (YYYY-MM-DD).")
@click.option("--vendor", default="", help="Who was paid.")
@click.option("--description", default="", help="What was bought.")
@pass_app
def cost_add(app: App, dataset: str | None, run_slug: str | None, split_runs: str | None,
             category: str, amount: str, currency: str, incurred_on: str | None, vendor: str,
             description: str) -> None:
    """Record a cost incurred for DATASET (or for a training run with --run)."""
    with app.registry.writing(app.actor) as w:
        ledger.add_cost(w, dataset, category=category, amount=amount, currency=currency,
                        incurred_on=incurred_on, vendor=vendor, description=description,
                        run_slug=run_slug, split_runs=split_runs)
    done(f"added {category} cost for {dataset or run_slug}: {amount} {currency.upper()}")


@cost_group.command("list")
@click.argument("dataset", required=False)
@click.option("--run", "run_slug", default=None, help="Only the costs charged to this run.")
@all_option
@output_options()
@pass_app
def cost_list(app: App, dataset: str | None, run_slug: str | None, include_voided: bool,
              as_json: bool, as_csv: bool) -> None:
    """List costs (of DATASET, a --run, or all) with exact totals per category and currency;
    voided costs are listed with --all and count in no total."""
    with app.registry.reading() as session:
        rows = ledger.list_costs(session, dataset, run_slug, include_voided=include_voided)
    _money_list(rows, COST_COLUMNS, ledger.totals(rows, "category"), "category", _cost_display,
                include_voided=include_voided, as_json=as_json, as_csv=as_csv, key="costs")


@cost_group.command("edit")
@record_id
@click.option("--category", default=None, metavar="CATEGORY",
              help=f"[{'|'.join(vocab.COST_CATEGORIES)}]")
@click.option("--amount", default=None, help="Exact decimal amount.")
@click.option("--currency", default=None, help="ISO 4217 code.")
@click.option("--date", "incurred_on", default=None,
              help="When it was incurred (YYYY-MM-DD; '' clears it).")
@click.option("--vendor", default=None, help="Who was paid.")
@click.option("--description", default=None, help="What was bought.")
@click.option("--split-runs", default=None, metavar="N",
              help="Share a dataset's cost equally among N training runs.")
@reason_option
@pass_app
def cost_edit(app: App, record_id: int, category: str | None, amount: str | None,
              currency: str | None, incurred_on: str | None, vendor: str | None,
              description: str | None, split_runs: str | None, reason: str) -> None:
    """Correct cost ID (ids: `tracker cost list`). The log keeps it before and after."""
    with app.registry.writing(app.actor) as w:
        changed = ledger.edit_cost(w, record_id, reason, category=category, amount=amount,
                                   currency=currency, incurred_on=incurred_on, vendor=vendor,
                                   description=description, split_runs=split_runs)
    corrected("cost", record_id, changed)


void_command(cost_group, "cost", ledger.void_cost)


@click.group("fx")
def fx_group() -> None:
    """Exchange rates used to convert costs into a reporting currency."""


@fx_group.command("set")
@click.argument("base")
@click.argument("quote")
@click.argument("rate")
@click.option("--as-of", default=None, help="Date the rate applies from (YYYY-MM-DD) [today].")
@pass_app
def fx_set(app: App, base: str, quote: str, rate: str, as_of: str | None) -> None:
    """Record that 1 BASE = RATE QUOTE, e.g. `tracker fx set EUR USD 1.08`."""
    with app.registry.writing(app.actor) as w:
        ledger.set_rate(w, base, quote, rate, as_of)
    done(f"1 {base.upper()} = {rate} {quote.upper()}")


@fx_group.command("list")
@all_option
@output_options()
@pass_app
def fx_list(app: App, include_voided: bool, as_json: bool, as_csv: bool) -> None:
    """List exchange rates; voided ones (which convert nothing) with --all."""
    with app.registry.reading() as session:
        rows = ledger.list_rates(session, include_voided=include_voided)
    show_list(rows, FX_COLUMNS, as_json=as_json, as_csv=as_csv, include_voided=include_voided)


@fx_group.command("edit")
@record_id
@click.option("--rate", default=None, help="The correct rate: 1 BASE = RATE QUOTE.")
@click.option("--as-of", default=None, help="The correct day it holds from (YYYY-MM-DD).")
@reason_option
@pass_app
def fx_edit(app: App, record_id: int, rate: str | None, as_of: str | None, reason: str) -> None:
    """Correct exchange rate ID (ids: `tracker fx list`): its rate, the day it holds from, or
    both. The log keeps the rate before and after."""
    with app.registry.writing(app.actor) as w:
        changed = ledger.edit_rate(w, record_id, rate, reason, as_of)
    corrected("fx rate", record_id, changed)


void_command(fx_group, "fx rate", ledger.void_rate)


COMMANDS = [fee_group, cost_group, fx_group]

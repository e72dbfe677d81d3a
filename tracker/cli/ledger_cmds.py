"""tracker fee | cost | fx: what the data costs."""

from __future__ import annotations

import click

from tracker import ledger, vocab
from tracker.cli.common import App, done, emit_rows, output_options, pass_app

FEE_COLUMNS = ("dataset", "basis", "amount", "currency", "counterparty", "contract",
               "term_start", "term_end")
COST_COLUMNS = ("dataset", "run", "category", "amount", "currency", "incurred_on", "vendor")


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
@output_options()
@pass_app
def fee_list(app: App, dataset: str | None, as_json: bool, as_csv: bool) -> None:
    """List fees (of DATASET, or all) with exact totals per basis and currency."""
    with app.registry.reading() as session:
        rows = ledger.list_fees(session, dataset)
    # Per-unit rates are prices, not amounts: summing them would mean nothing.
    summable = [r for r in rows if r["kind"] != "per_unit"]
    emit_rows(rows, FEE_COLUMNS, as_json=as_json, as_csv=as_csv,
              totals=ledger.totals(summable, "basis"), key="fees")


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
@output_options()
@pass_app
def cost_list(app: App, dataset: str | None, run_slug: str | None, as_json: bool,
              as_csv: bool) -> None:
    """List costs (of DATASET, a --run, or all) with exact totals per category and currency."""
    with app.registry.reading() as session:
        rows = ledger.list_costs(session, dataset, run_slug)
    emit_rows(rows, COST_COLUMNS, as_json=as_json, as_csv=as_csv,
              totals=ledger.totals(rows, "category"), key="costs")


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
@output_options()
@pass_app
def fx_list(app: App, as_json: bool, as_csv: bool) -> None:
    """List exchange rates."""
    with app.registry.reading() as session:
        rows = ledger.list_rates(session)
    emit_rows(rows, ("base", "quote", "rate", "as_of"), as_json=as_json, as_csv=as_csv)


COMMANDS = [fee_group, cost_group, fx_group]

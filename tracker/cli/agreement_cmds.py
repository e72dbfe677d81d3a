"""tracker agreement: the contracts fees fall under, and corrections to their terms."""

from __future__ import annotations

import click

from tracker.cli.common import App, done, output_options, pass_app
from tracker.cli.correcting import all_option, corrected, reason_option, record_id, show_list
from tracker.registry import ledger

AGREEMENT_COLUMNS = ("id", "counterparty", "contract", "term_start", "term_end", "fees")


@click.group("agreement")
def agreement_group() -> None:
    """Agreements: the contracts fees fall under, and their terms."""


@agreement_group.command("list")
@all_option
@output_options()
@pass_app
def agreement_list(app: App, include_voided: bool, as_json: bool, as_csv: bool) -> None:
    """List agreements with their term and the number of fees in force under each."""
    with app.registry.reading() as session:
        rows = ledger.list_agreements(session, include_voided=include_voided)
    show_list(rows, AGREEMENT_COLUMNS, as_json=as_json, as_csv=as_csv,
              include_voided=include_voided)


@agreement_group.command("edit")
@record_id
@click.option("--counterparty", default=None, help="Who is paid (licensor, vendor).")
@click.option("--contract", default=None, help="Contract reference.")
@click.option("--start", default=None, help="Term start (YYYY-MM-DD; '' clears it).")
@click.option("--end", default=None, help="Term end (YYYY-MM-DD; '' clears it).")
@reason_option
@pass_app
def agreement_edit(app: App, record_id: int, counterparty: str | None, contract: str | None,
                   start: str | None, end: str | None, reason: str) -> None:
    """Correct agreement ID (ids: `tracker agreement list`): every fee under it follows.
    The log keeps the agreement before and after."""
    with app.registry.writing(app.actor) as w:
        changed = ledger.edit_agreement(w, record_id, reason, counterparty=counterparty,
                                        reference=contract, term_start=start, term_end=end)
    corrected("agreement", record_id, changed)


@agreement_group.command("void")
@record_id
@reason_option
@pass_app
def agreement_void(app: App, record_id: int, reason: str) -> None:
    """Void agreement ID, entered in error, with every fee in force under it: all are kept,
    marked voided with who, when and why, and count nowhere."""
    with app.registry.writing(app.actor) as w:
        fees = ledger.void_agreement(w, record_id, reason)
    done(f"voided agreement #{record_id} and {fees} fee{'s' if fees != 1 else ''} under it: "
         f"{reason.strip()}")


COMMANDS = [agreement_group]

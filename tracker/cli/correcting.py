"""What every correctable record's commands share: `void ID --reason`, `--all` on lists,
and a list that shows ids and marks voided records with who, when and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from tracker.cli.common import App, done, emit_rows, pass_app, print_table

F = TypeVar("F", bound=Callable[..., Any])


def all_option(func: F) -> F:
    return click.option("--all", "include_voided", is_flag=True,
                        help="Include voided records, marked with who voided them, when "
                             "and why.")(func)


def reason_option(func: F) -> F:
    return click.option("--reason", required=True,
                        help="Why the record is corrected (required; kept in the log).")(func)


def record_id(func: F) -> F:
    return click.argument("record_id", metavar="ID", type=click.IntRange(min=1))(func)


def void_command(group: click.Group, noun: str, void: Callable[..., Any], *,
                 name: str = "void", help: str | None = None) -> None:
    """Attach `NAME ID --reason TEXT` to a group: `void(writer, id, reason)` marks the
    record voided; it is kept, and counts nowhere."""

    @group.command(name, help=help or f"Void {noun} ID, entered in error: it is kept, marked "
                                      "voided with who, when and why, and counts nowhere.")
    @record_id
    @reason_option
    @pass_app
    def void_(app: App, record_id: int, reason: str) -> None:
        with app.registry.writing(app.actor) as w:
            void(w, record_id, reason)
        done(f"voided {noun} #{record_id}: {reason.strip()}")


def corrected(noun: str, record_id: int, changed: bool) -> None:
    done(f"corrected {noun} #{record_id}" if changed else f"{noun} #{record_id}: nothing changed")


def show_list(rows: list[dict[str, Any]], columns: Sequence[str], *, as_json: bool,
              as_csv: bool, include_voided: bool, key: str = "items",
              totals: list[dict[str, Any]] | None = None,
              display: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> bool:
    """JSON and CSV as `emit_rows` gives them; a table otherwise, each row through `display`,
    with a VOIDED column (by whom, when, why) under --all. True when the table was printed
    (the caller then prints its totals for people)."""
    from tracker.registry.corrections import voided_cell, voided_text

    if as_json or as_csv:
        emit_rows(rows, columns, as_json=as_json, as_csv=as_csv, totals=totals, key=key)
        return False
    shown = [display(row) if display else row for row in rows]
    if include_voided:
        columns = (*columns, "voided")
        shown = [{**row, "voided": voided_cell(row.get("voided"))} for row in shown]
    print_table(shown, columns)
    # Reasons in full, which a table cell would cut.
    for row in rows:
        if row.get("voided") is not None:
            click.echo(f"VOIDED #{row['id']} {voided_text(row['voided'])}")
    return True

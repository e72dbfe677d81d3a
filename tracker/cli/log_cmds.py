"""tracker log | verify: the audit trail."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli.common import App, emit_rows, output_options, pass_app, print_table
from tracker.registry import audit

LOG_COLUMNS = ("id", "at", "actor", "action", "entity")


@click.command("log")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
              help="Only the last N events.")
@click.option("--entity", default=None, help="Only events on this table (dataset, fee, ...).")
@output_options()
@pass_app
def log_cmd(app: App, limit: int | None, entity: str | None, as_json: bool,
            as_csv: bool) -> None:
    """Show the audit log: who changed what, when, with before and after."""
    with app.registry.reading() as session:
        rows = [audit.event_record(e) for e in audit.events(session, limit=limit, entity=entity)]
    if as_json or as_csv:
        emit_rows(rows, (*LOG_COLUMNS, "label"), as_json=as_json, as_csv=as_csv)
        return
    # The label last and whole: it holds a correction's reason, which a cell would cut.
    if not rows:
        print_table(rows, LOG_COLUMNS)
    for line in _with_labels(rows):
        click.echo(line)


def _with_labels(rows: list[dict[str, Any]]) -> list[str]:
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in LOG_COLUMNS]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(LOG_COLUMNS, widths, strict=True))
             + "  LABEL"]
    lines.extend("  ".join(str(r[c]).ljust(w) for c, w in zip(LOG_COLUMNS, widths, strict=True))
                 + "  " + " ".join(r["label"].split()) for r in rows)
    return lines


@click.command("verify")
@click.option("--expect-head", default=None, metavar="N:HASH",
              help="The head a previous verify printed (kept elsewhere): catches events "
                   "removed from the end of the log.")
@pass_app
def verify_cmd(app: App, expect_head: str | None) -> None:
    """Check database integrity and the audit chain; exit 1 naming the first problem.

    Prints the log's head as N:HASH; keep it outside the registry (a ticket, a CI
    artifact) and pass it back with --expect-head to detect a truncated log."""
    expected = None
    if expect_head is not None:
        number, _, digest = expect_head.partition(":")
        if not number.isdigit() or len(digest) != 64:
            raise click.UsageError("--expect-head takes N:HASH as printed by verify")
        expected = (int(number), digest)
    with app.registry.reading() as session:
        problems = audit.verify(session, expected)
        count, head = audit.head(session)
    if problems:
        for problem in problems[1:]:
            click.echo(f"also: {problem}", err=True)
        raise click.ClickException(f"verify failed: {problems[0]}")
    click.echo(f"ok: {count} audit events, chain intact, registry matches its log "
               f"(head {count}:{head})")


COMMANDS = [log_cmd, verify_cmd]

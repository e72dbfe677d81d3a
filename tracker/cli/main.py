"""The `tracker` command: global options and the command groups."""

from __future__ import annotations

import click

from tracker import __version__
from tracker.cli import (
    catalog_cmds,
    db_cmds,
    demo_cmds,
    export_cmds,
    import_cmds,
    ledger_cmds,
    license_cmds,
    log_cmds,
    report_cmds,
    review_cmds,
    run_cmds,
)
from tracker.cli.common import App, TrackerGroup

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=TrackerGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--db", "db", metavar="PATH|URL", default=None,
              help="Registry: a SQLite path or postgresql:// URL "
                   "[default: $TRACKER_DB, else ./tracker.db].")
@click.option("--as", "actor", metavar="NAME", default=None,
              help="Who is acting, for the audit log [default: $TRACKER_USER, else the OS user].")
@click.version_option(__version__, "--version", prog_name="tracker")
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """Provenance, licensing, consent and cost registry for AI training data.

    Record where training data came from, under which licence, with whose
    consent and at what price; then audit it. Every change is written to a
    hash-chained audit log (`tracker log`, `tracker verify`).
    """
    app = App(db, actor)
    ctx.obj = app
    ctx.call_on_close(app.close)


for module in (db_cmds, catalog_cmds, license_cmds, ledger_cmds, run_cmds, review_cmds,
               report_cmds, import_cmds, export_cmds, log_cmds,
               demo_cmds):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="tracker")

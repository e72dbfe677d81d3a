"""The `tracker` command: global options, and command groups loaded when first used.

Loading a group imports SQLAlchemy and the domain modules; `tracker --version`
and shell completion must not pay for that, so groups are imported lazily.
"""

from __future__ import annotations

import importlib

import click

from tracker import __version__
from tracker.cli.common import App, TrackerGroup

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# command name -> module in tracker.cli that defines it (in COMMANDS).
LAZY_COMMANDS = {
    "db": "db_cmds", "dataset": "catalog_cmds", "source": "catalog_cmds",
    "lineage": "catalog_cmds", "consent": "catalog_cmds", "license": "license_cmds",
    "fee": "ledger_cmds", "cost": "ledger_cmds", "fx": "ledger_cmds", "run": "run_cmds",
    "budget": "run_cmds", "flags": "run_cmds", "flag": "run_cmds", "review": "review_cmds",
    "check": "review_cmds", "report": "report_cmds", "import": "import_cmds",
    "export": "export_cmds", "log": "log_cmds", "verify": "log_cmds", "demo": "demo_cmds",
    "agreement": "agreement_cmds",
}


class LazyGroup(TrackerGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = LAZY_COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"tracker.cli.{module_name}")
        return next(c for c in module.COMMANDS if c.name == cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
# A path as far as checks go: a file's name may hold any bytes.
@click.option("--db", "db", type=click.Path(), metavar="PATH|URL", default=None,
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


def main() -> None:
    cli(prog_name="tracker")

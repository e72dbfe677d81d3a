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

# command name -> (module in tracker.cli that defines it in COMMANDS, its one-line help).
# `tracker --help` is written from this table alone, without importing any command module;
# a test checks each line against the command's own help. To add a command group, add its
# line here and the command to its module's COMMANDS.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "agreement": ("agreement_cmds", "Agreements: the contracts fees fall under, and their "
                                    "terms."),
    "budget": ("run_cmds", "What RUN will really cost: compute, data, contingency, reserves "
                           "for findings."),
    "check": ("review_cmds", "CI gate: exit 0 when RUN is clear, 3 with the findings at or "
                             "above --fail-on."),
    "consent": ("catalog_cmds", "Consent of the people in or behind the data, as a dated "
                                "history."),
    "cost": ("ledger_cmds", "Acquisition and other data costs: annotation, transcription, "
                            "cleaning, storage, legal."),
    "dataset": ("catalog_cmds", "Training datasets: what they are, how big, where they "
                                "stand."),
    "db": ("db_cmds", "Registry database: location, schema migrations, backup."),
    "demo": ("demo_cmds", "Build an illustrative registry modelled on public reports of AI "
                          "data deals."),
    "export": ("export_cmds", "Give the registry back in the formats of the field."),
    "fee": ("ledger_cmds", "Licence fees under agreements with counterparties."),
    "flag": ("run_cmds", "Raise findings by hand, or waive one with a reason."),
    "flags": ("run_cmds", "Findings for the datasets RUN draws (or every dataset), most "
                          "severe first."),
    "fx": ("ledger_cmds", "Exchange rates used to convert costs into a reporting currency."),
    "import": ("import_cmds", "Read datasets from Hugging Face cards, Croissant, DPI "
                              "summaries, tables, exports."),
    "license": ("license_cmds", "Licence knowledge base and who claims which licence for a "
                                "dataset."),
    "lineage": ("catalog_cmds", "Which datasets were derived from which."),
    "log": ("log_cmds", "Show the audit log: who changed what, when, with before and after."),
    "report": ("report_cmds", "Self-contained HTML reports: open in any browser, print to "
                              "PDF, send by mail."),
    "review": ("review_cmds", "Compliance reviews."),
    "run": ("run_cmds", "Training runs: period, reporting currency, intended use, compute "
                        "plan, datasets drawn."),
    "source": ("catalog_cmds", "Where data came from: sites, platforms, publishers, brokers, "
                               "vendors, models."),
    "serve": ("serve_cmd", "The review desk: sign in, browse the registry, review datasets, "
                           "correct records."),
    "user": ("user_cmds", "Review desk users (`tracker serve`): roles viewer, editor, reviewer, "
                          "admin."),
    "verify": ("log_cmds", "Check database integrity and the audit chain; exit 1 naming the "
                           "first problem."),
}


class LazyGroup(TrackerGroup):
    """Command modules are imported when a command runs (or shows its own help), never for
    the list of commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = LAZY_COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"tracker.cli.{entry[0]}")
        return next(c for c in module.COMMANDS if c.name == cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        # Shortened as click shortens a loaded command's help, from a stand-in.
        rows = [(name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)



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

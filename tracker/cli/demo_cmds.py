"""tracker demo: an illustrative registry to explore."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import click

from tracker.cli.common import App, done, pass_app


@click.command("demo")
@click.option("--report", "report", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the demo run's HTML audit report to this file.")
@pass_app
def demo_cmd(app: App, report: Path | None) -> None:
    """Build an illustrative registry modelled on public reports of AI data deals.

    News and forum licences, a web crawl with robots.txt opt-outs, transcribed
    video, open and hub datasets with disagreeing licence claims, synthetic
    data, an annotation contract; fees in USD, EUR and GBP. Every record says
    it is illustrative.
    """
    from tracker.service import demo

    built = demo.build(app.registry, app.actor)
    where = app.registry.location
    done(f"demo registry {'built' if built else 'already present'} in {where}")
    if report is not None:
        from tracker.cli.report_cmds import write_audit_report

        write_audit_report(app, demo.RUN["slug"], report)
        done(f"audit report of {demo.RUN['slug']}: {report.resolve()}")
    done(f"try: {shlex.join([*_program(sys.argv[0]), *_db_option(app.db), 'budget'])} "
         f"{demo.RUN['slug']}")


def _program(argv0: str) -> list[str]:
    """How to run tracker again from here, as it was run: the hint must work when pasted."""
    if Path(argv0).name == "__main__.py":  # python -m tracker
        return [sys.executable, "-m", "tracker"]
    on_path = shutil.which("tracker")
    if on_path and os.path.exists(argv0) and os.path.samefile(on_path, argv0):
        return ["tracker"]
    # As typed (.venv/bin/tracker): it works from the directory the user is in.
    return [argv0] if os.sep in argv0 else ["tracker"]


def _db_option(db: str | None) -> list[str]:
    """--db as given on the command line or in TRACKER_DB, so that the hint works pasted into
    another shell too; without either, ./tracker.db applies again."""
    given = db if db is not None else os.environ.get("TRACKER_DB")
    if not given:
        return []
    if "://" in given:
        from sqlalchemy.engine import make_url

        from tracker.db import display_url

        if make_url(given).password is not None:
            # A password is never echoed to a terminal or a CI log; in TRACKER_DB it still
            # applies to the hint as printed without --db.
            return ["--db", display_url(given)] if db is not None else []
    return ["--db", given]


COMMANDS = [demo_cmd]

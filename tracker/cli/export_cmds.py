"""tracker export: the registry in other people's formats."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import App, done, pass_app


@click.group("export")
def export_group() -> None:
    """Give the registry back in the formats of the field."""


@export_group.command("attribution")
@click.argument("run")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Markdown file to write [stdout].")
@pass_app
def export_attribution(app: App, run: str, output: Path | None) -> None:
    """The notices RUN's licences oblige (attribution, share-alike, use and output
    restrictions), grouped by obligation, including those inherited through lineage."""
    from tracker.attribution import build, markdown
    from tracker.policy import load_policy
    from tracker.reporting import run_snapshot
    from tracker.reports import write

    with app.registry.reading() as session:
        snapshot = run_snapshot(session, run)
    text = markdown(build(snapshot, load_policy().or_branch))
    if output is None:
        click.echo(text, nl=False)
    else:
        write(output, text)
        done(f"wrote {output}")


COMMANDS = [export_group]

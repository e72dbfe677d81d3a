"""tracker export: the registry in other people's formats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.common import App, done, pass_app, write_csv
from tracker.values.errors import TrackerError
from tracker.values.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session


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
    from tracker.assess.policy import load_policy
    from tracker.publish.attribution import build, markdown
    from tracker.service.snapshots import run_snapshot

    with app.registry.reading() as session:
        snapshot = run_snapshot(session, run)
    _out(markdown(build(snapshot, load_policy().or_branch)), output)


@export_group.command("json")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write [stdout].")
@pass_app
def export_json(app: App, output: Path | None) -> None:
    """The whole registry as one JSON document (`tracker import json` reads it back)."""
    from tracker.interop.registry_file import dumps, export

    with app.registry.reading() as session:
        text = dumps(export(session))
    _out(text, output)


@export_group.command("csv")
@click.option("-o", "--output", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write one CSV per table into.")
@pass_app
def export_csv(app: App, output: Path) -> None:
    """The whole registry as CSV files, one per table. Text a spreadsheet would run as a
    formula (starting with =, +, -, @, tab or carriage return) is written with a leading
    single quote; plain numbers are left as they are."""
    with app.registry.reading() as session:
        written = _write_tables(session, output)
    done(f"wrote {plural(len(written), 'file')} to {output}")


def _write_tables(session: Session, folder: Path) -> list[Path]:
    """One CSV per table of the registry file format, rows in id order, through the shared
    CSV writer (which neutralises formulas)."""
    from sqlmodel import select

    from tracker.db.rows import record
    from tracker.interop.registry_file import TABLES

    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, model in TABLES.items():
            path = folder / f"{name}.csv"
            columns = [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]
            rows = session.exec(select(model).order_by(model.id))  # type: ignore[attr-defined]
            with path.open("w", encoding="utf-8", newline="") as handle:
                write_csv(handle, (record(row) for row in rows), columns)
            written.append(path)
    except OSError as exc:
        raise TrackerError(f"output: cannot write {folder} ({exc.strerror})") from exc
    return written


@export_group.command("croissant")
@click.argument("dataset")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write [stdout].")
@pass_app
def export_croissant(app: App, dataset: str, output: Path | None) -> None:
    """DATASET as Croissant 1.0 JSON-LD, RAI fields filled from the registry (consent,
    personal data, collection, resolved licence, lineage)."""
    import json

    from tracker.interop.croissant_export import build
    from tracker.registry.catalog import find_dataset
    from tracker.service.snapshots import registry_snapshot

    with app.registry.reading() as session:
        snapshot = registry_snapshot(session)
        facts = snapshot.datasets[find_dataset(session, dataset).id]  # type: ignore[index]
    _out(json.dumps(build(facts, snapshot), indent=2, ensure_ascii=False) + "\n", output)


@export_group.command("datasheet")
@click.argument("dataset")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Markdown file to write [stdout].")
@pass_app
def export_datasheet(app: App, dataset: str, output: Path | None) -> None:
    """DATASET's datasheet (Datasheets for Datasets) as Markdown; unknown answers say so."""
    from tracker.publish.reports import render_datasheet
    from tracker.service.snapshots import datasheet

    with app.registry.reading() as session:
        facts, snapshot, runs = datasheet(session, dataset)
    _out(render_datasheet(facts, snapshot, runs, html=False), output)


@export_group.command("spdx")
@click.argument("run", required=False)
@click.option("--dataset", default=None, metavar="SLUG",
              help="Export one dataset and its ancestors instead of a run.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write, e.g. RUN.spdx.json [stdout].")
@pass_app
def export_spdx(app: App, run: str | None, dataset: str | None, output: Path | None) -> None:
    """RUN as an SPDX 3.0.1 AI BOM (JSON-LD): the model as an AI package trained on each
    dataset it draws, each dataset with its declared and concluded licences, sources and
    lineage. With --dataset, one dataset and its ancestors."""
    from tracker.interop import spdx3
    from tracker.service.snapshots import registry_snapshot, run_snapshot

    if (run is None) == (dataset is None):
        raise click.UsageError("give a RUN or --dataset")
    with app.registry.reading() as session:
        if run is not None:
            text = spdx3.run_document(run_snapshot(session, run))
        else:
            from tracker.registry.catalog import find_dataset

            snapshot = registry_snapshot(session)
            facts = snapshot.datasets[find_dataset(session, dataset).id]  # type: ignore[arg-type,index]
            text = spdx3.dataset_document(snapshot, facts)
    _out(text, output)


@export_group.command("cyclonedx")
@click.argument("run")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write, e.g. RUN.cdx.json [stdout].")
@pass_app
def export_cyclonedx(app: App, run: str, output: Path | None) -> None:
    """RUN as a CycloneDX 1.6 ML-BOM: the model (with a model card naming its datasets),
    each dataset as a data component with its licence, classification, sensitive data and
    governance, and lineage as dependencies. Checked against the 1.6 schema."""
    from tracker.interop.cyclonedx import run_bom
    from tracker.service.snapshots import run_snapshot

    with app.registry.reading() as session:
        snapshot = run_snapshot(session, run)
    _out(run_bom(snapshot), output)


@export_group.command("openlineage")
@click.argument("run")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (one JSON line) [stdout].")
@click.option("--policy", "policy_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Policy file (TOML) the blockers are judged by [the packaged default].")
@pass_app
def export_openlineage(app: App, run: str, output: Path | None,
                       policy_file: Path | None) -> None:
    """RUN as an OpenLineage run event: its inputs the datasets it draws, each with the
    datasetTracker_compliance facet (resolved licence, effective commercial use, consent
    status, open blockers)."""
    from tracker.interop.openlineage import run_event
    from tracker.service.assessing import assess

    judged = assess(app.registry, run, policy=policy_file)
    _out(run_event(judged.snapshot, judged.findings), output)


def _out(text: str, output: Path | None) -> None:
    from tracker.publish.reports import write

    if output is None:
        click.echo(text, nl=False)
    else:
        write(output, text)
        done(f"wrote {output}")


COMMANDS = [export_group]

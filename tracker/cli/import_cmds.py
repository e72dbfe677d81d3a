"""tracker import: metadata users already have, applied idempotently and all or nothing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from tracker.cli.common import App, done, pass_app
from tracker.interop.limits import CARD_LIMIT, DOCUMENT_LIMIT, REGISTRY_LIMIT, TABLE_LIMIT
from tracker.values.wording import plural

file_argument = click.argument("files", nargs=-1, required=True,
                               type=click.Path(exists=True, dir_okay=False, path_type=Path))
dry_run_option = click.option("--dry-run", is_flag=True,
                              help="Print what would change and change nothing.")
stop_option = click.option("--stop-on-error", is_flag=True,
                           help="Stop at the first file that fails (the files before it stay "
                                "imported) instead of trying every file.")


def max_bytes_option(default: int) -> Callable[[Any], Any]:
    return click.option("--max-bytes", type=click.IntRange(min=1), default=default,
                        show_default=True, metavar="N",
                        help="Refuse a file larger than N bytes (a guard against endless or "
                             "runaway input such as /dev/zero).")
date_option = click.option("--date", "observed_on", default=None,
                           help="Date to record the licence claims as observed [today].")


def _run(app: App, files: Sequence[Path], read: Callable[[Path], Any], dry_run: bool,
         stop_on_error: bool, parallel: bool = False) -> None:
    """Each file in its own transaction: a bad file changes nothing, and the others are
    still tried (unless `stop_on_error`); the failed ones are named at the end, exit 1.
    With `parallel`, records are read and checked in a second process (see `apply`)."""
    from tracker.values.errors import TrackerError

    failed: list[str] = []
    with _file_progress(files) as tracked:
        for path in tracked:
            try:
                _import_file(app, path, read, dry_run, parallel)
            except TrackerError as exc:
                if stop_on_error or len(files) == 1:
                    raise
                message = " ".join(str(exc).split())
                failed.append(message)
                click.echo(f"Error: {message}", err=True)
    if failed:
        done(f"{len(files) - len(failed):,} of {plural(len(files), 'file')} imported; "
             f"{len(failed):,} failed, each left unchanged:")
        for message in failed:
            done(f"  {message}")
        raise click.exceptions.Exit(1)
    if len(files) > 1:
        done(f"{plural(len(files), 'file')} imported")


# An import this large changes the tables enough for the database's statistics to matter.
_MANY = 5_000


def _import_file(app: App, path: Path, read: Callable[[Path], Any], dry_run: bool,
                 parallel: bool) -> None:
    from tracker.interop.apply import Changes, DryRun, apply

    changes = Changes()
    try:
        with app.registry.writing(app.actor) as w:
            records = read(path)
            changes = apply(w, records if isinstance(records, list) else
                            [records] if not hasattr(records, "__next__") else records,
                            parallel=parallel)
            if dry_run:
                raise DryRun()
    except DryRun:
        pass
    if not dry_run and changes.total >= _MANY:
        from tracker.db import refresh_statistics

        with app.registry.translate_errors():
            refresh_statistics(app.registry.engine)
    for warning in changes.warnings:
        click.echo(f"warning: {warning}", err=True)
    for line in changes.summary():
        click.echo(line)
    verb = "would make" if dry_run else "made"
    done(f"{path}: {verb} {plural(changes.total, 'change')}" if changes.total
         else f"{path}: up to date")


def _file_progress(files: Sequence[Path]) -> Any:
    """A bar counting files, on a terminal, when there are several."""
    if len(files) > 1 and sys.stderr.isatty():
        return click.progressbar(files, label="importing files", file=sys.stderr,
                                 show_pos=True)
    return contextlib.nullcontext(files)


@click.group("import")
def import_group() -> None:
    """Read datasets from Hugging Face cards, Croissant, DPI summaries, tables, exports.

    Re-importing is idempotent: records are matched by slug, changed fields are
    updated, a changed licence becomes a new claim. Each file imports entirely
    or not at all."""


@import_group.command("hf-card")
@file_argument
@click.option("--slug", default=None, help="Dataset slug for a single card [from the path].")
@date_option
@dry_run_option
@stop_option
@max_bytes_option(CARD_LIMIT)
@pass_app
def import_hf_card(app: App, files: tuple[Path, ...], slug: str | None,
                   observed_on: str | None, dry_run: bool, stop_on_error: bool,
                   max_bytes: int) -> None:
    """Hugging Face dataset cards (README.md with YAML front matter); the card's licence
    is recorded as a claim by the hub."""
    from tracker.interop import hf_card

    if slug and len(files) > 1:
        raise click.UsageError("--slug needs a single card")
    _run(app, files, lambda p: hf_card.read(p, slug=slug, observed_on=observed_on,
                                            limit=max_bytes), dry_run, stop_on_error)


@import_group.command("croissant")
@file_argument
@click.option("--slug", default=None, help="Dataset slug for a single file [from the name].")
@dry_run_option
@stop_option
@max_bytes_option(DOCUMENT_LIMIT)
@pass_app
def import_croissant(app: App, files: tuple[Path, ...], slug: str | None,
                     dry_run: bool, stop_on_error: bool, max_bytes: int) -> None:
    """Croissant 1.0/1.1 JSON-LD with RAI properties; prov:wasDerivedFrom becomes lineage."""
    from tracker.interop import croissant

    if slug and len(files) > 1:
        raise click.UsageError("--slug needs a single file")
    _run(app, files, lambda p: croissant.read(p, slug=slug, limit=max_bytes), dry_run,
         stop_on_error)


@import_group.command("dpi")
@file_argument
@dry_run_option
@stop_option
@max_bytes_option(DOCUMENT_LIMIT)
@pass_app
def import_dpi(app: App, files: tuple[Path, ...], dry_run: bool, stop_on_error: bool,
               max_bytes: int) -> None:
    """Data Provenance Initiative collection summaries: licences verified by the DPI are
    claims by the authors; those inferred from the hub, GitHub and Papers with Code are
    claims by the hub, repository and aggregator. Datasets are matched by the DPI's unique
    identifier."""
    from tracker.interop import dpi

    _run(app, files, lambda p: dpi.read(p, max_bytes), dry_run, stop_on_error)


@import_group.command("openlineage")
@file_argument
@dry_run_option
@stop_option
@pass_app
def import_openlineage(app: App, files: tuple[Path, ...], dry_run: bool,
                       stop_on_error: bool) -> None:
    """Datasets and lineage from OpenLineage run events (JSON Lines, one event a line):
    inputs and outputs become datasets matched by namespace and name, each output derived
    from each input. A bad event stops its file, named by its line."""
    from tracker.interop.openlineage import read_events

    _run(app, files, read_events, dry_run, stop_on_error)


@import_group.command("table")
@file_argument
@click.option("--map", "mapping", multiple=True, metavar="THEIRS=OURS",
              help="Read column THEIRS as OURS (repeatable).")
@dry_run_option
@stop_option
@max_bytes_option(TABLE_LIMIT)
@pass_app
def import_table(app: App, files: tuple[Path, ...], mapping: tuple[str, ...],
                 dry_run: bool, stop_on_error: bool, max_bytes: int) -> None:
    """Datasets from CSV or JSON Lines, one per row (columns: see the README); streamed,
    with progress on stderr for long files."""
    from tracker.interop import table

    columns = table.parse_map(mapping)

    def read(path: Path) -> Any:
        rows = table.read(path, columns, max_bytes)
        size = path.stat().st_size
        if size < 2_000_000:
            return rows
        return _progress(rows, path.name)

    _run(app, files, read, dry_run, stop_on_error, parallel=True)


def _progress(rows: Any, label: str) -> Any:
    count = 0
    with click.progressbar(length=0, label=f"importing {label}", file=sys.stderr,
                           show_pos=True) as bar:
        for row in rows:
            count += 1
            if count % 1000 == 0:
                bar.update(1000)
            yield row


@import_group.command("json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@max_bytes_option(REGISTRY_LIMIT)
@pass_app
def import_json(app: App, file: Path, max_bytes: int) -> None:
    """A whole registry exported by `tracker export json`, into an empty registry."""
    from tracker.interop import registry_file
    from tracker.interop.reading import load_json, read_text

    document = load_json(read_text(file, max_bytes), str(file))
    with app.registry.writing(app.actor) as w:
        counts = registry_file.load(w, document, str(file))
    done(f"imported {registry_file.dataset_count_label(counts)}")


COMMANDS = [import_group]

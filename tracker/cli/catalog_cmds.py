"""tracker dataset | source | lineage | consent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker.cli.common import (
    App,
    confirm_destructive,
    done,
    emit_rows,
    field_options,
    fill_required,
    output_options,
    pass_app,
    print_json,
    print_lines,
    yes_option,
)
from tracker.cli.correcting import all_option, show_list, void_command
from tracker.values import vocab
from tracker.values.fields import (
    DATASET_FIELDS,
    DATASET_LIST_COLUMNS,
    SOURCE_FIELDS,
    SOURCE_LIST_COLUMNS,
    FieldSpec,
)
from tracker.values.wording import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from tracker.registry import Writer

F = TypeVar("F", bound=Callable[..., Any])


def _lazy(path: str) -> Callable[..., Any]:
    """A domain function imported on first call: a plain `list` never loads the ORM."""
    module, _, name = path.rpartition(".")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module), name)(*args, **kwargs)

    return call

# ---- dataset and source: the same five commands over different fields --------------------


@dataclass(frozen=True)
class RecordKind:
    noun: str
    table: str
    specs: tuple[FieldSpec, ...]
    add: Callable[..., Any]
    edit: Callable[..., bool]
    rows: Callable[..., list[dict[str, Any]]]
    columns: tuple[str, ...]
    detail: Callable[[Session, str], dict[str, Any]]
    summary: Callable[[Session, str], str]
    remove: Callable[[Writer, str], int]


def paging_options(func: F) -> F:
    """--limit and --offset: a page of a list."""
    func = click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
                        help="Skip the first N rows (the pages before).")(func)
    return click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
                        help="At most N rows (a page).")(func)


def list_records(app: App, kind: RecordKind, limit: int | None, offset: int, as_json: bool,
                 as_csv: bool) -> None:
    """A page of records: the plain table straight from the table's columns (fast, no ORM);
    full records for --json and --csv."""
    if not (as_json or as_csv):
        emit_rows(app.registry.page(kind.table, kind.columns, limit, offset), kind.columns)
        return
    with app.registry.reading() as session:
        rows = kind.rows(session, limit, offset)
    emit_rows(rows, kind.columns, as_json=as_json, as_csv=as_csv)


def record_commands(group: click.Group, kind: RecordKind, *, add_help: str, show_help: str,
                    remove_help: str, with_list: bool = True, with_show: bool = True) -> None:
    """Attach add/list/show/edit/remove for one kind of record to its group (list and show
    apart, for a kind with its own)."""
    noun = kind.noun

    @group.command("add", help=add_help)
    @click.argument("slug")
    @field_options(kind.specs)
    @pass_app
    def add(app: App, slug: str, **values: Any) -> None:
        fill_required(kind.specs, values)
        with app.registry.writing(app.actor) as w:
            kind.add(w, slug, values)
        done(f"added {noun} {slug}")

    if with_list:
        @group.command("list", help=f"List {noun}s, by slug.")
        @paging_options
        @output_options()
        @pass_app
        def list_(app: App, limit: int | None, offset: int, as_json: bool,
                  as_csv: bool) -> None:
            list_records(app, kind, limit, offset, as_json, as_csv)

    if with_show:
        @group.command("show", help=show_help)
        @click.argument("slug")
        @output_options(csv_ok=False)
        @pass_app
        def show(app: App, slug: str, as_json: bool) -> None:
            with app.registry.reading() as session:
                data = kind.detail(session, slug)
            if as_json:
                print_json(data)
                return
            from tracker.cli.dataset_card import record_card_lines

            click.echo("\n".join(record_card_lines(data)))

    @group.command("edit", help=f"Change fields of a {noun}; an empty value ('') clears an "
                               "optional field.")
    @click.argument("slug")
    @click.option("--slug", "new_slug", default=None, help=f"Rename the {noun}'s handle.")
    @field_options(kind.specs, for_add=False)
    @pass_app
    def edit(app: App, slug: str, new_slug: str | None, **values: Any) -> None:
        with app.registry.writing(app.actor) as w:
            changed = kind.edit(w, slug, values, new_slug)
        done(f"updated {noun} {new_slug or slug}" if changed else "nothing changed")

    @group.command("remove", help=remove_help)
    @click.argument("slug")
    @yes_option
    @pass_app
    def remove(app: App, slug: str, yes: bool) -> None:
        with app.registry.reading() as session:
            summary = kind.summary(session, slug)
        confirm_destructive(f"remove {summary}", yes)
        with app.registry.writing(app.actor) as w:
            count = kind.remove(w, slug)
        done(f"removed {noun} {slug} ({plural(count, 'row')})")


@click.group("dataset")
def dataset_group() -> None:
    """Training datasets: what they are, how big, where they stand."""


_CATALOG = "tracker.registry.catalog"
_DETAIL = "tracker.service.detail"
DATASETS = RecordKind("dataset", "dataset", DATASET_FIELDS, _lazy(f"{_CATALOG}.add_dataset"),
                      _lazy(f"{_CATALOG}.edit_dataset"), _lazy(f"{_CATALOG}.list_datasets"),
                      DATASET_LIST_COLUMNS, _lazy(f"{_DETAIL}.dataset_detail"),
                      _lazy(f"{_CATALOG}.removal_summary"), _lazy(f"{_CATALOG}.remove_dataset"))
record_commands(
    dataset_group, DATASETS,
    add_help="Register a dataset under SLUG (a short unique handle such as 'news-archive').",
    show_help="Everything recorded about a dataset: sources, claims, fees, costs, consent, "
              "lineage.",
    remove_help="Delete a dataset with its claims, fees, costs, consent records, links and "
                "lineage.",
    with_list=False, with_show=False,
)

_policy_option = click.option(
    "--policy", "policy_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
    help="Policy file (TOML) the findings and review are judged by [the packaged default].")


@dataset_group.command("show")
@click.argument("slug")
@_policy_option
@output_options(csv_ok=False)
@pass_app
def dataset_show(app: App, slug: str, policy_file: Path | None, as_json: bool) -> None:
    """A dataset's record card: the licence that governs it and its effective terms, its open
    findings, its review and what derives from it first; then its fields, sources, licence
    claims, fees, costs, consent and lineage."""
    from tracker.assess.policy import load_policy
    from tracker.cli.dataset_card import card_lines
    from tracker.service.detail import dataset_detail
    from tracker.service.overview import dataset_overview

    policy = load_policy(policy_file)
    with app.registry.reading() as session:
        data = dataset_detail(session, slug) | dataset_overview(session, slug, policy)
    print_json(data) if as_json else print_lines(card_lines(data))


@dataset_group.command("impact")
@click.argument("slug")
@output_options(csv_ok=False)
@pass_app
def dataset_impact(app: App, slug: str, as_json: bool) -> None:
    """What a withdrawn consent or a wrong licence on SLUG reaches: every dataset derived from
    it, with the lineage path, and every training run drawing it or one of those, with the
    run's status."""
    from tracker.cli.dataset_card import impact_lines
    from tracker.service.impact import dataset_impact as impact_of

    with app.registry.reading() as session:
        found = impact_of(session, slug)
    print_json(found) if as_json else print_lines(impact_lines(found))


@dataset_group.command("list")
@click.option("--license", "license_id", default=None, metavar="ID",
              help="Only datasets whose resolved licence names ID (an SPDX id, LicenseRef- "
                   "id or alias).")
@click.option("--commercial", default=None, metavar="YES|NO|UNKNOWN",
              help="Only datasets whose effective commercial-use term (lineage included) "
                   "is this.")
@click.option("--consent", default=None, metavar="STATUS",
              help=f"Only datasets whose consent in force is STATUS "
                   f"[{'|'.join(vocab.CONSENT_STATUSES)}]; none recorded counts as unknown.")
@click.option("--finding", default=None, metavar="CODE",
              help="Only datasets with an open (unwaived) finding CODE (see `tracker flags`).")
@click.option("--source-category", default=None, metavar="CATEGORY",
              help=f"Only datasets of this category [{'|'.join(vocab.SOURCE_CATEGORIES)}].")
@click.option("--policy", "policy_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Policy file (TOML) the filters judge by [the packaged default].")
@paging_options
@output_options()
@pass_app
def dataset_list(app: App, license_id: str | None, commercial: str | None,
                 consent: str | None, finding: str | None, source_category: str | None,
                 policy_file: Path | None, limit: int | None, offset: int, as_json: bool,
                 as_csv: bool) -> None:
    """List datasets, by slug; the filters combine (every one given must hold)."""
    given = {"license": license_id, "commercial": commercial, "consent": consent,
             "finding": finding, "source_category": source_category}
    if all(v is None for v in given.values()):
        list_records(app, DATASETS, limit, offset, as_json, as_csv)
        return
    from tracker.assess.policy import load_policy
    from tracker.registry import catalog

    policy = load_policy(policy_file)
    with app.registry.reading() as session:
        wanted = catalog.dataset_filter(session, **given)
        rows = catalog.list_datasets(session, limit, offset, wanted, policy)
    emit_rows(rows, DATASETS.columns, as_json=as_json, as_csv=as_csv)


@click.group("source")
def source_group() -> None:
    """Where data came from: sites, platforms, publishers, brokers, vendors, models."""


record_commands(
    source_group,
    RecordKind("source", "source", SOURCE_FIELDS, _lazy(f"{_CATALOG}.add_source"),
               _lazy(f"{_CATALOG}.edit_source"), _lazy(f"{_CATALOG}.list_sources"),
               SOURCE_LIST_COLUMNS, _lazy(f"{_DETAIL}.source_detail"),
               _lazy(f"{_CATALOG}.source_removal_summary"), _lazy(f"{_CATALOG}.remove_source")),
    add_help="Register a source under SLUG.",
    show_help="A source with the datasets drawn from it and its consent history.",
    remove_help="Delete a source with its links to datasets and its consent records.",
)


@source_group.command("link")
@click.argument("dataset")
@click.argument("source")
@click.option("--content-bytes", default=None, help="How much of the dataset came from it.")
@click.option("--notes", default="", help="How the source contributed.")
@click.option("--remove", "unlink", is_flag=True, help="Remove the link instead.")
@yes_option
@pass_app
def source_link(app: App, dataset: str, source: str, content_bytes: str | None, notes: str,
                unlink: bool, yes: bool) -> None:
    """Record that DATASET draws on SOURCE."""
    from tracker.registry import catalog

    if unlink:
        confirm_destructive(f"unlink {dataset} <- {source}", yes)
    with app.registry.writing(app.actor) as w:
        if unlink:
            catalog.unlink_source(w, dataset, source)
        else:
            catalog.link_source(w, dataset, source, content_bytes, notes)
    done(f"{'unlinked' if unlink else 'linked'} {dataset} <- {source}")


@source_group.group("domains")
def source_domains() -> None:
    """Per-domain content sizes and robots/TDM status of a crawl (for the EU summary)."""


@source_domains.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source_slug", required=True, help="The crawl source they belong to.")
@pass_app
def source_domains_import(app: App, file: Path, source_slug: str) -> None:
    """Replace a source's domain list with FILE (CSV: domain, content_bytes[, robots,
    tdm_reserved]). Streamed; all or nothing; robots is allowed|disallowed|partial|unknown."""
    from tracker.registry.domains import import_domains

    total = file.stat().st_size
    with click.progressbar(length=total, label=f"importing {file.name}", file=sys.stderr,
                           hidden=total < 5_000_000) as bar:
        position = {"done": 0}

        def advance(offset: int) -> None:
            bar.update(offset - position["done"])
            position["done"] = offset

        with app.registry.writing(app.actor) as w:
            result = import_domains(w, source_slug, file, advance)
    done(f"{source_slug}: {result.rows:,} domain{'s' if result.rows != 1 else ''} imported"
         + (f" (replacing {result.replaced:,})" if result.replaced else ""))


@source_domains.command("signals")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--source", "source_slug", required=True, help="The crawl source they belong to.")
@click.option("--agents", "agents_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="CSV of more AI crawler user agents (user_agent, operator, purpose, source, "
                   "checked_on), added to the packaged table.")
@click.option("--captured-on", default=None, metavar="DATE",
              help="When the crawl captured the files [each domain's newest file date].")
@pass_app
def source_domains_signals(app: App, directory: Path, source_slug: str,
                           agents_file: Path | None, captured_on: str | None) -> None:
    """Replace a source's opt-out evidence with what the crawl saved in DIRECTORY:
    DOMAIN/robots.txt, DOMAIN/.well-known/tdmrep.json, DOMAIN/ai.txt, DOMAIN/index.html and
    headers.jsonl. robots.txt is judged for the source's crawler (`source edit --crawler`)
    and the AI crawlers of the packaged table; a domain whose files are odd is read without
    them, with a warning."""
    from tracker.interop.signals_import import import_signals
    from tracker.values.parse import date

    when = None if captured_on is None else date(captured_on, "captured-on")
    with app.registry.writing(app.actor) as w:
        result = import_signals(w, source_slug, directory, agents_file=agents_file,
                                captured_on=when, warn=lambda m: click.echo(f"warning: {m}",
                                                                            err=True))
    done(f"{source_slug}: opt-out signals of {plural(result.rows, 'domain')} read, "
         f"{result.reserved:,} reserving AI training or text and data mining"
         + (f" (replacing {result.replaced:,})" if result.replaced else "")
         + (f"; {plural(result.warnings, 'warning')}" if result.warnings else ""))


@source_domains.command("evidence")
@click.argument("source_slug", metavar="SOURCE")
@click.option("--reserved", "reserved_only", is_flag=True,
              help="Only the domains that reserve AI training or text and data mining.")
@output_options()
@pass_app
def source_domains_evidence(app: App, source_slug: str, reserved_only: bool, as_json: bool,
                            as_csv: bool) -> None:
    """SOURCE's opt-out evidence by domain: the verdict, the rule that decided it and when
    it was captured (--json adds every signal and each file's SHA-256)."""
    from tracker.registry.domain_signals import EVIDENCE_COLUMNS, evidence_rows

    with app.registry.reading() as session:
        rows = evidence_rows(session, source_slug, reserved_only=reserved_only)
    emit_rows(rows, EVIDENCE_COLUMNS, as_json=as_json, as_csv=as_csv, wrap="decided_by")


@source_domains.command("list")
@click.argument("source_slug", metavar="SOURCE")
@click.option("--limit", "-n", default=20, show_default=True, help="How many of the largest.")
@output_options(csv_ok=False)
@pass_app
def source_domains_list(app: App, source_slug: str, limit: int, as_json: bool) -> None:
    """The largest domains of SOURCE's crawl, with totals."""
    from tracker.registry.domains import summary

    with app.registry.reading() as session:
        data = summary(session, source_slug, limit)
    if as_json:
        print_json(data)
        return
    click.echo(f"{plural(data['domains'], 'domain')}, {plural(data['content_bytes'], 'byte')}")
    emit_rows(data["largest"], ("domain", "content_bytes", "robots", "tdm_reserved"))


# ---- lineage ------------------------------------------------------------------------------


@click.group("lineage")
def lineage_group() -> None:
    """Which datasets were derived from which."""


@lineage_group.command("add")
@click.argument("child")
@click.argument("parent")
@click.option("--relation", required=True, metavar="KIND",
              help=f"How CHILD derives from PARENT [{'|'.join(vocab.LINEAGE_RELATIONS)}].")
@click.option("--notes", default="", help="Details of the derivation.")
@pass_app
def lineage_add(app: App, child: str, parent: str, relation: str, notes: str) -> None:
    """Record that CHILD was derived from PARENT (cycles are refused)."""
    from tracker.registry import lineage

    with app.registry.writing(app.actor) as w:
        lineage.add_edge(w, child, parent, relation, notes)
    done(f"{child} derives from {parent} ({relation})")


@lineage_group.command("remove")
@click.argument("child")
@click.argument("parent")
@yes_option
@pass_app
def lineage_remove(app: App, child: str, parent: str, yes: bool) -> None:
    """Remove the edge CHILD <- PARENT."""
    from tracker.registry import lineage

    confirm_destructive(f"remove the lineage edge {child} <- {parent}", yes)
    with app.registry.writing(app.actor) as w:
        lineage.remove_edge(w, child, parent)
    done(f"removed {child} <- {parent}")


@lineage_group.command("show")
@click.argument("dataset")
@click.option("--effective", is_flag=True,
              help="Also give the terms inherited from every ancestor, each with its path.")
@output_options(csv_ok=False)
@pass_app
def lineage_show(app: App, dataset: str, effective: bool, as_json: bool) -> None:
    """Draw DATASET's ancestors and descendants."""
    from tracker.assess.inventory import resolution_view
    from tracker.assess.inventory import terms_text as terms_line
    from tracker.registry import lineage

    with app.registry.reading() as session:
        data = lineage.neighbourhood(session, dataset)
        if effective:
            from tracker.assess.provenance import effective as effective_terms
            from tracker.assess.provenance import resolve
            from tracker.service.snapshots import dataset_snapshot

            facts, snapshot = dataset_snapshot(session, dataset)
            view = resolution_view(resolve(facts, snapshot), effective_terms(facts, snapshot))
            data["effective"] = {k: view[k] for k in ("resolved", "terms", "inherited",
                                                      "effective_terms")}
    if as_json:
        print_json(data)
        return
    if effective:
        eff = data["effective"]
        click.echo(f"{dataset}: own licence {eff['resolved'] or 'none claimed'} "
                   f"({terms_line(eff['terms'])})")
        click.echo(f"effective terms: {terms_line(eff['effective_terms'])}")
        for item in eff["inherited"]:
            reasons = list(item["restrictions"]) + [f"TDM opt-out of {s} not honoured"
                                                    for s in item["tdm_ignored"]]
            click.echo(f"  inherits from {' <- '.join(item['path'])} "
                       f"({item['license'] or 'no licence'}): "
                       f"{'; '.join(reasons)}")
        click.echo("")
    click.echo(dataset)
    for line in lineage.render_tree(data["ancestors"], "derived from"):
        click.echo(line)
    if data["descendants"]:
        click.echo("used by:")
        for line in lineage.render_tree(data["descendants"], "source of"):
            click.echo(line)


# ---- consent ------------------------------------------------------------------------------


@click.group("consent")
def consent_group() -> None:
    """Consent of the people in or behind the data, as a dated history."""


@consent_group.command("set")
@click.argument("dataset", required=False)
@click.option("--source", default=None, help="Record consent for a source instead.")
@click.option("--status", required=True, metavar="STATUS",
              help=f"[{'|'.join(vocab.CONSENT_STATUSES)}]")
@click.option("--legal-basis", default="unknown", show_default=True, metavar="BASIS",
              help=f"GDPR Art. 6 basis [{'|'.join(vocab.LEGAL_BASES)}]")
@click.option("--compensation", default="unknown", show_default=True, metavar="YES|NO|UNKNOWN",
              help="Were contributors compensated?")
@click.option("--evidence", default=None, help="URL of the evidence (policy, form, notice).")
@click.option("--date", "recorded_on", default=None, help="When this was true [today].")
@click.option("--notes", default="", help="Anything a reviewer should know.")
@pass_app
def consent_set(app: App, dataset: str | None, source: str | None, status: str,
                legal_basis: str, compensation: str, evidence: str | None,
                recorded_on: str | None, notes: str) -> None:
    """Record the consent status of DATASET (or --source); earlier records are kept."""
    from tracker.registry import consent

    with app.registry.writing(app.actor) as w:
        consent.set_consent(w, dataset_slug=dataset, source_slug=source, status=status,
                            legal_basis=legal_basis, compensation=compensation,
                            evidence_url=evidence, recorded_on=recorded_on, notes=notes)
    done(f"consent of {dataset or source}: {status}")


void_command(consent_group, "consent record", _lazy("tracker.registry.consent.void_consent"),
             help="Void consent record ID (ids: `tracker consent history`), entered in error: "
                  "it is kept, shown as voided with who, when and why, and the record before "
                  "it is in force again. A change of status is a new record (`consent set`).")


@consent_group.command("history")
@click.argument("dataset", required=False)
@click.option("--source", default=None, help="Show a source's history instead.")
@all_option
@output_options()
@pass_app
def consent_history(app: App, dataset: str | None, source: str | None, include_voided: bool,
                    as_json: bool, as_csv: bool) -> None:
    """Consent records of DATASET (or --source), oldest first; the last is in force.
    Voided records (in force never) with --all."""
    from tracker.registry import consent

    if (dataset is None) == (source is None):
        raise click.UsageError("give a DATASET or --source")
    with app.registry.reading() as session:
        rows = consent.history(session, dataset_slug=dataset, source_slug=source,
                               include_voided=include_voided)
    show_list(rows, ("id", "recorded_on", "status", "legal_basis", "compensation",
                     "evidence_url"), as_json=as_json, as_csv=as_csv,
              include_voided=include_voided)


COMMANDS = [dataset_group, source_group, lineage_group, consent_group]

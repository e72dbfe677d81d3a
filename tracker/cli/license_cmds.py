"""tracker license: the knowledge base and licence claims on datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tracker.assess.inventory import (
    INVENTORY_CSV_COLUMNS,
    conflict_text,
    inventory,
    inventory_csv_row,
    resolution_view,
    restriction_text,
)
from tracker.assess.inventory import terms_text as terms_line
from tracker.assess.provenance import effective, resolve
from tracker.cli.common import (
    App,
    done,
    emit_rows,
    output_options,
    pass_app,
    print_csv,
    print_json,
    print_json_list,
    print_lines,
    print_record,
)
from tracker.cli.correcting import all_option, show_list, void_command
from tracker.registry import catalog, claims, licenses
from tracker.values import vocab

LIST_COLUMNS = ("id", "category", "commercial_use", "ai_training", "share_alike",
                "no_derivatives", "name")


@click.group("license")
def license_group() -> None:
    """Licence knowledge base and who claims which licence for a dataset."""


@license_group.command("list")
@click.option("--category", default=None,
              help=f"Only this category [{'|'.join(licenses.CATEGORIES)}].")
@output_options()
@pass_app
def license_list(app: App, category: str | None, as_json: bool, as_csv: bool) -> None:
    """List known licences and their terms."""
    with app.registry.reading() as session:
        rows = [licenses.public(lic) for lic in licenses.all_licenses(session)
                if category is None or lic.category == category]
    emit_rows(rows, LIST_COLUMNS, as_json=as_json, as_csv=as_csv)


@license_group.command("show")
@click.argument("license_id")
@output_options(csv_ok=False)
@pass_app
def license_show(app: App, license_id: str, as_json: bool) -> None:
    """Terms of one licence (SPDX id, LicenseRef- id or alias)."""
    with app.registry.reading() as session:
        data = licenses.public(licenses.get_license(session, license_id))
    print_json(data) if as_json else print_record(data)


@license_group.command("add")
@click.argument("license_id", metavar="LicenseRef-NAME")
@click.option("--name", required=True, help="Full name of the licence or terms.")
@click.option("--url", default=None, help="Where its text lives.")
@click.option("--category", default="unknown", show_default=True, metavar="CATEGORY",
              help=f"Kind of licence [{'|'.join(licenses.CATEGORIES)}].")
@click.option("--commercial-use", default="unknown", show_default=True, metavar="YES|NO|UNKNOWN",
              help="May the data be used commercially?")
@click.option("--ai-training", default="unknown", show_default=True,
              metavar="|".join(licenses.AI_TRAINING), help="May the data train a model?")
@click.option("--attribution", is_flag=True, help="Attribution is required.")
@click.option("--share-alike", is_flag=True, help="Derivatives must keep the licence.")
@click.option("--no-derivatives", is_flag=True, help="Adaptations may not be shared.")
@click.option("--restricts-models", is_flag=True, help="Use restrictions bind trained models.")
@click.option("--restricts-outputs", is_flag=True, help="Outputs are restricted too.")
@click.option("--notes", default="", help="What matters about these terms.")
@pass_app
def license_add(app: App, license_id: str, name: str, url: str | None, category: str,
                commercial_use: str, ai_training: str, attribution: bool, share_alike: bool,
                no_derivatives: bool, restricts_models: bool, restricts_outputs: bool,
                notes: str) -> None:
    """Add a custom licence (LicenseRef-...) with its terms to the knowledge base."""
    flags = {"attribution": attribution, "share_alike": share_alike,
             "no_derivatives": no_derivatives, "restricts_models": restricts_models,
             "restricts_outputs": restricts_outputs}
    with app.registry.writing(app.actor) as w:
        claims.add_license(w, license_id, name=name, url=url, category=category,
                           commercial_use=commercial_use, ai_training=ai_training,
                           flags=flags, notes=notes)
    done(f"added licence {license_id}")


@license_group.command("claim")
@click.argument("dataset")
@click.argument("expression")
@click.option("--by", "claimed_by", required=True, metavar="WHO",
              help=f"Who makes the claim [{'|'.join(vocab.CLAIMANTS)}].")
@click.option("--evidence", default=None, help="URL where the claim is made.")
@click.option("--date", "observed_on", default=None, help="When it was observed [today].")
@click.option("--notes", default="", help="Context for reviewers.")
@pass_app
def license_claim(app: App, dataset: str, expression: str, claimed_by: str,
                  evidence: str | None, observed_on: str | None, notes: str) -> None:
    """Record that someone claims DATASET is under EXPRESSION (an SPDX expression).

    Claims are kept side by side: when they disagree that is a finding, not an error.
    """
    with app.registry.writing(app.actor) as w:
        claim = claims.add_claim(w, dataset, expression, claimed_by, evidence_url=evidence,
                                 observed_on=observed_on, notes=notes)
    done(f"{dataset}: {claim.expression} claimed by {claim.claimed_by}")


@license_group.command("claims")
@click.argument("dataset")
@all_option
@output_options()
@pass_app
def license_claims(app: App, dataset: str, include_voided: bool, as_json: bool,
                   as_csv: bool) -> None:
    """Licence claims recorded for DATASET, oldest first; retracted ones with --all."""
    with app.registry.reading() as session:
        rows = claims.claims_of(session, catalog.find_dataset(session, dataset),
                                include_voided=include_voided)
    show_list(rows, ("id", "observed_on", "license", "claimed_by", "evidence_url"),
              as_json=as_json, as_csv=as_csv, include_voided=include_voided)


# `license claim DATASET EXPRESSION` takes its arguments by position, so a `claim void ID`
# would read as a claim on a dataset named "void": a retraction has its own verb.
void_command(license_group, "licence claim", claims.retract_claim, name="retract",
             help="Retract licence claim ID (ids: `tracker license claims DATASET`), recorded "
                  "in error: it is kept, shown as voided with who, when and why, and no longer "
                  "counts in resolution, conflicts or findings. A claimant that changed its "
                  "licence is drift, not an error: record the new claim instead.")


@license_group.command("resolve")
@click.argument("dataset", required=False)
@click.option("--all", "every", is_flag=True,
              help="Every dataset at once: the licence inventory, from one snapshot.")
@click.option("--policy", "policy_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Policy file (TOML): how OR is read [the packaged default].")
@output_options()
@pass_app
def license_resolve(app: App, dataset: str | None, every: bool, policy_file: Path | None,
                    as_json: bool, as_csv: bool) -> None:
    """Which licence governs DATASET: its claims, the resolution, conflicts, and why.

    The latest claim of each claimant counts (earlier ones are drift); across them the
    strictest value of each term wins. Restrictions inherited through lineage follow.
    With --all, every dataset's resolved licence, terms, effective terms with the
    ancestors that restrict them, and conflicts (JSON: one dataset per line).
    """
    from tracker.assess.policy import load_policy
    from tracker.service.snapshots import dataset_snapshot, registry_snapshot

    if every == (dataset is not None):
        raise click.UsageError("give a DATASET or --all")
    if as_csv and not every:
        raise click.UsageError("--csv goes with --all (one row per dataset)")
    policy = load_policy(policy_file)
    with app.registry.reading() as session:
        if every:
            facts, snapshot = None, registry_snapshot(session)
        else:
            facts, snapshot = dataset_snapshot(session, dataset or "")
    if facts is None:
        _print_inventory(inventory(snapshot, policy.or_branch), as_json=as_json, as_csv=as_csv)
        return
    data = resolution_view(resolve(facts, snapshot, policy.or_branch),
                           effective(facts, snapshot, policy.or_branch))
    if as_json:
        print_json(data)
        return
    _print_resolution(data)


def _print_resolution(data: dict[str, Any]) -> None:
    click.echo(f"{data['dataset']}: {data['resolved'] or 'no licence claimed'}")
    if data["terms"]:
        click.echo(f"  terms: {terms_line(data['terms'])}")
    click.echo(f"  why: {data['why']}")
    click.echo("\nCLAIMS (oldest first)")
    for c in data["claims"]:
        mark = "current" if c["current"] else "superseded"
        click.echo(f"  - {c['observed_on']} {c['claimed_by']}: {c['license']} ({mark}; "
                   f"{terms_line(c['terms'])})")
    for c in data["conflicts"]:
        click.echo(f"CONFLICT: {conflict_text(c)}")
    for d in data["drift"]:
        click.echo(f"DRIFT: {d['claimed_by']}: {d['from']} ({d['from_date']}) -> {d['to']} "
                   f"({d['to_date']})")
    if data["inherited"]:
        click.echo("\nINHERITED THROUGH LINEAGE")
        for i in data["inherited"]:
            click.echo(f"  - {restriction_text(i)}")
        click.echo(f"  effective terms: {terms_line(data['effective_terms'])}")


def _print_inventory(rows: list[dict[str, Any]], *, as_json: bool, as_csv: bool) -> None:
    if as_json:
        print_json_list(rows)
    elif as_csv:
        print_csv([inventory_csv_row(r) for r in rows], INVENTORY_CSV_COLUMNS)
    else:
        print_lines(line for row in rows for line in inventory_lines(row))


def inventory_lines(row: dict[str, Any]) -> list[str]:
    """A dataset of the inventory in words: its licence and terms, then (indented) what it
    inherits and its conflicts, when it has any."""
    lines = [f"{row['dataset']}: {row['resolved'] or 'no licence claimed'} "
             f"({terms_line(row['terms'])})"]
    if row["inherited"]:
        lines.append(f"  effective: {terms_line(row['effective_terms'])}")
        lines.extend(f"  restricted by {restriction_text(i)}" for i in row["inherited"])
    lines.extend(f"  CONFLICT: {conflict_text(c)}" for c in row["conflicts"])
    return lines


COMMANDS = [license_group]

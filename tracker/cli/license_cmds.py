"""tracker license: the knowledge base and licence claims on datasets."""

from __future__ import annotations

import click

from tracker import catalog, claims, licenses, vocab
from tracker.cli.common import (
    App,
    done,
    emit_rows,
    output_options,
    pass_app,
    print_json,
    print_record,
)

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
@output_options()
@pass_app
def license_claims(app: App, dataset: str, as_json: bool, as_csv: bool) -> None:
    """Licence claims recorded for DATASET, oldest first."""
    with app.registry.reading() as session:
        rows = claims.claims_of(session, catalog.find_dataset(session, dataset))
    emit_rows(rows, ("observed_on", "license", "claimed_by", "evidence_url"),
              as_json=as_json, as_csv=as_csv)


COMMANDS = [license_group]

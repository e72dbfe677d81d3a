"""tracker license: the knowledge base and licence claims on datasets."""

from __future__ import annotations

from pathlib import Path

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


@license_group.command("resolve")
@click.argument("dataset")
@click.option("--policy", "policy_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Policy file (TOML): how OR is read [the packaged default].")
@output_options(csv_ok=False)
@pass_app
def license_resolve(app: App, dataset: str, policy_file: Path | None, as_json: bool) -> None:
    """Which licence governs DATASET: its claims, the resolution, conflicts, and why.

    The latest claim of each claimant counts (earlier ones are drift); across them the
    strictest value of each term wins. Restrictions inherited through lineage follow.
    """
    from tracker.policy import load_policy
    from tracker.provenance import effective, resolve
    from tracker.reporting import registry_snapshot

    policy = load_policy(policy_file)
    with app.registry.reading() as session:
        snapshot = registry_snapshot(session)
        facts = snapshot.datasets[catalog.find_dataset(session, dataset).id]  # type: ignore[index]
    resolution = resolve(facts, snapshot, policy.or_branch)
    eff = effective(facts, snapshot, policy.or_branch)
    data = resolution_view(resolution, eff)
    if as_json:
        print_json(data)
        return
    click.echo(f"{dataset}: {data['resolved'] or 'no licence claimed'}")
    if data["terms"]:
        click.echo(f"  terms: {terms_line(data['terms'])}")
    click.echo(f"  why: {data['why']}")
    click.echo("\nCLAIMS (oldest first)")
    for c in data["claims"]:
        mark = "current" if c["current"] else "superseded"
        click.echo(f"  - {c['observed_on']} {c['claimed_by']}: {c['license']} ({mark}; "
                   f"{terms_line(c['terms'])})")
    for c in data["conflicts"]:
        click.echo(f"CONFLICT: {c['grantor']} vs {c['relay']}: {'; '.join(c['differences'])}")
    for d in data["drift"]:
        click.echo(f"DRIFT: {d['claimed_by']}: {d['from']} ({d['from_date']}) -> {d['to']} "
                   f"({d['to_date']})")
    if data["inherited"]:
        click.echo("\nINHERITED THROUGH LINEAGE")
        for i in data["inherited"]:
            click.echo(f"  - {' <- '.join(i['path'])}: {i['license'] or 'no licence'}: "
                       f"{'; '.join(i['restrictions']) or 'consent/TDM'}")
        click.echo(f"  effective terms: {terms_line(data['effective_terms'])}")


def terms_line(terms: dict[str, object] | None) -> str:
    if not terms:
        return "unknown"
    flags = [k.replace("_", "-") for k in ("attribution", "share_alike", "no_derivatives",
                                           "restricts_models", "restricts_outputs")
             if terms.get(k)]
    if terms.get("unknown"):
        flags.append("terms unknown")
    return (f"commercial use {terms['commercial_use']}, AI training {terms['ai_training']}"
            + (f", {', '.join(flags)}" if flags else ""))


def resolution_view(resolution: object, eff: object) -> dict[str, object]:
    from dataclasses import asdict

    from tracker.provenance import Effective, Resolution

    assert isinstance(resolution, Resolution) and isinstance(eff, Effective)

    def terms(t: object) -> dict[str, object] | None:
        return None if t is None else {k: v for k, v in asdict(t).items() if k != "keys"}

    current = [c for c in resolution.claims if c.current]
    if resolution.terms is None:
        why = "no licence claim is recorded"
    elif len(current) == 1:
        why = f"the only current claim, by the {current[0].claim.claimed_by}"
    elif resolution.resolved_by:
        by = ", ".join(c.claimed_by for c in resolution.resolved_by)
        why = (f"{len(current)} current claims; the strictest term of each wins, which is the "
               f"licence claimed by the {by}")
    else:
        why = (f"{len(current)} current claims and none is strictest on every term: all "
               "apply together")
    return {
        "dataset": resolution.dataset,
        "resolved": resolution.expression,
        "terms": terms(resolution.terms),
        "why": why,
        "claims": [{"license": c.claim.expression, "claimed_by": c.claim.claimed_by,
                    "observed_on": c.claim.observed_on.isoformat(),
                    "evidence_url": c.claim.evidence_url, "current": c.current,
                    "terms": terms(c.terms)} for c in resolution.claims],
        "conflicts": [{"relay": f"{a.expression} ({a.claimed_by})",
                       "grantor": f"{b.expression} ({b.claimed_by})",
                       "differences": list(diff)} for a, b, diff in resolution.conflicts],
        "drift": [{"claimed_by": b.claimed_by, "from": a.expression,
                   "from_date": a.observed_on.isoformat(), "to": b.expression,
                   "to_date": b.observed_on.isoformat()} for a, b in resolution.drift],
        "inherited": [{"ancestor": i.ancestor, "path": list(i.path), "license": i.licence,
                       "restrictions": list(i.restrictions),
                       "tdm_ignored": list(i.tdm_ignored)} for i in eff.inherited],
        "effective_terms": terms(eff.terms),
    }


COMMANDS = [license_group]

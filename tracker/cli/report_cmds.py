"""tracker report: self-contained HTML audit and registry reports."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import App, done, pass_app
from tracker.cli.options import as_of_option, parse_as_of, policy_option

output_option = click.option("-o", "--output", required=True,
                             type=click.Path(dir_okay=False, path_type=Path),
                             help="HTML file to write.")


full_option = click.option(
    "--full", is_flag=True,
    help="Every dataset's card and every finding, however many (past the limits a report "
         "otherwise details the most pressing and says what it omitted).")


@click.group("report")
def report_group() -> None:
    """Self-contained HTML reports: open in any browser, print to PDF, send by mail."""


def write_audit_report(app: App, run: str, output: Path, policy_file: Path | None = None,
                       as_of: str | None = None, *, full: bool = False) -> None:
    from tracker.publish.reports import render_audit, write
    from tracker.service.assessing import assess
    from tracker.service.snapshots import run_crawl_evidence

    judged = assess(app.registry, run, policy=policy_file, today=parse_as_of(as_of), stamp=True)
    evidence = run_crawl_evidence(app.registry, judged.snapshot)
    write(output, render_audit(judged.snapshot, judged.budget, judged.policy, full=full,
                               crawl_evidence=evidence))


@report_group.command("audit")
@click.argument("run")
@output_option
@policy_option
@as_of_option
@full_option
@pass_app
def report_audit(app: App, run: str, output: Path, policy_file: Path | None,
                 as_of: str | None, full: bool) -> None:
    """Audit report for RUN: costs, findings, and a card per dataset (the most pressing
    ones for a large run)."""
    write_audit_report(app, run, output, policy_file, as_of, full=full)
    done(f"wrote {output}")


@report_group.command("registry")
@output_option
@policy_option
@as_of_option
@full_option
@pass_app
def report_registry(app: App, output: Path, policy_file: Path | None, as_of: str | None,
                    full: bool) -> None:
    """Report on every dataset in the registry, with findings judged without a run (the
    most pressing in detail for a large registry)."""
    from tracker.publish.reports import render_registry, write
    from tracker.service.assessing import assess

    judged = assess(app.registry, policy=policy_file, today=parse_as_of(as_of), stamp=True)
    write(output, render_registry(judged.snapshot, judged.findings, judged.policy, full=full))
    done(f"wrote {output}")


@report_group.command("eu-summary")
@click.argument("run")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .md for Markdown, .html for HTML.")
@click.option("--sme", is_flag=True, help="List the top 5% of domains (at most 1,000), as "
                                          "the template allows SMEs.")
@pass_app
def report_eu_summary(app: App, run: str, output: Path, sme: bool) -> None:
    """EU AI Act public summary of RUN's training content (AI Office template sections).

    Filled from the registry; what it lacks is listed as open points, never invented.
    """
    from tracker.assess.policy import load_policy
    from tracker.publish.reports import render_eu_summary, write
    from tracker.service.snapshots import eu_summary

    suffix = output.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise click.UsageError(f"--output must end in .md or .html (got {output.name!r})")
    with app.registry.reading() as session:
        summary, snapshot = eu_summary(session, run, sme=sme)
    write(output, render_eu_summary(summary, snapshot, load_policy(), html=suffix != ".md"))
    points = len(summary.open_points)  # type: ignore[attr-defined]
    done(f"wrote {output} ({points} open point{'s' if points != 1 else ''})")


@report_group.command("datasheet")
@click.argument("dataset")
@output_option
@pass_app
def report_datasheet(app: App, dataset: str, output: Path) -> None:
    """DATASET's datasheet (Datasheets for Datasets) as a self-contained HTML page."""
    from tracker.publish.reports import render_datasheet, write
    from tracker.service.snapshots import datasheet

    with app.registry.reading() as session:
        facts, snapshot, runs = datasheet(session, dataset)
    write(output, render_datasheet(facts, snapshot, runs, html=True))
    done(f"wrote {output}")


COMMANDS = [report_group]

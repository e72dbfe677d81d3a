"""tracker run | budget | flags | flag: training runs, what they cost, what stands in their way."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from tracker.assess.policy import SEVERITIES
from tracker.cli.common import (
    App,
    confirm_destructive,
    done,
    emit_rows,
    output_options,
    pass_app,
    print_csv,
    print_json,
    print_record,
    yes_option,
)
from tracker.cli.options import as_of_option, parse_as_of, policy_option
from tracker.facts.compute_plan import PRICINGS
from tracker.registry import findings, runs
from tracker.values.wording import plural

USES = "|".join(runs.INTENDED_USES)


@click.group("run")
def run_group() -> None:
    """Training runs: period, reporting currency, intended use, compute plan, datasets drawn."""


@run_group.command("create")
@click.argument("slug")
@click.option("--model", "model_name", required=True, help="Model being trained.")
@click.option("--start", required=True, help="Budget period start (YYYY-MM-DD).")
@click.option("--end", required=True, help="Budget period end (YYYY-MM-DD).")
@click.option("--currency", default="USD", show_default=True, help="Reporting currency.")
@click.option("--use", "intended_use", default="commercial", show_default=True,
              metavar=USES, help="Intended use of the model.")
@click.option("--contingency", default="0", show_default=True,
              help="Contingency, % of compute + data.")
@click.option("--provider", default="", help="Organisation training the model.")
@click.option("--description", default="", help="What the run is for.")
@pass_app
def run_create(app: App, slug: str, model_name: str, start: str, end: str, currency: str,
               intended_use: str, contingency: str, provider: str, description: str) -> None:
    """Plan a training run under SLUG."""
    with app.registry.writing(app.actor) as w:
        runs.create_run(w, slug, model_name=model_name, start=start, end=end,
                        currency=currency, intended_use=intended_use, contingency=contingency,
                        provider=provider, description=description)
    done(f"created run {slug}")


@run_group.command("edit")
@click.argument("slug")
@click.option("--model", "model_name", default=None, help="Model being trained.")
@click.option("--start", default=None, help="Budget period start (YYYY-MM-DD).")
@click.option("--end", default=None, help="Budget period end (YYYY-MM-DD).")
@click.option("--currency", default=None, help="Reporting currency.")
@click.option("--use", "intended_use", default=None, metavar=USES, help="Intended use.")
@click.option("--contingency", default=None, help="Contingency, % of compute + data.")
@click.option("--status", default=None, metavar="|".join(runs.RUN_STATUSES),
              help="Where the run stands.")
@click.option("--provider", default=None, help="Organisation training the model.")
@click.option("--tdm-measures", default=None,
              help="How text-and-data-mining opt-outs were respected (EU summary 3.1).")
@click.option("--illegal-content-measures", default=None,
              help="How illegal content was removed (EU summary 3.2).")
@click.option("--other-processing", default=None,
              help="Other processing worth stating (EU summary 3.3).")
@pass_app
def run_edit(app: App, slug: str, **values: Any) -> None:
    """Change a run's period, currency, use, contingency, status or EU-summary statements."""
    with app.registry.writing(app.actor) as w:
        changed = runs.edit_run(w, slug, values)
    done(f"updated run {slug}" if changed else "nothing changed")


@run_group.command("list")
@output_options()
@pass_app
def run_list(app: App, as_json: bool, as_csv: bool) -> None:
    """List training runs."""
    with app.registry.reading() as session:
        rows = runs.list_runs(session)
    emit_rows(rows, runs.LIST_COLUMNS, as_json=as_json, as_csv=as_csv)


@run_group.command("show")
@click.argument("slug")
@output_options(csv_ok=False)
@pass_app
def run_show(app: App, slug: str, as_json: bool) -> None:
    """A run with its compute plan and the datasets it draws."""
    with app.registry.reading() as session:
        data = runs.run_detail(session, slug)
    print_json(data) if as_json else print_record(data)


@run_group.command("remove")
@click.argument("slug")
@yes_option
@pass_app
def run_remove(app: App, slug: str, yes: bool) -> None:
    """Delete a run with its draws, its own costs and its waivers."""
    confirm_destructive(f"remove training run {slug!r}", yes)
    with app.registry.writing(app.actor) as w:
        count = runs.remove_run(w, slug)
    done(f"removed run {slug} ({plural(count, 'row')})")


@run_group.command("add-dataset")
@click.argument("run")
@click.argument("dataset")
@click.option("--tokens", default=None, help="Tokens drawn (unique, before epochs).")
@click.option("--records", default=None, help="Records (documents, images, rows) drawn.")
@click.option("--hours", default=None, help="Hours of audio or video drawn.")
@click.option("--share", default=None, help="Fraction of the dataset drawn, 0-1 [1 if nothing "
                                            "else is given].")
@click.option("--epochs", default=None, help="Passes over the drawn data [1].")
@pass_app
def run_add_dataset(app: App, run: str, dataset: str, **draw: Any) -> None:
    """Record that RUN draws DATASET, and how much of it (again to change the amounts)."""
    with app.registry.writing(app.actor) as w:
        _, created = runs.draw_dataset(w, run, dataset, **draw)
    done(f"{run} draws {dataset}" if created else f"{run} already drew {dataset}: amounts replaced")


@run_group.command("remove-dataset")
@click.argument("run")
@click.argument("dataset")
@yes_option
@pass_app
def run_remove_dataset(app: App, run: str, dataset: str, yes: bool) -> None:
    """Stop RUN drawing DATASET."""
    confirm_destructive(f"stop {run} drawing {dataset}", yes)
    with app.registry.writing(app.actor) as w:
        runs.undraw_dataset(w, run, dataset)
    done(f"{run} no longer draws {dataset}")


COMPUTE_OPTIONS = [
    ("--pricing", "pricing", f"How compute is paid for [{'|'.join(PRICINGS)}]."),
    ("--accelerator", "accelerator", "Catalogue entry (`tracker run accelerators`); case and "
                                     "punctuation aside, the name must be whole."),
    ("--count", "accelerator_count", "Number of accelerators."),
    ("--hours", "duration_hours", "Wall-clock training hours (with --count)."),
    ("--days", "duration_days", "Wall-clock training days (with --count)."),
    ("--accelerator-hours", "accelerator_hours", "Accelerator-hours, if known directly "
                                                 "(not with --count and --hours/--days)."),
    ("--flops", "training_flops", "Training FLOPs, e.g. 3.8e25."),
    ("--parameters", "parameters", "Parameters, for FLOPs = 6 x parameters x tokens."),
    ("--tokens", "training_tokens", "Training tokens [tokens drawn x epochs]."),
    ("--mfu", "mfu", "Model FLOP utilization, above 0 and at most 1."),
    ("--peak-flops", "peak_flops", "Peak FLOP/s per accelerator [catalogue]."),
    ("--price-per-hour", "price_per_hour", "Rental price per accelerator-hour [catalogue]."),
    ("--compute-currency", "compute_currency", "Currency of compute prices [USD]."),
    ("--hardware-value", "hardware_value", "Ownership: value per accelerator incl. server "
                                           "[catalogue price]."),
    ("--amortization-years", "amortization_years", "Ownership: amortization period [3.1021]."),
    ("--interconnect-share", "interconnect_share", "Ownership: interconnect share of cluster "
                                                   "cost, 0 to below 1 [0.19]."),
    ("--tdp-kw", "tdp_kw", "Ownership: accelerator TDP in kW [catalogue]."),
    ("--server-power-ratio", "server_power_ratio", "Ownership: server-to-chip power ratio."),
    ("--average-load", "average_load", "Ownership: average power as a share of TDP [0.75]."),
    ("--pue", "pue", "Ownership: data-centre PUE, 1-10 [1.1]."),
    ("--electricity-price", "electricity_price", "Ownership: price per kWh [0.0806]."),
]


def _compute_options(func: Any) -> Any:
    for flag, name, help_text in reversed(COMPUTE_OPTIONS):
        func = click.option(flag, name, default=None, help=help_text)(func)
    return func


@run_group.command("set-compute")
@click.argument("run")
@_compute_options
@pass_app
def run_set_compute(app: App, run: str, **values: Any) -> None:
    """Set RUN's compute plan; any catalogue figure or default can be overridden ('' clears).

    The plan must price as `tracker budget` prices it: a figure out of range, the
    accelerator-hours given twice, or a figure the estimate needs and the catalogue lacks
    is refused with the budget's own message, and nothing changes.
    """
    with app.registry.writing(app.actor) as w:
        changed = runs.set_compute(w, run, values)
    done(f"updated compute plan of {run}" if changed else "nothing changed")


@run_group.command("accelerators")
@output_options()
def run_accelerators(as_json: bool, as_csv: bool) -> None:
    """The accelerator catalogue: every figure an estimate may use (peak FLOP/s, TDP, prices,
    server-to-chip power ratio, average load, and the defaults), each with its source."""
    from tracker.assess.compute import LISTED_FIGURES, listing
    from tracker.values.money import quantity_display

    rows = listing()
    if as_json or as_csv:
        emit_rows(rows, ("key", "name"), as_json=as_json, as_csv=as_csv)
        return
    width = max(len(name) for name in LISTED_FIGURES)
    for row in rows:
        click.echo(f"{row['key']}  {row['name']}")
        for name, unit in LISTED_FIGURES.items():
            value = "-" if row[name] is None else \
                f"{quantity_display(Decimal(str(row[name])))} {unit}".strip()
            source = row[f"{name}_source"] or "not in the catalogue: give it per run"
            click.echo(f"  {name.ljust(width)}  {value:<28}  {source}")
        if row["notes"]:
            click.echo(f"  note: {row['notes']}")
        click.echo("")


# ---- budget, flags --------------------------------------------------------------------------

@click.command("budget")
@click.argument("run")
@policy_option
@as_of_option
@output_options()
@pass_app
def budget_cmd(app: App, run: str, policy_file: Path | None, as_of: str | None, as_json: bool,
               as_csv: bool) -> None:
    """What RUN will really cost: compute, data, contingency, reserves for findings."""
    from tracker.cli.budget_view import print_budget
    from tracker.service.assessing import assess

    budget = assess(app.registry, run, policy=policy_file, today=parse_as_of(as_of)).budget
    if as_json:
        print_json(budget.as_dict())
    elif as_csv:
        print_csv(budget.csv_rows())
    else:
        print_budget(budget)


@click.command("flags")
@click.argument("run", required=False)
@policy_option
@as_of_option
@output_options()
@pass_app
def flags_cmd(app: App, run: str | None, policy_file: Path | None, as_of: str | None,
              as_json: bool, as_csv: bool) -> None:
    """Findings for the datasets RUN draws (or every dataset), most severe first."""
    from tracker.service.assessing import assess

    findings = assess(app.registry, run or None, policy=policy_file,
                      today=parse_as_of(as_of)).findings
    if as_json:
        print_json([f.as_dict() for f in findings])
        return
    rows = [f.as_dict() | {"waived": waiver_label(f)} for f in findings]
    emit_rows(rows, ("severity", "dataset", "code", "waived", "why"), as_csv=as_csv, wrap="why")


def waiver_label(finding: Any) -> str:
    """Who waived a finding and until when: a reader must see a waiver running out."""
    waiver = finding.waiver
    if waiver is None:
        return ""
    until = f"until {waiver.expires_on.isoformat()}" if waiver.expires_on else "no end date"
    return f"{waiver.reviewer}, {until}"


@click.group("flag")
def flag_group() -> None:
    """Raise findings by hand, or waive one with a reason."""


@flag_group.command("add")
@click.argument("dataset")
@click.option("--code", required=True, help="Short name of the problem, e.g. pii_leak.")
@click.option("--severity", required=True, metavar="|".join(SEVERITIES), help="How bad it is.")
@click.option("--why", required=True, help="What is wrong.")
@click.option("--fix", default="", help="How to fix it.")
@pass_app
def flag_add(app: App, dataset: str, code: str, severity: str, why: str, fix: str) -> None:
    """Raise a finding on DATASET that no rule would find."""
    with app.registry.writing(app.actor) as w:
        findings.add_manual_flag(w, dataset, code=code, severity=severity, why=why, fix=fix)
    done(f"flagged {dataset}: {code}")


@flag_group.command("waive")
@click.argument("dataset")
@click.argument("code")
@click.option("--reason", required=True, help="Why the finding is accepted.")
@click.option("--run", "run_slug", default=None, help="Only for this run [every run].")
@click.option("--expires", default=None, help="Last day the waiver holds (YYYY-MM-DD).")
@click.option("--date", "granted_on", default=None, help="When it was granted [today].")
@pass_app
def flag_waive(app: App, dataset: str, code: str, reason: str, run_slug: str | None,
               expires: str | None, granted_on: str | None) -> None:
    """Waive finding CODE on DATASET; you (--as) are recorded as the reviewer."""
    with app.registry.writing(app.actor) as w:
        findings.waive(w, dataset, code, reason=reason, run_slug=run_slug, expires=expires,
                   on=granted_on)
    done(f"waived {code} on {dataset}")


@flag_group.command("resolve")
@click.argument("dataset")
@click.argument("code")
@click.option("--date", "resolved_on", default=None, help="When it was resolved [today].")
@pass_app
def flag_resolve(app: App, dataset: str, code: str, resolved_on: str | None) -> None:
    """Mark the manual finding CODE on DATASET resolved (it stays in the history)."""
    with app.registry.writing(app.actor) as w:
        count = findings.resolve_manual_flag(w, dataset, code, on=resolved_on)
    done(f"resolved {plural(count, 'manual finding')} {code} on {dataset}")


@flag_group.command("revoke")
@click.argument("dataset")
@click.argument("code")
@click.option("--run", "run_slug", default=None, help="The run the waiver was for.")
@pass_app
def flag_revoke(app: App, dataset: str, code: str, run_slug: str | None) -> None:
    """End the waivers of CODE on DATASET today (they stay in the history)."""
    with app.registry.writing(app.actor) as w:
        count = findings.revoke_waivers(w, dataset, code, run_slug)
    done(f"revoked {plural(count, 'waiver')} of {code} on {dataset}")


COMMANDS = [run_group, budget_cmd, flags_cmd, flag_group]

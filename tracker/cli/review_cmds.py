"""tracker review | check: compliance sign-off and the CI gate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from tracker.assess.policy import SEVERITIES
from tracker.cli.common import App, done, emit_rows, output_options, pass_app, print_json
from tracker.cli.options import as_of_option, parse_as_of, policy_option
from tracker.values.wording import plural


class ReviewGroup(click.Group):
    """`tracker review DATASET ...` records a review; `queue` and `history` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["record", *args]
        return super().parse_args(ctx, args)


@click.group("review", cls=ReviewGroup)
def review_group() -> None:
    """Compliance reviews. `tracker review DATASET --decision ... --note ...` signs off a
    dataset (or `--run RUN`) as its record now stands; any later change makes the review
    stale. `tracker review queue` lists what needs review; `tracker review history` the past."""


@review_group.command("record")
@click.argument("dataset", required=False)
@click.option("--run", "run_slug", default=None, help="Review a training run instead.")
@click.option("--decision", required=True, metavar="|".join(("approved", "conditional",
                                                               "rejected", "needs_info")),
              help="The decision.")
@click.option("--note", required=True, help="What was checked and why this decision.")
@click.option("--conditions", default="", help="Conditions of a conditional approval.")
@policy_option
@pass_app
def review_record(app: App, dataset: str | None, run_slug: str | None, decision: str,
                  note: str, conditions: str, policy_file: Path | None) -> None:
    """Record a review of DATASET (or --run RUN), with a digest of the record reviewed."""
    from tracker.assess.policy import load_policy
    from tracker.assess.review_status import record_digest, run_digest
    from tracker.facts.load import load_run
    from tracker.registry.reviews import record_review
    from tracker.registry.runs import find_run
    from tracker.service.snapshots import dataset_snapshot

    if (dataset is None) == (run_slug is None):
        raise click.UsageError("give a DATASET or --run RUN, not both")
    policy = load_policy(policy_file)
    with app.registry.writing(app.actor) as w:
        if dataset is not None:
            facts, snapshot = dataset_snapshot(w.session, dataset)
            digest = record_digest(facts, snapshot)
            record_review(w, digest=digest, decision=decision, note=note,
                          conditions=conditions, dataset_id=facts.id, run_id=None, label=dataset,
                          policy=policy)
        else:
            run = find_run(w.session, run_slug)  # type: ignore[arg-type]
            digest = run_digest(load_run(w.session, run))
            record_review(w, digest=digest, decision=decision, note=note,
                          conditions=conditions, dataset_id=None, run_id=run.id,
                          label=f"run {run_slug}", policy=policy)
    done(f"{decision}: {dataset or 'run ' + str(run_slug)} (record digest {digest[:12]})")


@review_group.command("queue")
@click.option("--currency", default="USD", show_default=True,
              help="Currency to compare costs in.")
@policy_option
@as_of_option
@output_options()
@pass_app
def review_queue(app: App, currency: str, policy_file: Path | None, as_of: str | None,
                 as_json: bool, as_csv: bool) -> None:
    """Datasets needing review (never reviewed, stale, sent back): most severe, costliest first."""
    from tracker.assess.review_status import queue
    from tracker.service.assessing import assess
    from tracker.values.money import parse_currency

    day = parse_as_of(as_of)
    judged = assess(app.registry, policy=policy_file, today=day)
    rows = queue(judged.snapshot, judged.policy, judged.findings, parse_currency(currency), day)
    emit_rows(rows, ("dataset", "status", "worst_finding", "findings", "annual_cost",
                     "currency", "last_review"), as_json=as_json, as_csv=as_csv)


@review_group.command("history")
@click.argument("dataset", required=False)
@click.option("--run", "run_slug", default=None, help="Reviews of this run.")
@output_options()
@pass_app
def review_history(app: App, dataset: str | None, run_slug: str | None, as_json: bool,
                   as_csv: bool) -> None:
    """Past reviews (of DATASET, --run RUN, or all), oldest first."""
    from tracker.registry.reviews import history

    with app.registry.reading() as session:
        rows = history(session, dataset, run_slug)
    emit_rows(rows, ("reviewed_at", "dataset", "run", "decision", "reviewer", "note"),
              as_json=as_json, as_csv=as_csv)


@click.command("check")
@click.argument("run")
@policy_option
@click.option("--fail-on", default=None, metavar="|".join(SEVERITIES),
              help="Lowest severity that fails the check [policy's fail_on: blocker].")
@as_of_option
@output_options(csv_ok=False)
@pass_app
def check_cmd(app: App, run: str, policy_file: Path | None, fail_on: str | None,
              as_of: str | None, as_json: bool) -> None:
    """CI gate: exit 0 when RUN is clear, 3 with the findings at or above --fail-on.

    Waived findings do not fail the check. Use it in a pipeline before training starts.
    """
    from tracker.service.assessing import assess
    from tracker.values import parse

    level = parse.choice(fail_on, "fail-on", SEVERITIES) if fail_on else None
    judged = assess(app.registry, run, policy=policy_file, today=parse_as_of(as_of))
    gate = judged.gate(level)
    level, failing = gate.level, gate.failing
    result: dict[str, Any] = {
        "run": run, "fail_on": level, "passed": gate.passed,
        "checked_on": (parse_as_of(as_of) or dt.date.today()).isoformat(),
        "policy": judged.policy.source,
        "failing": [f.as_dict() for f in failing],
        "waived": [f.as_dict() for f in gate.waived],
    }
    if as_json:
        print_json(result)
    else:
        for f in failing:
            click.echo(f"{f.severity.upper():8} {f.dataset}: {f.code}: {f.why}")
    if failing:
        click.echo(f"check failed: {plural(len(failing), 'finding')} at or above {level} in {run}",
                   err=True)
        raise click.exceptions.Exit(3)
    click.echo(f"check passed: no unwaived finding at or above {level} in {run}", err=True)


COMMANDS = [review_group, check_cmd]

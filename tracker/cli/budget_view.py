"""The budget as a terminal reader wants it: sections, totals, and what blocks approval."""

from __future__ import annotations

from decimal import Decimal

import click

from tracker.assess.budget import Budget
from tracker.values.money import Money


def _m(amount: Decimal, currency: str) -> str:
    return Money(amount, currency).display()


def print_budget(budget: Budget) -> None:
    cur = budget.currency
    run = budget.run
    click.echo(f"Budget for {run.slug} ({run.record.get('model_name')}), "
               f"{run.period_start} to {run.period_end}, {run.intended_use}, in {cur}")
    width = 56

    def row(label: str, amount: Decimal, indent: int = 2) -> None:
        click.echo(f"{' ' * indent}{label.ljust(width - indent)} {_m(amount, cur):>28}")

    click.echo("\nCompute")
    if budget.compute is None:
        click.echo("  (no compute plan: tracker run set-compute)")
    else:
        click.echo(f"  {budget.compute.pricing}, {budget.compute.hours_display} "
                   f"accelerator-hours ({budget.compute.hours_basis})")
        for line in budget.section("compute"):
            row(line.kind, line.amount, 4)
    row("compute total", budget.compute_total)
    if budget.compute is not None and budget.compute.assumptions:
        click.echo("  Assumptions not given by the run:")
        for assumption in budget.compute.assumptions:
            click.echo(f"    - {assumption}")
    click.echo("\nData")
    for label, amount in budget.data_by_label().items():
        if amount:
            row(label.replace("_", "-"), amount, 4)
    row("data total", budget.data_total)
    click.echo("")
    row(f"contingency ({run.contingency_pct}%)", budget.contingency)
    row("ESTIMATE", budget.estimate, 0)
    click.echo("\nReserves for findings")
    for line in budget.section("reserve"):
        row(f"{line.kind} ({line.dataset})", line.amount, 4)
        if line.amount == 0:
            click.echo(f"      nothing reserved: {line.description}")
    row("reserves total", budget.reserve_total)
    row("RISK-ADJUSTED TOTAL", budget.risk_adjusted, 0)
    if budget.compute_total + budget.data_total:
        click.echo(f"\nData is {budget.data_share * 100:.1f}% of compute + data.")
    if budget.approvable:
        click.echo("Approvable: no blocker stands.")
    else:
        click.echo("NOT APPROVABLE while these blockers stand:")
        for f in budget.blockers:
            click.echo(f"  - {f.dataset}: {f.code}: {f.why}")

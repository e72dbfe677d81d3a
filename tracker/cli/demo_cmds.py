"""tracker demo: an illustrative registry to explore."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import App, done, pass_app


@click.command("demo")
@click.option("--report", "report", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the demo run's HTML audit report to this file.")
@pass_app
def demo_cmd(app: App, report: Path | None) -> None:
    """Build an illustrative registry modelled on public reports of AI data deals.

    News and forum licences, a web crawl with robots.txt opt-outs, transcribed
    video, open and hub datasets with disagreeing licence claims, synthetic
    data, an annotation contract; fees in USD, EUR and GBP. Every record says
    it is illustrative.
    """
    from tracker import demo

    built = demo.build(app.registry, app.actor)
    where = app.registry.location
    done(f"demo registry {'built' if built else 'already present'} in {where}")
    if report is not None:
        from tracker.cli.report_cmds import write_audit_report

        write_audit_report(app, demo.RUN["slug"], report)
        done(f"audit report of {demo.RUN['slug']}: {report.resolve()}")
    done(f"try: tracker --db {where} budget {demo.RUN['slug']}")


COMMANDS = [demo_cmd]

"""tracker demo: an illustrative registry to explore."""

from __future__ import annotations

import click

from tracker.cli.common import App, done, pass_app


@click.command("demo")
@pass_app
def demo_cmd(app: App) -> None:
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
    done("try: tracker dataset list; tracker dataset show hub-qa-dataset; tracker fee list")


COMMANDS = [demo_cmd]

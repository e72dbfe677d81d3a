"""Options several command groups share: the policy file and the day findings are judged on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

policy_option = click.option("--policy", "policy_file", default=None,
                             type=click.Path(dir_okay=False, path_type=Path),
                             help="Policy file (TOML) [the packaged default].")
as_of_option = click.option("--as-of", default=None,
                            help="Judge waiver expiry on this date (YYYY-MM-DD) [today].")


def parse_as_of(value: str | None) -> dt.date | None:
    """The --as-of date, or None for today."""
    from tracker.values import parse

    return None if value is None else parse.date(value, "as-of")

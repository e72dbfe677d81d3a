"""What every command shares: the registry handle, output formats, prompts, errors."""

from __future__ import annotations

import difflib
import functools
import getpass
import json
import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import click

from tracker.publish.csv_out import write_csv
from tracker.values.errors import TrackerError
from tracker.values.fields import FieldSpec, missing_required

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """Per-invocation state: which registry, who is acting. The registry opens on first use."""

    def __init__(self, db: str | None, actor: str | None) -> None:
        self.db = db
        self.actor_option = actor
        self._registry: Any = None

    @property
    def url(self) -> str:
        from tracker.db import resolve_url

        return resolve_url(self.db)

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from tracker.registry import Registry

            self._registry = Registry(self.url)
        return self._registry

    @property
    def actor(self) -> str:
        from tracker.values.parse import check_utf8

        if self.actor_option:
            actor, field = self.actor_option, "as"
        elif os.environ.get("TRACKER_USER"):
            actor, field = os.environ["TRACKER_USER"], "TRACKER_USER"
        else:
            try:
                actor, field = getpass.getuser(), "user name"
            except (KeyError, OSError):
                return "unknown"
        check_utf8(actor, field)  # it is written into every event
        return actor

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None


_pass_app = click.make_pass_decorator(App)


def pass_app(command: F) -> F:
    """Hands the command its App, once every text it was given is known to be storable."""
    passing = _pass_app(command)

    @functools.wraps(passing)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_text_given(click.get_current_context())
        return passing(*args, **kwargs)

    return checked  # type: ignore[return-value]


def _check_text_given(ctx: click.Context | None) -> None:
    """Bytes that are not UTF-8 reach a command as lone surrogates, which the registry can
    neither store nor look up: refused naming the option, before the command runs. Paths
    are left alone: a file's name may be any bytes."""
    from tracker.values.parse import check_utf8

    while ctx is not None:
        for param in ctx.command.params:
            if isinstance(param.type, (click.Path, click.File)):
                continue
            value = ctx.params.get(param.name or "")
            for given in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(given, str):
                    check_utf8(given, (param.opts[0] if param.opts else param.name or "")
                               .lstrip("-"))
        ctx = ctx.parent


# A group called without a command shows its help (as an error since click 8.2).
_HELP_FOR_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


class TrackerGroup(click.Group):
    """Turns TrackerError into a one-line message and exit 1, everywhere below it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _HELP_FOR_NO_ARGS:
            raise
        except click.UsageError as exc:  # of the options before the command
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            # One line, whatever the message quotes (a parser's multi-line complaint).
            message = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
            raise click.ClickException(message) from None
        except _HELP_FOR_NO_ARGS:
            raise
        except click.UsageError as exc:
            raise _one_line(exc) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except BrokenPipeError:
            # The reader (head, less) left: stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(1) from None
        except Exception as exc:  # a bug: still one line, the trace on request
            if os.environ.get("TRACKER_DEBUG"):
                raise
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {first_line}"
                " (set TRACKER_DEBUG=1 for the trace)"
            ) from None


_NO_SUCH_COMMAND = re.compile(r"No such command (?P<quoted>'.*'|\".*\")\.")


def _suggestion(exc: click.UsageError) -> str | None:
    """For a mistyped command (at any level), the message naming the closest one, as
    mistyped values get. Matched on click's message: before 8.4 click has no exception
    class of its own for it."""
    found = _NO_SUCH_COMMAND.match(exc.message)
    group = exc.ctx.command if exc.ctx is not None else None
    if found is None or not isinstance(group, click.Group):
        return None
    quoted = found.group("quoted")
    close = difflib.get_close_matches(quoted[1:-1], group.list_commands(exc.ctx), n=1)
    return f"No such command {quoted}. Did you mean {close[0]!r}?" if close else None


def _one_line(exc: click.UsageError) -> click.ClickException:
    """A usage error as one line, as every other error: the usage click would print first is
    one --help away, named when click says for which command; a suggestion says instead
    what was meant."""
    message = _suggestion(exc)
    if message is None:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        message = exc.format_message() + hint
    one_line = click.ClickException(message)
    one_line.exit_code = exc.exit_code
    return one_line


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


# ---- output -------------------------------------------------------------------------------

def output_options(*, csv_ok: bool = True) -> Callable[[F], F]:
    """--json (and --csv for lists): the one output contract of every list and show."""

    def decorate(func: F) -> F:
        func = click.option("--json", "as_json", is_flag=True,
                            help="Print JSON (stable keys, money as strings).")(func)
        if csv_ok:
            func = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")(func)
        return func

    return decorate


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# Lines written to stdout at once: one write per line costs more than the lines at 100k.
_CHUNK = 2000


def print_lines(lines: Iterable[str]) -> None:
    """Lines of text, written in chunks: a long listing (a dataset per line) at the speed of
    its content rather than of click.echo per line."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == _CHUNK:
            click.echo("\n".join(chunk))
            chunk.clear()
    if chunk:
        click.echo("\n".join(chunk))


def print_json_list(items: Iterable[Any]) -> None:
    """A JSON array with one item per line (compact): a list of many objects stays readable
    line by line, is written at the speed of the C encoder (which indentation disables),
    and items are encoded as they come rather than all held at once."""
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def lines() -> Iterator[str]:
        previous, opening = None, "["
        for item in items:
            if previous is not None:
                yield opening + previous + ","
                opening = " "
            previous = encode(item)
        yield "[]" if previous is None else opening + previous + "]"

    print_lines(lines())


def _cell(value: Any, width: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def terminal_width() -> int | None:
    """The width to wrap text to: $COLUMNS when set, else the terminal's; None when output
    goes to a file or pipe, which gets every line whole."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


# The wrapped column never gets narrower than this, even on a narrow terminal.
_MIN_WRAP_WIDTH = 24


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                wrap: str | None = None) -> None:
    """A table with a header. No text is ever cut: on a terminal too narrow for the table,
    the `wrap` column (else the widest) is wrapped to the width left; a file or pipe gets
    every row whole on its line."""
    if not rows:
        click.echo("(none)", err=True)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    wrapped = columns.index(wrap) if wrap in columns else None
    total = terminal_width()
    if wrapped is None and total is not None and sum(w + 2 for w in widths) - 2 > total:
        wrapped = widths.index(max(widths))
    room = _room(widths, wrapped)
    if room is not None and wrapped is not None:
        widths[wrapped] = min(widths[wrapped], room)
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        for line in _table_lines(r, widths, wrapped if room is not None else None):
            click.echo(line)


def _room(widths: list[int], wrapped: int | None) -> int | None:
    """How wide the wrapped column may be on this terminal (None: not on one, no wrapping)."""
    total = terminal_width()
    if wrapped is None or total is None:
        return None
    others = sum(w + 2 for i, w in enumerate(widths) if i != wrapped)
    return max(_MIN_WRAP_WIDTH, total - others)


def _table_lines(cells: list[str], widths: list[int], wrapped: int | None) -> list[str]:
    """One row as lines: the wrapped column's continuation lines stay under it."""
    if wrapped is None:
        return ["  ".join(v.ljust(w) for v, w in zip(cells, widths, strict=True)).rstrip()]
    parts = textwrap.wrap(cells[wrapped], widths[wrapped], break_on_hyphens=False) or [""]
    lines = []
    for n, part in enumerate(parts):
        row = [part if i == wrapped else (v if n == 0 else "") for i, v in enumerate(cells)]
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return lines


def print_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Rows as CSV on stdout; without columns, the first row's keys (rows are then read
    whole)."""
    if columns is None:
        rows = list(rows)
        columns = list(rows[0].keys()) if rows else []
    write_csv(sys.stdout, rows, columns)


def emit_rows(rows: list[dict[str, Any]], columns: Sequence[str], *, as_json: bool = False,
              as_csv: bool = False, totals: list[dict[str, Any]] | None = None,
              key: str = "items", wrap: str | None = None) -> None:
    """A list: JSON array (or {key, totals} when totals apply), CSV of full records, or a table
    (`wrap` names the column wrapped rather than cut)."""
    if as_json:
        print_json({key: rows, "totals": totals} if totals is not None else rows)
    elif as_csv:
        print_csv(rows)
    else:
        print_table(rows, columns, wrap)
        for total in totals or ():
            group = " ".join(str(v) for k, v in total.items()
                             if k not in ("amount", "currency") and v)
            click.echo(f"TOTAL {group}: {total['amount']} {total['currency']}".replace("  ", " "))


def print_record(data: dict[str, Any], *, skip: Iterable[str] = ()) -> None:
    """Key: value lines for scalars, then a section per list."""
    skipped = set(skip)
    scalars = {k: v for k, v in data.items()
               if not isinstance(v, (list, dict)) and k not in skipped}
    width = max((len(k) for k in scalars), default=0)
    for key, value in scalars.items():
        click.echo(f"{key.ljust(width)}  {_cell(value, 200)}")
    for key, value in data.items():
        if isinstance(value, list) and key not in skipped:
            click.echo(f"\n{key.upper()} ({len(value)})")
            for item in value:
                if isinstance(item, dict):
                    click.echo("  - " + "; ".join(f"{k}={_cell(v, 80)}" for k, v in item.items()
                                                  if v not in (None, "", [])))
                else:
                    click.echo(f"  - {item}")


# ---- data entry ---------------------------------------------------------------------------

def field_options(specs: Sequence[FieldSpec], *, for_add: bool = True) -> Callable[[F], F]:
    """One --option per field spec, all optional at the click level (prompts fill the rest)."""

    def decorate(func: F) -> F:
        for spec in reversed(specs):
            func = click.option(f"--{spec.label}", spec.name, default=None, metavar="TEXT",
                                help=spec.help + (" (required)" if spec.required and for_add
                                                  else ""))(func)
        return func

    return decorate


def fill_required(specs: Sequence[FieldSpec], values: dict[str, Any]) -> dict[str, Any]:
    """Prompt for missing required values on a terminal; scripts must pass them as options."""
    missing = missing_required(specs, values)
    if missing and not interactive():
        names = ", ".join(f"--{s.label}" for s in missing)
        raise click.UsageError(f"missing {names}")
    for spec in missing:
        values[spec.name] = click.prompt(spec.help.rstrip("."), type=str)
    return values


def confirm_destructive(what: str, yes: bool) -> None:
    if yes:
        return
    if not interactive():
        raise TrackerError(f"refusing to {what} without --yes when not on a terminal")
    click.confirm(f"Really {what}?", abort=True, err=True)


def yes_option(func: F) -> F:
    return click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")(func)


def done(message: str) -> None:
    """Progress and confirmations go to stderr so stdout stays data."""
    click.echo(message, err=True)

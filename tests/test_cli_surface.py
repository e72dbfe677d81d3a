"""The command line as a whole: help everywhere, version, entry points, install layout."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import tracker
from conftest import Tracker
from tracker.cli.main import cli
from tracker.db.migrate import head_revision


def _walk(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _walk(command, (*prefix, name))


COMMANDS = list(_walk(cli))


def test_every_lazily_loaded_command_is_found_with_its_own_help() -> None:
    from tracker.cli import main

    for name, (module, short_help) in main.LAZY_COMMANDS.items():
        found = {c.name: c for c in importlib.import_module(f"tracker.cli.{module}").COMMANDS}
        assert name in found
        # `tracker --help` prints the table's line: it must be the command's own.
        assert found[name].get_short_help_str(1000) == short_help, name


def test_version_does_not_load_the_database_layer(tmp_path: Path) -> None:
    code = ("import sys; from tracker.cli.main import cli; "
            "sys.argv=['tracker','--version']\ntry:\n cli()\nexcept SystemExit: pass\n"
            "print('sqlalchemy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.split()
    assert out[-1] == "False"


def test_a_plain_listing_does_not_load_the_orm(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    sqlite_tracker("dataset add b-set --name 'B set' --modality image")
    sqlite_tracker("dataset add a-set --name 'A set'")
    code = ("import sys; from tracker.cli.main import cli\n"
            f"sys.argv=['tracker','--db',{sqlite_tracker.db!r},'dataset','list','--limit','1',"
            "'--offset','1']\ntry:\n cli()\nexcept SystemExit: pass\n"
            "print(sorted({'sqlmodel', 'tracker.db.models'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.splitlines()
    assert out[-1] == "[]"
    assert out[-2].split() == ["b-set", "B", "set", "image", "other", "unknown", "active"]
    full = json.loads(sqlite_tracker("dataset list --json").stdout)
    assert [d["slug"] for d in full] == ["a-set", "b-set"]


def test_the_contract_groups_exist() -> None:
    names = {path[0] for path, _ in COMMANDS}
    assert {"db", "demo", "dataset", "source", "license", "fee", "cost", "fx", "consent",
            "lineage", "log", "verify"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    assert (command.help or "").strip(), f"tracker {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help",):
            assert param.help, f"tracker {' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0 and "Usage: " in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["dataset", "add"], "Error: Missing argument 'SLUG'. (see 'tracker dataset add --help')"),
    (["dataset", "list", "--limit", "0"],
     "Error: Invalid value for '--limit' / '-n': 0 is not in the range x>=1. "
     "(see 'tracker dataset list --help')"),
    (["datset", "list"], "Error: No such command 'datset'. Did you mean 'dataset'?"),
    (["--bogus"], "Error: No such option '--bogus'. (see 'tracker --help')"),
    (["dataset", "add", "x", "--name"], "Error: Option '--name' requires an argument.")])
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), *args], prog_name="tracker")
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_a_group_without_a_command_shows_its_help(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), "dataset"],
                                prog_name="tracker")
    # Exit 0 up to click 8.1, 2 since (the help as a usage error): either way, the help.
    assert result.exit_code in (0, 2)
    assert result.output.startswith("Usage: tracker dataset") and "Error" not in result.output
    assert "Commands:" in result.output


def test_version_and_module_entry_point(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["--version"]).stdout.strip() == \
        f"tracker, version {tracker.__version__}"
    # Outside the checkout, where `tracker` can only be the installed package.
    out = subprocess.run([sys.executable, "-m", "tracker", "--help"], capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout
    assert "Provenance, licensing, consent and cost registry" in out


def test_installed_layout_has_no_top_level_db_or_templates() -> None:
    origin = Path(importlib.util.find_spec("tracker.db").origin)
    if "site-packages" in origin.parts:  # a real install (CI installs non-editable)
        site = origin.parents[2]
        assert origin.parent == site / "tracker" / "db"
        assert not (site / "db").exists() and not (site / "templates").exists()
        assert (site / "tracker" / "data" / "licenses.toml").is_file()
        assert list((site / "tracker" / "db" / "migrations" / "versions").glob("0001_*.py"))
    assert importlib.util.find_spec("db") is None
    assert importlib.util.find_spec("templates") is None
    assert importlib.util.find_spec("tracker.templates") is not None


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), "dataset", "frobnicate"])
    assert result.exit_code == 2


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "no" / "r.db"), "dataset", "list"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: database: folder does not exist ({tmp_path / 'no'})"


def test_a_file_that_is_not_a_registry(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    result = CliRunner().invoke(cli, ["--db", str(bogus), "dataset", "list"])
    assert result.exit_code == 1
    assert "file is not a database" in result.stderr
    assert "Traceback" not in result.output


def test_db_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    runner = CliRunner()
    upgrade = ["--db", db, "db", "upgrade"]
    head = head_revision()
    assert f"schema upgraded from empty to {head}" in runner.invoke(cli, upgrade).stderr
    assert f"schema is current ({head})" in runner.invoke(cli, upgrade).stderr
    status = json.loads(runner.invoke(cli, ["--db", db, "db", "status", "--json"]).stdout)
    assert status["schema"] == status["schema_head"] and status["rows"]["license"] > 60
    runner.invoke(cli, ["--db", db, "dataset", "add", "a", "--name", "A"])
    backup = tmp_path / "backup.db"
    assert runner.invoke(cli, ["--db", db, "db", "backup", str(backup)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["--db", str(backup), "dataset", "list", "--json"]
                                      ).stdout)
    assert [d["slug"] for d in listed] == ["a"]
    assert "ok:" in runner.invoke(cli, ["--db", str(backup), "verify"]).stdout


def test_missing_values_are_prompted_for_on_a_terminal(tmp_path: Path) -> None:
    """A real pseudo-terminal: the user is asked for the name, then the dataset exists."""
    db = str(tmp_path / "tty.db")
    pid, fd = pty.fork()
    if pid == 0:  # child: the tracker on a terminal
        os.chdir(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "tracker", "--db", db,
                                  "dataset", "add", "interviews"])
    output = b""
    answered = False
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"Human-readable name" in output:
            os.write(fd, b"Interview recordings\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    assert answered, output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")
    shown = CliRunner().invoke(cli, ["--db", db, "dataset", "show", "interviews", "--json"])
    assert json.loads(shown.stdout)["name"] == "Interview recordings"

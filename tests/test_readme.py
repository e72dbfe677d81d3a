"""The README is run, not just read: its Quickstart and Tour, verbatim and in order, as a new
user runs them in a fresh clone; and the mistakes a reader of the Tour makes with a domain list.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import Tracker

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# What a user runs on a fresh machine to test; .ci/run runs the same line.
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q '.[test]' && .venv/bin/pytest"
# Made by installing, testing or linting; never part of a clone.
NOT_CLONED = (".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
              ".ruff_cache", ".hypothesis")
# This environment's own copy of the project and the installer's own packages: the venv the
# Quickstart makes must use its own, so that the project is installed there from the clone.
NOT_SHARED = ("tracker", "dataset_tracker*", "__editable__*", "*.pth", "__pycache__", "pip",
              "pip-*", "setuptools", "setuptools-*", "pkg_resources", "_distutils_hack")


def shell_blocks(markdown: str, heading: str) -> list[str]:
    """The ```sh blocks of the `## heading` section, in order."""
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert section, f"README.md has no '## {heading}' section"
    return re.findall(r"^```sh\n(.*?)^```", section.group(1), re.M | re.S)


def _clone(dest: Path) -> Path:
    """The repository's files as a clone has them, with the edits not yet committed."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], cwd=ROOT, capture_output=True,
                                check=True).stdout.decode().split("\0")
        for name in filter(None, listed):
            if (ROOT / name).is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, dest / name)
        return dest
    # A copy without its history, as .ci/run makes one.
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*NOT_CLONED))
    return dest


def _shared_packages(dest: Path) -> Path:
    """This environment's installed dependencies, linked into one folder for PYTHONPATH."""
    dest.mkdir()
    ignored = shutil.ignore_patterns(*NOT_SHARED)
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        entries = os.listdir(folder)
        for name in set(entries) - ignored(folder, entries):
            if not (dest / name).exists():
                (dest / name).symlink_to(Path(folder) / name)
    return dest


def _new_user_env(tmp_path: Path) -> dict[str, str]:
    """A shell as a new user has it, with one change to how pip installs (see below).

    The Quickstart's `pip install .` would download and install every dependency into the
    new venv: minutes on a slow network, and nothing this project's code decides. So the
    venv is made and the project built and installed from the clone exactly as printed,
    while pip is told (PIP_NO_DEPS) to leave dependencies alone and the venv finds them in
    this environment's site-packages (PYTHONPATH). What the README promises is still proven:
    the commands as printed, the project's packaging (its files, data and `tracker`
    script) in a venv of its own, and the Tour run by that installed `tracker`. Installing
    the dependencies themselves is what .ci/run's own `pip install '.[test]'` proves. pip
    still fetches the build backend (setuptools) from its index, as it does for a user.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # python3 is this interpreter, so the shared packages fit it; `tracker` is not on PATH
    # until the Tour's first line puts it there.
    base = getattr(sys, "_base_executable", sys.executable)
    (bin_dir / "python3").symlink_to(base)
    own_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != own_bin]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACKER_") and k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PATH=os.pathsep.join([str(bin_dir), *path]),
               PYTHONPATH=str(_shared_packages(tmp_path / "shared")), PIP_NO_DEPS="1")
    return env


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    prelude = ("set -e -o pipefail\n"
               "trap 'echo \"README step failed (exit $?): $BASH_COMMAND\" >&2' ERR\n")
    return subprocess.run(["bash", "-c", prelude + script], cwd=cwd, env=env, text=True,
                          capture_output=True, check=False)


def _require_jq() -> None:
    if shutil.which("jq") is None:
        if os.environ.get("CI"):
            pytest.fail("jq is not installed: the README's Tour needs it (.ci/run installs it)")
        pytest.skip("jq is not installed: the README's Tour needs it")


def test_quickstart_and_tour_run_verbatim_in_a_fresh_clone(tmp_path: Path) -> None:
    _require_jq()
    markdown = README.read_text(encoding="utf-8")
    install_and_demo, _test_command = shell_blocks(markdown, "Quickstart")
    tour = shell_blocks(markdown, "Tour")
    assert tour, "README.md's Tour has no sh block"
    clone = _clone(tmp_path / "clone")
    env = _new_user_env(tmp_path)

    ran = _bash("\n".join([install_and_demo, *tour]), clone, env)
    assert ran.returncode == 0, f"stdout:\n{ran.stdout[-4000:]}\nstderr:\n{ran.stderr[-4000:]}"

    # Installed from the clone into the Quickstart's venv, not borrowed from this environment.
    installed = list((clone / ".venv").glob("lib/python*/site-packages/tracker/__init__.py"))
    assert installed, "the Quickstart did not install the project into .venv"
    assert (clone / "demo-report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "check failed:" in ran.stderr  # the Tour's check exited 3, as it says
    assert "news.example.com" in ran.stdout  # the Tour's own domains.csv was imported
    assert "chain intact" in ran.stdout  # the Tour's last step: verify

    # The demo's hint, pasted as printed, from where the user is.
    hint = next(line for line in ran.stderr.splitlines() if line.startswith("try: "))[5:]
    pasted = _bash(hint, clone, env)
    assert pasted.returncode == 0, pasted.stderr
    assert "Budget for frontier-run-1" in pasted.stdout


def test_quickstart_test_command_is_what_a_fresh_clone_and_ci_run() -> None:
    # Not run here: it runs the whole suite, this test among it, for ever. .ci/run runs it
    # verbatim in a copy of the repository with nothing beside it; this holds the two equal.
    _install_and_demo, test_command = shell_blocks(README.read_text(encoding="utf-8"),
                                                   "Quickstart")
    assert test_command.strip() == TEST_COMMAND
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert TEST_COMMAND in ci, ".ci/run must run the README's test command verbatim"


# A domain list as a reader writes one after the Tour's: the mistakes they make.

def _domains(tracker: Tracker, tmp_path: Path, text: str, *, expect: int) -> str:
    tracker("source add web --name Web --kind domain")
    path = tmp_path / "domains.csv"
    path.write_text(text, encoding="utf-8")
    before = tracker.digest()
    result = tracker(["source", "domains", "import", str(path), "--source", "web"],
                     expect=expect)
    if expect:
        assert tracker.digest() == before
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    return result.stderr.strip()


def test_a_headerless_domain_list_is_refused_showing_its_first_row_in_file_order(
        tracker: Tracker, tmp_path: Path) -> None:
    error = _domains(tracker, tmp_path, "www.Zeta.org,900,allowed,no\nalpha.org,5,partial,no\n",
                     expect=1)
    assert error.endswith("needs a header with 'domain' and 'content_bytes' "
                          "(found www.Zeta.org, 900, allowed, no)")


def test_robots_takes_the_directives_own_spellings(tracker: Tracker, tmp_path: Path) -> None:
    _domains(tracker, tmp_path, "domain,content_bytes,robots\na.org,1,Allow\nb.org,2,disallow\n"
             "c.org,3,blocked\nd.org,4,partially\ne.org,5,disallowed\n", expect=0)
    listed = json.loads(tracker("source domains list web --json").stdout)["largest"]
    assert {d["domain"]: d["robots"] for d in listed} == {
        "a.org": "allowed", "b.org": "disallowed", "c.org": "disallowed", "d.org": "partial",
        "e.org": "disallowed"}


@pytest.mark.parametrize("value", ["yes", "no", "true", "0"])
def test_robots_yes_or_no_is_refused_not_guessed(tracker: Tracker, tmp_path: Path,
                                                 value: str) -> None:
    error = _domains(tracker, tmp_path, f"domain,content_bytes,robots\na.org,1,{value}\n",
                     expect=1)
    assert error == (f"Error: {tmp_path / 'domains.csv'} line 2: robots: must be one of "
                     "allowed, disallowed, partial, unknown: a yes/no answer could mean allowed "
                     f"or disallowed (got '{value}')")


def test_a_misspelt_robots_value_gets_the_right_one_and_all_the_values(
        tracker: Tracker, tmp_path: Path) -> None:
    error = _domains(tracker, tmp_path, "domain,content_bytes,robots\na.org,1,disalowed\n",
                     expect=1)
    assert error.endswith("robots: must be one of allowed, disallowed, partial, unknown "
                          "(did you mean disallowed?) (got 'disalowed')")

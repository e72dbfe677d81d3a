"""What a finance or compliance person reads in the terminal: findings that wrap rather
than get cut, waivers with their end, budget lines by category, the dataset record card,
the impact of a dataset, suggestions for mistyped commands, counts in plain words."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Tracker
from tracker.cli.dataset_card import card_lines, record_line
from tracker.cli.main import LAZY_COMMANDS, cli

# ---- flags ----------------------------------------------------------------------------------


@pytest.fixture
def conflicted(sqlite_tracker: Tracker) -> Tracker:
    """A dataset whose hub and authors disagree: a conflicting_claims finding with a long why."""
    sqlite_tracker("dataset add qa --name QA --personal-data no")
    sqlite_tracker("license claim qa CC-BY-4.0 --by hub --evidence https://hub.example/qa "
                   "--date 2024-01-20")
    sqlite_tracker("license claim qa CC-BY-NC-4.0 --by authors --evidence "
                   "https://code.example/qa --date 2024-01-20")
    return sqlite_tracker


def _why(tracker: Tracker, code: str) -> str:
    findings = json.loads(tracker("flags --json").stdout)
    return next(f["why"] for f in findings if f["code"] == code)


def test_flags_wrap_the_why_to_the_terminal_width_without_cutting_it(
        conflicted: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    why = _why(conflicted, "conflicting_claims")
    assert len(why) > 150
    monkeypatch.setenv("COLUMNS", "100")
    lines = conflicted("flags").stdout.splitlines()
    assert all(len(line) <= 100 for line in lines)
    start = lines[0].index("WHY")
    first = next(i for i, line in enumerate(lines) if "conflicting_claims" in line)
    pieces = [lines[first][start:]]
    for line in lines[first + 1:]:
        if line[:start].strip():  # the next finding's row
            break
        pieces.append(line[start:])
    # More than one line, each under the WHY column, together the text whole.
    assert len(pieces) > 1
    assert " ".join(pieces) == why


def test_flags_without_a_terminal_give_every_why_whole_on_its_line(
        conflicted: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    why = _why(conflicted, "conflicting_claims")
    line = next(li for li in conflicted("flags").stdout.splitlines() if "conflicting_claims" in li)
    assert line.endswith(why) and "…" not in line


def test_the_waived_column_says_until_when(conflicted: Tracker,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    conflicted("flag waive qa conflicting_claims --reason 'authors confirmed CC-BY by mail' "
               "--expires 2099-12-31")
    conflicted("flag waive qa review_missing --reason 'reviewed on paper'")
    lines = conflicted("flags").stdout.splitlines()
    waived = {code: line for line in lines for code in ("conflicting_claims", "review_missing")
              if code in line}
    assert "tester, until 2099-12-31" in waived["conflicting_claims"]
    assert "tester, no end date" in waived["review_missing"]


# ---- budget ---------------------------------------------------------------------------------


def test_budget_lines_name_the_category_given(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("run create r1 --model M --start 2024-07-01 --end 2024-12-31 --currency USD")
    t("dataset add prefs --name Prefs --personal-data no")
    t("license claim prefs CC0-1.0 --by authors")
    t("cost add prefs --category annotation --amount 12000 --currency USD --vendor Labellers")
    t("cost add --run r1 --category legal --amount 3000 --currency USD")
    t("run add-dataset r1 prefs")
    text = t("budget r1").stdout
    data_section = text.split("\nData\n")[1].split("data total")[0]
    assert [line.split()[0] for line in data_section.splitlines() if line.strip()] == [
        "annotation", "legal"]
    assert "12,000.00 USD" in data_section and "acquisition" not in data_section
    assert "legal (run)" in data_section
    data = json.loads(t("budget r1 --json").stdout)
    assert data["totals"]["data_by_category"] == {"annotation": "12000.00", "legal": "3000.00"}
    assert [line["category"] for line in data["lines"] if line["section"] == "data"] == [
        "annotation", "legal"]
    # The totals by kind keep their keys: cost items still count as acquisition there.
    assert data["totals"]["data_by_kind"]["acquisition"] == "12000.00"


# ---- dataset show ---------------------------------------------------------------------------


@pytest.fixture
def lineage(tracker: Tracker) -> Tracker:
    """root <- mid <- leaf, root <- side; run r-leaf draws leaf, r-other something else."""
    for slug in ("root", "mid", "leaf", "side", "other"):
        tracker(f"dataset add {slug} --name {slug.title()} --personal-data no")
    tracker("lineage add mid root --relation subset")
    tracker("lineage add leaf mid --relation filtered")
    tracker("lineage add side root --relation mixture")
    tracker("run create r-leaf --model M --start 2024-01-01 --end 2024-12-31")
    tracker("run edit r-leaf --status running")
    tracker("run add-dataset r-leaf leaf")
    tracker("run create r-other --model M --start 2024-01-01 --end 2024-12-31")
    tracker("run add-dataset r-other other")
    return tracker


def test_source_show_is_a_record_card(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("source add forum --name 'Forum' --kind platform --rights-holder 'Its users'")
    t("dataset add posts --name 'Forum posts'")
    t("source link posts forum --content-bytes 5000000")
    t("consent set --source forum --status notice_only --legal-basis contract "
      "--date 2024-02-01 --notes 'terms of service, section 7'")
    lines = t("source show forum").stdout.splitlines()
    assert lines[0] == "forum: Forum"
    assert any(line.split() == ["rights", "holder", "Its", "users"] for line in lines)
    assert "  posts: Forum posts - 5,000,000 bytes from it" in lines
    consent = next(line for line in lines if line.startswith("  #"))
    assert "2024-02-01: notice only, legal basis contract" in consent
    assert lines.index("Datasets drawn from it (1)") < lines.index("Consent (1)")
    assert "slug=" not in "\n".join(lines)


def test_dataset_show_is_a_record_card_with_the_standing_first(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("dataset add news --name 'News archive' --personal-data yes --size-tokens 4000000")
    t("license claim news CC-BY-NC-4.0 --by contract --date 2024-06-01")
    t("source add publisher --name Publisher --kind publisher")
    t("source link news publisher")
    t("fee add news --amount 250000 --currency USD --counterparty Publisher")
    t("cost add news --category legal --amount 1000 --currency USD")
    t("consent set news --status opt_in --legal-basis consent")
    t("dataset add digest --name Digest --personal-data no")
    t("lineage add digest news --relation subset")
    lines = t("dataset show news").stdout.splitlines()
    assert lines[0] == "news: News archive"
    order = ["Licence ", "Terms ", "Review ", "Findings ", "Impact ", "Fields", "Sources (1)",
             "Licence claims (1)", "Fees (1)", "Costs (1)", "Consent (1)", "Derived from",
             "Used by (1)"]
    at = [next(i for i, line in enumerate(lines) if line.startswith(head)) for head in order]
    assert at == sorted(at)
    text = "\n".join(lines)
    assert "slug=" not in text and "; kind=" not in text
    assert "Licence     CC-BY-NC-4.0 (the only current claim, by the contract)" in lines
    assert "Review      none recorded" in lines
    assert any(line.startswith("Findings    ") and "open finding" in line for line in lines)
    assert any(line.split() == ["size", "tokens", "4,000,000"] for line in lines)
    assert "  #1 one-time fee of 250,000.00 USD to Publisher" in lines
    assert "  #1 legal: 1,000.00 USD" in lines
    assert any(line.startswith("  ") and "opt in, legal basis consent" in line for line in lines)
    assert "  source of digest (subset)" in lines
    assert "Impact      1 dataset derives from it; no training run draws on it or what " \
           "derives from it." in lines


def test_dataset_show_json_keeps_its_keys_and_adds_the_standing(sqlite_tracker: Tracker) -> None:
    sqlite_tracker("dataset add news --name News --personal-data yes")
    shown = json.loads(sqlite_tracker("dataset show news --json").stdout)
    assert {"slug", "name", "sources", "license_claims", "fees", "costs", "consent", "parents",
            "children"} <= set(shown)
    assert shown["resolved_license"]["resolved"] is None
    assert [f["code"] for f in shown["open_findings"]] == [
        "license_missing", "consent_missing", "personal_data_unreviewed", "review_missing"]
    assert shown["review"]["state"] == "missing"
    assert shown["impact"] == {"dataset": "news", "descendants": [], "runs": []}


def test_card_record_lines_carry_their_id_and_a_voided_mark() -> None:
    fee = {"id": 7, "kind": "one_time", "amount": "100", "currency": "USD",
           "counterparty": "Vendor", "voided": {"by": "ana", "at": "2026-12-01T10:00:00+00:00",
                                               "reason": "typed by mistake"}}
    assert record_line(fee, lambda f: "a fee") == \
        "#7 a fee [voided by ana on 2026-12-01: typed by mistake]"
    assert record_line({"id": 8, "voided": None}, lambda f: "a fee") == "#8 a fee"
    data = {"slug": "d", "name": "D", "fees": [fee],
            "resolved_license": {"resolved": None, "why": "no licence claim is recorded",
                                 "terms": None, "effective_terms": None, "inherited": [],
                                 "conflicts": []},
            "open_findings": [], "waived_findings": [],
            "review": {"state": "missing", "decision": None},
            "impact": {"dataset": "d", "descendants": [], "runs": []}}
    assert "  #7 one-time fee of 100.00 USD to Vendor [voided by ana on 2026-12-01: typed by " \
           "mistake]" in card_lines(data)


# ---- dataset impact -------------------------------------------------------------------------


def test_impact_lists_every_descendant_with_its_path_and_every_run_with_its_status(
        lineage: Tracker) -> None:
    found = json.loads(lineage("dataset impact root --json").stdout)
    assert found["descendants"] == [
        {"slug": "mid", "depth": 1, "path": ["mid", "root"]},
        {"slug": "side", "depth": 1, "path": ["side", "root"]},
        {"slug": "leaf", "depth": 2, "path": ["leaf", "mid", "root"]},
    ]
    assert found["runs"] == [{"run": "r-leaf", "status": "running", "draws": ["leaf"]}]
    lines = lineage("dataset impact root").stdout.splitlines()
    assert lines[0] == ("root: 3 datasets derive from it; 1 training run draws on it or what "
                        "derives from it: r-leaf (running).")
    assert "  leaf  via leaf <- mid <- root" in lines
    assert "  r-leaf  running  draws leaf" in lines
    assert json.loads(lineage("dataset impact other --json").stdout)["runs"] == [
        {"run": "r-other", "status": "planned", "draws": ["other"]}]
    shown = json.loads(lineage("dataset show mid --json").stdout)
    assert shown["impact"]["descendants"] == [{"slug": "leaf", "depth": 1,
                                               "path": ["leaf", "mid"]}]


def test_impact_of_an_unknown_dataset_is_one_line(lineage: Tracker) -> None:
    result = lineage("dataset impact roots", expect=1)
    assert result.stderr == "Error: dataset: no dataset 'roots' (did you mean root?)\n"


# ---- commands -------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["budgett"], "Error: No such command 'budgett'. Did you mean 'budget'?"),
    (["dataset", "shwo"], "Error: No such command 'shwo'. Did you mean 'show'?"),
    (["flag", "waiv"], "Error: No such command 'waiv'. Did you mean 'waive'?"),
    (["zzz"], "Error: No such command 'zzz'. (see 'tracker --help')"),
])
def test_a_mistyped_command_gets_a_suggestion(tmp_path: Path, args: list[str],
                                              message: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), *args],
                                prog_name="tracker")
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_help_lists_every_command_without_importing_the_orm(tmp_path: Path) -> None:
    code = ("import sys; from tracker.cli.main import cli\n"
            "sys.argv=['tracker','--help']\ntry:\n cli()\nexcept SystemExit: pass\n"
            "print(sorted({'sqlmodel', 'sqlalchemy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.splitlines()
    assert out[-1] == "[]"
    listed = [line.split()[0] for line in out[out.index("Commands:") + 1:-1] if line.strip()]
    assert listed == sorted(LAZY_COMMANDS)


def test_a_command_still_gives_its_own_help(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["dataset", "impact", "--help"], prog_name="tracker")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: tracker dataset impact [OPTIONS] SLUG")


# ---- words ----------------------------------------------------------------------------------


def test_counts_agree_with_their_nouns(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    t = sqlite_tracker
    t("run create r1 --model M --start 2024-07-01 --end 2024-12-31")
    t("dataset add only --name Only --personal-data no")
    t("run add-dataset r1 only")
    report = tmp_path / "audit.html"
    t(["report", "audit", "r1", "-o", str(report)])
    assert "1 dataset, amounts in USD" in report.read_text()
    failed = t("check r1", expect=3)
    assert "check failed: 1 finding at or above blocker in r1" in failed.stderr


@pytest.mark.parametrize(("personal", "consent", "why"), [
    ("yes", None, "The dataset holds personal data, and no consent is recorded."),
    ("yes", "none", "The dataset holds personal data, and the people concerned did not "
                    "consent."),
    ("unknown", "unknown", "Whether the dataset holds personal data is not known, and "
                           "whether the people concerned consented is not known."),
])
def test_missing_consent_reads_as_a_sentence(sqlite_tracker: Tracker, personal: str,
                                             consent: str | None, why: str) -> None:
    sqlite_tracker(f"dataset add d --name D --personal-data {personal}")
    if consent:
        sqlite_tracker(f"consent set d --status {consent}")
    assert _why(sqlite_tracker, "consent_missing") == why


def test_no_list_cuts_text(sqlite_tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "Transcribed audio of public council meetings from forty cities, 2019 to 2024"
    sqlite_tracker(f"dataset add council --name '{name}' --modality audio")
    sqlite_tracker("dataset add b --name Short")
    monkeypatch.delenv("COLUMNS", raising=False)
    whole = sqlite_tracker("dataset list").stdout
    assert name in whole and "…" not in whole
    monkeypatch.setenv("COLUMNS", "100")
    lines = sqlite_tracker("dataset list").stdout.splitlines()
    assert all(len(line) <= 100 for line in lines) and "…" not in "\n".join(lines)
    assert len(lines) > 3  # the name wrapped
    start = lines[0].index("NAME")
    first = next(i for i, line in enumerate(lines) if line.startswith("council"))
    pieces = [lines[first][start:].split("  ")[0]]
    pieces += [line[start:].split("  ")[0] for line in lines[first + 1:]
               if not line[:start].strip()]
    assert " ".join(pieces) == name

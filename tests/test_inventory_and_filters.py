"""The licence inventory (`license resolve --all`), the filters of `dataset list`, and CSV
output a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import Snapshots, Tracker
from tracker.publish.csv_out import csv_cell

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def registry(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    """grandparent (CC-BY-NC-4.0) <- parent (MIT) <- child (Apache-2.0); free (MIT OR
    Apache-2.0); conflict (CC0-1.0 by the hub, CC-BY-NC-SA-4.0 by the authors); bare
    (nothing claimed, no consent)."""
    snapshots.restore(tracker, "inventory_and_filters.registry", _build,
                      postgres=False)
    return tracker


def _build(tracker: Tracker) -> None:
    for slug, category in (("grandparent", "public_dataset"), ("parent", "crawled"),
                           ("child", "crawled"), ("free", "crawled"),
                           ("conflict", "public_dataset"), ("bare", "other")):
        tracker(f"dataset add {slug} --name {slug.title()} --personal-data no "
                f"--source-category {category}")
    tracker("license claim grandparent CC-BY-NC-4.0 --by authors --date 2024-01-01")
    tracker("license claim parent MIT --by hub --date 2024-01-01")
    tracker("license claim child 'apache 2.0' --by repository --date 2024-01-01")
    tracker("license claim free 'MIT OR Apache-2.0' --by authors --date 2024-01-01")
    tracker("license claim conflict CC0-1.0 --by hub --date 2024-02-01")
    tracker("license claim conflict CC-BY-NC-SA-4.0 --by authors --date 2024-01-15")
    tracker("lineage add parent grandparent --relation filtered")
    tracker("lineage add child parent --relation translated")
    for slug, status in (("grandparent", "opt_in"), ("parent", "notice_only"),
                         ("child", "opt_in"), ("free", "opt_in"), ("conflict", "none")):
        tracker(f"consent set {slug} --status {status} --date 2024-03-01")


def slugs(tracker: Tracker, options: str) -> list[str]:
    return [d["slug"] for d in json.loads(tracker(f"dataset list {options} --json").stdout)]


def test_filters_combine_and_keep_the_list_format(registry: Tracker) -> None:
    assert slugs(registry, "--license MIT") == ["free", "parent"]
    assert slugs(registry, "--license apache-2.0") == ["child", "free"]  # any spelling
    assert slugs(registry, "--commercial no") == ["child", "conflict", "grandparent", "parent"]
    assert slugs(registry, "--commercial yes") == ["free"]
    assert slugs(registry, "--commercial unknown") == ["bare"]
    assert slugs(registry, "--consent opt_in") == ["child", "free", "grandparent"]
    assert slugs(registry, "--consent unknown") == ["bare"]  # nothing recorded
    assert slugs(registry, "--source-category crawled") == ["child", "free", "parent"]
    assert slugs(registry, "--finding conflicting_claims") == ["conflict"]
    # AND, and the pages of what is left.
    assert slugs(registry, "--source-category crawled --commercial no") == ["child", "parent"]
    assert slugs(registry, "--source-category crawled --commercial no --consent opt-in") == [
        "child"]
    assert slugs(registry, "--commercial no --limit 2 --offset 1") == ["conflict",
                                                                       "grandparent"]
    assert slugs(registry, "--license MIT --commercial unknown") == []
    # A filtered row is the row the plain list gives.
    every = {d["slug"]: d for d in json.loads(registry("dataset list --json").stdout)}
    for row in json.loads(registry("dataset list --commercial no --json").stdout):
        assert row == every[row["slug"]]
    rows = list(csv.DictReader(io.StringIO(
        registry("dataset list --license MIT --csv").stdout)))
    assert [r["slug"] for r in rows] == ["free", "parent"]
    assert rows[0]["source_category"] == "crawled"
    table = registry("dataset list --consent opt_in --source-category crawled").stdout
    assert table.splitlines()[0].split()[0] == "SLUG"
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["child", "free"]


def test_without_its_own_record_a_dataset_has_its_sources_consent(registry: Tracker
                                                                   ) -> None:
    registry("source add forum --name Forum --kind platform")
    registry("source link bare forum")
    registry("consent set --source forum --status withdrawn --date 2024-04-01")
    assert slugs(registry, "--consent withdrawn") == ["bare"]
    assert slugs(registry, "--consent unknown") == []
    registry("consent set bare --status opt_in --date 2024-05-01")  # its own record wins
    assert slugs(registry, "--consent withdrawn") == []


def test_a_waived_finding_is_not_open(registry: Tracker) -> None:
    registry("flag waive conflict conflicting_claims --reason 'checked with the authors'")
    assert slugs(registry, "--finding conflicting_claims") == []
    registry("flag add bare --code pii-leak --severity critical --why 'names in the text'")
    assert slugs(registry, "--finding pii-leak") == ["bare"]


@pytest.mark.parametrize(("options", "message"), [
    ("--commercial maybe", "commercial: must be one of yes, no, unknown (got 'maybe')"),
    ("--consent opt-inn", "consent: must be one of opt_in,"),
    ("--consent opt-inn", "(did you mean opt_in?) (got 'opt-inn')"),
    ("--source-category crawl", "source-category: must be one of public_dataset,"),
    ("--source-category crawl", "(did you mean crawled?)"),
    ("--finding conflicting-claim", "(did you mean conflicting_claims?)"),
    ("--license MITT", "license: unknown licence id (did you mean MIT?) (got 'MITT')"),
    ("--license 'MIT OR Apache-2.0'", "license: must be one licence id, not an expression"),
])
def test_bad_filter_values_are_one_line_errors(registry: Tracker, options: str,
                                               message: str) -> None:
    before = registry.digest()
    result = registry(f"dataset list {options} --json", expect=1)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert registry.digest() == before


def test_effective_commercial_use_comes_through_the_parent(registry: Tracker,
                                                           tmp_path: Path) -> None:
    # The child's own licence allows commercial use; its grandparent's does not.
    inventory = {row["dataset"]: row for row in json.loads(
        registry("license resolve --all --json").stdout)}
    child = inventory["child"]
    assert child["resolved"] == "Apache-2.0"
    assert child["terms"]["commercial_use"] == "yes"
    assert child["effective_terms"]["commercial_use"] == "no"
    by_ancestor = {i["ancestor"]: i for i in child["inherited"]}
    assert by_ancestor["grandparent"]["path"] == ["child", "parent", "grandparent"]
    assert "commercial use no vs yes" in by_ancestor["grandparent"]["restrictions"]
    assert "child" in slugs(registry, "--commercial no")
    # Cut the lineage and the child is free again.
    registry("lineage remove parent grandparent --yes")
    assert "child" in slugs(registry, "--commercial yes")
    # The policy's reading of OR counts: the strictest branch of 'MIT OR CC-BY-NC-4.0'.
    registry("license claim free 'MIT OR CC-BY-NC-4.0' --by authors --date 2024-05-01")
    assert "free" in slugs(registry, "--commercial yes")
    strict = tmp_path / "strict.toml"
    strict.write_text('[policy]\nor_branch = "strictest"\n')
    assert "free" in slugs(registry, f"--commercial no --policy {strict}")


def test_inventory_agrees_with_resolving_each_dataset(registry: Tracker) -> None:
    listed = json.loads(registry("license resolve --all --json").stdout)
    assert [row["dataset"] for row in listed] == [
        "bare", "child", "conflict", "free", "grandparent", "parent"]
    for row in listed:
        assert list(row) == ["dataset", "resolved", "terms", "effective_terms", "inherited",
                             "conflicts"]
        one = json.loads(registry(f"license resolve {row['dataset']} --json").stdout)
        assert row == {key: one[key] for key in row}
    by_slug = {row["dataset"]: row for row in listed}
    assert by_slug["bare"]["resolved"] is None and by_slug["bare"]["terms"] is None
    assert by_slug["conflict"]["resolved"] == "CC-BY-NC-SA-4.0"
    assert by_slug["conflict"]["conflicts"][0]["differences"] == [
        "commercial use no vs yes", "share-alike"]

    text = registry("license resolve --all").stdout
    assert "child: Apache-2.0 (commercial use yes, AI training allowed, attribution)" in text
    assert "  effective: commercial use no, AI training allowed, attribution" in text
    assert "  restricted by child <- parent <- grandparent: CC-BY-NC-4.0: commercial use no " \
           "vs yes" in text
    assert "  CONFLICT: CC-BY-NC-SA-4.0 (authors) vs CC0-1.0 (hub): commercial use no vs yes" \
        in text
    assert "bare: no licence claimed (unknown)" in text

    rows = {r["dataset"]: r for r in csv.DictReader(io.StringIO(
        registry("license resolve --all --csv").stdout))}
    assert rows["child"]["commercial_use"] == "yes"
    assert rows["child"]["effective_commercial_use"] == "no"
    assert "child <- parent <- grandparent: CC-BY-NC-4.0" in rows["child"]["restricted_by"]
    assert rows["free"]["resolved"] == "MIT OR Apache-2.0"


def test_resolve_needs_one_dataset_or_all(registry: Tracker) -> None:
    assert "give a DATASET or --all" in registry("license resolve", expect=2).stderr
    assert "give a DATASET or --all" in registry("license resolve child --all",
                                                 expect=2).stderr
    assert "--csv goes with --all" in registry("license resolve child --csv",
                                               expect=2).stderr
    assert registry("license resolve --all --json").stdout.startswith('[{"dataset": "bare"')


def test_an_empty_registry_has_an_empty_inventory(tracker: Tracker) -> None:
    assert json.loads(tracker("license resolve --all --json").stdout) == []
    assert tracker("license resolve --all").stdout == ""


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tracker: Tracker, other: Tracker,
                                                         tmp_path: Path) -> None:
    tracker(["dataset", "add", "link", "--name", HYPERLINK, "--size-tokens", "40000000000000",
             "--version", "-5"])
    tracker(["dataset", "add", "sum", "--name", "@SUM(1)", "--version", "-0.25",
             "--description", "+1+2"])
    tracker(["dataset", "add", "plain", "--name", "Plain -name", "--version", "-1+1"])
    listed = {r["slug"]: r for r in csv.DictReader(io.StringIO(
        tracker("dataset list --csv").stdout))}
    assert listed["link"]["name"] == "'" + HYPERLINK
    assert listed["sum"]["name"] == "'@SUM(1)"
    assert listed["sum"]["description"] == "'+1+2"
    assert listed["plain"]["name"] == "Plain -name"
    # Numbers stay numbers; text that merely starts like one does not.
    assert listed["link"]["size_tokens"] == "40000000000000"
    assert listed["link"]["version"] == "-5"
    assert listed["sum"]["version"] == "-0.25"
    assert listed["plain"]["version"] == "'-1+1"
    # The other outputs keep the text as it is.
    shown = json.loads(tracker("dataset show link --json").stdout)
    assert shown["name"] == HYPERLINK

    folder = tmp_path / "export"
    tracker(["export", "csv", "-o", str(folder)])
    with (folder / "dataset.csv").open(newline="") as handle:
        exported = {r["slug"]: r for r in csv.DictReader(handle)}
    assert exported["link"]["name"] == "'" + HYPERLINK
    assert exported["sum"]["version"] == "-0.25"
    assert exported["link"]["size_tokens"] == "40000000000000"

    # A listing still imports into another registry, row for row.
    table = tmp_path / "datasets.csv"
    table.write_text(tracker("dataset list --csv").stdout)
    other(["import", "table", str(table)])
    again = {d["slug"]: d for d in json.loads(other("dataset list --json").stdout)}
    assert sorted(again) == ["link", "plain", "sum"]
    assert again["link"]["name"].lstrip("'") == HYPERLINK
    assert again["link"]["size_tokens"] == 40_000_000_000_000


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"), ("-inf", "'-inf"),
    ("-5", "-5"), ("-0.25", "-0.25"), ("+3", "+3"), ("-1e5", "-1e5"), (-5, -5),
    ("a=b", "a=b"), ("", ""), (None, None), (["=x"], '["=x"]'),
])
def test_csv_cell(value: object, cell: object) -> None:
    assert csv_cell(value) == cell

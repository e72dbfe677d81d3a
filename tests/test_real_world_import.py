"""Metadata nobody here wrote: whole collections import, one odd value never costs a file,
distinct identifiers stay distinct datasets, and hostile files end in one clear error."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from test_hostile_input import refused_cleanly, state

from conftest import Tracker, bench_generate


def show(tracker: Tracker, slug: str) -> dict:
    return json.loads(tracker(["dataset", "show", slug, "--json"]).stdout)


def datasets(tracker: Tracker) -> dict[str, dict]:
    return {d["slug"]: d for d in json.loads(tracker("dataset list --json").stdout)}


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), "utf-8")
    return path


def dpi_file(path: Path, **records: dict) -> Path:
    rng = bench_generate().random.Random(1)
    doc = {}
    for uid, extra in records.items():
        record = bench_generate().dpi_record(uid, uid, rng, "Test")
        record.update({"Dataset URL": "", "Derived from Datasets": [],
                       "Languages": ["English"], "Text Sources": [], **extra})
        doc[uid] = record
    return write_json(path, doc)


# ---- the Data Provenance Collection, synthetic and at full size ----------------------------

def test_a_dpi_shaped_collection_imports_whole_and_again_changes_nothing(
        db_url: str, tmp_path: Path) -> None:
    tracker = Tracker(db_url)
    # The collection's full size once, on SQLite; PostgreSQL proves the same shapes on a
    # tenth of it, every seeded shape included (they recur every ten files).
    n = 30 if "://" in db_url else 300
    folder = tmp_path / "collection"
    bench_generate().dpi_collection(folder, n)
    files = sorted(str(p) for p in folder.glob("*.json"))
    assert len(files) == n
    result = tracker(["import", "dpi", *files])
    assert "Error" not in result.stderr
    assert result.stderr.strip().endswith(f"{n} files imported")
    listed = datasets(tracker)
    # Every record arrived: 8 per file, 3 more in every tenth, 2 more in the next ones.
    records = n * 8 + n // 10 * 3 + n // 10 * 2
    imported = [d for d in listed.values() if d["slug"].startswith(("col", "commitpackft"))]
    assert len(imported) >= records
    # c, c# and c++ are three datasets, each found again by its own identifier.
    c, sharp, plus = (show(tracker, s) for s in (
        "commitpackft-c-0", "commitpackft-c-sharp-0", "commitpackft-c-plus-plus-0"))
    assert [d["external_id"] for d in (c, sharp, plus)] == [
        "dpi:commitpackft-c-0", "dpi:commitpackft-c#-0", "dpi:commitpackft-c++-0"]
    # Identifiers only case tells apart: the second gets a slug of its own, stable.
    dup = [s for s in listed if s.startswith("col001-dup")]
    assert len(dup) == 2 and any(len(s) == len("col001-dup") + 9 for s in dup)
    before = tracker.digest()
    again = tracker(["import", "dpi", *files])
    assert again.stderr.count("up to date") == n
    assert tracker.digest() == before


def test_odd_dpi_values_cost_only_themselves(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    tracker = sqlite_tracker
    long_source = "A source named at great length " * 5
    path = dpi_file(
        tmp_path / "odd.json",
        **{"tasksource-instruct": {
            "Licenses": [{"License": "CC BY 4.0",
                          "License URL": "https://creativecommons.org/licenses/by/4.0/, "
                                         "https://github.com/sileod/tasksource/LICENSE"}],
            "Text Sources": [long_source], "Dataset URL": "javascript:alert(1)",
            "Languages": ["English", 7, {"odd": True}, "Klingon"]},
           "open-platypus": {"Licenses": [{"License": "Non Commercial", "License URL": ""}],
                             "Text Sources": [long_source + "!"]}})
    result = tracker(["import", "dpi", str(path)])
    assert "homepage: must be an http:// or https:// URL" in result.stderr
    instruct = show(tracker, "tasksource-instruct")
    assert instruct["homepage"] is None and instruct["languages"] == "en"
    authors = [c for c in instruct["license_claims"] if c["claimed_by"] == "authors"]
    assert authors[0]["evidence_url"] == ("https://creativecommons.org/licenses/by/4.0/ "
                                          "https://github.com/sileod/tasksource/LICENSE")
    # Two names of 160 characters that differ at the end: two sources, each slug fits.
    sources = [s["slug"] for s in instruct["sources"] + show(tracker, "open-platypus")["sources"]]
    assert len(set(sources)) == 2 and all(len(s) <= 128 for s in sources)
    assert all(s.startswith("text-source/a-source-named-at-great-length") for s in sources)


def test_a_dataset_imported_before_identifiers_were_kept_is_adopted(
        sqlite_tracker: Tracker, tmp_path: Path) -> None:
    tracker = sqlite_tracker
    path = dpi_file(tmp_path / "one.json", **{"flan-x": {}})
    tracker(["import", "dpi", str(path)])
    tracker.sql("UPDATE dataset SET external_id = NULL")
    tracker(["import", "dpi", str(path)])
    assert [s for s in datasets(tracker) if s.startswith("flan-x")] == ["flan-x"]
    assert show(tracker, "flan-x")["external_id"] == "dpi:flan-x"
    # Renamed by a user, it is still found by its identifier.
    tracker("dataset edit flan-x --slug flan-renamed")
    before = tracker.digest()
    assert "up to date" in tracker(["import", "dpi", str(path)]).stderr
    assert tracker.digest() == before


def test_every_file_is_tried_and_the_failures_are_named(sqlite_tracker: Tracker,
                                                        tmp_path: Path) -> None:
    tracker = sqlite_tracker
    first = dpi_file(tmp_path / "a.json", **{"first": {}})
    bad = tmp_path / "b.json"
    bad.write_text('{"x": ')
    last = dpi_file(tmp_path / "c.json", **{"last": {}})
    result = tracker(["import", "dpi", str(first), str(bad), str(last)], expect=1)
    assert {"first", "last"} <= set(datasets(tracker))
    summary = result.stderr.strip().splitlines()
    assert summary[-2] == "2 of 3 files imported; 1 failed, each left unchanged:"
    assert summary[-1] == f"  {bad} line 1: malformed JSON (Expecting value)"
    assert "Traceback" not in result.output

    other = Tracker(str(tmp_path / "other.db"))
    stopped = other(["import", "dpi", "--stop-on-error", str(first), str(bad), str(last)],
                    expect=1)
    assert set(datasets(other)) == {"first"}
    assert stopped.stderr.strip().splitlines()[-1].startswith(f"Error: {bad} line 1")


# ---- Hugging Face cards and Croissant files as they are found ------------------------------

CARD = """---
language:
- code
- unknown
- en
license: https://creativecommons.org/licenses/by-sa/4.0/
size_categories:
- n<1K
- 1K<n<10K
- 100K<n<1M
- 10K<n<100K
source_datasets:
- extended|common_voice
- extended|librispeech
---
# Common Voice
"""


def test_real_card_shapes_import(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    tracker = sqlite_tracker
    card = tmp_path / "common_voice" / "README.md"
    card.parent.mkdir()
    card.write_text(CARD)
    result = tracker(["import", "hf-card", str(card)])
    assert "'extended|common_voice' names the dataset itself" in result.stderr
    data = show(tracker, "common_voice")
    assert data["languages"] == "en" and data["modality"] == "code"
    assert data["size_category"] == "100K<n<1M"
    assert data["license_claims"][0]["license"] == "CC-BY-SA-4.0"
    assert [p["slug"] for p in data["parents"]] == ["librispeech"]
    assert data["external_id"] == "hf:common_voice"


@pytest.mark.parametrize("text", ["Public", "None", "https://commoncrawl.org/terms-of-use",
                                  "https://choosealicense.com/licenses/undefined/"])
def test_croissant_licence_text_that_maps_to_nothing_is_kept_unmapped(
        sqlite_tracker: Tracker, tmp_path: Path, text: str) -> None:
    tracker = sqlite_tracker
    path = write_json(tmp_path / "c.json", {"name": "Crawl", "license": text,
                                            "url": "https://example.org/crawl"})
    tracker(["import", "croissant", str(path)])
    claim = show(tracker, "crawl")["license_claims"][0]
    assert claim["license"] == "LicenseRef-Unmapped"
    assert f"Licence text not mapped: {text!r}" in claim["notes"]
    if text.startswith("https://"):
        assert text in claim["evidence_url"]
    findings = json.loads(tracker("flags --json").stdout)
    assert any(f["dataset"] == "crawl" and f["code"] == "license_unmapped" for f in findings)


@pytest.mark.parametrize("url, expected", [
    ("https://spdx.org/licenses/CC-BY-4.0.html", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://opensource.org/licenses/MIT", "MIT")])
def test_licences_given_as_urls_map_to_their_ids(sqlite_tracker: Tracker, tmp_path: Path,
                                                 url: str, expected: str) -> None:
    tracker = sqlite_tracker
    write_json(tmp_path / "c.json", {"name": "Linked", "license": url})
    card = tmp_path / "linked-card.md"
    card.write_text(f"---\nlicense: {url}\n---\n")
    tracker(["import", "croissant", str(tmp_path / "c.json")])
    tracker(["import", "hf-card", str(card)])
    assert show(tracker, "linked")["license_claims"][0]["license"] == expected
    assert show(tracker, "linked-card")["license_claims"][0]["license"] == expected


def test_croissant_sizes_that_are_no_sizes_are_named(sqlite_tracker: Tracker,
                                                     tmp_path: Path) -> None:
    tracker = sqlite_tracker
    path = write_json(tmp_path / "s.json", {"name": "Sized", "distribution": [
        {"contentSize": "1e400 B"}, {"contentSize": "-5 B"}, {"contentSize": "2 kB"}]})
    result = tracker(["import", "croissant", str(path)])
    assert "distribution[0].contentSize: not a size in bytes (got '1e400 B'" in result.stderr
    assert "distribution[1].contentSize: not a size in bytes (got '-5 B'" in result.stderr
    assert show(tracker, "sized")["size_bytes"] == 2000


# ---- hostile files --------------------------------------------------------------------------

def _bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n"


def test_a_yaml_alias_bomb_is_refused_at_once(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    card = tmp_path / "bomb.md"
    card.write_text(_bomb())
    # Refused before anything is expanded: expanding it would take minutes and gigabytes.
    message = refused_cleanly(sqlite_tracker, ["import", "hf-card", str(card)],
                              state(sqlite_tracker))
    assert "YAML aliases expand to more than 100,000 values" in message and str(card) in message


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("importer, name, text", [
    ("dpi", "deep.json", '{"d": {"Licenses": ' + DEEP_JSON + "}}"),
    ("croissant", "deep.json", '{"name": "x", "creator": ' + DEEP_JSON + "}"),
    ("table", "deep.jsonl", '{"slug": "x", "name": ' + DEEP_JSON + "}\n"),
    ("json", "deep.json", '{"datasets": ' + DEEP_JSON + "}"),
    ("hf-card", "deep.md", "---\nlicense:\n" + "- " * 50_000 + "x\n---\n")])
def test_nesting_without_end_is_refused(sqlite_tracker: Tracker, tmp_path: Path,
                                        importer: str, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    message = refused_cleanly(sqlite_tracker, ["import", importer, str(path)],
                              state(sqlite_tracker))
    assert "nested too deeply" in message and str(path) in message
    if importer != "hf-card":
        assert "$" in message and "levels)" in message


IMPORTERS = ["hf-card", "croissant", "dpi", "table", "json"]


@pytest.mark.parametrize("importer", IMPORTERS)
def test_endless_input_stops_at_the_size_limit(sqlite_tracker: Tracker, importer: str) -> None:
    message = refused_cleanly(sqlite_tracker, ["import", importer, "/dev/zero",
                                               "--max-bytes", "1000000"],
                              state(sqlite_tracker))
    assert "/dev/zero" in message and ("larger than the limit of 1,000,000 bytes" in message
                                       or "expected a .csv or .jsonl file" in message)


def test_a_line_without_end_stops_a_table(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    with path.open("w") as handle:
        handle.write("slug,name\nx,")
        handle.write("y" * (17 * 2**20))
    message = refused_cleanly(sqlite_tracker, ["import", "table", str(path)],
                              state(sqlite_tracker))
    assert "a line longer than 16,777,216 bytes" in message


@pytest.mark.parametrize("importer, suffix", [("dpi", ".json"), ("table", ".csv")])
def test_a_fifo_is_read_up_to_the_limit_and_never_waited_on(
        sqlite_tracker: Tracker, tmp_path: Path, importer: str, suffix: str) -> None:
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    # Nobody writes: read as empty at once, not waited on.
    refused_cleanly(sqlite_tracker, ["import", importer, str(fifo)], state(sqlite_tracker))
    stop = threading.Event()

    def endless() -> None:
        try:
            with open(fifo, "w") as handle:
                handle.write("slug,name\n")
                row = 0
                while not stop.is_set():
                    handle.write("".join(f"s{row + i},Row\n" for i in range(1000)))
                    row += 1000
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=endless, daemon=True)
    writer.start()
    try:
        time.sleep(0.2)  # the writer opens first, so the reader finds it
        message = refused_cleanly(sqlite_tracker, ["import", importer, str(fifo),
                                                   "--max-bytes", "200000"],
                                  state(sqlite_tracker))
        assert "larger than the limit of 200,000 bytes" in message
    finally:
        stop.set()
        writer.join(timeout=5)


def test_a_file_over_the_limit_is_refused_before_reading(sqlite_tracker: Tracker,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.truncate(5 * 2**30)  # 5 GB, sparse: nothing is written or read
    message = refused_cleanly(sqlite_tracker, ["import", "croissant", str(path)],
                              state(sqlite_tracker))
    assert "larger than the limit of 67,108,864 bytes (64 MiB)" in message


def test_a_table_row_is_found_again_by_its_external_id(sqlite_tracker: Tracker,
                                                       tmp_path: Path) -> None:
    tracker = sqlite_tracker
    path = tmp_path / "mine.csv"
    path.write_text("slug,name,external_id\nweb-2024,Web 2024,warehouse:4711\n")
    tracker(["import", "table", str(path)])
    tracker("dataset edit web-2024 --slug web-crawl-2024")
    path.write_text("slug,name,external_id\nweb-2024,Web crawl 2024,warehouse:4711\n")
    result = tracker(["import", "table", str(path)])
    assert "update dataset web-crawl-2024: name" in result.stdout
    assert set(datasets(tracker)) == {"web-crawl-2024"}
    taken = refused_cleanly(tracker, ["dataset", "add", "other", "--name", "Other",
                                      "--external-id", "warehouse:4711"], state(tracker))
    assert taken == ("Error: external-id: dataset 'web-crawl-2024' already has it "
                     "(got 'warehouse:4711')")


def test_croissant_datasets_sharing_a_home_page_stay_apart(sqlite_tracker: Tracker,
                                                           tmp_path: Path) -> None:
    tracker = sqlite_tracker
    files = [str(write_json(tmp_path / f"{name}.json", {"name": name,
                                                         "url": "https://mlcommons.org"}))
             for name in ("simple-join", "simple-split", "json-join")]
    tracker(["import", "croissant", *files])
    assert {"simple-join", "simple-split", "json-join"} <= set(datasets(tracker))
    before = tracker.digest()
    assert tracker(["import", "croissant", *files]).stderr.count("up to date") == 3
    assert tracker.digest() == before


def test_speech_and_video_summaries_keep_hours_languages_and_site(
        sqlite_tracker: Tracker, tmp_path: Path) -> None:
    tracker = sqlite_tracker
    path = dpi_file(tmp_path / "speech.json",
                    samromur={"Hours": 145.5, "Languages": ["Icelandic"],
                              "Languages (ISO)": ["is"],
                              "Website URL": ["https://samromur.is"]},
                    webvid={"Video Hours": 13000.0, "Languages": ["English", "Slovak"]})
    tracker(["import", "dpi", str(path)])
    speech, video = show(tracker, "samromur"), show(tracker, "webvid")
    assert (speech["modality"], speech["size_hours"], speech["languages"],
            speech["homepage"]) == ("audio", "145.5", "is", "https://samromur.is")
    assert (video["modality"], video["size_hours"], video["languages"]) == (
        "video", "13000.0", "en,sk")

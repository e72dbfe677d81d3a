"""Importing the real metadata files of the field, and giving the registry back."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from conftest import Tracker
from tracker.interop import apply


def show(tracker: Tracker, slug: str) -> dict:
    return json.loads(tracker(["dataset", "show", slug, "--json"]).stdout)


def test_hugging_face_cards(tracker: Tracker, real_fixture) -> None:
    squad, imdb = real_fixture("hf-cards/squad.README.md"), real_fixture(
        "hf-cards/imdb.README.md")
    dry = tracker(["import", "hf-card", str(squad), str(imdb), "--dry-run"])
    assert "create dataset squad" in dry.stdout
    assert json.loads(tracker("dataset list --json").stdout) == []
    tracker(["import", "hf-card", str(squad), str(imdb), "--date", "2024-05-01"])
    data = show(tracker, "squad")
    assert data["name"] == "SQuAD" and data["languages"] == "en"
    assert data["size_category"] == "10K<n<100K"
    assert [{k: v for k, v in claim.items() if k != "id"} for claim in data["license_claims"]] \
        == [{"license": "CC-BY-4.0", "claimed_by": "hub",
             "evidence_url": "https://huggingface.co/datasets/squad",
             "observed_on": "2024-05-01", "notes": "From the dataset card's front matter.",
             "voided": None}]
    assert data["parents"][0]["slug"] == "wikipedia"
    assert "crowdsourced" in data["collection_method"]
    assert show(tracker, "imdb")["license_claims"][0]["license"] == "LicenseRef-Other"
    before = tracker.digest()
    again = tracker(["import", "hf-card", str(squad), str(imdb)])
    assert again.stderr.count("up to date") == 2
    assert tracker.digest() == before


def test_card_licence_other_with_a_name_and_older_spelling(tracker: Tracker,
                                                          tmp_path: Path) -> None:
    card = tmp_path / "mycorpus" / "README.md"
    card.parent.mkdir()
    card.write_text("---\nlicenses:\n- other\nlicense_name: acme-research\n"
                    "license_link: https://acme.example.com/licence\nlanguages:\n- de\n---\n"
                    "# text\n")
    tracker(["import", "hf-card", str(card)])
    data = show(tracker, "mycorpus")
    assert data["license_claims"][0]["license"] == "LicenseRef-acme-research"
    assert data["languages"] == "de"
    lic = json.loads(tracker("license show LicenseRef-acme-research --json").stdout)
    assert lic["url"] == "https://acme.example.com/licence"
    card.write_text("---\nlicense: cc-by-nc-4.0\n---\n")  # the hub's licence changed
    tracker(["import", "hf-card", str(card)])
    claims = show(tracker, "mycorpus")["license_claims"]
    assert [c["license"] for c in claims] == ["LicenseRef-acme-research", "CC-BY-NC-4.0"]


def test_croissant_files(tracker: Tracker, real_fixture) -> None:
    files = [str(real_fixture(f"croissant/{name}")) for name in (
        "dices-350_croissant-1.0_rai.json", "bigcode-the-stack_croissant-1.0_rai.json",
        "data_provenance_initiative_croissant-1.1_prov.json")]
    tracker(["import", "croissant", *files])
    dices = show(tracker, "dices-350_dataset")
    assert dices["license_claims"][0]["license"] == "CC-BY-SA-4.0"
    assert dices["license_claims"][0]["claimed_by"] == "authors"
    assert dices["version"] == "1.0.0"
    assert "350 adversarial multi-turn conversations" in dices["collection_method"]
    stack = show(tracker, "bigcode-the-stack")
    assert stack["personal_data"] == "yes"  # rai:personalSensitiveInformation
    assert stack["homepage"] == "https://huggingface.co/datasets/bigcode/the-stack"
    assert "Harm de Vries" in stack["steward"]
    dpi = show(tracker, "data_provenance_initiative_filtered")
    assert dpi["license_claims"] == []  # the file states no licence: nothing invented
    before = tracker.digest()
    tracker(["import", "croissant", *files])
    assert tracker.digest() == before


def test_croissant_lineage_and_sizes(tracker: Tracker, tmp_path: Path) -> None:
    doc = {"@context": {"@vocab": "https://schema.org/", "prov": "http://www.w3.org/ns/prov#"},
           "@type": "sc:Dataset", "name": "Filtered web",
           "license": "https://creativecommons.org/licenses/by/4.0/",
           "url": "https://example.org/filtered", "datePublished": "2024-03-01",
           "prov:wasDerivedFrom": [{"@id": "https://example.org/datasets/raw-web"}],
           "distribution": [{"@type": "cr:FileObject", "contentSize": "1.5 GB"},
                            {"@type": "cr:FileObject", "contentSize": "500 MB"}]}
    path = tmp_path / "filtered.json"
    path.write_text(json.dumps(doc))
    tracker(["import", "croissant", str(path)])
    data = show(tracker, "filtered-web")
    assert data["size_bytes"] == 2_000_000_000
    assert data["license_claims"][0]["license"] == "CC-BY-4.0"
    assert data["license_claims"][0]["observed_on"] == "2024-03-01"
    assert data["parents"] == [{"slug": "raw-web", "relation": "subset", "notes": ""}]


def test_data_provenance_initiative_summary(tracker: Tracker, real_fixture) -> None:
    path = str(real_fixture("dpi/flan2021_data_summary.json"))
    tracker(["import", "dpi", path])
    slugs = {d["slug"] for d in json.loads(tracker("dataset list --json").stdout)}
    assert len([s for s in slugs if s.startswith("fc-flan-")]) == 70
    web_nlg = show(tracker, "fc-flan-web_nlg_en")
    claims = {(c["claimed_by"], c["license"]) for c in web_nlg["license_claims"]}
    assert claims == {("authors", "CC-BY-NC-4.0"), ("hub", "CC-BY-SA-3.0"),
                      ("aggregator", "CC-BY-NC-SA-4.0")}
    assert web_nlg["size_records"] == 108072
    conflicts = [f for f in json.loads(tracker("flags --json").stdout)
                 if f["code"] == "conflicting_claims" and f["dataset"] == "fc-flan-web_nlg_en"]
    assert conflicts and "CC-BY-SA-3.0" in conflicts[0]["why"] \
        and "CC-BY-NC-4.0" in conflicts[0]["why"]
    europarl = [d for d in slugs if d.startswith("fc-flan-wmt")]
    assert europarl and any(p["slug"] == "europarl" for d in europarl
                            for p in show(tracker, d)["parents"])
    before = tracker.digest()
    assert "up to date" in tracker(["import", "dpi", path]).stderr
    assert tracker.digest() == before


def test_a_bad_row_in_the_middle_imports_nothing(tracker: Tracker, tmp_path: Path) -> None:
    rows = ["slug,name,license,size_tokens"]
    rows += [f"d{i},Dataset {i},MIT,{i * 1000}" for i in range(50)]
    rows[26] = "d25,Dataset 25,MIT,-12"
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join(rows) + "\n")
    before = tracker.digest()
    result = tracker(["import", "table", str(path)], expect=1)
    assert result.stderr.strip() == (f"Error: {path} line 27: size-tokens: must be a whole "
                                     "number such as 1000000 (got '-12')")
    assert tracker.digest() == before
    rows[26] = "d25,Dataset 25,MIT,25000"
    path.write_text("\n".join(rows) + "\n")
    tracker(["import", "table", str(path)])
    assert len(json.loads(tracker("dataset list --json").stdout)) == 50


@pytest.mark.parametrize("bad, error", [
    ("{not json", "malformed JSON (Expecting property name enclosed in double quotes)"),
    ('{"slug": "d36", "name": "Dataset 36", "license": "Not-A-Licence"}',
     "license: unknown licence id (did you mean Unlicense?) (got 'Not-A-Licence')"),
])
def test_an_error_chunks_into_a_large_import_undoes_the_written_chunks(
        tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str,
        error: str) -> None:
    # Chunks of 10: the process writing has written three chunks when the one reading meets
    # line 37, whether it cannot read the line or the line is wrong.
    monkeypatch.setattr(apply, "CHUNK", 10)
    lines = [json.dumps({"slug": f"d{i}", "name": f"Dataset {i}", "license": "MIT"})
             for i in range(50)]
    lines[36] = bad
    path = tmp_path / "bulk.jsonl"
    path.write_text("\n".join(lines) + "\n")
    before = tracker.digest()
    result = tracker(["import", "table", str(path)], expect=1)
    assert result.stderr.startswith(f"Error: {path} line 37: ")
    assert error in result.stderr
    assert tracker.digest() == before
    assert tracker("verify").stdout.startswith("ok")


def test_table_import_with_a_column_map_and_jsonl(tracker: Tracker, tmp_path: Path) -> None:
    csv_path = tmp_path / "theirs.csv"
    csv_path.write_text("id,title,spdx,origin,derived_from\n"
                        "news,News,CC-BY-4.0,news-site,\n"
                        "news-clean,News (clean),CC-BY-4.0,,news\n")
    tracker(["import", "table", str(csv_path), "--map", "id=slug", "--map", "title=name",
             "--map", "spdx=license", "--map", "origin=source", "--map", "derived_from=parents"])
    assert show(tracker, "news-clean")["parents"][0]["slug"] == "news"
    assert show(tracker, "news")["sources"][0]["slug"] == "news-site"
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text(json.dumps({"slug": "news", "name": "News", "size_tokens": 500}) + "\n")
    tracker(["import", "table", str(jsonl)])
    assert show(tracker, "news")["size_tokens"] == 500
    bad = tmp_path / "bad.csv"
    bad.write_text("slug,name,colour\nx,X,blue\n")
    result = tracker(["import", "table", str(bad)], expect=1)
    assert "line 2: unknown column 'colour' (use --map THEIRS=OURS)" in result.stderr


def test_export_then_import_reproduces_the_registry(tracker: Tracker, other: Tracker,
                                                    tmp_path: Path) -> None:
    tracker("demo")
    tracker("review hub-qa-dataset --decision needs_info --note 'ask the authors'")
    first = tracker("export json").stdout
    export_file = tmp_path / "registry.json"
    export_file.write_text(first)
    other(["import", "json", str(export_file)])
    assert other("export json").stdout == first
    assert other("verify").stdout.startswith("ok")
    other("dataset add after-import --name 'New row gets a new id'")
    result = other(["import", "json", str(export_file)], expect=1)
    assert "the registry is not empty" in result.stderr
    folder = tmp_path / "csv"
    tracker(["export", "csv", "-o", str(folder)])
    assert (folder / "dataset.csv").read_text().count("\n") == 13  # header + 12 datasets


def test_croissant_export_loads_in_mlcroissant(tracker: Tracker, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    import mlcroissant as mlc
    tracker("demo")
    out = tmp_path / "preference-labels.json"
    tracker(["export", "croissant", "preference-labels", "-o", str(out)])
    doc = json.loads(out.read_text())
    assert doc["rai:personalSensitiveInformation"].startswith("Personal data: no; consent opt in")
    assert doc["prov:wasDerivedFrom"]
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=str(out))
    assert dataset.metadata.name == "Human preference annotations (illustrative)"
    assert dataset.metadata.license == ["https://licences.example.com/annotation-work-for-hire"]
    assert "not standard" not in caplog.text


def test_datasheet(tracker: Tracker, tmp_path: Path) -> None:
    tracker("demo")
    text = tracker("export datasheet forum-posts").stdout
    for section in ("## Motivation", "## Composition", "## Collection process",
                    "## Preprocessing, cleaning, labeling", "## Uses", "## Distribution",
                    "## Maintenance"):
        assert section in text
    assert "**Did the individuals consent to the collection and use of their data?**\n" \
           "They were notified but not asked." in text
    assert "**Who funded the creation of the dataset?**\nUnknown: not recorded" in text
    assert "frontier-run-1" in text
    page = tmp_path / "sheet.html"
    tracker(["report", "datasheet", "forum-posts", "-o", str(page)])
    html = page.read_text("utf-8")
    assert "<script" not in html and "Collection process" in html

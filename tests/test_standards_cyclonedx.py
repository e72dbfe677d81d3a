"""CycloneDX 1.6 ML-BOM export, checked with cyclonedx-python-lib's strict 1.6 validator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from test_standards_spdx import SETUP

from conftest import Snapshots, Tracker


@pytest.fixture
def bom(tracker: Tracker, tmp_path: Path, snapshots: Snapshots) -> tuple[Tracker, str]:
    snapshots.restore(tracker, "standards_spdx.SETUP", lambda t: [t(c) for c in SETUP],
                      postgres=False)
    out = tmp_path / "r1.cdx.json"
    tracker(f"export cyclonedx r1 -o {out}")
    return tracker, out.read_text()


def test_the_bom_is_valid_cyclonedx_1_6(bom: tuple[Tracker, str]) -> None:
    _, text = bom
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    assert validator.validate_str(text) is None
    # The validator is strict: a data item of an unknown type is refused.
    doc = json.loads(text)
    doc["components"][0]["data"][0]["type"] = "spreadsheet"
    assert validator.validate_str(json.dumps(doc)) is not None


def test_the_model_card_names_the_datasets_the_run_draws(bom: tuple[Tracker, str]) -> None:
    _, text = bom
    model = json.loads(text)["metadata"]["component"]
    assert (model["type"], model["name"], model["supplier"]["name"]) == (
        "machine-learning-model", "Model One", "Lab Ltd")
    refs = [d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert sorted(refs) == ["dataset:mix", "dataset:photos"]


def test_each_dataset_with_licence_governance_and_lineage(bom: tuple[Tracker, str]) -> None:
    tracker, text = bom
    doc = json.loads(text)
    data = {c["bom-ref"]: c for c in doc["components"]}
    assert set(data) == {"dataset:news", "dataset:news-clean", "dataset:photos", "dataset:mix"}
    assert all(c["type"] == "data" for c in data.values())
    for slug in ("news", "news-clean", "photos"):
        resolved = json.loads(tracker(f"license resolve {slug} --json").stdout)["resolved"]
        assert data[f"dataset:{slug}"]["licenses"] == [
            {"acknowledgement": "concluded", "expression": resolved}]
    assert "licenses" not in data["dataset:mix"]
    (news,) = data["dataset:news"]["data"]
    assert news["governance"] == {
        "owners": [{"organization": {"name": "Wire Inc"}},
                   {"organization": {"name": "Wire service"}}],
        "custodians": [{"organization": {"name": "Lab Ltd"}}]}
    assert news["sensitiveData"] == ["personal data: yes (no consent record)"]
    assert news["classification"] == "other" and news["contents"] == {
        "url": "https://news.example/data"}
    assert "sensitiveData" not in data["dataset:news-clean"]["data"][0]
    depends = {d["ref"]: sorted(d.get("dependsOn", [])) for d in doc["dependencies"]}
    assert depends["dataset:mix"] == ["dataset:news-clean", "dataset:photos"]
    assert depends["dataset:news-clean"] == ["dataset:news"]
    assert depends["run:r1"] == ["dataset:mix", "dataset:photos"]


def test_an_unknown_run_is_one_line(bom: tuple[Tracker, str]) -> None:
    tracker, _ = bom
    result = tracker("export cyclonedx nope", expect=1)
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr

"""SPDX 3.0.1 AI BOM export, loaded back with the library that wrote it (spdx-python-model)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from spdx_python_model import v3_0_1 as spdx

from conftest import Snapshots, Tracker

SETUP = [
    "license add LicenseRef-News-Terms --name 'News archive terms' --url "
    "https://news.example/terms --commercial-use yes --ai-training allowed",
    "source add wire --name 'Wire service' --kind publisher --rights-holder 'Wire Inc'",
    "source add forum --name Forum --kind platform",
    "dataset add news --name 'News archive' --modality text --personal-data yes "
    "--collection-method 'Licensed feed' --size-bytes 5000 --size-tokens 1200 "
    "--acquired-from 2024-01-01 --acquired-to 2024-06-30 --homepage https://news.example/data",
    "dataset add news-clean --name 'News, cleaned' --modality text --personal-data no",
    "dataset add photos --name Photos --modality image --personal-data unknown",
    "dataset add mix --name Mix --modality multimodal",
    "source link news wire",
    "source link photos forum",
    "license claim news LicenseRef-News-Terms --by contract --date 2024-01-02",
    "license claim news CC-BY-4.0 --by hub --date 2024-02-01",
    "license claim news-clean CC-BY-4.0 --by authors",
    "license claim photos 'CC-BY-NC-4.0 OR CC-BY-SA-4.0' --by authors",
    "lineage add news-clean news --relation filtered",
    "lineage add mix news-clean --relation mixture",
    "lineage add mix photos --relation mixture",
    "run create r1 --model 'Model One' --start 2026-01-01 --end 2026-06-30 "
    "--provider 'Lab Ltd'",
    "run add-dataset r1 mix --tokens 1000",
    "run add-dataset r1 photos",
]


@pytest.fixture
def registry(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    snapshots.restore(tracker, "standards_spdx.SETUP", lambda t: [t(c) for c in SETUP],
                      postgres=False)
    return tracker


def _load(path: Path) -> spdx.SHACLObjectSet:
    objects = spdx.SHACLObjectSet()
    with path.open("rb") as handle:
        spdx.JSONLDDeserializer().read(handle, objects)
    return objects


def _relations(objects: spdx.SHACLObjectSet, kind: str) -> set[tuple[str, str]]:
    wanted = getattr(spdx.RelationshipType, kind)
    return {(r.from_.spdxId, t.spdxId) for r in objects.foreach_type(spdx.Relationship)
            if r.relationshipType == wanted for t in r.to}


def _id(kind: str, name: str) -> str:
    return f"urn:dataset-tracker:{kind}:{name}"


def _expressions(objects: spdx.SHACLObjectSet, kind: str) -> dict[str, str]:
    wanted = getattr(spdx.RelationshipType, kind)
    return {r.from_.name: r.to[0].simplelicensing_licenseExpression
            for r in objects.foreach_type(spdx.Relationship) if r.relationshipType == wanted}


def test_a_run_loads_back_with_every_dataset_licence_and_edge(registry: Tracker,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "r1.spdx.json"
    registry(f"export spdx r1 -o {out}")
    objects = _load(out)
    (doc,) = objects.foreach_type(spdx.SpdxDocument)
    (model,) = objects.foreach_type(spdx.ai_AIPackage)
    assert [e.spdxId for e in doc.rootElement] == [model.spdxId]
    assert model.name == "Model One" and model.suppliedBy.name == "Lab Ltd"
    assert model.ai_useSensitivePersonalInformation == spdx.PresenceType.yes
    packages = {p.name: p for p in objects.foreach_type(spdx.dataset_DatasetPackage)}
    # The datasets the run draws and their ancestors, each once.
    assert set(packages) == {"News archive", "News, cleaned", "Photos", "Mix"}
    news = packages["News archive"]
    assert news.dataset_datasetType == [spdx.dataset_DatasetType.text]
    assert news.dataset_hasSensitivePersonalInformation == spdx.PresenceType.yes
    assert news.dataset_dataCollectionProcess == "Licensed feed"
    assert news.dataset_datasetSize == 5000
    assert news.builtTime.isoformat() == "2024-06-30T00:00:00+00:00"
    assert news.software_downloadLocation == "https://news.example/data"
    assert [o.name for o in news.originatedBy] == ["Wire Inc"]
    assert "1,200 tokens" in news.comment
    assert packages["Photos"].dataset_hasSensitivePersonalInformation == \
        spdx.PresenceType.noAssertion
    assert packages["Photos"].dataset_datasetType == [spdx.dataset_DatasetType.image]
    assert packages["Mix"].dataset_intendedUse == "training Model One (commercial use)"
    # Licences: the authors' or contract claim declared, the resolution concluded.
    assert _expressions(objects, "hasDeclaredLicense") == {
        "News archive": "LicenseRef-News-Terms", "News, cleaned": "CC-BY-4.0",
        "Photos": "CC-BY-NC-4.0 OR CC-BY-SA-4.0"}
    concluded = _expressions(objects, "hasConcludedLicense")
    assert set(concluded) == {"News archive", "News, cleaned", "Photos"}  # Mix has no claim
    for slug, name in (("news", "News archive"), ("photos", "Photos")):
        resolved = json.loads(registry(f"license resolve {slug} --json").stdout)["resolved"]
        assert concluded[name] == resolved
    assert concluded["News archive"] == "CC-BY-4.0"  # the hub's is the stricter claim
    # The LicenseRef- id maps to a custom licence element with the knowledge base's URL.
    ref = next(r.to[0] for r in objects.foreach_type(spdx.Relationship)
               if r.from_.name == "News archive"
               and r.relationshipType == spdx.RelationshipType.hasDeclaredLicense)
    (entry,) = ref.simplelicensing_customIdToUri
    assert entry.key == "LicenseRef-News-Terms"
    custom = {c.spdxId: c for c in objects.foreach_type(spdx.expandedlicensing_CustomLicense)}
    assert custom[entry.value].name == "News archive terms"
    assert list(custom[entry.value].expandedlicensing_seeAlso) == ["https://news.example/terms"]
    # Lineage and training edges.
    assert _relations(objects, "descendantOf") == {
        (_id("dataset", "news-clean"), _id("dataset", "news")),
        (_id("dataset", "mix"), _id("dataset", "news-clean")),
        (_id("dataset", "mix"), _id("dataset", "photos"))}
    assert _relations(objects, "trainedOn") == {(model.spdxId, _id("dataset", "mix")),
                                                (model.spdxId, _id("dataset", "photos"))}
    draws = {r.to[0].name: r.comment for r in objects.foreach_type(spdx.Relationship)
             if r.relationshipType == spdx.RelationshipType.trainedOn}
    assert draws["Mix"].startswith("draws tokens 1000")


def test_a_dataset_alone_with_its_ancestors(registry: Tracker) -> None:
    text = registry("export spdx --dataset news-clean").stdout
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    assert not list(objects.foreach_type(spdx.ai_AIPackage))
    assert {p.name for p in objects.foreach_type(spdx.dataset_DatasetPackage)} == {
        "News archive", "News, cleaned"}
    (doc,) = objects.foreach_type(spdx.SpdxDocument)
    assert [e.name for e in doc.rootElement] == ["News, cleaned"]


def test_spdx_needs_a_run_or_a_dataset(registry: Tracker) -> None:
    assert "give a RUN or --dataset" in registry("export spdx", expect=2).stderr
    assert "give a RUN or --dataset" in registry("export spdx r1 --dataset news",
                                                 expect=2).stderr
    result = registry("export spdx nope", expect=1)
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr

"""CycloneDX 1.6 ML-BOM of a training run, written with cyclonedx-python-lib.

The library models the components (the run's model as a `machine-learning-model`, each
dataset as `data`, with its concluded licence as an SPDX expression) and the dependency
graph (the model on the datasets it draws, each dataset on its lineage parents). It does
not model a model card or a data component's `data` (governance, classification,
sensitive data) yet, so those are added to its JSON output as plain JSON, and the whole
document is checked with the library's strict JSON validator for 1.6 before it is given
out: a document the schema refuses is never written.
"""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import LicenseAcknowledgement, LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tracker import __version__
from tracker.assess.provenance import resolve
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.values.errors import TrackerError


def _ref(kind: str, slug: str) -> str:
    return f"{kind}:{slug}"


def _component(d: DatasetFacts, snapshot: Snapshot) -> Component:
    resolved = resolve(d, snapshot).expression
    component = Component(
        type=ComponentType.DATA, name=d.name, bom_ref=_ref("dataset", d.slug),
        version=d.record.get("version") or None,
        description=d.record.get("description") or None,
        licenses=[LicenseExpression(resolved, acknowledgement=LicenseAcknowledgement.CONCLUDED)]
        if resolved else None)
    homepage = d.record.get("homepage")
    if homepage:
        component.external_references.add(ExternalReference(
            type=ExternalReferenceType.WEBSITE, url=XsUri(homepage)))
    return component


def _entities(names: list[str]) -> list[dict[str, Any]]:
    return [{"organization": {"name": n}} for n in dict.fromkeys(n for n in names if n)]


def _data(d: DatasetFacts, custodian: str) -> list[dict[str, Any]]:
    """The component's `data`: what it holds, how sensitive, and who governs it."""
    governance: dict[str, Any] = {}
    owners = _entities([s.rights_holder for s in d.sources] + [s.name for s in d.sources])
    if owners:
        governance["owners"] = owners
    if d.record.get("steward"):
        governance["stewards"] = _entities([d.record["steward"]])
    if custodian:
        governance["custodians"] = _entities([custodian])
    item: dict[str, Any] = {
        "type": "dataset", "name": d.name,
        "classification": d.source_category.replace("_", " "),
        "description": d.collection_method or d.record.get("description") or d.name,
    }
    sensitive = _sensitive(d)
    if sensitive:
        item["sensitiveData"] = sensitive
    if d.record.get("homepage"):
        item["contents"] = {"url": d.record["homepage"]}
    if governance:
        item["governance"] = governance
    return [item]


def _sensitive(d: DatasetFacts) -> list[str]:
    if d.personal_data == "no":
        return []
    consent = d.latest_consent
    state = "no consent record" if consent is None else \
        f"consent {consent.status.replace('_', ' ')}"
    return [f"personal data: {d.personal_data} ({state})"]


def run_bom(snapshot: Snapshot) -> str:
    """The run's ML-BOM as CycloneDX 1.6 JSON, checked against the 1.6 schema."""
    run = snapshot.run
    assert run is not None
    provider = run.record.get("provider") or ""
    bom = Bom()
    model = Component(type=ComponentType.MACHINE_LEARNING_MODEL,
                      name=run.record.get("model_name") or run.slug,
                      bom_ref=_ref("run", run.slug),
                      description=run.record.get("description") or None,
                      supplier=OrganizationalEntity(name=provider) if provider else None)
    bom.metadata.component = model
    bom.metadata.tools.components.add(Component(type=ComponentType.APPLICATION,
                                                name="dataset-tracker", version=__version__))
    components = {}
    for d in snapshot.datasets.values():
        components[d.id] = _component(d, snapshot)
        bom.components.add(components[d.id])
    for d in snapshot.datasets.values():
        parents = [components[p] for p, _ in d.parents if p in components]
        if parents:
            bom.register_dependency(components[d.id], parents)
    drawn = [components[i] for i in snapshot.in_scope]
    bom.register_dependency(model, drawn)
    doc = json.loads(JsonV1Dot6(bom).output_as_string())
    doc["metadata"]["component"]["modelCard"] = {
        "modelParameters": {"datasets": [{"ref": c.bom_ref.value} for c in drawn]},
        "considerations": {"useCases": [f"{run.intended_use.replace('_', ' ')} use, "
                                        f"trained {run.period_start.isoformat()} to "
                                        f"{run.period_end.isoformat()}"]},
    }
    by_ref = {c["bom-ref"]: c for c in doc.get("components", [])}
    for d in snapshot.datasets.values():
        by_ref[_ref("dataset", d.slug)]["data"] = _data(d, provider)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise TrackerError(f"CycloneDX 1.6: the document does not validate ({error})")
    return text

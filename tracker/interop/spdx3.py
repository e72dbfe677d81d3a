"""SPDX 3.0.1 (JSON-LD) of a training run or a dataset, written with spdx-python-model,
which checks each property's type as it is set and the document's shape as it is written.

A run's model is an `ai_AIPackage` with a `trainedOn` relationship to each dataset the run
draws; each dataset (the run's and their ancestors) a `dataset_DatasetPackage` with its
declared licence (the authors' or contract claim) and concluded licence (the resolution),
its sources as `originatedBy` organisations, and lineage as `descendantOf` relationships.
Knowledge-base licences outside the SPDX list become `expandedlicensing_CustomLicense`
elements that each licence expression maps its `LicenseRef-` ids to.

What SPDX 3.0.1 has no property for is written in an element's `comment`: the lineage
relation (subset, filtered, ...), how much of a dataset a run draws, sizes in tokens or
records (`datasetSize` is bytes), and the knowledge base's terms of a custom licence.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from urllib.parse import quote

from license_expression import Licensing
from spdx_python_model import v3_0_1 as spdx

from tracker import __version__
from tracker.assess.provenance import resolve
from tracker.facts.snapshot import DatasetFacts, Draw, Snapshot

PREFIX = "urn:dataset-tracker:"
DATASET_TYPES = {
    "text": ["text"], "image": ["image"], "audio": ["audio"], "video": ["video"],
    "code": ["text", "syntactic"], "tabular": ["structured"],
    "multimodal": ["text", "image", "audio", "video"], "other": ["other"],
}
PRESENCE = {"yes": "yes", "no": "no", "unknown": "noAssertion"}
DECLARERS = ("authors", "contract")


def _id(kind: str, name: str) -> str:
    return f"{PREFIX}{kind}:{quote(name, safe='')}"


def _time(day: str | dt.date | None) -> dt.datetime | None:
    if not day:
        return None
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


class _Builder:
    """Elements added to one object set, sharing one CreationInfo."""

    def __init__(self, snapshot: Snapshot, creator: str) -> None:
        self.snapshot = snapshot
        self.objects = spdx.SHACLObjectSet()
        self.info = spdx.CreationInfo(specVersion="3.0.1", created=dt.datetime.now(dt.UTC))
        self.elements: list[spdx.Element] = []
        self.agents: dict[str, spdx.Organization] = {}
        self.custom: dict[str, spdx.expandedlicensing_CustomLicense] = {}
        self.packages: dict[int, spdx.dataset_DatasetPackage] = {}
        self.count = 0
        self.info.createdBy.append(self.agent(creator))
        self.info.createdUsing.append(self.add(spdx.Tool(
            spdxId=_id("tool", "dataset-tracker"), name=f"dataset-tracker {__version__}",
            creationInfo=self.info)))

    def add(self, element: spdx.Element) -> spdx.Element:
        self.elements.append(element)
        return element

    def agent(self, name: str) -> spdx.Organization:
        """One Organization element per name (a rights holder, a provider, a steward)."""
        found = self.agents.get(name)
        if found is None:
            found = self.agents[name] = self.add(spdx.Organization(
                spdxId=_id("agent", name), name=name, creationInfo=self.info))
        return found

    def relationship(self, source: spdx.Element, kind: str, targets: list[spdx.Element],
                     comment: str | None = None) -> spdx.Relationship:
        self.count += 1
        rel = spdx.Relationship(spdxId=_id("relationship", str(self.count)),
                                creationInfo=self.info, from_=source, to=targets,
                                relationshipType=getattr(spdx.RelationshipType, kind))
        if comment:
            rel.comment = comment
        return self.add(rel)

    def expression(self, text: str) -> spdx.simplelicensing_LicenseExpression:
        """A licence expression, its LicenseRef- ids mapped to custom licence elements."""
        self.count += 1
        expr = spdx.simplelicensing_LicenseExpression(
            spdxId=_id("license-expression", str(self.count)), creationInfo=self.info,
            simplelicensing_licenseExpression=text)
        keys = Licensing().license_keys(text)
        for key in sorted(k for k in keys if k.startswith("LicenseRef-")):
            expr.simplelicensing_customIdToUri.append(spdx.DictionaryEntry(
                key=key, value=self.custom_licence(key).spdxId))
        return self.add(expr)

    def custom_licence(self, key: str) -> spdx.expandedlicensing_CustomLicense:
        found = self.custom.get(key)
        if found is None:
            lic = self.snapshot.licenses.get(key)
            terms = "no terms recorded" if lic is None else (
                f"commercial use {lic.commercial_use}, AI training {lic.ai_training}, "
                f"attribution {'yes' if lic.attribution else 'no'}, share-alike "
                f"{'yes' if lic.share_alike else 'no'}, no-derivatives "
                f"{'yes' if lic.no_derivatives else 'no'}")
            found = spdx.expandedlicensing_CustomLicense(
                spdxId=_id("license", key), creationInfo=self.info,
                name=lic.name if lic is not None else key,
                simplelicensing_licenseText=(lic.notes if lic is not None and lic.notes
                                             else f"{key}: text not on record"),
                comment=f"Terms in the tracker's knowledge base: {terms}.")
            if lic is not None and lic.url:
                found.expandedlicensing_seeAlso.append(lic.url)
            self.custom[key] = self.add(found)
        return found

    def dataset(self, d: DatasetFacts) -> spdx.dataset_DatasetPackage:
        record = d.record
        package = spdx.dataset_DatasetPackage(
            spdxId=_id("dataset", d.slug), creationInfo=self.info, name=d.name,
            software_primaryPurpose=spdx.software_SoftwarePurpose.data,
            dataset_hasSensitivePersonalInformation=getattr(
                spdx.PresenceType, PRESENCE.get(d.personal_data, "noAssertion")))
        package.dataset_datasetType.extend(
            getattr(spdx.dataset_DatasetType, t)
            for t in DATASET_TYPES.get(record.get("modality") or "other", ["other"]))
        if record.get("homepage"):
            package.software_homePage = package.software_downloadLocation = record["homepage"]
        if record.get("description"):
            package.description = record["description"]
        if record.get("version"):
            package.software_packageVersion = record["version"]
        if d.collection_method:
            package.dataset_dataCollectionProcess = d.collection_method
        if d.size_bytes is not None:
            package.dataset_datasetSize = d.size_bytes
        built = _time(record.get("acquired_to") or record.get("acquired_from"))
        if built is not None:
            package.builtTime = built
        for source in d.sources:
            package.originatedBy.append(self.agent(source.rights_holder or source.name))
        sizes = [f"{n:,} {unit}" for n, unit in ((d.size_tokens, "tokens"),
                                                 (d.size_records, "records"),
                                                 (d.size_hours, "hours")) if n is not None]
        package.comment = (f"Registry slug {d.slug}; source category "
                           f"{d.source_category.replace('_', ' ')}"
                           + (f"; size {', '.join(sizes)}" if sizes else "") + ".")
        self.packages[d.id] = self.add(package)
        self._licences(d, package)
        return package

    def _licences(self, d: DatasetFacts, package: spdx.dataset_DatasetPackage) -> None:
        declared = [c for c in d.claims if c.claimed_by in DECLARERS]
        if declared:
            claim = max(declared, key=lambda c: c.observed_on)
            self.relationship(package, "hasDeclaredLicense", [self.expression(claim.expression)],
                              f"claimed by the {claim.claimed_by} on "
                              f"{claim.observed_on.isoformat()}"
                              + (f" ({claim.evidence_url})" if claim.evidence_url else ""))
        resolved = resolve(d, self.snapshot).expression
        if resolved:
            self.relationship(package, "hasConcludedLicense", [self.expression(resolved)],
                              "the tracker's resolution of the licence claims")

    def lineage(self) -> None:
        for d in self.snapshot.datasets.values():
            child = self.packages.get(d.id)
            for parent_id, relation in d.parents:
                parent = self.packages.get(parent_id)
                if child is not None and parent is not None:
                    self.relationship(child, "descendantOf", [parent],
                                      f"lineage relation: {relation}")

    def document(self, name: str, roots: list[spdx.Element], profiles: Iterable[str]) -> str:
        doc = spdx.SpdxDocument(spdxId=_id("document", name), name=name,
                                creationInfo=self.info)
        doc.rootElement.extend(roots)
        doc.element.extend(self.elements)
        doc.profileConformance.extend(getattr(spdx.ProfileIdentifierType, p)
                                      for p in profiles)
        self.objects.add(doc)
        for element in self.elements:
            self.objects.add(element)
        out = io.BytesIO()
        spdx.JSONLDSerializer().write(self.objects, out, indent=2)
        return out.getvalue().decode("utf-8")


def run_document(snapshot: Snapshot) -> str:
    """The run's model and every dataset it draws (with their ancestors), as SPDX 3.0.1."""
    run = snapshot.run
    assert run is not None
    builder = _Builder(snapshot, run.record.get("provider") or "dataset-tracker user")
    for d in snapshot.datasets.values():
        builder.dataset(d)
    builder.lineage()
    model = spdx.ai_AIPackage(
        spdxId=_id("run", run.slug), creationInfo=builder.info,
        name=run.record.get("model_name") or run.slug,
        software_primaryPurpose=spdx.software_SoftwarePurpose.model,
        ai_informationAboutTraining=(run.record.get("description") or "")
        + f" Training run {run.slug}, {run.period_start.isoformat()} to "
          f"{run.period_end.isoformat()}, {run.intended_use.replace('_', ' ')} use.",
        ai_useSensitivePersonalInformation=getattr(spdx.PresenceType, _personal(snapshot)))
    if run.record.get("provider"):
        model.suppliedBy = builder.agent(run.record["provider"])
    builder.add(model)
    for d in snapshot.scope():
        draw = run.draws.get(d.id)
        builder.packages[d.id].dataset_intendedUse = \
            f"training {model.name} ({run.intended_use.replace('_', ' ')} use)"
        builder.relationship(model, "trainedOn", [builder.packages[d.id]],
                             None if draw is None else _draw_text(draw))
    return builder.document(f"run-{run.slug}", [model], ("core", "software", "ai", "dataset",
                                                         "simpleLicensing",
                                                         "expandedLicensing"))


def dataset_document(snapshot: Snapshot, d: DatasetFacts) -> str:
    """One dataset and its ancestors, as SPDX 3.0.1."""
    builder = _Builder(snapshot, d.record.get("steward") or "dataset-tracker user")
    for dataset_id in _lineage_of(snapshot, d.id):
        builder.dataset(snapshot.datasets[dataset_id])
    builder.lineage()
    return builder.document(f"dataset-{d.slug}", [builder.packages[d.id]],
                            ("core", "software", "dataset", "simpleLicensing",
                             "expandedLicensing"))


def _lineage_of(snapshot: Snapshot, dataset_id: int) -> list[int]:
    """The dataset and its ancestors, each once, the dataset first."""
    found, todo = [dataset_id], [dataset_id]
    while todo:
        for parent, _ in snapshot.datasets[todo.pop()].parents:
            if parent in snapshot.datasets and parent not in found:
                found.append(parent)
                todo.append(parent)
    return found


def _personal(snapshot: Snapshot) -> str:
    """Whether the model saw personal data: in a dataset it draws, or in one's ancestors."""
    values = {d.personal_data for d in snapshot.datasets.values()}
    return "yes" if "yes" in values else "noAssertion" if "unknown" in values else "no"


def _draw_text(draw: Draw) -> str:
    parts = [f"{name} {getattr(draw, name)}" for name in ("tokens", "records", "hours",
                                                          "share")
             if getattr(draw, name) is not None]
    return "draws " + (", ".join(parts) if parts else "the whole dataset") + \
        f", {draw.epochs} epoch(s)"

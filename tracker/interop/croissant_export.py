"""A dataset's Croissant 1.0 metadata with the RAI properties filled from the registry."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from tracker.assess.provenance import effective, resolve
from tracker.facts.snapshot import DatasetFacts, Snapshot

COLLECTION_TYPE = {
    "public_dataset": "Secondary Data Analysis", "commercially_licensed": "Others",
    "private_third_party": "Others", "crawled": "Web Scraping", "user_data": "Others",
    "synthetic": "Software Collection", "other": "Others",
}


@cache
def context() -> dict[str, Any]:
    text = resources.files("tracker.data").joinpath("croissant_context.json").read_text("utf-8")
    return json.loads(text)


def _personal(d: DatasetFacts) -> str:
    consent = d.latest_consent
    state = ("no consent record" if consent is None else
             f"consent {consent.status.replace('_', ' ')} (legal basis "
             f"{consent.legal_basis.replace('_', ' ')}, contributors compensated: "
             f"{consent.compensation}, recorded {consent.recorded_on.isoformat()})")
    return f"Personal data: {d.personal_data}; {state}."


def build(d: DatasetFacts, snapshot: Snapshot) -> dict[str, Any]:
    resolution = resolve(d, snapshot)
    eff = effective(d, snapshot)
    licenses = []
    if resolution.terms is not None:
        for key in resolution.terms.keys:
            lic = snapshot.licenses.get(key)
            licenses.append(lic.url if lic is not None and lic.url else key)
    holders = sorted({s.rights_holder for s in d.sources if s.rights_holder})
    doc: dict[str, Any] = {
        "@context": context(),
        "@type": "sc:Dataset",
        "name": d.name,
        "description": d.record.get("description") or d.name,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "url": d.record.get("homepage") or f"urn:dataset-tracker:{d.slug}",
        "license": licenses or ["https://spdx.org/licenses/NOASSERTION"],
        "creator": [{"@type": "sc:Organization", "name": h} for h in holders]
        or [{"@type": "sc:Organization", "name": d.record.get("steward") or "unknown"}],
        "keywords": [d.record.get("modality") or "", d.source_category],
        "citeAs": f"{d.name}. {d.record.get('homepage') or 'dataset-tracker:' + d.slug}",
        "rai:dataCollection": d.collection_method or "Not recorded.",
        "rai:dataCollectionType": COLLECTION_TYPE.get(d.source_category, "Others"),
        "rai:personalSensitiveInformation": _personal(d),
        "rai:dataLimitations": "; ".join(
            f"inherits {', '.join(i.restrictions) or 'terms'} from {' <- '.join(i.path)}"
            for i in eff.inherited) or "None recorded.",
        "rai:dataUseCases": (f"Licence resolved as {resolution.expression}"
                             if resolution.expression else "No licence recorded."),
        "distribution": [],
        "recordSet": [],
    }
    if d.record.get("version"):
        doc["version"] = d.record["version"]
    if d.record.get("acquired_to") or d.record.get("acquired_from"):
        doc["datePublished"] = d.record.get("acquired_to") or d.record.get("acquired_from")
    parents = [snapshot.datasets[p].record.get("homepage")
               or f"urn:dataset-tracker:{snapshot.datasets[p].slug}"
               for p, _ in d.parents if p in snapshot.datasets]
    if parents:
        doc["prov:wasDerivedFrom"] = parents
        doc["@context"] = {**doc["@context"], "prov": "http://www.w3.org/ns/prov#"}
    return doc

"""Data Provenance Initiative collection summaries (dataset id -> record).

The licences the DPI's annotators verified are claims by the authors; the
licences inferred from Hugging Face, GitHub and Papers with Code are claims
by the hub, the repository and the aggregator, so disagreements surface as
conflicts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.interop.records import (
    ClaimIn,
    DatasetIn,
    ParentIn,
    SourceIn,
    read_json,
    slugify,
    url_or_none,
)

# DPI licence names -> SPDX or knowledge-base ids; None means "no claim".
NAMES = {
    "mit license": "MIT", "apache license 2.0": "Apache-2.0", "bsd 2-clause license":
    "BSD-2-Clause", "bsd 3-clause license": "BSD-3-Clause", "academic free license v3.0":
    "AFL-3.0", "gnu general public license v3.0": "GPL-3.0-only", "cc0 1.0": "CC0-1.0",
    "unspecified": "LicenseRef-Unknown", "custom": "LicenseRef-Other",
    "various": None, "": None, "non commercial": None,
}
_CC = re.compile(r"^cc (by(?:-nc)?(?:-nd|-sa)?) (\d\.\d)$", re.I)
LANGUAGES = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "portuguese": "pt",
    "italian": "it", "dutch": "nl", "russian": "ru", "chinese": "zh", "japanese": "ja",
    "korean": "ko", "arabic": "ar", "hindi": "hi", "turkish": "tr", "czech": "cs",
    "finnish": "fi", "romanian": "ro", "polish": "pl", "swedish": "sv", "danish": "da",
    "greek": "el", "hebrew": "he", "indonesian": "id", "vietnamese": "vi", "thai": "th",
    "ukrainian": "uk", "hungarian": "hu", "bulgarian": "bg", "estonian": "et",
    "latvian": "lv", "lithuanian": "lt", "persian": "fa", "bengali": "bn", "urdu": "ur",
    "swahili": "sw", "tamil": "ta", "telugu": "te", "catalan": "ca", "norwegian": "no",
}


def licence_id(name: str) -> str | None:
    """The knowledge-base id for a DPI licence name; unknown names become LicenseRef-Other."""
    text = " ".join(name.split()).lower()
    if text in NAMES:
        return NAMES[text]
    match = _CC.match(text)
    if match:
        return f"CC-{match.group(1).upper()}-{match.group(2)}"
    return "LicenseRef-Other"


def _record(key: str, item: dict[str, Any], origin: str, collection: str) -> DatasetIn:
    if not isinstance(item, dict):
        raise TrackerError(f"{origin}: not an object")
    slug = slugify(str(item.get("Unique Dataset Identifier") or key))
    url = url_or_none(item.get("Dataset URL")) or url_or_none(item.get("GitHub URL"))
    fields: dict[str, Any] = {
        "name": str(item.get("Dataset Name") or key)[:300],
        "source_category": "public_dataset",
        "languages": ",".join(LANGUAGES[lang.lower()] for lang in item.get("Languages") or []
                              if lang.lower() in LANGUAGES),
        "description": " ".join(filter(None, [
            str(item.get("Paper Title") or ""),
            f"Tasks: {', '.join(item.get('Task Categories') or [])}."
            if item.get("Task Categories") else "",
            f"Creators: {', '.join(item.get('Creators') or [])}." if item.get("Creators")
            else "",
            f"In the {collection} collection." if collection else ""])),
        "collection_method": ("human-annotated" if item.get("Human Annotation") == "Yes"
                              else ""),
    }
    if url:
        fields["homepage"] = url
    metrics = item.get("Text Metrics") or {}
    if isinstance(metrics.get("Num Dialogs"), int):
        fields["size_records"] = metrics["Num Dialogs"]
    generated = [m for m in item.get("Model Generated") or [] if m]
    if generated:
        fields["source_category"] = "synthetic"
        fields["generator_model"] = ", ".join(generated)[:300]
    claims = []
    verified = [(licence_id(str(lic.get("License", ""))), lic.get("License URL"))
                for lic in item.get("Licenses") or []]
    ids = [i for i, _ in verified if i]
    if ids:
        evidence = next((url_or_none(u) for _, u in verified if url_or_none(u)), None)
        claims.append(ClaimIn(" AND ".join(dict.fromkeys(ids)), "authors", evidence, None,
                              notes=f"Verified by the Data Provenance Initiative "
                                    f"({item.get('License Verified By') or 'annotator'})."))
    inferred = item.get("Inferred Metadata") or {}
    for field, claimant, evidence in (
            ("HF Yaml License", "hub", item.get("Hugging Face URL")),
            ("GitHub License", "repository", item.get("GitHub URL")),
            ("PwC License Name", "aggregator", item.get("Papers with Code URL"))):
        name = str(inferred.get(field) or "")
        lic = licence_id(name) if name and name.lower() != "unspecified" else None
        if lic and lic != "LicenseRef-Other":
            claims.append(ClaimIn(lic, claimant, url_or_none(evidence),
                                  None, notes=f"Inferred by the Data Provenance Initiative "
                                              f"({field})."))
    sources = [SourceIn("text-source/" + slugify(s), {"name": s[:300], "kind": "website"})
               for s in item.get("Text Sources") or [] if s]
    parents = [ParentIn(slugify(p), "subset", p) for p in item.get("Derived from Datasets") or []
               if p]
    return DatasetIn(slug, fields, origin, claims, sources, parents)


def read(path: Path) -> list[DatasetIn]:
    name = str(path)
    doc = read_json(path)
    if not isinstance(doc, dict) or "@context" in doc or any(
            not isinstance(v, dict) for v in doc.values()):
        raise TrackerError(f"{name}: $: not a Data Provenance Initiative summary (expected an "
                           "object of dataset id -> record)")
    return [_record(key, item, f"{name} $['{key}']", str(item.get("Collection") or "")
                    if isinstance(item, dict) else "")
            for key, item in doc.items()]

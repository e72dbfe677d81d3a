"""Croissant 1.0/1.1 JSON-LD with the Responsible AI (RAI) vocabulary."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tracker.interop.records import (
    DOCUMENT_LIMIT,
    DatasetIn,
    ParentIn,
    license_claim,
    read_json,
    slugify,
    url_or_none,
)
from tracker.values.errors import TrackerError

_SIZE = re.compile(r"^\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*([kmgtp]?i?b|bytes?)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9,
          "tb": 10**12, "pb": 10**15, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
RAI_TEXT = (("rai:dataUseCases", "Use cases"), ("rai:dataBiases", "Biases"),
            ("rai:dataLimitations", "Limitations"), ("rai:dataSocialImpact", "Social impact"),
            ("rai:dataAnnotationProtocol", "Annotation protocol"),
            ("rai:dataAnnotationPlatform", "Annotation platform"),
            ("rai:annotatorDemographics", "Annotators"),
            ("rai:dataPreprocessingProtocol", "Preprocessing"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name") or value.get("@id"))
    return " ".join(str(value).split())


def _names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [_text(i) for i in items if _text(i)]


def _license_texts(value: Any) -> list[str]:
    return [text for item in (value if isinstance(value, list) else [value] if value else [])
            if (text := _text(item))]


def _bytes(distribution: Any, warnings: list[str]) -> int | None:
    """The files' total size; a size that is no size is left out with a warning naming it."""
    total = 0
    found = False
    for number, item in enumerate(distribution if isinstance(distribution, list) else []):
        size = item.get("contentSize") if isinstance(item, dict) else None
        if not size:
            continue
        match = _SIZE.match(str(size))
        amount = _amount(match.group(1)) if match else None
        if amount is None or amount < 0:
            warnings.append(f"distribution[{number}].contentSize: not a size in bytes "
                            f"(got {str(size)[:80]!r}; left out)")
            continue
        total += int(amount * _UNITS.get((match.group(2) or "").lower(), 1))  # type: ignore[union-attr]
        found = True
    if total >= 2**63:
        warnings.append("distribution: the sizes add up to more than 2^63 bytes (left out)")
        return None
    return total if found else None


def _amount(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount < Decimal(2**63) else None


def read(path: Path, *, slug: str | None = None, limit: int = DOCUMENT_LIMIT) -> DatasetIn:
    name = str(path)
    doc = read_json(path, limit)
    warnings: list[str] = []
    if not isinstance(doc, dict) or not doc.get("name"):
        raise TrackerError(f"{name}: $.name: a Croissant dataset needs a name")
    key = slug or slugify(_text(doc["name"]))
    collection = _text(doc.get("rai:dataCollection"))
    kind = _text(doc.get("rai:dataCollectionType"))
    pii = _text(doc.get("rai:personalSensitiveInformation"))
    notes = [f"{label}: {_text(doc[k])}" for k, label in RAI_TEXT if _text(doc.get(k))]
    description = " ".join(filter(None, [_text(doc.get("description"))[:4000], *notes]))
    fields: dict[str, Any] = {
        "name": _text(doc["name"])[:300],
        "description": description[:20000],
        "source_category": "public_dataset",
        "collection_method": "; ".join(filter(None, [kind, collection]))[:20000],
        "personal_data": "unknown" if not pii else
        ("no" if re.match(r"^(no|none|n/a|not applicable)\b", pii, re.I) else "yes"),
    }
    url = url_or_none(_text(doc.get("url"))) or ""
    if url:
        fields["homepage"] = url  # a javascript: or data: URL is refused, not dropped
    if _text(doc.get("version")):
        fields["version"] = _text(doc["version"])[:100]
    size = _bytes(doc.get("distribution"), warnings)
    if size is not None:
        fields["size_bytes"] = size
    creators = _names(doc.get("creator"))
    if creators:
        fields["steward"] = ", ".join(creators)[:300]
    published = _text(doc.get("datePublished"))[:10] or None
    claim = license_claim(_license_texts(doc.get("license")), "authors", [url] if url else [],
                          "From the Croissant metadata.", published)
    parents = [ParentIn(slugify(p.rstrip("/").rsplit("/", 1)[-1]), "subset", p[:300])
               for p in _names(doc.get("prov:wasDerivedFrom"))]
    # A home page is often shared (several example datasets name one organisation's site):
    # with the name it tells datasets apart.
    identifier = _text(doc.get("@id")) or (f"{url}#{_text(doc['name'])}" if url
                                           else _text(doc["name"]))
    fields["external_id"] = f"croissant:{identifier}"[:600]
    return DatasetIn(key, fields, f"{name} ($)", [claim] if claim else [], [], parents,
                     warnings=warnings, lenient=True)

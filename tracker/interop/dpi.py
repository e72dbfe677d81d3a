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

from tracker.interop.records import (
    DOCUMENT_LIMIT,
    DatasetIn,
    ParentIn,
    SourceIn,
    license_claim,
    read_json,
    slugify,
    strings,
    url_or_none,
    urls_in,
)
from tracker.values.errors import TrackerError

LANGUAGES = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "portuguese": "pt",
    "italian": "it", "dutch": "nl", "russian": "ru", "chinese": "zh", "japanese": "ja",
    "korean": "ko", "arabic": "ar", "hindi": "hi", "turkish": "tr", "czech": "cs",
    "finnish": "fi", "romanian": "ro", "polish": "pl", "swedish": "sv", "danish": "da",
    "greek": "el", "hebrew": "he", "indonesian": "id", "vietnamese": "vi", "thai": "th",
    "ukrainian": "uk", "hungarian": "hu", "bulgarian": "bg", "estonian": "et",
    "latvian": "lv", "lithuanian": "lt", "persian": "fa", "bengali": "bn", "urdu": "ur",
    "swahili": "sw", "tamil": "ta", "telugu": "te", "catalan": "ca", "norwegian": "no",
    "norwegian bokmål": "nb", "norwegian nynorsk": "nn", "slovak": "sk", "basque": "eu",
    "esperanto": "eo", "galician": "gl", "icelandic": "is", "croatian": "hr", "serbian": "sr",
    "slovenian": "sl", "malay": "ms", "tagalog": "tl", "filipino": "fil", "afrikaans": "af",
    "amharic": "am", "armenian": "hy", "azerbaijani": "az", "belarusian": "be", "bosnian": "bs",
    "burmese": "my", "georgian": "ka", "gujarati": "gu", "hausa": "ha", "igbo": "ig",
    "irish": "ga", "javanese": "jv", "kannada": "kn", "kazakh": "kk", "khmer": "km",
    "kurdish": "ku", "lao": "lo", "latin": "la", "macedonian": "mk", "malayalam": "ml",
    "maltese": "mt", "marathi": "mr", "mongolian": "mn", "nepali": "ne", "pashto": "ps",
    "punjabi": "pa", "sinhala": "si", "somali": "so", "sundanese": "su", "tajik": "tg",
    "uzbek": "uz", "welsh": "cy", "xhosa": "xh", "yoruba": "yo", "zulu": "zu",
    "cantonese": "yue", "albanian": "sq", "luxembourgish": "lb",
}


def _languages(item: dict[str, Any]) -> str:
    """The ISO codes the summary gives (speech and video summaries do), else the codes of
    the language names this module knows."""
    codes = [c for c in strings(item.get("Languages (ISO)")) if _LANGUAGE_CODE.match(c)]
    if not codes:
        codes = [LANGUAGES[n.lower()] for n in strings(item.get("Languages"))
                 if n.lower() in LANGUAGES]
    return ",".join(dict.fromkeys(codes))


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _names(*values: object) -> list[str]:
    """Licence names given, without the blanks and "Unspecified" that state nothing."""
    names = (" ".join(str(v or "").split()) for v in values)
    return [n for n in dict.fromkeys(names) if n and n.lower() != "unspecified"]


def _record(key: str, item: dict[str, Any], origin: str, collection: str) -> DatasetIn:
    if not isinstance(item, dict):
        raise TrackerError(f"{origin}: not an object")
    identifier = str(item.get("Unique Dataset Identifier") or key)
    slug = slugify(identifier)
    url = next((u for field in ("Dataset URL", "Website URL", "GitHub URL", "Github URL")
                for u in map(url_or_none, strings(item.get(field))) if u), None)
    fields: dict[str, Any] = {
        "name": str(item.get("Dataset Name") or key)[:300],
        "source_category": "public_dataset",
        "languages": _languages(item),
        "description": " ".join(filter(None, [
            str(item.get("Paper Title") or ""),
            f"Tasks: {', '.join(tasks)}." if (tasks := strings(item.get("Task Categories")))
            else "",
            f"Creators: {', '.join(creators)}." if (creators := strings(item.get("Creators")))
            else "",
            f"In the {collection} collection." if collection else ""])),
        "collection_method": ("human-annotated" if item.get("Human Annotation") == "Yes"
                              else ""),
        "external_id": "dpi:" + identifier,
    }
    if url:
        fields["homepage"] = url
    for field, modality in (("Hours", "audio"), ("Video Hours", "video")):
        hours = item.get(field)
        if isinstance(hours, (int, float)) and not isinstance(hours, bool):
            fields["modality"] = modality
            if 0 <= hours < 1e12:
                fields["size_hours"] = str(hours)
    metrics = item.get("Text Metrics")
    if isinstance(metrics, dict) and isinstance(metrics.get("Num Dialogs"), int):
        fields["size_records"] = metrics["Num Dialogs"]
    generated = strings(item.get("Model Generated"))
    if generated:
        fields["source_category"] = "synthetic"
        fields["generator_model"] = ", ".join(generated)[:300]
    verified = [lic for lic in item.get("Licenses") or [] if isinstance(lic, dict)]
    # "Unspecified" verified by an annotator is a statement: nobody found a licence.
    names = [" ".join(str(lic.get("License") or "").split()) for lic in verified]
    claims = [c for c in [license_claim(
        [n for n in dict.fromkeys(names) if n], "authors",
        [u for lic in verified for u in urls_in(lic.get("License URL"))],
        f"Verified by the Data Provenance Initiative "
        f"({item.get('License Verified By') or 'annotator'}).")] if c]
    inferred = item.get("Inferred Metadata") or {}
    if not isinstance(inferred, dict):
        inferred = {}
    for fields_read, claimant, page in (
            (("HF Yaml License", "HF Config License"), "hub", item.get("Hugging Face URL")),
            (("GitHub License",), "repository", item.get("GitHub URL")),
            (("PwC License Name",), "aggregator", item.get("Papers with Code URL"))):
        given = _names(*(inferred.get(f) for f in fields_read))
        claim = license_claim(given, claimant, [*urls_in(page), *urls_in(" ".join(given))],
                              f"Inferred by the Data Provenance Initiative "
                              f"({', '.join(f for f in fields_read if inferred.get(f))}).")
        if claim is not None:
            claims.append(claim)
    sources = [SourceIn(slugify(s, "text-source/"), {"name": s[:300], "kind": "website"})
               for s in strings(item.get("Text Sources"))]
    parents = [ParentIn(slugify(p), "subset", p[:300])
               for p in strings(item.get("Derived from Datasets"))]
    return DatasetIn(slug, fields, origin, claims, sources, parents, lenient=True)


def read(path: Path, limit: int = DOCUMENT_LIMIT) -> list[DatasetIn]:
    name = str(path)
    doc = read_json(path, limit)
    if not isinstance(doc, dict) or "@context" in doc or any(
            not isinstance(v, dict) for v in doc.values()):
        raise TrackerError(f"{name}: $: not a Data Provenance Initiative summary (expected an "
                           "object of dataset id -> record)")
    return [_record(key, item, f"{name} $['{key}']", str(item.get("Collection") or "")
                    if isinstance(item, dict) else "")
            for key, item in doc.items()]

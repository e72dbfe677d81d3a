"""Hugging Face dataset cards: the YAML front matter of a README.md.

The card's licence is what the hub displays, so it is recorded as a claim by
the hub, not as the truth about the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tracker.errors import TrackerError
from tracker.interop.records import (
    ClaimIn,
    DatasetIn,
    LicenceIn,
    ParentIn,
    slugify,
    url_or_none,
)

HUB = "https://huggingface.co/datasets/"
MODALITY_BY_TASK = {
    "image": "image", "audio": "audio", "automatic-speech-recognition": "audio",
    "video": "video", "text-to-image": "multimodal", "image-to-text": "multimodal",
    "visual-question-answering": "multimodal", "tabular": "tabular",
}


def front_matter(text: str, name: str) -> dict[str, Any]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise TrackerError(f"{name}: no YAML front matter (a card starts with a '---' line)")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration as exc:
        raise TrackerError(f"{name}: the YAML front matter is not closed by '---'") from exc
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 2}" if mark is not None else ""
        raise TrackerError(f"{name}{where}: malformed YAML front matter "
                           f"({getattr(exc, 'problem', None) or exc})") from exc
    if not isinstance(data, dict):
        raise TrackerError(f"{name}: the front matter is not a mapping of fields")
    return data


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def card_slug(path: Path) -> str:
    """`squad.README.md` -> squad; `datasets/squad/README.md` -> squad."""
    if path.name.lower() == "readme.md":
        return slugify(path.parent.name)
    return slugify(path.name.split(".")[0])


def read(path: Path, *, slug: str | None = None, observed_on: str | None = None) -> DatasetIn:
    name = str(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{name}: not UTF-8 text") from exc
    card = front_matter(text, name)
    key = slug or card_slug(path)
    licences: list[LicenceIn] = []
    ids = _list(card.get("license", card.get("licenses")))
    expressions = []
    for raw in ids:
        if raw.lower() == "other" and card.get("license_name"):
            custom = "LicenseRef-" + slugify(str(card["license_name"])).replace("/", "-")
            licences.append(LicenceIn(custom, str(card.get("license_name")),
                                      url_or_none(card.get("license_link")),
                                      notes=f"Named by the {key} dataset card."))
            expressions.append(custom)
        else:
            expressions.append(raw)
    claims = [ClaimIn(" AND ".join(expressions), "hub", HUB + key, observed_on,
                      notes="From the dataset card's front matter.")] if expressions else []
    tasks = _list(card.get("task_categories"))
    modality = next((MODALITY_BY_TASK[t] for t in tasks if t in MODALITY_BY_TASK), "text")
    creators = []
    if card.get("annotations_creators"):
        creators.append("annotations " + ", ".join(_list(card["annotations_creators"])))
    if card.get("language_creators"):
        creators.append("language " + ", ".join(_list(card["language_creators"])))
    sizes = _list(card.get("size_categories"))
    fields: dict[str, Any] = {
        "name": str(card.get("pretty_name") or key),
        "modality": modality,
        "source_category": "public_dataset",
        "homepage": HUB + key,
        "languages": ",".join(_list(card.get("language", card.get("languages")))),
        "collection_method": "; ".join(creators),
        "size_category": sizes[0] if len(sizes) == 1 else ", ".join(sizes),
    }
    if tasks:
        fields["description"] = f"Tasks: {', '.join(tasks)}."
    parents = []
    for source in _list(card.get("source_datasets")):
        if source.startswith("extended|"):
            parent = source.split("|", 1)[1]
            parents.append(ParentIn(slugify(parent), "augmented", parent))
    return DatasetIn(key, fields, f"{name} (front matter)", claims, [], parents, licences)

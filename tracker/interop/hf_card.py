"""Hugging Face dataset cards: the YAML front matter of a README.md.

The card's licence is what the hub displays, so it is recorded as a claim by
the hub, not as the truth about the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tracker.assess.license_names import id_for_text
from tracker.interop.limits import CARD_LIMIT
from tracker.interop.reading import load_yaml, read_text
from tracker.interop.records import (
    ClaimIn,
    DatasetIn,
    LicenseIn,
    ParentIn,
    slugify,
    strings,
    url_or_none,
)
from tracker.values import parse
from tracker.values.errors import InvalidValue, TrackerError

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
        data = load_yaml("\n".join(lines[1:end]), first_line=2)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 2}" if mark is not None else ""
        raise TrackerError(f"{name}{where}: malformed YAML front matter "
                           f"({getattr(exc, 'problem', None) or exc})") from exc
    except TrackerError as exc:
        raise TrackerError(f"{name} {exc}") from None
    if not isinstance(data, dict):
        raise TrackerError(f"{name}: the front matter is not a mapping of fields")
    return data


# The hub's size ranges, smallest first: a card with one per configuration keeps the largest.
SIZE_RANGES = ("n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M",
               "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T")


# Task families by their names' first word: image-classification, speech-processing...
_MODALITY_BY_PREFIX = {"image": "image", "audio": "audio", "speech": "audio", "video": "video"}


def _task_modality(task: str) -> str | None:
    return MODALITY_BY_TASK.get(task) or _MODALITY_BY_PREFIX.get(task.split("-", 1)[0])


def _size_category(sizes: list[str]) -> str:
    ranked = [s for s in SIZE_RANGES if s in sizes]
    if ranked:
        return ranked[-1]
    return next((s for s in sizes if len(s) <= 40), "")


def _languages(given: list[str], warnings: list[str]) -> tuple[str, bool]:
    """(language codes, whether the card marks the data as code). `code` names programming
    languages, `unknown` states none; anything else that is no language code is left out."""
    codes, is_code = [], False
    for item in given:
        if item.lower() == "code":
            is_code = True
        elif item.lower() not in ("unknown", "multilingual", "other"):
            try:
                codes.append(parse.languages(item))
            except InvalidValue as exc:
                warnings.append(f"{exc} (left out)")
    return ",".join(dict.fromkeys(codes)), is_code


def card_slug(path: Path) -> str:
    return slugify(hub_id(path))


def _link(value: object, warnings: list[str]) -> str | None:
    link = url_or_none(value)
    if link is None:
        return None
    try:
        return parse.url(link, "license_link")
    except InvalidValue as exc:
        warnings.append(f"{exc} (left out)")
        return None


def hub_id(path: Path) -> str:
    """`squad.README.md` -> squad; `datasets/squad/README.md` -> squad."""
    return path.parent.name if path.name.lower() == "readme.md" else path.name.split(".")[0]


def read(path: Path, *, slug: str | None = None, observed_on: str | None = None,
         limit: int = CARD_LIMIT) -> DatasetIn:
    name = str(path)
    card = front_matter(read_text(path, limit), name)
    key = slug or card_slug(path)
    warnings: list[str] = []
    licenses: list[LicenseIn] = []
    expressions = []
    for raw in strings(card.get("license", card.get("licenses"))):
        if raw.lower() == "other" and card.get("license_name"):
            custom = "LicenseRef-" + slugify(str(card["license_name"])).replace("/", "-")
            licenses.append(LicenseIn(custom[:128], str(card.get("license_name"))[:300],
                                      _link(card.get("license_link"), warnings),
                                      notes=f"Named by the {key} dataset card."))
            expressions.append(custom[:128])
        else:
            expressions.append(id_for_text(raw) or raw)
    claims = [ClaimIn(" AND ".join(dict.fromkeys(expressions)), "hub", HUB + key, observed_on,
                      notes="From the dataset card's front matter.")] if expressions else []
    tasks = strings(card.get("task_categories"))
    languages, is_code = _languages(strings(card.get("language", card.get("languages"))),
                                    warnings)
    modality = next((m for t in tasks if (m := _task_modality(t))), "code" if is_code else "text")
    creators = []
    if card.get("annotations_creators"):
        creators.append("annotations " + ", ".join(strings(card["annotations_creators"])))
    if card.get("language_creators"):
        creators.append("language " + ", ".join(strings(card["language_creators"])))
    fields: dict[str, Any] = {
        "name": str(card.get("pretty_name") or key)[:300],
        "modality": modality,
        "source_category": "public_dataset",
        "homepage": HUB + key,
        "languages": languages,
        "collection_method": "; ".join(creators),
        "size_category": _size_category(strings(card.get("size_categories"))),
        "external_id": "hf:" + hub_id(path),
    }
    if tasks:
        fields["description"] = f"Tasks: {', '.join(tasks)}."
    parents = []
    for source in strings(card.get("source_datasets")):
        if source.startswith("extended|"):
            parent = source.split("|", 1)[1]
            if slugify(parent) == key or parent == hub_id(path):
                warnings.append(f"source_datasets: {source!r} names the dataset itself "
                                "(left out)")
                continue
            parents.append(ParentIn(slugify(parent), "augmented", parent[:300]))
    return DatasetIn(key, fields, f"{name} (front matter)", claims, [], parents, licenses,
                     warnings=warnings, lenient=True)

"""The import model: what every importer produces, one DatasetIn per dataset with its claims,
licences, sources, parents, fees and consent, and the helpers readers share to build them.
`tracker.interop.apply` applies the records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.assess.license_names import id_for_text, unmapped_claim
from tracker.interop.limits import DOCUMENT_LIMIT
from tracker.interop.reading import load_json, read_text


@dataclass
class ClaimIn:
    expression: str
    by: str
    evidence_url: str | None = None
    observed_on: str | None = None
    notes: str = ""


@dataclass
class LicenseIn:
    key: str
    name: str
    url: str | None = None
    notes: str = ""


@dataclass
class SourceIn:
    slug: str
    fields: dict[str, Any]


@dataclass
class ParentIn:
    slug: str
    relation: str
    name: str | None = None
    # Where the parent is known by an identifier (e.g. an OpenLineage dataset), it is
    # matched by that first, whatever its slug has become.
    external_id: str | None = None


@dataclass
class FeeIn:
    kind: str
    amount: str
    currency: str
    counterparty: str
    reference: str = ""
    period: str | None = None
    unit: str | None = None
    term_start: str | None = None
    term_end: str | None = None


@dataclass
class ConsentIn:
    status: str
    legal_basis: str = "unknown"
    compensation: str = "unknown"
    recorded_on: str | None = None


@dataclass
class DatasetIn:
    slug: str
    fields: dict[str, Any]
    origin: str
    claims: list[ClaimIn] = field(default_factory=list)
    sources: list[SourceIn] = field(default_factory=list)
    parents: list[ParentIn] = field(default_factory=list)
    licenses: list[LicenseIn] = field(default_factory=list)
    fees: list[FeeIn] = field(default_factory=list)
    consents: list[ConsentIn] = field(default_factory=list)
    # Oddities that cost nothing but a value (a skipped self-reference, an unread code).
    warnings: list[str] = field(default_factory=list)
    # Metadata written by others: a value the registry cannot take is dropped with a
    # warning (a licence it cannot read becomes an unmapped claim), never the file. A
    # user's own table stays strict: a bad value there is a typo to fix.
    lenient: bool = False

    @property
    def external_id(self) -> str | None:
        return self.fields.get("external_id") or None


def read_json(path: Path, limit: int = DOCUMENT_LIMIT) -> Any:
    """A JSON file, or an error naming the file and line (or where it nests too deeply)."""
    return load_json(read_text(path, limit), str(path))


def url_or_none(value: object) -> str | None:
    """A URL to validate, or None for free text such as 'unknown' or 'Unspecified'.

    Anything with a scheme is kept, so a javascript: or data: URL is refused by
    validation rather than silently dropped."""
    text = str(value or "").strip()
    return text if re.match(r"^[a-z][a-z0-9+.-]*:", text, re.I) else None


def strings(value: object) -> list[str]:
    """A field that should hold a list of names, as non-empty texts whatever it holds."""
    items = value if isinstance(value, (list, tuple)) else [] if value is None else [value]
    return [text for v in items if v is not None and not isinstance(v, (dict, list))
            and (text := " ".join(str(v).split()))]


def urls_in(value: object) -> list[str]:
    """Every URL in a field that may hold several ("https://a, https://b")."""
    return [u for part in re.split(r"[\s,]+", str(value or "")) if (u := url_or_none(part))]


def evidence_text(urls: Iterable[str]) -> str:
    """Evidence URLs as one claim holds them: distinct, space-separated, as many as fit."""
    kept: list[str] = []
    for url in dict.fromkeys(urls):
        if len(" ".join([*kept, url])) > 2048:
            break
        kept.append(url)
    return " ".join(kept)


# Symbols that carry meaning in names: without them, c, c# and c++ would be one slug.
_SPOKEN = {"#": "-sharp", "+": "-plus"}
_SLUG_LIMIT = 128


def slugify(text: str, prefix: str = "") -> str:
    """A slug for a name found in a file: `prefix` + the name in lower case, '#' and '+'
    spelled out, other runs of symbols as '-'; one that would pass the slug limit is cut
    and given a short hash of the whole name, so it stays distinct and stable."""
    spelled = re.sub(r"[#+]", lambda m: _SPOKEN[m.group()], text.strip().lower())
    slug = re.sub(r"[^a-z0-9._/-]+", "-", spelled).strip("-./")
    slug = prefix + (re.sub(r"-{2,}", "-", slug) or "unnamed")
    if len(slug) <= _SLUG_LIMIT:
        return slug
    return with_suffix(slug, prefix + text)


def with_suffix(slug: str, key: str) -> str:
    """`slug` cut to leave room for '-' and 8 hex digits of `key`'s hash, which it ends in."""
    digest = hashlib.sha256(key.encode("utf-8", "backslashreplace")).hexdigest()[:8]
    return f"{slug[:_SLUG_LIMIT - 9].rstrip('-./')}-{digest}"


def license_claim(names: list[str], by: str, evidence: list[str], notes: str,
                  observed_on: str | None = None) -> ClaimIn | None:
    """One claim for the licences named (all apply: AND); a name the knowledge base does
    not know is kept as an unmapped licence with the name in the notes (and, when it is a
    link, in the evidence), never dropped."""
    ids, notes_added, links = [], [], []
    for name in names:
        found = id_for_text(name)
        if found is None:
            found, note, link = unmapped_claim(name)
            notes_added.append(note + ".")
            links += [link] if link else []
        ids.append(found)
    if not ids:
        return None
    return ClaimIn(" AND ".join(dict.fromkeys(ids)), by,
                   evidence_text([*evidence, *links]) or None, observed_on,
                   " ".join([notes, *notes_added]))

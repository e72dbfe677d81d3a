"""Bulk datasets from CSV or JSON Lines, one dataset per row, streamed.

Columns: every dataset field by name (slug, name, description, version, modality,
source_category, collection_method, homepage, size_tokens, size_records,
size_bytes, size_hours, size_category, languages, personal_data,
generator_model, acquired_from, acquired_to, status, steward, crawler), plus
license, license_by (default authors), license_evidence, license_date;
source (a source slug), source_name, source_kind; parents (';'-separated
slugs) with relation (default subset); fee_kind, fee_amount, fee_currency,
fee_period, fee_unit, fee_counterparty, fee_contract, fee_start, fee_end;
consent_status, consent_basis, consent_compensation, consent_date. Other
column names map with --map THEIRS=OURS.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tracker.interop.limits import TABLE_LIMIT
from tracker.interop.reading import load_json, text_lines
from tracker.interop.records import ClaimIn, ConsentIn, DatasetIn, FeeIn, ParentIn, SourceIn
from tracker.values.errors import TrackerError
from tracker.values.fields import DATASET_FIELDS

DATASET_COLUMNS = {spec.name for spec in DATASET_FIELDS}
FEE_COLUMNS = {"fee_kind", "fee_amount", "fee_currency", "fee_period", "fee_unit",
               "fee_counterparty", "fee_contract", "fee_start", "fee_end"}
CONSENT_COLUMNS = {"consent_status", "consent_basis", "consent_compensation", "consent_date"}
EXTRA_COLUMNS = {"slug", "license", "license_by", "license_evidence", "license_date", "source",
                 "source_name", "source_kind", "parents", "relation",
                 *FEE_COLUMNS, *CONSENT_COLUMNS}
COLUMNS = DATASET_COLUMNS | EXTRA_COLUMNS


def parse_map(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs or ours not in COLUMNS:
            raise TrackerError(f"--map: expected THEIRS=OURS with OURS one of the documented "
                               f"columns (got {pair!r})")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def _rows(lines: Iterator[str], name: str, jsonl: bool
          ) -> Iterator[tuple[int, dict[str, Any]]]:
    if jsonl:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = load_json(line, name, number)
            if not isinstance(row, dict):
                raise TrackerError(f"{name} line {number}: expected a JSON object per line")
            yield number, row
        return
    reader = csv.DictReader(lines)
    if not reader.fieldnames:
        raise TrackerError(f"{name}: empty file or no header row")
    for row in reader:
        if None in row:
            raise TrackerError(f"{name} line {reader.line_num}: more values than columns")
        yield reader.line_num, row


def to_record(row: Mapping[str, Any], where: str) -> DatasetIn:
    # Every value as stripped text once; an absent column reads as "".
    text = {k: v.strip() if v.__class__ is str else "" if v is None else str(v).strip()
            for k, v in row.items()}
    get = text.get
    slug = get("slug", "")
    if not slug:
        raise TrackerError(f"{where}: slug: every row needs a slug")
    fields = {k: row[k] for k, v in text.items() if v and k in DATASET_COLUMNS}
    claims = []
    if get("license"):
        claims.append(ClaimIn(text["license"], get("license_by") or "authors",
                              get("license_evidence") or None, get("license_date") or None))
    sources = []
    if get("source"):
        sources.append(SourceIn(text["source"], {"name": get("source_name") or text["source"],
                                                 "kind": get("source_kind") or "website"}))
    relation = get("relation") or "subset"
    parents = [ParentIn(p.strip(), relation) for p in get("parents", "").split(";")
               if p.strip()]
    fees = []
    if get("fee_amount"):
        fees.append(FeeIn(get("fee_kind") or "one_time", text["fee_amount"],
                          get("fee_currency", ""), get("fee_counterparty") or "unknown",
                          get("fee_contract", ""), get("fee_period") or None,
                          get("fee_unit") or None, get("fee_start") or None,
                          get("fee_end") or None))
    consents = []
    if get("consent_status"):
        consents.append(ConsentIn(text["consent_status"], get("consent_basis") or "unknown",
                                  get("consent_compensation") or "unknown",
                                  get("consent_date") or None))
    return DatasetIn(slug, fields, where, claims, sources, parents, fees=fees,
                     consents=consents)


def read(path: Path, mapping: Mapping[str, str] | None = None, limit: int = TABLE_LIMIT
         ) -> Iterator[DatasetIn]:
    """Records one at a time, so a file of any length streams through."""
    name = str(path)
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson")
    if not jsonl and path.suffix.lower() != ".csv":
        raise TrackerError(f"{name}: expected a .csv or .jsonl file")
    mapping = mapping or {}
    seen: dict[str, int] = {}
    try:
        lines = text_lines(path, limit)
        try:
            for number, raw in _rows(lines, name, jsonl):
                row = {mapping.get(k, k): v for k, v in raw.items()} if mapping else raw
                unknown = sorted(k for k in row.keys() - COLUMNS if row[k] not in ("", None))
                if unknown:
                    raise TrackerError(f"{name} line {number}: unknown column {unknown[0]!r} "
                                       "(use --map THEIRS=OURS)")
                record = to_record(row, f"{name} line {number}")
                if record.slug in seen:
                    raise TrackerError(f"{name} line {number}: slug {record.slug!r} already "
                                       f"appears on line {seen[record.slug]}")
                seen[record.slug] = number
                yield record
        finally:
            lines.close()  # type: ignore[attr-defined]
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{name}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise TrackerError(f"{name}: malformed CSV ({exc})") from exc

"""What an importer produces, and how it is applied: idempotently, all or nothing.

Records are matched by a natural key (the dataset slug, a source slug). Changed
fields are updated and audited; a licence that differs from the claimant's
current claim is added as a new claim (drift stays visible); nothing that is
already there is added again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import select

from tracker import catalog, claims, consent, ledger, licenses, lineage, parse, vocab
from tracker.db.models import Dataset, DatasetSource, License, Lineage, Source
from tracker.errors import TrackerError
from tracker.fields import DATASET_FIELDS, parse_fields
from tracker.money import decimal_text, parse_amount
from tracker.registry import Writer
from tracker.snapshot import ClaimFacts
from tracker.terms import current_claims


@dataclass
class ClaimIn:
    expression: str
    by: str
    evidence_url: str | None = None
    observed_on: str | None = None
    notes: str = ""


@dataclass
class LicenceIn:
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
    licences: list[LicenceIn] = field(default_factory=list)
    fees: list[FeeIn] = field(default_factory=list)
    consents: list[ConsentIn] = field(default_factory=list)


class DryRun(Exception):
    """Raised inside the transaction to undo it after listing what would change."""


def read_json(path: Path) -> Any:
    """A JSON file, or an error naming the file and line."""
    try:
        return json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise TrackerError(f"{path} line {exc.lineno}: malformed JSON ({exc.msg})") from exc


def url_or_none(value: object) -> str | None:
    """A URL to validate, or None for free text such as 'unknown' or 'Unspecified'.

    Anything with a scheme is kept, so a javascript: or data: URL is refused by
    validation rather than silently dropped."""
    text = str(value or "").strip()
    return text if re.match(r"^[a-z][a-z0-9+.-]*:", text, re.I) else None


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9._/-]+", "-", text.strip().lower()).strip("-./")
    slug = re.sub(r"-{2,}", "-", slug)
    return (slug or "unnamed")[:128]


@dataclass
class Changes:
    lines: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.lines.append(text)


def _differs(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(row, k) != v}


def _apply_one(writer: Writer, rec: DatasetIn, changes: Changes,
               kb: list[list[License]]) -> None:
    session = writer.session
    for lic in rec.licences:
        if session.exec(select(License.id).where(License.key == lic.key)).first() is None:
            claims.add_license(writer, lic.key, name=lic.name, url=lic.url, category="unknown",
                               commercial_use="unknown", ai_training="unknown", flags={},
                               notes=lic.notes)
            changes.note(f"add licence {lic.key}")
            kb[0] = licenses.all_licenses(session)
    existing = session.exec(select(Dataset).where(Dataset.slug == rec.slug)).first()
    if existing is None:
        catalog.add_dataset(writer, rec.slug, rec.fields)
        changes.note(f"create dataset {rec.slug}")
    else:
        parsed = parse_fields(DATASET_FIELDS, rec.fields)
        different = _differs(existing, parsed)
        if different:
            catalog.edit_dataset(writer, rec.slug, {k: rec.fields[k] for k in different})
            changes.note(f"update dataset {rec.slug}: {', '.join(sorted(different))}")
    dataset = catalog.find_dataset(session, rec.slug)
    known = kb[0]
    held = [ClaimFacts(c["license"], c["claimed_by"], c["evidence_url"],
                       dt.date.fromisoformat(c["observed_on"]))
            for c in claims.claims_of(session, dataset)]
    for claim in rec.claims:
        expression = licenses.normalize_expression(claim.expression, known, "license")
        current = {c.claimed_by: c.expression for c in current_claims(held)}
        if current.get(claim.by) == expression:
            continue
        added = claims.add_claim(writer, rec.slug, expression, claim.by,
                                 evidence_url=claim.evidence_url,
                                 observed_on=claim.observed_on, notes=claim.notes, known=known)
        held.append(ClaimFacts(added.expression, added.claimed_by, added.evidence_url,
                               added.observed_on))
        changes.note(f"claim {rec.slug}: {expression} by {claim.by}")
    for fee in rec.fees:
        held = {(f["kind"], f["amount"], f["currency"], f["period"], f["unit"],
                 f["counterparty"], f["contract"]) for f in ledger.list_fees(session, rec.slug)}
        amount = decimal_text(parse_amount(fee.amount, "fee_amount"))
        key = (parse.choice(fee.kind, "fee_kind", vocab.FEE_KINDS), amount,
               fee.currency.upper(), fee.period or None, fee.unit or None, fee.counterparty,
               fee.reference)
        if key not in held:
            ledger.add_fee(writer, rec.slug, kind=fee.kind, amount=fee.amount,
                           currency=fee.currency, counterparty=fee.counterparty,
                           reference=fee.reference, period=fee.period, unit=fee.unit,
                           term_start=fee.term_start, term_end=fee.term_end)
            changes.note(f"fee {rec.slug}: {amount} {fee.currency.upper()} {fee.kind}")
    for c in rec.consents:
        latest = (consent.history(session, dataset_slug=rec.slug) or [None])[-1]
        wanted = (c.status, c.legal_basis, c.compensation)
        if latest is None or (latest["status"], latest["legal_basis"],
                              latest["compensation"]) != wanted:
            consent.set_consent(writer, dataset_slug=rec.slug, source_slug=None,
                                status=c.status, legal_basis=c.legal_basis,
                                compensation=c.compensation, recorded_on=c.recorded_on)
            changes.note(f"consent {rec.slug}: {c.status}")
    for src in rec.sources:
        row = session.exec(select(Source).where(Source.slug == src.slug)).first()
        if row is None:
            catalog.add_source(writer, src.slug, src.fields)
            changes.note(f"create source {src.slug}")
            row = catalog.find_source(session, src.slug)
        linked = session.exec(select(DatasetSource.id).where(
            DatasetSource.dataset_id == dataset.id, DatasetSource.source_id == row.id)).first()
        if linked is None:
            catalog.link_source(writer, rec.slug, src.slug)
            changes.note(f"link {rec.slug} <- {src.slug}")
    for parent in rec.parents:
        if session.exec(select(Dataset.id).where(Dataset.slug == parent.slug)).first() is None:
            catalog.add_dataset(writer, parent.slug, {
                "name": parent.name or parent.slug,
                "description": f"Named as a parent of {rec.slug} by {rec.origin}; "
                               "not yet described.",
                "source_category": "other", "status": "planned"})
            changes.note(f"create placeholder dataset {parent.slug}")
        parent_row = catalog.find_dataset(session, parent.slug)
        edge = session.exec(select(Lineage.id).where(Lineage.child_id == dataset.id,
                                                     Lineage.parent_id == parent_row.id)).first()
        if edge is None:
            lineage.add_edge(writer, rec.slug, parent.slug, parent.relation)
            changes.note(f"lineage {rec.slug} <- {parent.slug} ({parent.relation})")


def apply(writer: Writer, records: Iterable[DatasetIn]) -> list[str]:
    """Apply records in order; the first bad one stops everything (the caller's
    transaction then rolls back), named by where it came from."""
    changes = Changes()
    kb = [licenses.all_licenses(writer.session)]  # reloaded only when a licence is added
    for rec in records:
        try:
            _apply_one(writer, rec, changes, kb)
        except TrackerError as exc:
            raise TrackerError(f"{rec.origin}: {exc}") from exc
    return changes.lines

"""How import records are applied: idempotently, all or nothing, matched by natural key.

Records are matched by a natural key (the dataset slug, a source slug, or the
source's own external id). Changed fields are updated and audited; a licence
that differs from the claimant's current claim is added as a new claim (drift
stays visible); nothing that is already there is added again.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from sqlmodel import Session, col, select

from tracker.assess.license_names import UNMAPPED, unmapped_claim
from tracker.assess.terms import current_claims
from tracker.db.models import (
    Agreement,
    Consent,
    Dataset,
    DatasetSource,
    Fee,
    License,
    LicenseClaim,
    Lineage,
    Source,
)
from tracker.facts.snapshot import ClaimFacts, collector_paused
from tracker.interop.fork import apply_forked
from tracker.interop.held import ConsentHeld, FeeKey, Held, fee_key, load_held
from tracker.interop.records import ClaimIn, DatasetIn, with_suffix
from tracker.registry import Writer, catalog, claims, consent, ledger, licenses, lineage
from tracker.registry.bulk import BatchSink, BulkWriter
from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue, TrackerError
from tracker.values.fields import DATASET_FIELDS, parse_fields


class DryRun(Exception):
    """Raised inside the transaction to undo it after listing what would change."""


class Changes:
    """What an import changed: every line for a small file, counts by kind for a large one."""

    KEEP = 1000

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counts: Counter[str] = Counter()
        self.warnings: list[str] = []

    def warn(self, origin: str, message: str) -> None:
        if len(self.warnings) < self.KEEP:
            self.warnings.append(f"{origin}: {message}")

    def note(self, kind: str, detail: str, *args: object) -> None:
        """Count a change; keep its line for the first KEEP changes (with `args`, `detail`
        is their format, filled in only then)."""
        self.counts[kind] += 1
        if len(self.lines) < self.KEEP:
            self.lines.append(f"{kind} {detail.format(*args) if args else detail}")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> list[str]:
        """One line per change, or per kind of change when there are too many to list."""
        if self.total <= self.KEEP:
            return list(self.lines)
        return [f"{kind}: {count:,}" for kind, count in sorted(self.counts.items())]


CHUNK = 500


class Importer:
    """Applies records in chunks: what the registry holds is loaded once (names, edges, links)
    or once per chunk (the rows of datasets the chunk mentions), and changes are queued on a
    BulkWriter, so the database sees a handful of statements per chunk."""

    def __init__(self, session: Session, bulk: BulkWriter, changes: Changes) -> None:
        self.session = session
        self.bulk = bulk
        self.changes = changes
        self.load: Callable[[list[int]], Held] = lambda ids: load_held(session, ids)
        self.known = licenses.all_licenses(session)
        # Plain rows, not ORM results: a many-file import loads these once per file.
        rows = session.connection().execute
        self.dataset_ids = dict(rows(select(Dataset.slug, Dataset.id)).all())
        self.external_ids: dict[str, int] = dict(rows(  # type: ignore[arg-type]
            select(Dataset.external_id, Dataset.id).where(col(Dataset.external_id).is_not(None))
        ).all())
        self.has_external = set(self.external_ids.values())
        self.source_ids = dict(rows(select(Source.slug, Source.id)).all())
        held_agreements = session.exec(select(Agreement)).all()
        self.agreements: dict[tuple[str, str], tuple[int, dt.date | None, dt.date | None]] = {
            (a.counterparty, a.reference): (a.id, a.term_start, a.term_end)
            for a in held_agreements}
        self.voided_agreements = {a.id for a in held_agreements if a.voided_at is not None}
        self.parents: dict[int, list[int]] = defaultdict(list)
        self.edges: set[tuple[int, int]] = set()
        # Only a dataset that is already someone's parent can be closed into a cycle.
        self.has_children: set[int] = set()
        for child, parent in rows(select(Lineage.child_id, Lineage.parent_id)):
            self.parents[child].append(parent)
            self.edges.add((child, parent))
            self.has_children.add(parent)
        self.links: set[tuple[int, int]] = {(d, s) for d, s in rows(
            select(DatasetSource.dataset_id, DatasetSource.source_id))}
        self.rows: dict[int, dict[str, Any]] = {}
        self.claims: dict[int, list[ClaimFacts]] = defaultdict(list)
        self.fees: dict[int, set[FeeKey]] = defaultdict(set)
        self.consents: dict[int, list[ConsentHeld]] = defaultdict(list)

    def run(self, records: Iterable[DatasetIn]) -> None:
        batch: list[DatasetIn] = []
        for rec in records:
            batch.append(rec)
            if len(batch) == CHUNK:
                self.chunk(batch)
                batch = []
        self.chunk(batch)
        self.bulk.flush()

    def chunk(self, records: list[DatasetIn]) -> None:
        # Written first, so that what is loaded next includes this import's earlier rows.
        self.bulk.flush()
        ids = [i for r in records if (i := self.match(r)) is not None]
        # Asked only when needed: in a child process, asking waits for the writing.
        self.rows, self.claims, self.fees, self.consents = \
            self.load(ids) if ids else Held.nothing()
        for rec in records:
            try:
                self.record(rec)
            except TrackerError as exc:
                raise TrackerError(f"{rec.origin}: {exc}") from exc

    def _new_dataset(self, slug: str, values: dict[str, Any], kind: str, *,
                     own_event: bool = False) -> dict[str, Any]:
        row = self.bulk.add(Dataset, catalog.new_record(Dataset, slug, values),
                            label=slug if own_event else None)
        self.dataset_ids[row["slug"]] = row["id"]
        if row.get("external_id"):
            self.external_ids[row["external_id"]] = row["id"]
            self.has_external.add(row["id"])
        self.rows[row["id"]] = row
        self.changes.note(kind, row["slug"])
        return row

    def _path_up(self, start: int, goal: int) -> list[int] | None:
        if goal not in self.has_children:
            return None
        return lineage.path_up(self.parents, start, goal)

    def match(self, rec: DatasetIn) -> int | None:
        """The dataset a record describes: the one with its external id; else the one with
        its slug, unless that one came from another identifier, in which case the record
        takes a slug of its own (its slug with a hash of its identifier), so two identifiers
        that slugify alike never become one dataset."""
        external = rec.external_id
        if external is None:
            return self.dataset_ids.get(rec.slug)
        found = self.external_ids.get(external)
        if found is None:
            found = self.dataset_ids.get(rec.slug)
            if found is not None and found in self.has_external:
                rec.slug = with_suffix(rec.slug, external)
                found = self.dataset_ids.get(rec.slug)
        return found

    def record(self, rec: DatasetIn) -> None:
        """One record's changes: one import event for what belongs to its dataset, and one
        event per licence, source, agreement or placeholder parent it creates."""
        self.bulk.open_group()
        for lic in rec.licenses:
            if not any(k.key == lic.key for k in self.known):
                values = claims.license_values(
                    lic.key, self.known, name=lic.name, url=lic.url, category="unknown",
                    commercial_use="unknown", ai_training="unknown", flags={},
                    notes=lic.notes)
                self.bulk.add(License, values, label=lic.key)
                self.known = licenses.Known([*self.known, License(**values)])
                self.changes.note("add licence", lic.key)
        for warning in rec.warnings:
            self.changes.warn(rec.origin, warning)
        if rec.lenient:
            self._drop_unusable_fields(rec)
        dataset_id = self.match(rec)
        if dataset_id is None:
            dataset = self._new_dataset(rec.slug, rec.fields, "create dataset")
        else:
            dataset = self.rows[dataset_id]
            # Found by its identifier, it keeps the slug it has (a user may have renamed it).
            rec.slug = dataset["slug"]
            self._update(dataset, rec)
        self._claims(dataset, rec)
        self._fees(dataset, rec)
        self._consents(dataset, rec)
        self._sources(dataset, rec)
        self._parents(dataset, rec)
        self.bulk.close_group("dataset", dataset["id"], rec.slug)

    def _drop_unusable_fields(self, rec: DatasetIn) -> None:
        """Each value the registry cannot take is dropped, with a warning naming it; the
        name and the external id the record is known by are needed, so their errors stand."""
        labels = {spec.label: spec.name for spec in DATASET_FIELDS}
        while True:
            try:
                parse_fields(DATASET_FIELDS, rec.fields)
                return
            except InvalidValue as exc:
                name = labels.get(exc.field)
                if name is None or name in ("name", "external_id"):
                    raise
                del rec.fields[name]
                self.changes.warn(rec.origin, f"{exc} (left out)")

    def _update(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        parsed = parse_fields(DATASET_FIELDS, rec.fields)
        different = {k: v for k, v in parsed.items() if dataset[k] != v}
        if not different:
            return
        parse.date_range(different.get("acquired_from", dataset["acquired_from"]),
                         different.get("acquired_to", dataset["acquired_to"]), "acquired-to")
        if different.get("external_id") is not None:  # adopted: imported before ids were kept
            self.external_ids[different["external_id"]] = dataset["id"]
            self.has_external.add(dataset["id"])
        self.bulk.update(Dataset, dataset, different)
        self.changes.note("update dataset", "{}: {}", rec.slug, ", ".join(sorted(different)))

    def _claims(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        held = self.claims[dataset["id"]]
        for claim in rec.claims:
            values = self._claim_values(dataset["id"], claim, rec)
            current = {c.claimed_by: c.expression for c in current_claims(held)}
            if current.get(values["claimed_by"]) == values["expression"]:
                continue
            # A claim dated before the claimant's current one is history, not drift: once
            # recorded, importing it again adds nothing.
            if any((c.expression, c.claimed_by, c.observed_on) == (
                    values["expression"], values["claimed_by"], values["observed_on"])
                   for c in held):
                continue
            self.bulk.add(LicenseClaim, values)
            held.append(ClaimFacts(values["expression"], values["claimed_by"],
                                   values["evidence_url"], values["observed_on"]))
            self.changes.note("claim", "{}: {} by {}", rec.slug, values["expression"],
                              values["claimed_by"])

    def _claim_values(self, dataset_id: int, claim: ClaimIn, rec: DatasetIn) -> dict[str, Any]:
        def values(expression: str, evidence: str | None, notes: str) -> dict[str, Any]:
            return claims.claim_values(dataset_id, expression, claim.by, evidence_url=evidence,
                                       observed_on=claim.observed_on, notes=notes,
                                       known=self.known)

        try:
            return values(claim.expression, claim.evidence_url, claim.notes)
        except InvalidValue as exc:
            if not rec.lenient:
                raise
            if exc.field == "evidence":
                self.changes.warn(rec.origin, f"{exc} (evidence left out)")
                return self._claim_values(dataset_id, replace(claim, evidence_url=None), rec)
            if exc.field != "license":
                raise
            self.changes.warn(rec.origin, f"{exc} (recorded as {UNMAPPED})")
            _, note, _ = unmapped_claim(claim.expression)
            return values(UNMAPPED, claim.evidence_url,
                          " ".join(filter(None, [claim.notes, note + "."])))

    def _fees(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        held = self.fees[dataset["id"]]
        for given in rec.fees:
            fee, terms = ledger.fee_values(
                kind=given.kind, amount=given.amount, currency=given.currency,
                counterparty=given.counterparty, reference=given.reference,
                period=given.period, unit=given.unit, term_start=given.term_start,
                term_end=given.term_end)
            key = fee_key(fee, terms["counterparty"], terms["reference"])
            if key in held:
                continue
            agreement_key = (terms["counterparty"], terms["reference"])
            label = ledger.agreement_label(*agreement_key)
            found = self.agreements.get(agreement_key)
            if found is None:
                row = self.bulk.add(Agreement, terms, label=label)
                found = self.agreements[agreement_key] = (row["id"], terms["term_start"],
                                                          terms["term_end"])
            elif found[0] in self.voided_agreements:
                raise InvalidValue("fee-contract", terms["reference"],
                                   f"agreement {label!r} (#{found[0]}) is voided")
            else:
                ledger.check_term(label, found[1], found[2], terms["term_start"],
                                  terms["term_end"])
            self.bulk.add(Fee, {"dataset_id": dataset["id"], "agreement_id": found[0], **fee})
            held.add(key)
            self.changes.note("fee", "{}: {} {} {}", rec.slug, key[1], key[2], key[0])

    def _consents(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        for given in rec.consents:
            values = consent.consent_values(
                dataset["id"], None, status=given.status, legal_basis=given.legal_basis,
                compensation=given.compensation, recorded_on=given.recorded_on)
            held = self.consents[dataset["id"]]
            record: ConsentHeld = (values["recorded_on"], values["status"],
                                   values["legal_basis"], values["compensation"])
            # The record in force is the latest by date (the last recorded among equals);
            # one dated earlier is history, added once.
            latest = max(reversed(held), key=lambda r: r[0]) if held else None
            if (latest is not None and latest[1:] == record[1:]) or record in held:
                continue
            self.bulk.add(Consent, values)
            held.append(record)
            self.changes.note("consent", "{}: {}", rec.slug, values["status"])

    def _sources(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        for src in rec.sources:
            source_id = self.source_ids.get(src.slug)
            if source_id is None:
                row = self.bulk.add(Source, catalog.new_record(Source, src.slug, src.fields),
                                    label=src.slug)
                source_id = self.source_ids[row["slug"]] = row["id"]
                self.changes.note("create source", row["slug"])
            if (dataset["id"], source_id) not in self.links:
                self.bulk.add(DatasetSource, {"dataset_id": dataset["id"],
                                              "source_id": source_id})
                self.links.add((dataset["id"], source_id))
                self.changes.note("link", "{} <- {}", rec.slug, src.slug)

    def _parents(self, dataset: dict[str, Any], rec: DatasetIn) -> None:
        child = dataset["id"]
        for parent in rec.parents:
            parent_id = self.external_ids.get(parent.external_id) if parent.external_id \
                else self.dataset_ids.get(parent.slug)
            if parent_id is None:
                parent_id = self._new_dataset(parent.slug, {
                    "name": parent.name or parent.slug, "external_id": parent.external_id,
                    # The origin names a file, whose name may hold bytes that are not text.
                    "description": f"Named as a parent of {rec.slug} by "
                                   f"{rec.origin.encode('utf-8', 'backslashreplace').decode()}; "
                                   "not yet described.",
                    "source_category": "other", "status": "planned"},
                    "create placeholder dataset", own_event=True)["id"]
            edge = (child, parent_id)
            if edge in self.edges:
                continue
            relation = parse.choice(parent.relation, "relation", vocab.LINEAGE_RELATIONS)
            try:
                lineage.check_edge(child, parent_id, parent.slug, self._path_up,
                                   lambda: {i: s for s, i in self.dataset_ids.items()})
            except InvalidValue as exc:
                if not rec.lenient:
                    raise
                self.changes.warn(rec.origin, f"{exc} (lineage left out)")
                continue
            self.bulk.add(Lineage, {"child_id": child, "parent_id": parent_id,
                                    "relation": relation})
            self.parents[child].append(parent_id)
            self.edges.add(edge)
            self.has_children.add(parent_id)
            self.changes.note("lineage", "{} <- {} ({})", rec.slug, parent.slug, relation)


def apply(writer: Writer, records: Iterable[DatasetIn], *, parallel: bool = False) -> Changes:
    """Apply records in order; the first bad one stops everything (the caller's
    transaction then rolls back), named by where it came from.

    With `parallel` (records that add no licences, such as a table's), they are read,
    checked and queued by a second process while this one writes what it queues."""
    changes = Changes()
    # A quarter of a large import's time went to collections that found nothing to free.
    with collector_paused():
        sink = BatchSink(writer)
        work = Importer(writer.session, BulkWriter(sink.conn, sink), changes)
        if parallel and sys.platform == "linux":
            return apply_forked(work, records, sink)
        work.run(records)
    return changes

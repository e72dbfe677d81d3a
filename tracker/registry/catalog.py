"""Datasets, sources and the links between them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlmodel import Session, SQLModel, col, or_, select

from tracker.db.models import (
    Consent,
    CostItem,
    CrawlDomain,
    CrawlSignal,
    Dataset,
    DatasetSource,
    Fee,
    FlagWaiver,
    LicenseClaim,
    Lineage,
    ManualFlag,
    Review,
    RunDataset,
    Source,
)
from tracker.db.rows import record
from tracker.registry import Writer
from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue, NotFound, TrackerError
from tracker.values.fields import DATASET_FIELDS, SOURCE_FIELDS, FieldSpec, parse_fields

if TYPE_CHECKING:
    from tracker.assess.inventory import DatasetFilter
    from tracker.assess.policy import Policy
    from tracker.facts.snapshot import Snapshot


def public(row: SQLModel, *drop: str) -> dict[str, Any]:
    """A row's record without internal ids."""
    data = record(row)
    for key in ("id", *drop):
        data.pop(key, None)
    return data


def _find(session: Session, model: type[Dataset] | type[Source], slug: str, what: str) -> Any:
    row = session.exec(select(model).where(model.slug == slug)).first()
    if row is None:
        known = session.exec(select(model.slug)).all()
        raise NotFound(f"{what}: no {what} {slug!r}{parse.suggest(slug, known)}")
    return row


def find_dataset(session: Session, slug: str) -> Dataset:
    """The dataset SLUG, or NotFound with the nearest slug suggested."""
    return _find(session, Dataset, slug, "dataset")


def find_source(session: Session, slug: str) -> Source:
    """The source SLUG, or NotFound with the nearest slug suggested."""
    return _find(session, Source, slug, "source")


def _check_dataset(values: Mapping[str, Any]) -> None:
    parse.date_range(values.get("acquired_from"), values.get("acquired_to"), "acquired-to")


def _check_external_id(session: Session, values: Mapping[str, Any], own_id: int | None) -> None:
    """An external id names one dataset: imports find a dataset again by it."""
    external = values.get("external_id")
    if external is None:
        return
    holder = session.exec(select(Dataset.slug).where(Dataset.external_id == external,
                                                     Dataset.id != own_id)).first()
    if holder is not None:
        raise InvalidValue("external-id", external, f"dataset {holder!r} already has it")


def new_record(model: type[Dataset] | type[Source], slug: str, values: Mapping[str, object]
               ) -> dict[str, Any]:
    """The checked columns of a new dataset or source (uniqueness is the caller's to check)."""
    checked = {"slug": parse.slug(slug)}
    fields = parse_fields(DATASET_FIELDS if model is Dataset else SOURCE_FIELDS, values)
    checked.update(fields)
    if "name" not in fields:
        raise InvalidValue("name", "", "is required")
    if model is Dataset:
        _check_dataset(fields)
    return checked


def _create(writer: Writer, model: type[Dataset] | type[Source], slug: str,
            values: Mapping[str, object], what: str) -> Any:
    fields = new_record(model, slug, values)
    taken = writer.session.exec(select(model.id).where(model.slug == fields["slug"])).first()
    if taken is not None:
        raise InvalidValue("slug", fields["slug"], f"a {what} with this slug already exists")
    if model is Dataset:
        _check_external_id(writer.session, fields, None)
    return writer.add(model(**fields), label=fields["slug"])


def _edit(writer: Writer, row: Dataset | Source, specs: tuple[FieldSpec, ...],
          values: Mapping[str, object], new_slug: str | None) -> bool:
    fields = parse_fields(specs, values)
    if new_slug is not None and new_slug != row.slug:
        fields["slug"] = parse.slug(new_slug)
        model = type(row)
        taken = writer.session.exec(select(model.id).where(model.slug == fields["slug"])).first()
        if taken is not None:
            raise InvalidValue("slug", new_slug, "another record already has this slug")
    if isinstance(row, Dataset):
        _check_dataset({"acquired_from": row.acquired_from, "acquired_to": row.acquired_to,
                        **fields})
        _check_external_id(writer.session, fields, row.id)
    return writer.update(row, fields, label=fields.get("slug", row.slug))


def add_dataset(writer: Writer, slug: str, values: Mapping[str, object]) -> Dataset:
    """Create a dataset from checked values; refuses a slug or external id already taken."""
    return _create(writer, Dataset, slug, values, "dataset")


def edit_dataset(writer: Writer, slug: str, values: Mapping[str, object],
                 new_slug: str | None = None) -> bool:
    """Change a dataset's given fields, and its slug if a new one is given; False when nothing
    changed (and nothing is logged)."""
    return _edit(writer, find_dataset(writer.session, slug), DATASET_FIELDS, values, new_slug)


def add_source(writer: Writer, slug: str, values: Mapping[str, object]) -> Source:
    """Create a source from checked values; refuses a slug already taken."""
    return _create(writer, Source, slug, values, "source")


def edit_source(writer: Writer, slug: str, values: Mapping[str, object],
                new_slug: str | None = None) -> bool:
    """Change a source's given fields, and its slug if a new one is given; False when nothing
    changed (and nothing is logged)."""
    return _edit(writer, find_source(writer.session, slug), SOURCE_FIELDS, values, new_slug)


def _dependents(session: Session, dataset: Dataset) -> list[SQLModel]:
    rows: list[SQLModel] = []
    for model in (LicenseClaim, Fee, CostItem, Consent, DatasetSource, RunDataset, FlagWaiver,
                  ManualFlag, Review):
        rows.extend(session.exec(select(model).where(model.dataset_id == dataset.id)).all())
    rows.extend(session.exec(select(Lineage).where(
        or_(Lineage.child_id == dataset.id, Lineage.parent_id == dataset.id))).all())
    return rows


def remove_dataset(writer: Writer, slug: str) -> int:
    """Delete a dataset and everything recorded about it; returns the number of rows removed."""
    dataset = find_dataset(writer.session, slug)
    dependents = _dependents(writer.session, dataset)
    for row in dependents:
        writer.delete(row, label=f"{slug}: {row.__tablename__}")  # type: ignore[attr-defined]
    writer.delete(dataset, label=slug)
    return len(dependents) + 1


def _summary(what: str, slug: str, dependents: list[SQLModel]) -> str:
    counts: dict[str, int] = {}
    for row in dependents:
        name = row.__tablename__  # type: ignore[attr-defined]
        counts[name] = counts.get(name, 0) + 1
    parts = ", ".join(f"{n} {name.replace('_', ' ')} record{'s' if n != 1 else ''}"
                      for name, n in sorted(counts.items()))
    return f"{what} {slug!r}" + (f" with {parts}" if parts else "")


def removal_summary(session: Session, slug: str) -> str:
    """What removing the dataset would delete, counted by kind of record: the text a
    confirmation prompt shows before `remove_dataset`."""
    return _summary("dataset", slug, _dependents(session, find_dataset(session, slug)))



def source_removal_summary(session: Session, slug: str) -> str:
    """What removing the source would delete (its dataset links and consent records), for
    the confirmation prompt before `remove_source`."""
    return _summary("source", slug, _source_dependents(session, find_source(session, slug)))


def _source_dependents(session: Session, source: Source) -> list[SQLModel]:
    links = session.exec(select(DatasetSource).where(DatasetSource.source_id == source.id)).all()
    consents = session.exec(select(Consent).where(Consent.source_id == source.id)).all()
    return [*links, *consents]


def drop_domains(writer: Writer, source: Any, slug: str) -> int:
    """Remove a source's domain list (one audited event), e.g. before removing the source."""
    return drop_source_rows(writer, CrawlDomain, source, f"{slug}: {{}} domains removed")


def drop_signals(writer: Writer, source: Any, slug: str) -> int:
    """Remove a source's opt-out signals (one audited event), e.g. before removing it."""
    return drop_source_rows(writer, CrawlSignal, source,
                            f"{slug}: opt-out signals of {{}} domains removed")


def drop_source_rows(writer: Writer, model: Any, source: Any, label: str) -> int:
    """Remove the rows of a per-domain list (`model`) of a source, audited as one event
    (`label` takes the count); the number removed."""
    session = writer.session
    count = session.exec(select(func.count()).select_from(model)
                         .where(model.source_id == source.id)).one()
    if count:
        session.exec(delete(model).where(col(model.source_id) == source.id))
        writer.event("delete", model.__tablename__, source.id, label.format(count),
                     {"rows": count}, None)
    return int(count)


def remove_source(writer: Writer, slug: str) -> int:
    """Delete a source with its links and consent records; returns the number of rows removed."""
    source = find_source(writer.session, slug)
    drop_domains(writer, source, slug)
    drop_signals(writer, source, slug)
    dependents = _source_dependents(writer.session, source)
    for row in dependents:
        writer.delete(row, label=f"{slug}: {row.__tablename__}")  # type: ignore[attr-defined]
    writer.delete(source, label=slug)
    return len(dependents) + 1


def link_source(writer: Writer, dataset_slug: str, source_slug: str,
                content_bytes: object = None, notes: str = "") -> DatasetSource:
    """Record that a dataset draws on a source, with its content size and notes; a link that
    already exists is updated instead, so linking again is safe."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    source = find_source(session, source_slug)
    existing = session.exec(select(DatasetSource).where(
        DatasetSource.dataset_id == dataset.id, DatasetSource.source_id == source.id)).first()
    size = None if content_bytes in (None, "") else parse.count(content_bytes, "content-bytes")
    label = f"{dataset_slug} <- {source_slug}"
    if existing is not None:
        writer.update(existing, {"content_bytes": size, "notes": parse.text(notes, "notes")},
                      label=label)
        return existing
    link = DatasetSource(dataset_id=dataset.id, source_id=source.id, content_bytes=size,
                         notes=parse.text(notes, "notes"))
    return writer.add(link, label=label)


def unlink_source(writer: Writer, dataset_slug: str, source_slug: str) -> None:
    """Delete the link between a dataset and a source; an error if they are not linked."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    source = find_source(session, source_slug)
    link = session.exec(select(DatasetSource).where(
        DatasetSource.dataset_id == dataset.id, DatasetSource.source_id == source.id)).first()
    if link is None:
        raise TrackerError(f"source: {source_slug!r} is not linked to {dataset_slug!r}")
    writer.delete(link, label=f"{dataset_slug} <- {source_slug}")


def list_datasets(session: Session, limit: int | None = None, offset: int = 0,
                  wanted: DatasetFilter | None = None, policy: Policy | None = None
                  ) -> list[dict[str, Any]]:
    """A page of datasets by slug, of those meeting every filter of `wanted`. A filter on
    licence, commercial use, consent or findings reads a snapshot of the registry (findings
    under `policy`, the packaged default if None); the others stay one query."""
    if wanted is not None and wanted.needs_snapshot:
        return _filtered(session, limit, offset, wanted, policy)
    query = select(Dataset).order_by(Dataset.slug).offset(offset).limit(limit)
    if wanted is not None and wanted.source_category is not None:
        query = query.where(Dataset.source_category == wanted.source_category)
    return [public(d) for d in session.exec(query).all()]


def _filtered(session: Session, limit: int | None, offset: int, wanted: DatasetFilter,
              policy: Policy | None) -> list[dict[str, Any]]:
    from tracker.assess.flags import evaluate
    from tracker.assess.inventory import matching
    from tracker.assess.policy import load_policy
    from tracker.facts.load import load_registry

    rules = policy or load_policy()

    def open_findings(snapshot: Snapshot) -> Iterator[tuple[str, str]]:
        return ((f.dataset, f.code) for f in evaluate(snapshot, rules) if f.waiver is None)

    found = matching(load_registry(session), wanted, rules.or_branch, open_findings)
    page = found[offset:] if limit is None else found[offset:offset + limit]
    return [dict(d.record) for d in page]


def dataset_filter(session: Session, *, license: str | None = None,
                   commercial: str | None = None, consent: str | None = None,
                   finding: str | None = None, source_category: str | None = None
                   ) -> DatasetFilter:
    """The filters of `dataset list`, checked: a bad value is refused naming its option,
    with a suggestion. A licence is any spelling the knowledge base knows (id or alias)."""
    from tracker.assess.inventory import DatasetFilter, license_ids
    from tracker.registry.licenses import all_licenses, normalize_expression

    expression = None
    if license is not None:
        expression = normalize_expression(license, all_licenses(session), "license")
        if len(license_ids(expression)) != 1:
            raise InvalidValue("license", license, "must be one licence id, not an expression")
    return DatasetFilter(
        license=expression,
        commercial=None if commercial is None else parse.choice(
            commercial, "commercial", vocab.YES_NO_UNKNOWN),
        consent=None if consent is None else parse.choice(
            consent, "consent", vocab.CONSENT_STATUSES),
        finding=None if finding is None else _finding_code(session, finding),
        source_category=None if source_category is None else parse.choice(
            source_category, "source-category", vocab.SOURCE_CATEGORIES))


def _finding_code(session: Session, code: str) -> str:
    """A rule's finding code, or a code raised by hand on some dataset."""
    from tracker.assess.flags import CODES

    known = (*CODES, *sorted(set(session.exec(select(ManualFlag.code)).all())))
    # Codes raised by hand may hold '-', which choice() would read as '_'.
    return code.strip() if code.strip() in known else parse.choice(code, "finding", known)


def list_sources(session: Session, limit: int | None = None, offset: int = 0
                 ) -> list[dict[str, Any]]:
    """A page of the sources as full records, by slug."""
    query = select(Source).order_by(Source.slug).offset(offset).limit(limit)
    return [public(s) for s in session.exec(query).all()]


def sources_of(session: Session, dataset: Dataset) -> list[dict[str, Any]]:
    """The sources a dataset draws on, by slug, each with the link's content size and notes."""
    rows = session.exec(
        select(DatasetSource, Source)
        .join(Source, col(Source.id) == DatasetSource.source_id)
        .where(DatasetSource.dataset_id == dataset.id)
        .order_by(Source.slug)
    ).all()
    return [{**public(source), "content_bytes": link.content_bytes, "link_notes": link.notes}
            for link, source in rows]


def datasets_of(session: Session, source: Source) -> list[dict[str, Any]]:
    """The datasets that draw on a source, by slug, with the content size each link records."""
    rows = session.exec(
        select(Dataset.slug, Dataset.name, DatasetSource.content_bytes)
        .join(DatasetSource, col(DatasetSource.dataset_id) == Dataset.id)
        .where(DatasetSource.source_id == source.id)
        .order_by(Dataset.slug)
    ).all()
    return [{"slug": slug, "name": name, "content_bytes": size} for slug, name, size in rows]

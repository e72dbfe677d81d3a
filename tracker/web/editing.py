"""The review desk's door for data entry: the forms an editor fills in.

Each function is one `tracker` command (named in its docstring): it calls the
registry function that command calls, in one write transaction whose audit
actor is the signed-in user, so the web enters what the command line would
and is refused where it would be, with the same one-line message. A form that
changes an existing dataset carries what it showed of it (`Seen`) and is
refused if the dataset changed since. Signing out is here too: it is a write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from tracker.db.models import Dataset, Source
from tracker.registry import Registry, Writer, catalog, ledger, lineage, runs, users
from tracker.values.canonical import canonical_json, sha256_text
from tracker.values.fields import DATASET_FIELDS, SOURCE_FIELDS, FieldSpec
from tracker.web.auth import Viewer
from tracker.web.services import Changed, Seen, _check_unchanged, _writing, form_basis

T = TypeVar("T")


def _shown(value: object) -> str:
    """A stored value as a form field shows it, and as it comes back when left alone."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fields(row: Dataset | Source | None, specs: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    return [{"name": s.name, "label": s.label, "help": s.help, "required": s.required,
             "choices": s.choices, "value": "" if row is None else _shown(getattr(row, s.name))}
            for s in specs]


def blank_fields() -> dict[str, list[dict[str, Any]]]:
    """The fields of `dataset add` and `source add`, empty, for the entry page."""
    return {"dataset": _fields(None, DATASET_FIELDS), "source": _fields(None, SOURCE_FIELDS)}


def _lines(value: str) -> str:
    # Browsers send a textarea's line breaks as CRLF whatever the page held: as LF, a
    # text kept as it was compares equal, and a new one is stored as the CLI would.
    return value.replace("\r\n", "\n")


def _given(values: Mapping[str, str]) -> dict[str, str]:
    # A field left empty on an entry form is a field not given, as an option left out.
    return {k: _lines(v) for k, v in values.items() if v.strip()}


def _changed(row: Dataset | Source, specs: Sequence[FieldSpec],
             values: Mapping[str, str]) -> dict[str, str]:
    """The fields the edit form changed: one shown as stored and sent back as it was is
    not given at all, so that only what the editor changed is parsed and logged."""
    given = {k: _lines(v) for k, v in values.items()}
    return {s.name: given[s.name] for s in specs
            if s.name in given and given[s.name] != _shown(getattr(row, s.name))}


def _on_dataset(registry: Registry, actor: Viewer, slug: str, seen: Seen,
                change: Callable[[Writer], T]) -> T:
    """`change` in one transaction, if the dataset is as the form showed it."""
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        return change(w)


def _renamed(new_slug: str, slug: str) -> str | None:
    return new_slug.strip() if new_slug.strip() and new_slug.strip() != slug else None


# ---- datasets and sources -------------------------------------------------------------------

def dataset_form(registry: Registry, slug: str) -> dict[str, Any]:
    """What the dataset's edit form shows: its fields as stored, and the basis it carries."""
    with registry.reading() as session:
        basis = form_basis(session, slug)
        row = catalog.find_dataset(session, slug)
        return {"fields": _fields(row, DATASET_FIELDS), "digest": basis.digest,
                "seen_event": basis.event, "seen_review": basis.review}


def add_dataset(registry: Registry, actor: Viewer, slug: str, values: Mapping[str, str]) -> str:
    """`tracker dataset add SLUG --name ...`; the slug stored."""
    with _writing(registry, actor) as w:
        return catalog.add_dataset(w, slug, _given(values)).slug


def edit_dataset(registry: Registry, actor: Viewer, slug: str, seen: Seen,
                 values: Mapping[str, str], new_slug: str = "") -> tuple[str, bool]:
    """`tracker dataset edit SLUG [--slug NEW] --FIELD VALUE ...` ('' clears a field): the
    dataset's slug after it, and whether anything changed."""
    renamed = _renamed(new_slug, slug)

    def change(w: Writer) -> bool:
        row = catalog.find_dataset(w.session, slug)
        return catalog.edit_dataset(w, slug, _changed(row, DATASET_FIELDS, values), renamed)

    changed = _on_dataset(registry, actor, slug, seen, change)
    return (renamed if changed and renamed else slug), changed


def _source_digest(row: Source) -> str:
    # A source has no review to go stale: what its edit form showed is its fields.
    return sha256_text(canonical_json({"slug": row.slug, **{
        s.name: _shown(getattr(row, s.name)) for s in SOURCE_FIELDS}}))


def source_form(registry: Registry, slug: str) -> dict[str, Any]:
    """What a source's edit form shows: its fields as stored, and their digest."""
    with registry.reading() as session:
        row = catalog.find_source(session, slug)
        return {"fields": _fields(row, SOURCE_FIELDS), "digest": _source_digest(row)}


def add_source(registry: Registry, actor: Viewer, slug: str, values: Mapping[str, str]) -> str:
    """`tracker source add SLUG --name ...`; the slug stored."""
    with _writing(registry, actor) as w:
        return catalog.add_source(w, slug, _given(values)).slug


def edit_source(registry: Registry, actor: Viewer, slug: str, digest: str,
                values: Mapping[str, str], new_slug: str = "") -> tuple[str, bool]:
    """`tracker source edit SLUG [--slug NEW] --FIELD VALUE ...`, refused if the source
    changed since the form showed it (`digest`)."""
    renamed = _renamed(new_slug, slug)
    with _writing(registry, actor) as w:
        row = catalog.find_source(w.session, slug)
        if _source_digest(row) != digest:
            raise Changed(f"source {slug} changed since you opened it: nothing was saved", [])
        changed = catalog.edit_source(w, slug, _changed(row, SOURCE_FIELDS, values), renamed)
    return (renamed if changed and renamed else slug), changed


def link_source(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, source: str,
                content_bytes: str, notes: str) -> None:
    """`tracker source link DATASET SOURCE [--content-bytes N] [--notes ...]`."""
    _on_dataset(registry, actor, slug, seen, lambda w: catalog.link_source(
        w, slug, source.strip(), content_bytes or None, notes))


def unlink_source(registry: Registry, actor: Viewer, slug: str, seen: Seen, *,
                  source: str) -> None:
    """`tracker source link DATASET SOURCE --remove`."""
    _on_dataset(registry, actor, slug, seen, lambda w: catalog.unlink_source(
        w, slug, source.strip()))


def remove_parent(registry: Registry, actor: Viewer, slug: str, seen: Seen, *,
                  parent: str) -> None:
    """`tracker lineage remove DATASET PARENT`: the dataset no longer derives from PARENT."""
    _on_dataset(registry, actor, slug, seen, lambda w: lineage.remove_edge(
        w, slug, parent.strip()))


def add_parent(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, parent: str,
               relation: str, notes: str) -> None:
    """`tracker lineage add DATASET PARENT --relation KIND`: the dataset derives from
    PARENT."""
    _on_dataset(registry, actor, slug, seen, lambda w: lineage.add_edge(
        w, slug, parent.strip(), relation, notes))


# ---- money ----------------------------------------------------------------------------------

def add_fee(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, amount: str,
            currency: str, kind: str, period: str, unit: str, counterparty: str,
            contract: str, start: str, end: str, description: str, split_runs: str) -> None:
    """`tracker fee add DATASET --amount ... --currency ... --counterparty ...`: under the
    agreement with that counterparty and contract, made on first use."""
    _on_dataset(registry, actor, slug, seen, lambda w: ledger.add_fee(
        w, slug, kind=kind or "one_time", amount=amount, currency=currency,
        counterparty=counterparty, reference=contract, period=period or None,
        unit=unit or None, term_start=start or None, term_end=end or None,
        description=description, split_runs=split_runs or None))


def add_cost(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, category: str,
             amount: str, currency: str, incurred_on: str, vendor: str, description: str,
             split_runs: str) -> None:
    """`tracker cost add DATASET --category ... --amount ... --currency ...`."""
    _on_dataset(registry, actor, slug, seen, lambda w: ledger.add_cost(
        w, slug, category=category, amount=amount, currency=currency,
        incurred_on=incurred_on or None, vendor=vendor, description=description,
        split_runs=split_runs or None))


def set_rate(registry: Registry, actor: Viewer, *, base: str, quote: str, rate: str,
             as_of: str) -> None:
    """`tracker fx set BASE QUOTE RATE [--as-of DATE]`."""
    with _writing(registry, actor) as w:
        ledger.set_rate(w, base, quote, rate, as_of or None)


# ---- training runs --------------------------------------------------------------------------

def create_run(registry: Registry, actor: Viewer, slug: str, *, model: str, start: str,
               end: str, currency: str, use: str, contingency: str, provider: str,
               description: str) -> str:
    """`tracker run create SLUG --model ... --start ... --end ...`; the slug stored."""
    with _writing(registry, actor) as w:
        return runs.create_run(w, slug, model_name=model, start=start, end=end,
                               currency=currency or "USD", intended_use=use or "commercial",
                               contingency=contingency or "0", provider=provider,
                               description=_lines(description)).slug


def draw_dataset(registry: Registry, actor: Viewer, run: str, dataset: str,
                 **draw: str) -> bool:
    """`tracker run add-dataset RUN DATASET [--tokens ...]`: True for a new draw, False when
    the amounts of one held were replaced."""
    with _writing(registry, actor) as w:
        _, created = runs.draw_dataset(w, run, dataset.strip(),
                                       **{k: v or None for k, v in draw.items()})
    return created


# ---- signing out ------------------------------------------------------------------------------

def sign_out(registry: Registry, actor: Viewer) -> None:
    """End the user's sessions: the cookie they signed out with is worthless from now on."""
    with _writing(registry, actor) as w:
        users.end_sessions(w, actor.id)

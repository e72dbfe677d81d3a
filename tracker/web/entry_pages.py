"""The review desk's entry forms: what `tracker dataset | source | lineage | fee | cost | run
| fx` enter, for editors.

As every write of `pages`: the role is checked first, then the CSRF token, then
`editing` does the work, and the answer redirects (POST, redirect, GET).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote as url_quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from tracker.values.fields import DATASET_FIELDS, SOURCE_FIELDS
from tracker.web import editing
from tracker.web.auth import Viewer
from tracker.web.pages import (
    DONE,
    Csrf,
    Editor,
    OptionalText,
    Text,
    _back,
    _dataset_path,
    _desk,
    _seen,
    _writer,
    render,
)
from tracker.web.services import Seen

router = APIRouter(include_in_schema=False)


def _registry(request: Request) -> Any:
    return _desk(request).registry


def _source_path(slug: str) -> str:
    return "/enter/sources/" + url_quote(slug, safe="/")


async def _values(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The form's text for each field of a record: the fields are the CLI's specs, too many
    to list as parameters. (The routes reading it are async for this; their registry work
    goes to a worker thread, off the event loop.)"""
    form = await request.form()
    return {name: value for name in names if isinstance(value := form.get(name), str)}


_DATASET_NAMES = tuple(s.name for s in DATASET_FIELDS)
_SOURCE_NAMES = tuple(s.name for s in SOURCE_FIELDS)


# ---- pages ------------------------------------------------------------------------------------

@router.get("/enter")
def enter_page(request: Request, who: Editor, done: str = "") -> HTMLResponse:
    """New datasets, sources, training runs and exchange rates."""
    return render(request, "enter.html.j2", done=DONE.get(done), blank=editing.blank_fields())


@router.get("/enter/datasets/{slug:path}")
def dataset_edit_page(request: Request, slug: str, who: Editor) -> HTMLResponse:
    return render(request, "dataset_edit.html.j2", slug=slug, path=_dataset_path(slug),
                  **editing.dataset_form(_registry(request), slug))


@router.get("/enter/sources/{slug:path}")
def source_edit_page(request: Request, slug: str, who: Editor, done: str = "") -> HTMLResponse:
    return render(request, "source_edit.html.j2", slug=slug, done=DONE.get(done),
                  **editing.source_form(_registry(request), slug))


# ---- new records ------------------------------------------------------------------------------

# Each kind of record `tracker KIND add SLUG --FIELD VALUE ...` enters: its fields, the
# function adding it, the page it is shown on, and what that page then says.
_NEW = {"dataset": (_DATASET_NAMES, editing.add_dataset, _dataset_path, "dataset-added"),
        "source": (_SOURCE_NAMES, editing.add_source, _source_path, "source-added")}


async def _add(request: Request, viewer: Viewer, kind: str, slug: str) -> Response:
    names, add, path, done = _NEW[kind]
    values = await _values(request, names)
    added = await run_in_threadpool(add, _registry(request), viewer, slug, values)
    return _back(path(added), done)


@router.post("/enter/datasets")
async def dataset_add(request: Request, who: Editor, slug: OptionalText = "",
                      csrf: Csrf = "") -> Response:
    return await _add(request, _writer(request, who, csrf), "dataset", slug)


@router.post("/enter/sources")
async def source_add(request: Request, who: Editor, slug: OptionalText = "",
                     csrf: Csrf = "") -> Response:
    return await _add(request, _writer(request, who, csrf), "source", slug)


@router.post("/enter/runs")
def run_create(request: Request, who: Editor, slug: OptionalText = "",
               model: OptionalText = "", start: OptionalText = "", end: OptionalText = "",
               currency: OptionalText = "", use: OptionalText = "",
               contingency: OptionalText = "", provider: OptionalText = "",
               description: OptionalText = "", csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    created = editing.create_run(_registry(request), viewer, slug, model=model, start=start,
                                 end=end, currency=currency, use=use, contingency=contingency,
                                 provider=provider, description=description)
    return _back("/runs/" + url_quote(created, safe="/"), "run")


@router.post("/enter/fx")
def fx_set(request: Request, who: Editor, base: OptionalText = "", quote: OptionalText = "",
           rate: OptionalText = "", as_of: OptionalText = "", csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    editing.set_rate(_registry(request), viewer, base=base, quote=quote, rate=rate,
                     as_of=as_of)
    return _back("/enter", "fx")


# ---- changes to what exists -----------------------------------------------------------------

@router.post("/sources/{slug:path}/edit")
async def source_edit(request: Request, slug: str, who: Editor, digest: Text,
                      new_slug: OptionalText = "", csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    values = await _values(request, _SOURCE_NAMES)
    now, changed = await run_in_threadpool(editing.edit_source, _registry(request), viewer,
                                           slug, digest, values, new_slug)
    return _back(_source_path(now), "source-edit" if changed else "nothing")


@dataclass(frozen=True)
class _OnDataset:
    """A form changing a dataset: who sends it (their token checked) and what it showed."""

    viewer: Viewer
    seen: Seen


def _on_dataset(request: Request, who: Editor, digest: Text, seen_event: Text,
                seen_review: OptionalText = "", csrf: Csrf = "") -> _OnDataset:
    # The role is a dependency of this one, so it is checked before anything the form holds.
    return _OnDataset(_writer(request, who, csrf), _seen(digest, seen_event, seen_review))


OnDataset = Annotated[_OnDataset, Depends(_on_dataset)]


@router.post("/datasets/{slug:path}/edit")
async def dataset_edit(request: Request, slug: str, form: OnDataset,
                       new_slug: OptionalText = "") -> Response:
    values = await _values(request, _DATASET_NAMES)
    now, changed = await run_in_threadpool(editing.edit_dataset, _registry(request),
                                           form.viewer, slug, form.seen, values, new_slug)
    return _back(_dataset_path(now), "dataset-edit" if changed else "nothing")


@router.post("/datasets/{slug:path}/sources")
def source_link(request: Request, slug: str, form: OnDataset, source: OptionalText = "",
                content_bytes: OptionalText = "", notes: OptionalText = "") -> Response:
    editing.link_source(_registry(request), form.viewer, slug, form.seen, source=source,
                        content_bytes=content_bytes, notes=notes)
    return _back(_dataset_path(slug), "source-linked")


@router.post("/datasets/{slug:path}/sources/remove")
def source_unlink(request: Request, slug: str, form: OnDataset,
                  source: OptionalText = "") -> Response:
    editing.unlink_source(_registry(request), form.viewer, slug, form.seen, source=source)
    return _back(_dataset_path(slug), "source-unlinked")


@router.post("/datasets/{slug:path}/lineage/remove")
def parent_remove(request: Request, slug: str, form: OnDataset,
                  parent: OptionalText = "") -> Response:
    editing.remove_parent(_registry(request), form.viewer, slug, form.seen, parent=parent)
    return _back(_dataset_path(slug), "parent-removed")


@router.post("/datasets/{slug:path}/lineage")
def lineage_add(request: Request, slug: str, form: OnDataset, parent: OptionalText = "",
                relation: OptionalText = "", notes: OptionalText = "") -> Response:
    editing.add_parent(_registry(request), form.viewer, slug, form.seen, parent=parent,
                       relation=relation, notes=notes)
    return _back(_dataset_path(slug), "lineage")


@router.post("/datasets/{slug:path}/fees")
def fee_add(request: Request, slug: str, form: OnDataset, amount: OptionalText = "",
            currency: OptionalText = "", kind: OptionalText = "", period: OptionalText = "",
            unit: OptionalText = "", counterparty: OptionalText = "",
            contract: OptionalText = "", start: OptionalText = "", end: OptionalText = "",
            description: OptionalText = "", split_runs: OptionalText = "") -> Response:
    editing.add_fee(_registry(request), form.viewer, slug, form.seen, amount=amount,
                    currency=currency, kind=kind, period=period, unit=unit,
                    counterparty=counterparty, contract=contract, start=start, end=end,
                    description=description, split_runs=split_runs)
    return _back(_dataset_path(slug), "fee")


@router.post("/datasets/{slug:path}/costs")
def cost_add(request: Request, slug: str, form: OnDataset, category: OptionalText = "",
             amount: OptionalText = "", currency: OptionalText = "",
             incurred_on: OptionalText = "", vendor: OptionalText = "",
             description: OptionalText = "", split_runs: OptionalText = "") -> Response:
    editing.add_cost(_registry(request), form.viewer, slug, form.seen, category=category,
                     amount=amount, currency=currency, incurred_on=incurred_on,
                     vendor=vendor, description=description, split_runs=split_runs)
    return _back(_dataset_path(slug), "cost")


@router.post("/runs/{slug:path}/datasets")
def run_draw(request: Request, slug: str, who: Editor, dataset: OptionalText = "",
             tokens: OptionalText = "", records: OptionalText = "", hours: OptionalText = "",
             share: OptionalText = "", epochs: OptionalText = "", csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    created = editing.draw_dataset(_registry(request), viewer, slug, dataset, tokens=tokens,
                                   records=records, hours=hours, share=share, epochs=epochs)
    return _back("/runs/" + url_quote(slug, safe="/"), "draw" if created else "draw-replaced")

"""The review desk's HTML pages and forms: rendered on the server, no script needed.

Every form posts the session's CSRF token; every write checks the role first,
then the token, then hands the work to `services`, and redirects (POST,
redirect, GET) so a reload never submits twice.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracker.web import editing, services
from tracker.web.auth import CSRF_FIELD, Viewer, new_csrf

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]
Csrf = Annotated[str, Form()]
# What a redirect after a write may say; never text from the request.
DONE = {"review": "Review recorded.", "voided": "Record voided: it is kept, marked voided.",
        "fee-edit": "Fee corrected.", "cost-edit": "Cost corrected.",
        "claim": "Licence claim recorded.", "consent": "Consent recorded.",
        "waive": "Finding waived.", "source-unlinked": "Source unlinked.",
        "parent-removed": "Lineage edge removed.",
        "nothing": "Nothing changed.", "dataset-added": "Dataset added.",
        "dataset-edit": "Dataset updated.", "source-added": "Source added.",
        "source-edit": "Source updated.", "source-linked": "Source linked.",
        "lineage": "Lineage recorded.", "fee": "Fee added.", "cost": "Cost added.",
        "run": "Training run created.", "draw": "Dataset drawn.",
        "draw-replaced": "The run drew that dataset already: its amounts were replaced.",
        "fx": "Exchange rate recorded."}
PAGE = 50
QUEUE_SHOWN = 200


def _desk(request: Request) -> Any:
    return request.app.state.desk


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with the signed-in user, what their role may do, and the CSRF token."""
    desk = _desk(request)
    viewer: Viewer | None = desk.viewer(request)
    role = viewer.role if viewer else "none"
    can = {r: viewer is not None and services.may(role, r) for r in services.ROLES}
    html = services.templates().get_template(f"web/{template}").render(
        viewer=viewer, can=can, csrf=desk.csrf(request), csrf_field=CSRF_FIELD,
        label=services.label, choices=services.choices(), **context)
    return HTMLResponse(html, status_code=status)


def message_page(request: Request, title: str, message: str, status: int, *,
                 changes: list[dict[str, Any]] | None = None) -> HTMLResponse:
    """An error or refusal as a page, with what changed when a record moved on."""
    return render(request, "message.html.j2", status, title=title, message=message,
                  changes=changes or [])


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def _dataset_path(slug: str) -> str:
    return "/datasets/" + quote(slug, safe="/")


# ---- signing in and out -------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002
    return render(request, "login.html.j2", next=_safe_next(next), error=None)


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else "/"


@router.post("/login")
def login(request: Request, name: Text, password: Text, csrf: Csrf = "",
          next: OptionalText = "/") -> Response:  # noqa: A002
    desk = _desk(request)
    desk.check_csrf(request, csrf)
    address = request.client.host if request.client else "unknown"
    wait = desk.throttle.reserve(name, address)
    if wait:
        return render(request, "login.html.j2", 429, next=_safe_next(next),
                      error=f"Too many failed sign-ins: try again in {wait // 60 + 1} minutes.")
    found = services.sign_in(desk.registry, name, password)
    if found is None:
        return render(request, "login.html.j2", 401, next=_safe_next(next),
                      error="Wrong user name or password.")
    desk.throttle.succeeded(name, address)
    viewer, epoch = found
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A new session (and CSRF token) at sign-in: a token planted before it is worthless.
    desk.write_session(request, response, {"u": viewer.id, "e": epoch, "c": new_csrf()})
    return response


@router.post("/logout")
def logout(request: Request, csrf: Csrf = "") -> Response:
    desk = _desk(request)
    desk.check_csrf(request, csrf)
    viewer = desk.viewer(request)
    if viewer is not None:
        # Deleting the cookie is the browser's part; a copy of it must stop working too.
        editing.sign_out(desk.registry, viewer)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("tracker_session", path="/")
    request.state.session_changed = False
    return response


# ---- reading ------------------------------------------------------------------------------

@router.get("/")
def dashboard(request: Request) -> HTMLResponse:
    desk = _desk(request)
    return render(request, "dashboard.html.j2", runs=services.runs_overview(desk.registry))


@router.get("/datasets")
def registry_page(request: Request, q: str = "", license: str = "",  # noqa: A002
                  commercial: str = "", consent: str = "", finding: str = "",
                  source_category: str = "", review_state: str = "",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    desk = _desk(request)
    filters = services.dataset_filter_values(
        {"license": license, "commercial": commercial, "consent": consent, "finding": finding,
         "source_category": source_category})
    rows, more = services.list_datasets(desk.registry, q=q.strip() or None, filters=filters,
                                        review_state=review_state.strip() or None, limit=PAGE,
                                        offset=(page - 1) * PAGE)
    given = {"q": q, "license": license, "commercial": commercial, "consent": consent,
             "finding": finding, "source_category": source_category,
             "review_state": review_state}
    return render(request, "registry.html.j2", rows=rows, more=more, page=page, given=given)


@router.get("/queue")
def queue_page(request: Request) -> HTMLResponse:
    # The most pressing first; the whole queue is one API call away.
    rows, total = services.review_queue(_desk(request).registry, limit=QUEUE_SHOWN)
    return render(request, "queue.html.j2", rows=rows, total=total)


@router.get("/audit")
def audit_page(request: Request, entity: str = "", actor: str = "",
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    desk = _desk(request)
    rows, head = services.audit_log(desk.registry, entity=entity.strip() or None,
                                    actor=actor.strip() or None, limit=PAGE,
                                    offset=(page - 1) * PAGE)
    return render(request, "audit.html.j2", rows=rows, head=head, page=page,
                  more=len(rows) == PAGE, given={"entity": entity, "actor": actor})


@router.get("/api/docs")
def api_docs(request: Request) -> HTMLResponse:
    """FastAPI's OpenAPI description as a page: no script, no asset from elsewhere."""
    return render(request, "api_docs.html.j2", spec=request.app.openapi())


@router.get("/runs/{slug:path}/audit-report.html")
def run_audit_report(request: Request, slug: str) -> Response:
    html = services.audit_report(_desk(request).registry, slug)
    return _download(html, f"audit-{slug}.html", "text/html")


@router.get("/runs/{slug:path}/eu-summary.html")
def run_eu_summary(request: Request, slug: str) -> Response:
    html = services.eu_summary_report(_desk(request).registry, slug)
    return _download(html, f"eu-summary-{slug}.html", "text/html")


@router.get("/runs/{slug:path}/budget.csv")
def run_budget_csv(request: Request, slug: str) -> Response:
    return _download(services.budget_csv(_desk(request).registry, slug),
                     f"budget-{slug}.csv", "text/csv")


def _download(body: str, filename: str, media: str) -> Response:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    return Response(body, media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


@router.get("/runs/{slug:path}")
def run_page(request: Request, slug: str, done: str = "") -> HTMLResponse:
    page = services.run_page(_desk(request).registry, slug)
    return render(request, "run.html.j2", done=DONE.get(done), slug=slug, **page)


@router.get("/datasets/{slug:path}")
def dataset_page(request: Request, slug: str, done: str = "") -> HTMLResponse:
    desk = _desk(request)
    page = services.dataset_page(desk.registry, slug)
    stale = services.stale_changes(desk.registry, slug) \
        if page["data"]["review"]["state"] == "stale" else []
    return render(request, "dataset.html.j2", done=DONE.get(done), slug=slug,
                  path=_dataset_path(slug), stale=stale, **page)


# ---- writing ------------------------------------------------------------------------------

def _role(role: str) -> Any:
    """A dependency: the signed-in user, if their role may `role`'s work. Dependencies run
    before the form is validated, so a forbidden write is refused as such, whatever it
    holds."""
    def signed_in(request: Request) -> Viewer:
        return _desk(request).require(request, role)  # type: ignore[no-any-return]

    return Depends(signed_in)


Editor = Annotated[Viewer, _role("editor")]
Reviewer = Annotated[Viewer, _role("reviewer")]


def _writer(request: Request, viewer: Viewer, csrf: str) -> Viewer:
    """The user, once the form is shown to be their own (it carries the session's token)."""
    _desk(request).check_csrf(request, csrf)
    return viewer


def _seen(digest: str, event: str, review: str) -> services.Seen:
    # An audit event id the form carried back: anyone's text, so only plain digits of a size
    # a database integer holds count; anything else is "saw nothing", which is refused as
    # changed wherever the record has changed.
    return services.Seen(digest=digest,
                         event=int(event) if re.fullmatch(r"[0-9]{1,18}", event) else 0,
                         review=review)


@router.post("/datasets/{slug:path}/review")
def review_submit(request: Request, slug: str, who: Reviewer, decision: Text, note: Text,
                  digest: Text, seen_event: Text, seen_review: OptionalText = "",
                  conditions: OptionalText = "",
        csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    services.record_review(_desk(request).registry, viewer, slug, decision=decision,
                           conditions=conditions, note=note,
                           seen=_seen(digest, seen_event, seen_review))
    return _back(_dataset_path(slug), "review")


@router.post("/datasets/{slug:path}/waive")
def waive_submit(request: Request, slug: str, who: Reviewer, code: Text, reason: Text,
                 digest: Text, seen_event: Text, seen_review: OptionalText = "",
                 run: OptionalText = "", expires: OptionalText = "",
        csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    services.waive(_desk(request).registry, viewer, slug, code, reason=reason, run=run,
                   expires=expires, seen=_seen(digest, seen_event, seen_review))
    return _back(_dataset_path(slug), "waive")


@router.post("/datasets/{slug:path}/{kind}/{record_id:int}/void")
def void_record(request: Request, slug: str, kind: str, record_id: int, who: Editor,
                reason: Text, digest: Text, seen_event: Text, seen_review: OptionalText = "",
                csrf: Csrf = "") -> Response:
    """Void a fee, cost, licence claim or consent record of the dataset, with a reason."""
    viewer = _writer(request, who, csrf)
    services.void(_desk(request).registry, viewer, slug, kind, record_id, reason,
                  _seen(digest, seen_event, seen_review))
    return _back(_dataset_path(slug), "voided")

@router.post("/datasets/{slug:path}/{kind}/{record_id:int}/edit")
def record_edit(request: Request, slug: str, kind: str, record_id: int, who: Editor,
                reason: Text, digest: Text, seen_event: Text, seen_review: OptionalText = "",
                amount: OptionalText = "", currency: OptionalText = "",
                description: OptionalText = "", csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    changed = services.edit(_desk(request).registry, viewer, slug, kind, record_id, reason,
                            _seen(digest, seen_event, seen_review), amount=amount,
                            currency=currency, description=description)
    return _back(_dataset_path(slug), f"{kind.rstrip('s')}-edit" if changed else "nothing")


@router.post("/datasets/{slug:path}/claims")
def claim_add(request: Request, slug: str, who: Editor, expression: Text, claimed_by: Text,
              digest: Text, seen_event: Text, seen_review: OptionalText = "",
              evidence_url: OptionalText = "", notes: OptionalText = "",
        csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    services.add_claim(_desk(request).registry, viewer, slug,
                       _seen(digest, seen_event, seen_review), expression=expression,
                       claimed_by=claimed_by, evidence_url=evidence_url, notes=notes)
    return _back(_dataset_path(slug), "claim")


@router.post("/datasets/{slug:path}/consent")
def consent_add(request: Request, slug: str, who: Editor, status: Text, digest: Text,
                seen_event: Text, seen_review: OptionalText = "",
                legal_basis: OptionalText = "", compensation: OptionalText = "",
                evidence_url: OptionalText = "", notes: OptionalText = "",
        csrf: Csrf = "") -> Response:
    viewer = _writer(request, who, csrf)
    services.set_consent(_desk(request).registry, viewer, slug,
                         _seen(digest, seen_event, seen_review), status=status,
                         legal_basis=legal_basis, compensation=compensation,
                         evidence_url=evidence_url, notes=notes)
    return _back(_dataset_path(slug), "consent")



"""The review desk's JSON API under /api/v1: the shapes of the CLI's --json.

Authenticated by a personal token (`tracker user token NAME`) sent as
`Authorization: Bearer TOKEN`; a signed-in browser session works too, with its
CSRF token in the X-CSRF-Token header for writes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from tracker.web import services
from tracker.web.auth import Viewer

# Past any registry's size, and well inside a database integer.
MAX_OFFSET = 1_000_000_000

router = APIRouter(prefix="/api/v1", tags=["registry"])


def _desk(request: Request) -> Any:
    return request.app.state.desk


def _reader(request: Request) -> Viewer:
    return _desk(request).require(request, "viewer")  # type: ignore[no-any-return]


def _reviewer(request: Request) -> Viewer:
    return _desk(request).require(request, "reviewer")  # type: ignore[no-any-return]


Reader = Annotated[Viewer, Depends(_reader)]


@router.get("/datasets", summary="Datasets by slug, filtered as `tracker dataset list`")
def datasets(request: Request, _: Reader, q: str | None = None, license: str | None = None,  # noqa: A002
             commercial: str | None = None, consent: str | None = None,
             finding: str | None = None, source_category: str | None = None,
             review_state: str | None = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100,
             offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[dict[str, Any]]:
    filters = services.dataset_filter_values(
        {"license": license, "commercial": commercial, "consent": consent, "finding": finding,
         "source_category": source_category})
    rows, _more = services.list_datasets(_desk(request).registry, q=q, filters=filters,
                                         review_state=review_state, limit=limit, offset=offset)
    return rows


@router.get("/datasets/{slug:path}", summary="A dataset as `tracker dataset show --json`; the "
            "X-Record-Digest and X-Last-Review headers are what a review of it must quote")
def dataset(request: Request, slug: str, _: Reader, response: Response) -> dict[str, Any]:
    data, basis = services.dataset_json(_desk(request).registry, slug)
    response.headers["X-Record-Digest"] = basis.digest
    response.headers["X-Last-Review"] = basis.review
    return data


@router.get("/runs/{slug:path}/budget", summary="`tracker budget RUN --json`")
def budget(request: Request, slug: str, _: Reader) -> dict[str, Any]:
    return services.run_budget(_desk(request).registry, slug)


@router.get("/runs/{slug:path}/findings", summary="`tracker flags RUN --json`")
def findings(request: Request, slug: str, _: Reader) -> list[dict[str, Any]]:
    return services.run_findings(_desk(request).registry, slug)


@router.get("/reviews/queue", summary="`tracker review queue --json`")
def review_queue(request: Request, _: Reader, currency: str = "USD",
                 limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[dict[str, Any]]:
    return services.review_queue(_desk(request).registry, currency, limit=limit,
                                 offset=offset)[0]


class ReviewIn(BaseModel):
    """A review of the dataset as the reviewer saw it: `digest` is the `review_digest` the
    dataset's GET gave (the review is refused with 409 if the record changed since)."""

    decision: str = Field(description="approved, conditional, rejected or needs_info")
    note: str = Field(description="What was checked and why this decision.")
    conditions: str = ""
    digest: str = Field(description="The record digest the reviewer saw (X-Record-Digest).")
    last_review: str | None = Field(
        default=None, description="The X-Last-Review the reviewer saw: given, the review is "
                                  "refused if another was recorded since.")


@router.post("/datasets/{slug:path}/reviews", status_code=201,
             summary="Record a review (as `tracker review SLUG`), if the record is unchanged")
def review(request: Request, slug: str, body: ReviewIn,
           viewer: Annotated[Viewer, Depends(_reviewer)]) -> dict[str, Any]:
    desk = _desk(request)
    desk.check_csrf(request, None)
    seen = services.Seen(digest=body.digest, event=0, review=body.last_review)
    digest = services.record_review(desk.registry, viewer, slug, decision=body.decision,
                                    conditions=body.conditions, note=body.note, seen=seen)
    return {"dataset": slug, "decision": body.decision, "reviewer": viewer.name,
            "digest": digest}


@router.get("/audit", summary="The audit log, newest first, as `tracker log --json`")
def audit(request: Request, _: Reader, entity: str | None = None, actor: str | None = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    rows, (count, head) = services.audit_log(_desk(request).registry, entity=entity,
                                             actor=actor, limit=limit, offset=offset)
    return {"items": rows, "head": f"{count}:{head}"}

"""The review desk's FastAPI application: security headers, who is asking, errors.

`create_app(db)` builds one application on one registry; pages and the API
are attached from their own modules.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from tracker import __version__
from tracker.values.errors import NotFound, TrackerError
from tracker.web import services
from tracker.web.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Forbidden,
    LoginThrottle,
    NotSignedIn,
    Sessions,
    Viewer,
    csrf_matches,
    new_csrf,
)

LOG = logging.getLogger(__name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# Reachable without a session or token.
PUBLIC = ("/healthz", "/login", "/static/")


class Desk:
    """What every request shares: the registry, the session signer, the login throttle."""

    def __init__(self, db: str, *, secure_cookies: bool = False) -> None:
        self.registry = services.open_registry(db)
        self.sessions = Sessions(services.session_key(self.registry))
        self.throttle = LoginThrottle(self.registry)
        self.secure_cookies = secure_cookies

    def session(self, request: Request) -> dict[str, Any]:
        """The request's session content, made once per request."""
        if "tracker_session" not in request.state._state:
            request.state.tracker_session = self.sessions.read(request)
        return request.state.tracker_session  # type: ignore[no-any-return]

    def viewer(self, request: Request) -> Viewer | None:
        """The signed-in user: from a bearer token, else from the session cookie."""
        if "viewer" in request.state._state:
            return request.state.viewer  # type: ignore[no-any-return]
        found = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            found = services.token_user(self.registry, auth[7:].strip())
            request.state.by_token = found is not None
        else:
            data = self.session(request)
            if isinstance(data.get("u"), int) and isinstance(data.get("e"), int):
                found = services.session_user(self.registry, data["u"], data["e"])
        request.state.viewer = found
        return found

    def require(self, request: Request, role: str = "viewer") -> Viewer:
        """The signed-in user, if their role allows `role`'s work; else 401 or 403."""
        viewer = self.viewer(request)
        if viewer is None:
            raise NotSignedIn()
        if not services.may(viewer.role, role):
            raise Forbidden(f"your role ({viewer.role}) may not do this: it needs {role}")
        return viewer

    def csrf(self, request: Request) -> str:
        """The session's CSRF token (a new session gets one)."""
        data = self.session(request)
        if not data.get("c"):
            data["c"] = new_csrf()
            request.state.session_changed = True
        return str(data["c"])

    def check_csrf(self, request: Request, given: str | None) -> None:
        """A write from a cookie session must carry the session's CSRF token (a bearer token
        is never sent by a browser on its own, so it needs none)."""
        if getattr(request.state, "by_token", False):
            return
        if not csrf_matches(self.session(request).get("c"), given
                            or request.headers.get(CSRF_HEADER)):
            raise Forbidden("the form's security token is missing or out of date: "
                            "reload the page and try again")

    def write_session(self, request: Request, response: Response,
                      data: dict[str, Any]) -> None:
        """Set the signed session cookie: Secure when the desk is reached over TLS (directly,
        or through a proxy uvicorn trusts to say so) or told it is."""
        secure = self.secure_cookies or request.url.scheme == "https"
        response.set_cookie(SESSION_COOKIE, self.sessions.dump(data), max_age=SESSION_SECONDS,
                            httponly=True, samesite="strict", secure=secure, path="/")


def create_app(db: str, *, secure_cookies: bool = False) -> FastAPI:
    """The review desk on the registry `db` (a SQLite path or PostgreSQL URL)."""
    from tracker.web import api, entry_pages, pages

    app = FastAPI(title="dataset-tracker review desk", version=__version__,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    desk = Desk(db, secure_cookies=secure_cookies)
    app.state.desk = desk
    static = resources.files("tracker.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        try:
            # The user is read from the registry: in a worker thread, off the event loop.
            if not path.startswith(PUBLIC) and \
                    await run_in_threadpool(desk.viewer, request) is None:
                response = _not_signed_in(request)
            else:
                response = await call_next(request)
        except Exception:  # noqa: BLE001 - answered here, so that it too carries the headers
            LOG.exception("error serving %s %s", request.method, path)
            response = PlainTextResponse("Internal Server Error", status_code=500)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if getattr(request.state, "session_changed", False):
            desk.write_session(request, response, desk.session(request))
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        return _not_signed_in(request)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"error": exc.message}, status_code=403)
        return pages.message_page(request, "Not allowed", exc.message, 403)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return pages.message_page(request, "Not found", str(exc), 404)

    @app.exception_handler(TrackerError)
    async def refused(request: Request, exc: TrackerError) -> Response:
        changes = getattr(exc, "changes", None)
        if _is_api(request):
            body: dict[str, Any] = {"error": str(exc)}
            if changes is not None:
                body["changes"] = changes
            return JSONResponse(body, status_code=409 if changes is not None else 400)
        return pages.message_page(request, "Not saved", str(exc),
                                  409 if changes is not None else 400, changes=changes)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    # The pages first: their routes were there before, and win where a path could be read
    # both ways (a dataset slug may hold a '/').
    app.include_router(pages.router)
    app.include_router(entry_pages.router)
    app.include_router(api.router)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _not_signed_in(request: Request) -> Response:
    if _is_api(request):
        return JSONResponse({"error": "sign in first: send 'Authorization: Bearer TOKEN' "
                                      "(tracker user token NAME)"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)



def app_from_environment() -> FastAPI:
    """The app `tracker serve` starts in each worker, on the registry it names."""
    import os

    app = create_app(os.environ["TRACKER_SERVE_DB"],
                     secure_cookies=bool(os.environ.get("TRACKER_SERVE_SECURE")))
    threading.Thread(target=_warm, args=(app.state.desk.registry,), daemon=True,
                     name="judge the registry").start()
    return app


def _warm(registry: Any) -> None:
    from tracker.web import services

    try:
        services.warm(registry)
    except Exception:  # noqa: BLE001 - the first request that needs it reports the error
        return

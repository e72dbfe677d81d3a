"""The review desk's security, over real HTTP to a real uvicorn server: who may see and do
what, sessions, CSRF, headers, login throttling, and lost updates."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from web_support import (
    PASSWORD,
    ROLES,
    Browser,
    LiveDesk,
    seeded_desk,
    serve,
    signed_in,
    token,
)

from conftest import Snapshots, Tracker


@pytest.fixture
def desk(tracker: Tracker, snapshots: Snapshots) -> Iterator[tuple[Tracker, LiveDesk]]:
    yield from seeded_desk(tracker, snapshots)


@pytest.fixture
def sqlite_desk(sqlite_tracker: Tracker, snapshots: Snapshots
                ) -> Iterator[tuple[Tracker, LiveDesk]]:
    yield from seeded_desk(sqlite_tracker, snapshots)


def _flat(routes: list) -> Iterator:
    for r in routes:
        inner = getattr(r, "original_router", None)  # a router FastAPI included as is
        if inner is not None:
            prefix = r.include_context.prefix
            for path, route in _flat(inner.routes):
                yield prefix + path, route
        else:
            yield getattr(r, "path", ""), r


def _routes(live: LiveDesk, method: str) -> list[str]:
    found = sorted(path for path, r in _flat(live.app.routes)  # type: ignore[attr-defined]
                   if method in (getattr(r, "methods", None) or ()))
    assert found, f"no {method} route found: the app's routes are not what this test reads"
    return found


def _concrete(path: str) -> str:
    return (path.replace("{slug:path}", "news/archive").replace("{kind}", "fees")
            .replace("{record_id:int}", "1").replace("{fee_id:int}", "1"))


def test_nothing_but_health_and_login_without_a_session(sqlite_desk: tuple) -> None:
    """Every page redirects to the login page and every API call answers 401."""
    _, live = sqlite_desk
    with httpx.Client(base_url=live.url) as http:
        assert http.get("/healthz").text == "ok"
        assert http.get("/login").status_code == 200
        for path in _routes(live, "GET"):
            if path in ("/healthz", "/login"):
                continue
            response = http.get(_concrete(path))
            if path.startswith("/api/"):
                assert response.status_code == 401, path
                assert "Bearer" in response.headers["www-authenticate"]
            else:
                assert response.status_code == 303, path
                assert response.headers["location"].startswith("/login?next="), path
        for path in _routes(live, "POST"):
            if path != "/login":
                assert http.post(_concrete(path)).status_code in (303, 401), path


def test_session_cookie_is_signed_httponly_strict_and_expiring(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    b = Browser(live.url)
    response = b.login("viewer")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert re.search(r"Max-Age=\d+", cookie) and "Secure" not in cookie
    assert b.http.get("/datasets").status_code == 200
    # A cookie signed with another key, or altered, is no session.
    forged = URLSafeTimedSerializer("not the key", salt="tracker-session").dumps({"u": 1, "e": 0})
    with httpx.Client(base_url=live.url, cookies={"tracker_session": forged}) as other:
        assert other.get("/datasets").status_code == 303
    with serve(tracker.db, secure_cookies=True) as tls:
        assert "Secure" in Browser(tls.url).login("viewer").headers["set-cookie"]
    # Behind a TLS proxy on loopback (trusted by uvicorn), the cookie is Secure by itself.
    proxied = Browser(live.url)
    proxied.http.headers["X-Forwarded-Proto"] = "https"
    assert "Secure" in proxied.login("viewer").headers["set-cookie"]
    proxied.close()
    b.close()


def test_security_headers_on_every_answer(sqlite_desk: tuple) -> None:
    _, live = sqlite_desk
    with signed_in(live.url, "viewer") as b:
        for path in ("/login", "/healthz", "/", "/datasets", "/datasets/news%2Farchive",
                     "/api/v1/datasets", "/static/desk.css", "/no-such-page"):
            headers = b.http.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src" not in csp and "default-src 'none'" in csp, path
            assert "'unsafe-inline'" not in csp
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "no-referrer"
        page = b.http.get("/datasets/news/archive").text
        assert "<script" not in page and " style=" not in page


def test_a_post_without_the_csrf_token_is_refused(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    before = tracker.digest()
    with signed_in(live.url, "admin") as b:
        fields = b.hidden("/datasets/news/archive", "/datasets/news/archive/fees/1/void")
        for csrf in (None, "", "made-up"):
            data = {**fields, "reason": "entered twice"}
            data.pop("csrf")
            if csrf is not None:
                data["csrf"] = csrf
            response = b.http.post("/datasets/news/archive/fees/1/void", data=data)
            assert response.status_code == 403
            assert "security token" in response.text
    assert tracker.digest() == before


# Who may post to each form; a new write route must be added here to pass.
NEEDS = {
    "/datasets/{slug:path}/review": "reviewer",
    "/datasets/{slug:path}/waive": "reviewer",
    "/datasets/{slug:path}/{kind}/{record_id:int}/void": "editor",
    "/datasets/{slug:path}/fees/{fee_id:int}/edit": "editor",
    "/datasets/{slug:path}/claims": "editor",
    "/datasets/{slug:path}/consent": "editor",
    "/api/v1/datasets/{slug:path}/reviews": "reviewer",
}


def test_role_matrix_every_write_route_and_role(sqlite_desk: tuple) -> None:
    """Each write route, posted by each role with a valid CSRF token: 403 and no change where
    the role may not; never 403 where it may."""
    tracker, live = sqlite_desk
    writes = [p for p in _routes(live, "POST") if p not in ("/login", "/logout")]
    assert sorted(writes) == sorted(NEEDS)
    for role in ROLES:
        with signed_in(live.url, role) as b:
            fields = b.hidden("/datasets/forum", "/logout")
            for path, needed in NEEDS.items():
                before = tracker.digest()
                if path.startswith("/api/"):
                    response = b.http.post(_concrete(path).replace("news/archive", "forum"),
                                           json={"decision": "approved", "note": "n",
                                                 "digest": "x"},
                                           headers={"x-csrf-token": fields["csrf"]})
                else:
                    response = b.http.post(_concrete(path).replace("news/archive", "forum"),
                                           data={"csrf": fields["csrf"]})
                allowed = ROLES.index(role) >= ROLES.index(needed)
                assert (response.status_code == 403) == (not allowed), (role, path)
                if not allowed:
                    assert tracker.digest() == before, (role, path)


def test_viewer_sees_no_write_control_and_a_forged_post_gets_403(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    with signed_in(live.url, "viewer") as b:
        page = b.http.get("/datasets/news/archive").text
        assert re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page) == ["/logout"]
        fields = b.hidden("/datasets/news/archive", "/logout")
        response = b.http.post("/datasets/news/archive/fees/1/void",
                               data={"csrf": fields["csrf"], "reason": "x", "digest": "d",
                                     "seen_event": "1"})
        assert response.status_code == 403
    assert "voided" not in tracker("fee list news/archive --json").stdout.replace(
        '"voided": null', "")


def test_login_failures_look_alike_and_are_throttled(sqlite_desk: tuple) -> None:
    _, live = sqlite_desk
    b = Browser(live.url)
    unknown = b.login("nobody", "whatever-it-is")
    wrong = b.login("editor", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text.replace("nobody", "") == wrong.text.replace("editor", "") or \
        "Wrong user name or password." in unknown.text and \
        "Wrong user name or password." in wrong.text
    for _ in range(4):
        b.login("editor", "wrong password!")
    blocked = b.login("editor", PASSWORD)  # the right password, too late
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert b.login("reviewer").status_code == 303  # another user, same address: not yet
    b.close()


def test_login_throttle_per_address(sqlite_desk: tuple) -> None:
    _, live = sqlite_desk
    b = Browser(live.url)
    for n in range(20):
        b.login(f"someone-{n}", "wrong password!")
    assert b.login("admin").status_code == 429
    b.close()


def test_a_disabled_user_is_out_at_once(desk: tuple) -> None:
    tracker, live = desk
    api_token = token(tracker, "reviewer")
    bearer = {"Authorization": f"Bearer {api_token}"}
    with signed_in(live.url, "reviewer") as b:
        assert b.http.get("/queue").status_code == 200
        assert httpx.get(live.url + "/api/v1/reviews/queue", headers=bearer).status_code == 200
        tracker("user disable reviewer")
        assert b.http.get("/queue").status_code == 303
        assert httpx.get(live.url + "/api/v1/reviews/queue", headers=bearer).status_code == 401
        assert b.login("reviewer").status_code == 401


def test_a_password_reset_ends_open_sessions(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    with signed_in(live.url, "editor") as b:
        tracker("user reset-password editor --password-stdin", input="another long secret\n")
        assert b.http.get("/").status_code == 303
        assert b.login("editor", "another long secret").status_code == 303


def test_a_changed_record_refuses_the_review_and_says_what_changed(desk: tuple) -> None:
    tracker, live = desk
    with signed_in(live.url, "reviewer") as b:
        fields = b.hidden("/datasets/news/archive", "/datasets/news/archive/review")
        tracker("fee void 2 --reason 'entered twice'")  # meanwhile, on the command line
        before = tracker.digest()
        response = b.http.post("/datasets/news/archive/review",
                               data={**fields, "decision": "approved", "note": "checked"})
        assert response.status_code == 409
        assert "changed since you opened it" in response.text
        assert "entered twice" in response.text and "voided_by" in response.text
        assert tracker.digest() == before


def test_two_reviewers_at_once_one_wins(desk: tuple) -> None:
    tracker, live = desk
    tracker("user add second --role reviewer --password-stdin", input=PASSWORD + "\n")
    with signed_in(live.url, "reviewer") as one, signed_in(live.url, "second") as two:
        forms = [(b, b.hidden("/datasets/forum", "/datasets/forum/review")) for b in (one, two)]
        answers: list[httpx.Response] = []

        def submit(b: Browser, fields: dict[str, str]) -> None:
            answers.append(b.http.post("/datasets/forum/review",
                                       data={**fields, "decision": "approved", "note": "ok"}))

        threads = [threading.Thread(target=submit, args=form) for form in forms]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(a.status_code for a in answers) == [303, 409]
    assert "reviewed since you opened it" in next(a.text for a in answers if a.status_code == 409)
    history = tracker("review history forum --json").stdout
    assert history.count('"decision": "approved"') == 1


def test_the_api_gives_the_cli_json_and_slugs_with_a_slash(desk: tuple) -> None:
    import json

    tracker, live = desk
    bearer = {"Authorization": f"Bearer {token(tracker, 'viewer')}"}
    with httpx.Client(base_url=live.url, headers=bearer, timeout=60) as api:
        shown = api.get("/api/v1/datasets/news/archive")
        assert shown.json() == json.loads(tracker("dataset show news/archive --json").stdout)
        assert api.get("/api/v1/runs/r1/budget").json() == \
            json.loads(tracker("budget r1 --json").stdout)
        assert api.get("/api/v1/runs/r1/findings").json() == \
            json.loads(tracker("flags r1 --json").stdout)
        assert api.get("/api/v1/reviews/queue").json() == \
            json.loads(tracker("review queue --json").stdout)
        assert [d["slug"] for d in api.get("/api/v1/datasets?limit=1&offset=1").json()] == \
            ["news/archive"]
        assert api.get("/api/v1/datasets?consent=nonsense").status_code == 400
        assert "consent" in api.get("/api/v1/datasets?consent=nonsense").json()["error"]
        assert api.get("/api/v1/datasets/no-such").status_code == 404
        # A review through the API quotes the digest it saw; a stale one gets 409.
        review = {"decision": "conditional", "conditions": "attribution in the model card",
                  "note": "licence checked", "digest": shown.headers["x-record-digest"],
                  "last_review": shown.headers["x-last-review"]}
        viewer_try = api.post("/api/v1/datasets/news/archive/reviews", json=review)
        assert viewer_try.status_code == 403
        reviewer = {"Authorization": f"Bearer {token(tracker, 'reviewer')}"}
        done = api.post("/api/v1/datasets/news/archive/reviews", json=review, headers=reviewer)
        assert done.status_code == 201 and done.json()["reviewer"] == "reviewer"
        again = api.post("/api/v1/datasets/news/archive/reviews", json=review, headers=reviewer)
        assert again.status_code == 409
        events = api.get("/api/v1/audit?entity=review").json()
        assert events["items"][0]["actor"] == "reviewer"
        assert events["head"] == tracker("verify").stdout.split("(head ")[1].rstrip(")\n")


def test_hostile_names_render_as_text(sqlite_tracker: Tracker) -> None:
    names = ['<script>window.pwned = 1</script>', '"><img src=x onerror="window.pwned=2">',
             "{{ 7*7 }}"]
    for n, name in enumerate(names):
        sqlite_tracker(["dataset", "add", f"hostile-{n}", "--name", name])
    sqlite_tracker("user add viewer --role viewer --password-stdin", input=PASSWORD + "\n")
    with serve(sqlite_tracker.db) as live, signed_in(live.url, "viewer") as b:
        for n, name in enumerate(names):
            page = b.http.get(f"/datasets/hostile-{n}").text
            assert name not in page or name == "{{ 7*7 }}"
            assert "49" not in page.split("<main>")[1].split("<h2>")[0]
        listing = b.http.get("/datasets?q=hostile").text
        assert "<script>window" not in listing and "&lt;script&gt;" in listing


def test_hostile_form_and_query_values_are_refused_not_crashed(sqlite_desk: tuple) -> None:
    tracker, live = sqlite_desk
    bearer = {"Authorization": f"Bearer {token(tracker, 'viewer')}"}
    before = tracker.digest()
    b = Browser(live.url)
    b.csrf()  # a session without signing in, as anyone can have
    answer = b.http.post("/login", data={"name": "admin", "password": PASSWORD, "csrf": "é"})
    assert answer.status_code == 403
    assert answer.headers["content-security-policy"]  # a refusal carries the headers too
    b.close()
    with signed_in(live.url, "reviewer") as b:
        fields = b.hidden("/datasets/news/archive", "/datasets/news/archive/review")
        for seen in ("²", "9" * 5000, "9" * 25):
            answer = b.http.post("/datasets/news/archive/review",
                                 data={**fields, "digest": "wrong", "seen_event": seen,
                                       "decision": "approved", "note": "checked"})
            assert answer.status_code == 409, seen[:5]
    for path in ("/api/v1/datasets", "/api/v1/audit"):
        answer = httpx.get(f"{live.url}{path}?offset={'9' * 25}", headers=bearer)
        assert answer.status_code == 422 and "offset" in answer.text
    assert tracker.digest() == before


def test_parallel_sign_ins_meet_the_throttle_all_at_once(sqlite_desk: tuple) -> None:
    """Each attempt is counted before its password is checked: forty at once for one user get
    no more password checks than the limit (five), the rest are told to wait."""
    _, live = sqlite_desk
    browsers = [Browser(live.url) for _ in range(40)]
    tokens = [b.csrf() for b in browsers]
    answers: list[int] = []

    def attempt(b: Browser, csrf: str) -> None:
        answers.append(b.http.post("/login", data={"name": "admin", "password": "wrong!",
                                                   "csrf": csrf}).status_code)

    threads = [threading.Thread(target=attempt, args=pair)
               for pair in zip(browsers, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for b in browsers:
        b.close()
    assert answers.count(401) <= 5 and answers.count(429) >= 35

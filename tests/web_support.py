"""What the review desk's tests share: a real uvicorn server on a loopback port, a small
registry with users of every role, and an HTTP client that signs in as a browser does."""

from __future__ import annotations

import html
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn

from conftest import Snapshots, Tracker
from tracker.web.app import create_app

PASSWORD = "correct horse battery"
ROLES = ("viewer", "editor", "reviewer", "admin")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# Text that would run, break out of an attribute or be evaluated if a page took it as markup.
HOSTILE = ['<script>window.pwned = 1</script>', '"><img src=x onerror="window.pwned=2">',
           "{{ 7*7 }}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveDesk:
    """A running review desk: its base URL and the app (for its routes)."""

    url: str
    app: object


@contextmanager
def serve(db: str, *, secure_cookies: bool = False) -> Iterator[LiveDesk]:
    """`create_app(db)` served by uvicorn in a thread on a free loopback port."""
    app = create_app(db, secure_cookies=secure_cookies)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review desk did not start")
        time.sleep(0.02)
    try:
        yield LiveDesk(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.desk.registry.close()  # type: ignore[attr-defined]


def seed(tracker: Tracker) -> Tracker:
    """A run drawing two datasets (one with '/' in its slug) with fees, and a user of each
    role, named after it."""
    tracker("run create r1 --model M-7B --start 2024-07-01 --end 2024-12-31 --currency USD")
    tracker("dataset add news/archive --name 'News archive' --personal-data no")
    tracker("license claim news/archive CC-BY-4.0 --by contract")
    tracker("fee add news/archive --amount 50000 --currency USD --counterparty Publisher")
    tracker("fee add news/archive --amount 1250.50 --currency USD --counterparty Indexer")
    tracker("dataset add forum --name 'Forum posts' --personal-data yes")
    tracker("fee add forum --amount 900000 --currency USD --counterparty Platform")
    tracker("run add-dataset r1 news/archive")
    tracker("run add-dataset r1 forum")
    for role in ROLES:
        tracker(f"user add {role} --role {role} --password-stdin", input=PASSWORD + "\n")
    return tracker


def seeded_desk(tracker: Tracker, snapshots: Snapshots | None = None
                ) -> Iterator[tuple[Tracker, LiveDesk]]:
    """The seeded registry, served: for a fixture to yield from. With the session's
    `snapshots`, seeded once per session and copied after that."""
    if snapshots is None:
        seed(tracker)
    else:
        snapshots.restore(tracker, "web_support.seed", seed)
    with serve(tracker.db) as live:
        yield tracker, live


def token(tracker: Tracker, name: str) -> str:
    return tracker(f"user token {name}").stdout.strip()


class Browser:
    """An HTTP client that signs in through the login form and posts forms with the CSRF
    token the page gave, as a browser does."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=60)

    def csrf(self, path: str = "/login") -> str:
        found = _CSRF.search(self.http.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        return self.http.post("/login", data={"name": name, "password": password,
                                              "csrf": self.csrf()})

    def hidden(self, path: str, form_action: str) -> dict[str, str]:
        """The hidden fields of the form posting to `form_action` on page `path`."""
        page = self.http.get(path).text
        start = page.index(f'action="{form_action}"')
        form = page[start:page.index("</form>", start)]
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    def form(self, path: str, form_action: str) -> dict[str, str]:
        """Every field of the form posting to `form_action` on page `path` as the page fills
        it in: inputs, the selected option of each list, textareas."""
        page = self.http.get(path).text
        start = page.index(f'action="{form_action}"')
        form = page[start:page.index("</form>", start)]
        fields = {name: html.unescape(value) for name, value in
                  re.findall(r'<input [^>]*name="([^"]+)" [^>]*value="([^"]*)"', form)}
        for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form,
                                        re.S):
            chosen = re.search(r'<option value="([^"]*)" selected>', options) or \
                re.search(r'<option value="([^"]*)"', options)
            fields[name] = html.unescape(chosen.group(1)) if chosen else ""
        # A browser sends a textarea's line breaks as CRLF.
        fields.update((name, html.unescape(text).replace("\n", "\r\n")) for name, text in
                      re.findall(r'<textarea [^>]*name="([^"]+)">(.*?)</textarea>', form, re.S))
        return fields

    def close(self) -> None:
        self.http.close()


@contextmanager
def signed_in(url: str, name: str) -> Iterator[Browser]:
    b = Browser(url)
    response = b.login(name)
    assert response.status_code == 303, response.text
    try:
        yield b
    finally:
        b.close()

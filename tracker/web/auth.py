"""Who is asking: signed session cookies, CSRF tokens, bearer tokens, roles, login throttling.

A session is a cookie signed with the registry's session key (itsdangerous),
holding the user's id, the user's session epoch and the session's CSRF token.
The user is read from the registry on every request, so a disable, a role
change or a password reset takes effect at the next click.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "tracker_session"
SESSION_SECONDS = 8 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Viewer:
    """The signed-in user, as routes need them."""

    id: int
    name: str
    role: str


class NotSignedIn(Exception):
    """No valid session or token: 401 for the API, a redirect to the login page otherwise."""


class Forbidden(Exception):
    """Signed in, but the role (or the CSRF token) does not allow this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Sessions:
    """Signs and reads session cookies."""

    def __init__(self, key: str) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="tracker-session")

    def read(self, request: Request) -> dict[str, Any]:
        """The session's content ({} when absent, forged or expired)."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def dump(self, data: dict[str, Any]) -> str:
        return self._serializer.dumps(data)


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Whether the form's token is the session's, in constant time (as bytes: compare_digest
    refuses str holding anything but ASCII, and the given token is anyone's text)."""
    return bool(expected) and bool(given) and hmac.compare_digest(
        str(expected).encode("utf-8", "surrogateescape"),
        str(given).encode("utf-8", "surrogateescape"))


class LoginThrottle:
    """Failed sign-ins counted per user name and per client address over a window; past the
    limit, sign-ins are refused until the window has moved on. Kept in the process: with
    several workers each counts its own share."""

    # Names are anyone's text: only this much of one is kept as a key, and past this many keys
    # the oldest are dropped, so posting endless names cannot grow the process.
    MAX_NAME = 200
    MAX_KEYS = 100_000

    def __init__(self, per_user: int = 5, per_address: int = 20, window: float = 900) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", name[:self.MAX_NAME].casefold()), ("address", address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def reserve(self, name: str, address: str) -> int:
        """Count a sign-in attempt against the user and the address before its password is
        checked, so that parallel attempts cannot all pass the check; the seconds to wait
        instead (attempt not counted) when a limit is reached, else 0. `succeeded` clears
        the user's count."""
        now = time.monotonic()
        keys = self._keys(name, address)
        with self._lock:
            waits = [int(times[0] + self.window - now) + 1 for key in keys
                     if len(times := self._recent(key, now)) >= self.limits[key[0]]]
            if waits:
                return max(waits)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
            while len(self._failures) > self.MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))
        return 0

    def succeeded(self, name: str, address: str) -> None:
        """A right password: the user's count is cleared, and this attempt no longer counts
        against the address."""
        user, where = self._keys(name, address)
        with self._lock:
            self._failures.pop(user, None)
            times = self._failures.get(where)
            if times:
                times.pop()
                if not times:
                    del self._failures[where]

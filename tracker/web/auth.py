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
from collections import defaultdict, deque
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
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class LoginThrottle:
    """Failed sign-ins counted per user name and per client address over a window; past the
    limit, sign-ins are refused until the window has moved on. Kept in the process: with
    several workers each counts its own share."""

    def __init__(self, per_user: int = 5, per_address: int = 20, window: float = 900) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait_seconds(self, name: str, address: str) -> int:
        """How long until a sign-in may be tried again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [int(times[0] + self.window - now) + 1
                     for kind, value in (("user", name.casefold()), ("address", address))
                     if len(times := self._recent((kind, value), now)) >= self.limits[kind]]
        return max(waits, default=0)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(("user", name.casefold()), now).append(now)
            self._recent(("address", address), now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("user", name.casefold()), None)

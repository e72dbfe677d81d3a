"""Who is asking: signed session cookies, CSRF tokens, bearer tokens, roles, login throttling.

A session is a cookie signed with the registry's session key (itsdangerous),
holding the user's id, the user's session epoch and the session's CSRF token.
The user is read from the registry on every request, so a disable, a role
change or a password reset takes effect at the next click.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tracker.registry import Registry, sign_ins

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
    limit, sign-ins are refused until the window has moved on. Counted in the registry, so
    every worker and every restart shares one count."""

    # Names are anyone's text: only this much of one is kept as a key.
    MAX_NAME = 200

    def __init__(self, registry: Registry, per_user: int = 5, per_address: int = 20,
                 window: float = 900) -> None:
        self.registry = registry
        self.limits = {"user": per_user, "address": per_address}
        self.window = window

    def _keys(self, name: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", name.casefold()[:self.MAX_NAME]), ("address", address[:self.MAX_NAME])

    def reserve(self, name: str, address: str) -> int:
        """Count a sign-in attempt against the user and the address before its password is
        checked, so that parallel attempts cannot all pass the check; the seconds to wait
        instead (attempt not counted) when a limit is reached, else 0. `succeeded` clears
        the user's count."""
        return sign_ins.reserve(self.registry, self._keys(name, address), self.limits,
                                self.window, time.time())

    def succeeded(self, name: str, address: str) -> None:
        """A right password: the user's count is cleared, and this attempt no longer counts
        against the address."""
        sign_ins.succeeded(self.registry, *self._keys(name, address))


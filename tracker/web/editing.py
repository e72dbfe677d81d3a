"""The review desk's door for what a signed-in user changes beyond reviews: signing out.
"""

from __future__ import annotations

from tracker.registry import Registry, users
from tracker.web.auth import Viewer
from tracker.web.services import _writing


def sign_out(registry: Registry, actor: Viewer) -> None:
    """End the user's sessions: the cookie they signed out with is worthless from now on."""
    with _writing(registry, actor) as w:
        users.end_sessions(w, actor.id)

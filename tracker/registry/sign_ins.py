"""Sign-in attempts to the review desk, counted in the registry.

Every worker of `tracker serve` (and every restart) reads and writes the same
counts, so a limit of five failures per user is five, not five per worker.
Each attempt is counted under the registry's write lock, before its password
is checked, so attempts made in parallel cannot all pass the check. Rows live
only as long as the throttle's window.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from tracker.db import write_connection
from tracker.db.models import SignInAttempt
from tracker.registry.writer import Registry

Key = tuple[str, str]  # (kind, key): ("user", name) or ("address", client address)


def reserve(registry: Registry, keys: tuple[Key, ...], limits: dict[str, int],
            window: float, now: float) -> int:
    """Count an attempt against every key; or, when a key has reached its kind's limit
    within `window` seconds before `now`, count nothing and give the seconds to wait."""
    table = SignInAttempt.__table__  # type: ignore[attr-defined]
    with registry.translate_errors(), write_connection(registry.engine) as conn:
        conn.execute(delete(table).where(table.c.at <= now - window))
        waits = []
        for kind, key in keys:
            count, first = conn.execute(
                select(func.count(), func.min(table.c.at))
                .where(table.c.kind == kind, table.c.key == key)).one()
            if count >= limits[kind]:
                waits.append(int(first + window - now) + 1)
        if waits:
            return max(waits)
        conn.execute(insert(table), [{"kind": kind, "key": key, "at": now}
                                     for kind, key in keys])
    return 0


def succeeded(registry: Registry, user: Key, address: Key) -> None:
    """A right password: the user's count is cleared, and the attempt no longer counts
    against the address."""
    table = SignInAttempt.__table__  # type: ignore[attr-defined]
    with registry.translate_errors(), write_connection(registry.engine) as conn:
        conn.execute(delete(table).where(table.c.kind == user[0], table.c.key == user[1]))
        latest = conn.execute(select(func.max(table.c.id)).where(
            table.c.kind == address[0], table.c.key == address[1])).scalar()
        if latest is not None:
            conn.execute(delete(table).where(table.c.id == latest))

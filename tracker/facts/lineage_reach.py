"""The part of the lineage graph a few datasets reach, read without the rest of it.

A dataset's page, its impact and a review of it need its ancestors or its
descendants, a few dozen rows of a graph that may hold hundreds of thousands:
recursive queries walk from the given datasets so the work follows the size of
what is reached, not of the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from sqlalchemy import CTE, ColumnElement, Select
from sqlmodel import Session, col, select

from tracker.db.models import Dataset, Lineage

Direction = Literal["up", "down"]
Within = Callable[[Any], ColumnElement[bool]]


def closure(start: Select[Any], direction: Direction) -> CTE:
    """A recursive query of the datasets `start` selects (one column, `id`) and every dataset
    above them (their ancestors, "up") or below them (their descendants, "down")."""
    reached = start.cte(f"reach_{direction}", recursive=True)
    near, far = (Lineage.child_id, Lineage.parent_id) if direction == "up" \
        else (Lineage.parent_id, Lineage.child_id)
    return reached.union(select(far).join(reached, col(near) == reached.c.id))


def among(values: Any) -> Within:
    """A filter for a column: its value is one of `values` (a list, or a subquery)."""

    def test(column: Any) -> ColumnElement[bool]:
        return col(column).in_(values)

    return test


def in_reach(reached: CTE) -> Within:
    """A filter for a column of dataset ids: among those `reached` holds. As a subquery, not
    a list of ids, which could pass SQLite's limit on bound parameters."""
    return among(select(reached.c.id))


def within_closure(roots: Iterable[int], direction: Direction) -> Within:
    """A filter for a column of dataset ids: `roots` or what they reach in `direction`."""
    start = select(Dataset.id.label("id")).where(  # type: ignore[attr-defined]
        col(Dataset.id).in_(sorted(set(roots))))
    return in_reach(closure(start, direction))


def reached_edges(session: Session, roots: Iterable[int], direction: Direction
                  ) -> list[tuple[int, int, str]]:
    """The lineage edges (child, parent, relation) among `roots` and what they reach in
    `direction`: each edge whose lower end ("up") or upper end ("down") is reached."""
    reached = within_closure(roots, direction)
    end = Lineage.child_id if direction == "up" else Lineage.parent_id
    return [(c, p, r) for c, p, r in session.exec(
        select(Lineage.child_id, Lineage.parent_id, Lineage.relation).where(reached(end)))]


def slugs_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The slugs of the datasets `ids`, by id."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    # In slices: one bound parameter per id, and SQLite caps how many a query may bind.
    for start in range(0, len(wanted), 5000):
        found.update(session.exec(select(Dataset.id, Dataset.slug).where(
            col(Dataset.id).in_(wanted[start:start + 5000]))).all())  # type: ignore[arg-type]
    return found

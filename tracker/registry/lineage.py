"""The dataset DAG: edges from a child to the parents it was derived from."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Dataset, Lineage
from tracker.facts.lineage_reach import reached_edges, slugs_of
from tracker.registry import Writer
from tracker.registry.catalog import find_dataset
from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue, TrackerError


def path_up(parents: Mapping[int, list[int]], start: int, goal: int) -> list[int] | None:
    """A path from start to goal following child->parent edges, or None (breadth first)."""
    previous: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])  # type: ignore[arg-type]
            return list(reversed(path))
        for parent in parents.get(node, ()):
            if parent not in previous:
                previous[parent] = node
                queue.append(parent)
    return None


def _path_up_queried(session: Session, start: int, goal: int) -> list[int] | None:
    """path_up over the stored edges, reading only the ancestors of `start`, a level at a time."""
    parents: dict[int, list[int]] = defaultdict(list)
    frontier = {start}
    seen = {start}
    while frontier and goal not in seen:
        rows = session.exec(select(Lineage.child_id, Lineage.parent_id)
                            .where(col(Lineage.child_id).in_(frontier))).all()
        frontier = set()
        for child, parent in rows:
            parents[child].append(parent)
            if parent not in seen:
                seen.add(parent)
                frontier.add(parent)
    return path_up(parents, start, goal)


def _slugs(session: Session) -> dict[int, str]:
    return {i: s for i, s in session.exec(select(Dataset.id, Dataset.slug)).all()}


def check_edge(child_id: int, parent_id: int, parent_slug: str,
               path_up_from_parent: Callable[[int, int], list[int] | None],
               slugs: Callable[[], Mapping[int, str]]) -> None:
    """Refuse an edge to itself, or one that closes a cycle (the parent already descends
    from the child)."""
    if child_id == parent_id:
        raise InvalidValue("parent", parent_slug, "a dataset cannot derive from itself")
    cycle = path_up_from_parent(parent_id, child_id)
    if cycle is not None:
        names = slugs()
        shown = " -> ".join(names[i] for i in [child_id, *cycle])
        raise InvalidValue("parent", parent_slug, f"would make a lineage cycle: {shown}")


def add_edge(writer: Writer, child_slug: str, parent_slug: str, relation: str,
             notes: str = "") -> Lineage:
    """Record that a dataset derives from another, refusing a cycle; an edge that already
    exists has its relation and notes updated instead."""
    session = writer.session
    child = find_dataset(session, child_slug)
    parent = find_dataset(session, parent_slug)
    kind = parse.choice(relation, "relation", vocab.LINEAGE_RELATIONS)
    check_edge(child.id, parent.id, parent_slug,  # type: ignore[arg-type]
               lambda start, goal: _path_up_queried(session, start, goal),
               lambda: _slugs(session))
    existing = session.exec(select(Lineage).where(
        Lineage.child_id == child.id, Lineage.parent_id == parent.id)).first()
    label = edge_label(child_slug, parent_slug)
    if existing is not None:
        writer.update(existing, {"relation": kind, "notes": parse.text(notes, "notes")}, label)
        return existing
    edge = Lineage(child_id=child.id, parent_id=parent.id, relation=kind,  # type: ignore[arg-type]
                   notes=parse.text(notes, "notes"))
    return writer.add(edge, label=label)


def edge_label(child_slug: str, parent_slug: str) -> str:
    """How the audit log names a lineage edge: child <- parent."""
    return f"{child_slug} <- {parent_slug}"


def remove_edge(writer: Writer, child_slug: str, parent_slug: str) -> None:
    """Delete the edge between a child and a parent; an error if the child does not derive
    from it."""
    session = writer.session
    child = find_dataset(session, child_slug)
    parent = find_dataset(session, parent_slug)
    edge = session.exec(select(Lineage).where(
        Lineage.child_id == child.id, Lineage.parent_id == parent.id)).first()
    if edge is None:
        raise TrackerError(f"lineage: {child_slug!r} does not derive from {parent_slug!r}")
    writer.delete(edge, label=f"{child_slug} <- {parent_slug}")


@dataclass
class Node:
    slug: str
    relation: str | None
    children: list[Node] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The node and its subtree as nested plain data, for --json and render_tree."""
        return {"slug": self.slug, "relation": self.relation,
                "children": [c.as_dict() for c in self.children]}


def _tree(root: int, links: Mapping[int, list[tuple[int, str]]], slugs: Mapping[int, str],
          relation: str | None, seen: frozenset[int] = frozenset()) -> Node:
    node = Node(slugs[root], relation)
    for other, rel in sorted(links.get(root, ()), key=lambda pair: slugs[pair[0]]):
        if other not in seen:
            node.children.append(_tree(other, links, slugs, rel, seen | {root}))
    return node


def neighbourhood(session: Session, slug: str) -> dict[str, Any]:
    """Ancestors and descendants of a dataset as nested trees, read from the part of the
    graph they span."""
    dataset = find_dataset(session, slug)
    root_id: int = dataset.id  # type: ignore[assignment]
    up: dict[int, list[tuple[int, str]]] = defaultdict(list)
    down: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for child, parent, relation in reached_edges(session, [root_id], "up"):
        up[child].append((parent, relation))
    for child, parent, relation in reached_edges(session, [root_id], "down"):
        down[parent].append((child, relation))
    slugs = slugs_of(session, {root_id, *up, *down,
                               *(p for links in up.values() for p, _ in links),
                               *(c for links in down.values() for c, _ in links)})
    return {
        "dataset": slug,
        "ancestors": [c.as_dict() for c in _tree(root_id, up, slugs, None).children],
        "descendants": [c.as_dict() for c in _tree(root_id, down, slugs, None).children],
    }


def render_tree(nodes: list[dict[str, Any]], arrow: str, indent: str = "") -> list[str]:
    """Nested nodes as the lines of a text tree with box-drawing branches, each labelled with
    `arrow` (e.g. 'derived from'), its slug and relation."""
    lines: list[str] = []
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        branch = "└── " if last else "├── "
        lines.append(f"{indent}{branch}{arrow} {node['slug']} ({node['relation']})")
        lines.extend(render_tree(node["children"], arrow, indent + ("    " if last else "│   ")))
    return lines


def parents_of(session: Session, dataset: Dataset) -> list[dict[str, Any]]:
    """The datasets this one derives from, by slug, with the edge's relation and notes."""
    rows = session.exec(select(Dataset.slug, Lineage.relation, Lineage.notes)
                        .join(Lineage, Lineage.parent_id == Dataset.id)
                        .where(Lineage.child_id == dataset.id).order_by(Dataset.slug)).all()
    return [{"slug": s, "relation": r, "notes": n} for s, r, n in rows]


def children_of(session: Session, dataset: Dataset) -> list[dict[str, Any]]:
    """The datasets derived from this one, by slug, with the edge's relation and notes."""
    rows = session.exec(select(Dataset.slug, Lineage.relation, Lineage.notes)
                        .join(Lineage, Lineage.child_id == Dataset.id)
                        .where(Lineage.parent_id == dataset.id).order_by(Dataset.slug)).all()
    return [{"slug": s, "relation": r, "notes": n} for s, r, n in rows]

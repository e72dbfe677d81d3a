"""The run's lineage as a picture: datasets as boxes, derivations as arrows, laid out in layers.

The layout is grandalf's Sugiyama (layered) layout; this module only decides
what is drawn and hands the template plain geometry. A graph too large to read
keeps the datasets on a restricted path (and their neighbours on it) and says
how many it left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines

from tracker.assess.flags import Finding
from tracker.facts.snapshot import DatasetFacts, Snapshot

NODE_LIMIT = 60
CHAR_WIDTH = 7.2  # px per character of a 12 px sans-serif label, generous
NODE_HEIGHT = 40
PAD = 16
GAP = 32
ROW_WIDTH = 960  # parts of the graph wrap onto a new row past this width


@dataclass(frozen=True)
class Node:
    slug: str
    name: str
    licence: str | None  # shown on roots only
    drawn: bool  # drawn by the run (not only an ancestor)
    restricted: bool
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Arrow:
    points: tuple[tuple[float, float], ...]
    relation: str
    restricted: bool

    @property
    def path(self) -> str:
        """The SVG path data of the arrow."""
        head, *rest = self.points
        return f"M{head[0]:.1f},{head[1]:.1f} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)


@dataclass(frozen=True)
class Picture:
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...]
    width: float
    height: float
    shown: int
    total: int
    restricted_edges: int


class _View:
    """What grandalf reads and writes on each vertex and edge."""

    def __init__(self, w: float = 0, h: float = 0) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        """Keep the route grandalf computed for an edge, as plain floats for the SVG path."""
        self.points = [(float(x), float(y)) for x, y in points]


def _family(snapshot: Snapshot) -> dict[int, DatasetFacts]:
    """The run's datasets and every ancestor they derive from, less those with no recorded
    lineage at all (a box with no arrow says nothing the dataset list does not)."""
    found: dict[int, DatasetFacts] = {}
    todo = list(snapshot.in_scope)
    while todo:
        i = todo.pop()
        if i in found or i not in snapshot.datasets:
            continue
        found[i] = snapshot.datasets[i]
        todo.extend(p for p, _ in found[i].parents)
    linked = {p for d in found.values() for p, _ in d.parents if p in found}
    return {i: d for i, d in found.items() if i in linked or any(p in found for p, _ in d.parents)}


def restricted_links(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    """(parent, child) slug pairs on the lineage path of an open finding."""
    links: set[tuple[str, str]] = set()
    for f in findings:
        if f.waiver is None:
            links.update(zip(f.path[1:], f.path[:-1], strict=False))
    return links


def _keep(family: dict[int, DatasetFacts], links: set[tuple[str, str]],
          limit: int) -> set[int]:
    """Every dataset while they fit; past the limit, the ends of restricted links, link by
    link (so that what is drawn stays connected), until the limit is reached."""
    if len(family) <= limit:
        return set(family)
    by_slug = {d.slug: i for i, d in family.items()}
    kept: set[int] = set()
    for parent, child in sorted(links, key=lambda link: (link[1], link[0])):
        ends = {by_slug[s] for s in (parent, child) if s in by_slug}
        if len(kept | ends) > limit:
            break
        kept |= ends
    return kept


def _licence(d: DatasetFacts, licences: dict[str, str | None]) -> str:
    return licences.get(d.slug) or "no licence recorded"


def picture(snapshot: Snapshot, findings: Sequence[Finding], licences: dict[str, str | None],
            *, limit: int = NODE_LIMIT) -> Picture | None:
    """The layout of the run's lineage, or None when no dataset of the run has a parent.
    `licences` maps a slug to its resolved licence expression, which roots show."""
    family = _family(snapshot)
    if not family:
        return None
    links = restricted_links(findings)
    kept = _keep(family, links, limit)
    slugs = {i: family[i].slug for i in kept}
    has_parent = {i for i in kept if any(p in kept for p, _ in family[i].parents)}
    vertices: dict[int, Vertex] = {}
    for i in sorted(kept, key=lambda i: slugs[i]):
        d = family[i]
        text = d.slug if i in has_parent else max(d.slug, _licence(d, licences), key=len)
        v = Vertex(i)
        v.view = _View(len(text) * CHAR_WIDTH + 2 * PAD, NODE_HEIGHT + (0 if i in has_parent
                                                                          else 14))
        vertices[i] = v
    edges = []
    for i in sorted(kept):
        for parent, relation in family[i].parents:
            if parent in kept:
                e = Edge(vertices[parent], vertices[i], data=relation)
                e.view = _View()
                edges.append(e)
    graph = Graph(list(vertices.values()), edges)
    _lay_out(graph)
    return _picture(vertices, edges, family, slugs, has_parent, links, licences, snapshot,
                    len(family))


def _lay_out(graph: Graph) -> None:
    """Each connected part in layers, the parts side by side in rows of a readable width."""
    left, top, row_bottom = 0.0, 0.0, 0.0
    for part in sorted(graph.C, key=lambda c: -len(c.sV)):
        layout = SugiyamaLayout(part)
        layout.route_edge = route_with_lines
        layout.xspace, layout.yspace = 24, 48
        layout.init_all()
        layout.draw()
        views = [v.view for v in part.sV]
        low = min(v.xy[0] - v.w / 2 for v in views)
        high = max(v.xy[0] + v.w / 2 for v in views)
        if left and left + high - low > ROW_WIDTH:
            left, top = 0.0, row_bottom + GAP
        shift_x = left - low
        shift_y = top - min(v.xy[1] - v.h / 2 for v in views)
        for v in views:
            v.xy = (v.xy[0] + shift_x, v.xy[1] + shift_y)
        for e in part.sE:
            e.view.points = [(x + shift_x, y + shift_y) for x, y in e.view.points]
        left += high - low + GAP
        row_bottom = max(row_bottom, max(v.xy[1] + v.h / 2 for v in views))


def _picture(vertices: dict[int, Vertex], edges: list[Edge], family: dict[int, DatasetFacts],
             slugs: dict[int, str], has_parent: set[int], links: set[tuple[str, str]],
             licences: dict[str, str | None], snapshot: Snapshot, total: int) -> Picture:
    on_path = {slug for link in links for slug in link}
    views = [v.view for v in vertices.values()]
    top = min(v.xy[1] - v.h / 2 for v in views)
    dx, dy = PAD, PAD - top
    nodes = tuple(Node(slugs[i], family[i].name,
                       None if i in has_parent else _licence(family[i], licences),
                       i in snapshot.in_scope, slugs[i] in on_path,
                       v.view.xy[0] - v.view.w / 2 + dx, v.view.xy[1] - v.view.h / 2 + dy,
                       v.view.w, v.view.h) for i, v in vertices.items())
    arrows = []
    for e in edges:
        parent, child = slugs[e.v[0].data], slugs[e.v[1].data]
        points = e.view.points or [e.v[0].view.xy, e.v[1].view.xy]
        arrows.append(Arrow(tuple((x + dx, y + dy) for x, y in points), e.data,
                            (parent, child) in links))
    width = max(n.x + n.w for n in nodes) + PAD
    height = max(n.y + n.h for n in nodes) + PAD
    return Picture(nodes, tuple(arrows), width, height, len(nodes), total,
                   sum(a.restricted for a in arrows))

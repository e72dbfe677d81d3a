"""What a dataset reaches: the datasets derived from it and the training runs drawing them.

When consent is withdrawn or a licence turns out wrong, compliance needs every
descendant (with the lineage path it descends by) and every run that draws the
dataset or a descendant, with the run's status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import RunDataset, TrainingRun
from tracker.facts.lineage_reach import reached_edges, slugs_of, within_closure
from tracker.registry.catalog import find_dataset
from tracker.registry.lineage import path_up
from tracker.values.wording import plural


def descendants(root: int, edges: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Every dataset derived from `root`, directly or not, with a shortest path from it up
    to `root` (child first): edges are (child, parent)."""
    children: dict[int, list[int]] = defaultdict(list)
    parents: dict[int, list[int]] = defaultdict(list)
    for child, parent in edges:
        children[parent].append(child)
        parents[child].append(parent)
    found: dict[int, list[int]] = {}
    frontier = [root]
    while frontier:
        below = {c for node in frontier for c in children.get(node, ()) if c not in found}
        below.discard(root)
        for node in below:
            found[node] = path_up(parents, node, root) or [node, root]
        frontier = sorted(below)
    return found


def impact(root: int, slugs: Mapping[int, str], edges: Iterable[tuple[int, int]],
           draws: Iterable[tuple[str, str, int]]) -> dict[str, Any]:
    """The impact of dataset `root` (pure): its descendants nearest first, each with its
    path as slugs (child first, as findings give lineage paths), and the runs drawing it or
    a descendant, each with its status and the datasets it draws among them. `draws` are
    (run slug, run status, dataset id)."""
    below = descendants(root, edges)
    reached = {root, *below}
    runs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for run, status, dataset_id in draws:
        if dataset_id in reached:
            runs[(run, status)].append(slugs[dataset_id])
    listed = sorted(below.items(), key=lambda item: (len(item[1]), slugs[item[0]]))
    return {
        "dataset": slugs[root],
        "descendants": [{"slug": slugs[node], "depth": len(path) - 1,
                         "path": [slugs[i] for i in path]} for node, path in listed],
        "runs": [{"run": run, "status": status, "draws": sorted(drawn)}
                 for (run, status), drawn in sorted(runs.items())],
    }


def dataset_impact(session: Session, slug: str) -> dict[str, Any]:
    """The impact of the dataset SLUG, read from the registry: the lineage edges below it,
    the slugs of the datasets reached and the runs drawing them."""
    root: int = find_dataset(session, slug).id  # type: ignore[assignment]
    edges = [(c, p) for c, p, _ in reached_edges(session, [root], "down")]
    slugs = slugs_of(session, [root, *descendants(root, edges)])
    draws = session.exec(select(TrainingRun.slug, TrainingRun.status, RunDataset.dataset_id)
                         .join(RunDataset, col(RunDataset.run_id) == TrainingRun.id)
                         .where(within_closure([root], "down")(RunDataset.dataset_id))).all()
    return impact(root, slugs, edges, draws)


def path_text(path: list[str]) -> str:
    """A lineage path as findings write it: 'child <- parent <- root'."""
    return " <- ".join(path)


def summary_line(found: dict[str, Any]) -> str:
    """One sentence: how many datasets derive from it and which runs draw on it."""
    count = len(found["descendants"])
    derived = "No dataset derives from it" if count == 0 else \
        f"{plural(count, 'dataset')} {'derives' if count == 1 else 'derive'} from it"
    on = "it or what derives from it" if count else "it"
    runs = found["runs"]
    if not runs:
        return f"{derived}; no training run draws on {on}."
    verb = "draws" if len(runs) == 1 else "draw"
    named = ", ".join(f"{r['run']} ({r['status']})" for r in runs)
    return f"{derived}; {plural(len(runs), 'training run')} {verb} on {on}: {named}."

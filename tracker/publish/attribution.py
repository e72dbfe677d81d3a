"""The notices a training run's licences oblige, grouped by obligation (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.assess.provenance import ancestors, resolve
from tracker.assess.terms import expression_terms
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.publish.markdown import md_escape

OBLIGATIONS = (
    ("attribution", "Attribution required",
     "Credit these works and their licences wherever the licence asks (model card, "
     "documentation, redistributed data)."),
    ("share_alike", "Share-alike",
     "Adaptations that are shared must carry the same licence."),
    ("no_derivatives", "No derivatives",
     "Adaptations may not be shared; keep legal advice on whether the model is one."),
    ("restricts_models", "Use restrictions to pass on",
     "The licence's use restrictions must be passed on to users of models trained on it."),
    ("restricts_outputs", "Output restrictions",
     "Outputs may not be used as the licence forbids (e.g. to train other models)."),
)


@dataclass
class Notice:
    dataset: str
    name: str
    license: str
    license_names: list[str]
    urls: list[str]
    rights_holders: list[str]
    via: str = ""  # the drawn dataset this came through, for inherited notices


@dataclass
class Attribution:
    run: str
    model: str
    groups: dict[str, list[Notice]] = field(default_factory=dict)


def _notice(d: DatasetFacts, snapshot: Snapshot, or_branch: str, via: str) -> Notice | None:
    resolution = resolve(d, snapshot, or_branch)
    if resolution.terms is None:
        return None
    keys = resolution.terms.keys
    if resolution.resolved_by:  # name only the licence that resolved, not every claim's
        keys = expression_terms(resolution.resolved_by[0].expression, snapshot.licenses,
                                or_branch).keys
    licenses = [snapshot.licenses[k] for k in keys if k in snapshot.licenses]
    return Notice(d.slug, d.name, resolution.expression or "", [lic.name for lic in licenses],
                  [lic.url for lic in licenses if lic.url] + (
                      [d.record["homepage"]] if d.record.get("homepage") else []),
                  sorted({s.rights_holder for s in d.sources if s.rights_holder}), via)


def build(snapshot: Snapshot, or_branch: str = "permissive") -> Attribution:
    """The notices the run's datasets oblige (attribution, share-alike, no derivatives,
    use and output restrictions), grouped by obligation, from each dataset's resolved
    licence and those of its ancestors."""
    run = snapshot.run
    assert run is not None
    result = Attribution(run.slug, str(run.record.get("model_name", "")),
                         {key: [] for key, _, _ in OBLIGATIONS})
    seen: set[tuple[str, str]] = set()
    drawn = [(d, "") for d in snapshot.scope()]
    inherited = [(a, d.slug) for d in snapshot.scope() for a, _ in ancestors(d, snapshot)]
    for item, via in drawn + inherited:
        terms = resolve(item, snapshot, or_branch).terms
        notice = _notice(item, snapshot, or_branch, via)
        if terms is None or notice is None:
            continue
        for key, _, _ in OBLIGATIONS:
            if getattr(terms, key) and (key, item.slug) not in seen:
                seen.add((key, item.slug))
                result.groups[key].append(notice)
    return result


def markdown(a: Attribution) -> str:
    """The notices as a Markdown document, user text escaped."""
    clean = md_escape
    out = [f"# Notices for {clean(a.model)} (training run {clean(a.run)})", ""]
    for key, title, meaning in OBLIGATIONS:
        notices = a.groups.get(key, [])
        if not notices:
            continue
        out += [f"## {title}", "", meaning, ""]
        for n in notices:
            line = f"- **{clean(n.name)}** ({clean(n.dataset)}), licensed {clean(n.license)}"
            if n.license_names:
                line += f" ({clean('; '.join(n.license_names))})"
            if n.rights_holders:
                line += f", rights holders: {clean(', '.join(n.rights_holders))}"
            if n.urls:
                line += f". {' '.join(clean(u) for u in n.urls)}"
            if n.via:
                line += f". Inherited through {clean(n.via)}"
            out.append(line + ".")
        out.append("")
    if len(out) == 2:
        out.append("No licence of this run's datasets obliges a notice.")
    return "\n".join(out).rstrip() + "\n"

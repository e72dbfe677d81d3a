"""Self-contained HTML reports: Jinja2 with autoescape everywhere and StrictUndefined.

A report is one file: CSS inline, charts as inline SVG, no script, and a
Content-Security-Policy that forbids scripts and every fetch, so a hostile
dataset name can neither run code nor call home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tracker import __version__
from tracker.budget import Budget, quantity
from tracker.flags import Finding
from tracker.markdown import md_escape
from tracker.money import Money, decimal_text
from tracker.policy import SEVERITIES, Policy
from tracker.provenance import effective, resolve
from tracker.snapshot import DatasetFacts, Draw, Snapshot

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "script-src 'none'; form-action 'none'; base-uri 'none'")
SEVERITY_COLOURS = {"blocker": "#8b0000", "critical": "#c0392b", "warning": "#d68910",
                    "info": "#2e86c1"}


def _money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else Money(amount, currency).display()


def _pct(fraction: Decimal) -> str:
    return f"{fraction * 100:.1f}%"


def environment(*, markdown: bool = False) -> Environment:
    """HTML templates autoescape everything; Markdown ones escape with the `md` filter,
    which every value from the registry goes through."""
    folder = resources.files("tracker.templates")
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=not markdown,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = md_escape
    env.filters["money"] = _money
    env.filters["pct"] = _pct
    env.filters["exact"] = decimal_text
    env.globals["SEVERITIES"] = tuple(reversed(SEVERITIES))
    env.globals["SEVERITY_COLOURS"] = SEVERITY_COLOURS
    return env


def bars(items: Sequence[tuple[str, Decimal, str, str]]) -> list[dict[str, Any]]:
    """Horizontal bar geometry (percent widths) for an inline SVG chart."""
    top = max((v for _, v, _, _ in items), default=Decimal(0))
    return [{"label": label, "shown": shown, "colour": colour,
             "width": 0 if top == 0 else float(value / top * 100)}
            for label, value, colour, shown in items]


def _dataset_card(d: DatasetFacts, snapshot: Snapshot, findings: list[Finding],
                  budget: Budget | None, policy: Policy) -> dict[str, Any]:
    resolution = resolve(d, snapshot, policy.or_branch)
    claims = [{"claim": c.claim, "terms": c.terms, "current": c.current}
              for c in resolution.claims]
    eff = effective(d, snapshot, policy.or_branch)
    parents = [{"slug": snapshot.datasets[p].slug, "relation": rel}
               for p, rel in d.parents if p in snapshot.datasets]
    children = _children(snapshot).get(d.id, [])
    lines = [] if budget is None else [line for line in budget.section("data")
                                       if line.dataset == d.slug]
    draw = None if snapshot.run is None else snapshot.run.draws.get(d.id)
    sizes = [f"{value:,} {unit}" for value, unit in
             ((d.size_tokens, "tokens"), (d.size_records, "records"), (d.size_bytes, "bytes"))
             if value is not None]
    if d.size_hours is not None:
        sizes.append(f"{quantity(d.size_hours)} hours")
    return {"d": d, "claims": claims, "resolved": resolution.terms,
            "resolved_expression": resolution.expression, "conflicts": resolution.conflicts,
            "effective": eff, "parents": parents,
            "children": children, "findings": [f for f in findings if f.dataset == d.slug],
            "lines": lines, "draw_text": _draw_text(draw), "sizes": sizes,
            "review": _review_text(d, snapshot, policy)}


def _run_review_text(snapshot: Snapshot) -> dict[str, str] | None:
    from tracker.reviews import run_digest

    review = snapshot.run_review
    if review is None:
        return None
    text = f"{review.decision} by {review.reviewer} at {review.reviewed_at}"
    if review.digest != run_digest(snapshot):
        text += "; STALE: the run or its datasets changed after the review"
    return {"text": text}


def _children(snapshot: Snapshot) -> dict[int, list[dict[str, str]]]:
    """Each dataset's children, found once per snapshot rather than once per card."""
    cache = snapshot.extra.get("children")
    if cache is None:
        cache = {}
        for other in snapshot.datasets.values():
            for parent, relation in other.parents:
                cache.setdefault(parent, []).append({"slug": other.slug, "relation": relation})
        snapshot.extra["children"] = cache
    return cache


def _draw_text(draw: Draw | None) -> str:
    if draw is None:
        return ""
    parts = [f"{v:,} {unit}" for v, unit in ((draw.tokens, "tokens"), (draw.records, "records"))
             if v is not None]
    if draw.hours is not None:
        parts.append(f"{quantity(draw.hours)} hours")
    if draw.share is not None:
        parts.append(f"{draw.share * 100:.4g}% of the dataset")
    text = ", ".join(parts) or "the whole dataset"
    epochs = quantity(draw.epochs)
    return f"{text}, {epochs} epoch{'s' if draw.epochs != 1 else ''}"


def _review_text(d: DatasetFacts, snapshot: Snapshot, policy: Policy) -> dict[str, str]:
    from tracker.reviews import dataset_status

    st = dataset_status(d, snapshot, policy)
    if st.review is None:
        return {"state": "missing", "text": "not reviewed"}
    text = f"{st.review.decision} by {st.review.reviewer} at {st.review.reviewed_at}"
    if st.review.conditions:
        text += f" on conditions: {st.review.conditions}"
    if st.state == "stale":
        text += f"; STALE: {st.why}"
    return {"state": st.state, "text": text}


def _severity_counts(findings: list[Finding]) -> list[dict[str, Any]]:
    items = [(s, Decimal(sum(1 for f in findings if f.severity == s and f.waiver is None)),
              SEVERITY_COLOURS[s], "") for s in reversed(SEVERITIES)]
    return bars([(s, n, c, str(int(n))) for s, n, c, _ in items])


def _open_counts(findings: list[Finding]) -> list[str]:
    counted = ((s, sum(1 for f in findings if f.severity == s and f.waiver is None))
               for s in reversed(SEVERITIES))
    return [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counted if n]


def render_audit(snapshot: Snapshot, budget: Budget, policy: Policy) -> str:
    cur = budget.currency
    findings = list(budget.findings)
    breakdown = [(f"compute: {line.kind}", line.amount, "#34495e", _money(line.amount, cur))
                 for line in budget.section("compute")]
    breakdown += [(f"data: {kind.replace('_', '-')}", amount, "#16a085", _money(amount, cur))
                  for kind, amount in budget.data_by_kind().items() if amount]
    breakdown.append(("contingency", budget.contingency, "#7f8c8d",
                      _money(budget.contingency, cur)))
    breakdown.append(("reserves for findings", budget.reserve_total, "#c0392b",
                      _money(budget.reserve_total, cur)))
    base = budget.compute_total + budget.data_total
    split = {"compute": 0.0 if base == 0 else float(budget.compute_total / base * 100),
             "data": 0.0 if base == 0 else float(budget.data_total / base * 100)}
    return environment().get_template("audit.html.j2").render(
        title=f"Audit report: {budget.run.slug}",
        csp=CSP, snapshot=snapshot, budget=budget, policy=policy, currency=cur,
        findings=findings, breakdown=bars(breakdown), split=split,
        severity_bars=_severity_counts(findings), open_counts=_open_counts(findings),
        run_review=_run_review_text(snapshot),
        cards=[_dataset_card(d, snapshot, findings, budget, policy) for d in snapshot.scope()],
        generated_at=_now(), version=__version__,
    )


def render_registry(snapshot: Snapshot, findings: list[Finding], policy: Policy) -> str:
    by_category: dict[str, int] = {}
    for d in snapshot.scope():
        by_category[d.source_category] = by_category.get(d.source_category, 0) + 1
    return environment().get_template("registry.html.j2").render(
        title="Registry report", csp=CSP, snapshot=snapshot, policy=policy, findings=findings,
        severity_bars=_severity_counts(findings),
        category_bars=bars([(k, Decimal(v), "#16a085", str(v))
                            for k, v in sorted(by_category.items())]),
        cards=[_dataset_card(d, snapshot, findings, None, policy) for d in snapshot.scope()],
        generated_at=_now(), version=__version__,
    )


def render_eu_summary(summary: Any, snapshot: Snapshot, policy: Policy, *, html: bool) -> str:
    from tracker.eu_summary import size_text

    template = "eu_summary.html.j2" if html else "eu_summary.md.j2"
    return environment(markdown=not html).get_template(template).render(
        title=f"Training content summary: {summary.model}", csp=CSP, s=summary,
        size_text=size_text, snapshot=snapshot, policy=policy, generated_at=_now(),
        version=__version__)


def render_datasheet(d: DatasetFacts, snapshot: Snapshot, runs: list[str], *, html: bool,
                     policy: Policy | None = None) -> str:
    from tracker.datasheet import sections
    from tracker.policy import load_policy

    template = "datasheet.html.j2" if html else "datasheet.md.j2"
    return environment(markdown=not html).get_template(template).render(
        title=f"Datasheet: {d.name}", csp=CSP, d=d, sections=sections(d, snapshot, runs),
        snapshot=snapshot, policy=policy or load_policy(), generated_at=_now(),
        version=__version__)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write(path: Path, html: str) -> None:
    from tracker.errors import TrackerError

    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise TrackerError(f"output: cannot write {path} ({exc.strerror})") from exc

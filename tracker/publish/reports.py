"""Self-contained HTML reports: Jinja2 with autoescape everywhere and StrictUndefined.

A report is one file: CSS inline, charts as inline SVG, no script, and a
Content-Security-Policy that forbids scripts and every fetch, so a hostile
dataset name can neither run code nor call home.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tracker import __version__
from tracker.assess.budget import Budget, Line, quantity
from tracker.assess.fee_summary import summarise
from tracker.assess.flags import Finding, counts
from tracker.assess.policy import SEVERITIES, Policy
from tracker.assess.provenance import effective, resolve
from tracker.facts.snapshot import DatasetFacts, Draw, Snapshot
from tracker.publish import fix_steps
from tracker.publish.lineage_svg import picture
from tracker.publish.markdown import md_escape
from tracker.publish.timeline_svg import timeline
from tracker.values.labels import label
from tracker.values.money import Money, decimal_text

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "script-src 'none'; form-action 'none'; base-uri 'none'")
SEVERITY_COLOURS = {"blocker": "#8b0000", "critical": "#c0392b", "warning": "#d68910",
                    "info": "#2e86c1"}

# A large run's audit report stays a summary a person can read and a browser can
# open: past these sizes the detail is cut to what matters most (open findings
# first, the costliest datasets first) and the report says what it left out and
# which command lists all of it. A run below every limit is reported in full.
CARD_LIMIT = 100
FINDING_LIMIT = 250
LINES_PER_SECTION = 100
BLOCKER_LIMIT = 10


def _money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else Money(amount, currency).display()


def _pct(fraction: Decimal) -> str:
    return f"{fraction * 100:.1f}%"


@functools.cache
def environment(*, markdown: bool = False) -> Environment:
    """HTML templates autoescape everything; Markdown ones escape with the `md` filter,
    which every value from the registry goes through.

    Shared per process so that templates are compiled once, not once per report."""
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
    env.filters["label"] = lambda code, field: label(field, code)
    env.filters["line_label"] = _line_label
    env.filters["fix"] = fix_steps.split
    env.filters["figure"] = _figure
    env.filters["id"] = id
    env.filters["breakable"] = _breakable
    env.globals["SEVERITIES"] = tuple(reversed(SEVERITIES))
    env.globals["SEVERITY_COLOURS"] = SEVERITY_COLOURS
    return env


def _line_label(line: Line) -> str:
    """A budget line's kind in words: a reserve by its finding, a cost item by its category."""
    if line.section == "reserve":
        return label("finding", line.kind)
    if line.category is not None:
        words = label("cost_category", line.category)
        return f"{words} (whole run)" if line.kind == "run_cost" else words
    return label("budget_kind", line.kind)


def _figure(assumption: str) -> dict[str, str]:
    """A compute assumption ('name = value from where') as its label and the rest."""
    name, sep, rest = assumption.partition(" = ")
    if not sep:
        return {"name": "", "rest": assumption}
    return {"name": label("compute_figure", name), "rest": rest}


def _breakable(code: str) -> Markup:
    """A long code that may wrap after its underscores and nowhere else."""
    return Markup("_<wbr>").join(code.split("_"))


def bars(items: Sequence[tuple[str, Decimal, str, str]]) -> list[dict[str, Any]]:
    """Horizontal bar geometry (percent widths) for an inline SVG chart."""
    top = max((v for _, v, _, _ in items), default=Decimal(0))
    return [{"label": label, "shown": shown, "colour": colour,
             "width": 0 if top == 0 else float(value / top * 100)}
            for label, value, colour, shown in items]


def _dataset_card(d: DatasetFacts, snapshot: Snapshot, findings: list[Finding],
                  lines: list[Line], policy: Policy,
                  numbers: dict[int, int] | None = None) -> dict[str, Any]:
    """One dataset's card; `findings` and `lines` are already that dataset's own, and
    `numbers` gives each listed finding its number in the findings table, which the card
    links to rather than printing the finding again."""
    resolution = resolve(d, snapshot, policy.or_branch)
    claims = [{"claim": c.claim, "terms": c.terms, "current": c.current}
              for c in resolution.claims]
    eff = effective(d, snapshot, policy.or_branch)
    parents = [{"slug": snapshot.datasets[p].slug, "relation": rel}
               for p, rel in d.parents if p in snapshot.datasets]
    children = _children(snapshot).get(d.id, [])
    draw = None if snapshot.run is None else snapshot.run.draws.get(d.id)
    sizes = [f"{value:,} {unit}" for value, unit in
             ((d.size_tokens, "tokens"), (d.size_records, "records"), (d.size_bytes, "bytes"))
             if value is not None]
    if d.size_hours is not None:
        sizes.append(f"{quantity(d.size_hours)} hours")
    numbers = numbers or {}
    listed = [(numbers[id(f)], f) for f in findings if id(f) in numbers]
    return {"d": d, "claims": claims, "resolved": resolution.terms,
            "resolved_expression": resolution.expression, "conflicts": resolution.conflicts,
            "effective": eff, "parents": parents,
            "children": children, "findings": sorted(listed, key=lambda nf: nf[0]),
            "unlisted": len(findings) - len(listed),
            "worst": _worst_name(findings),
            "none_recorded": [what for what, has in (
                ("sources", d.sources), ("licence claims", claims), ("consent history", d.consent),
                ("fees", d.fees)) if not has],
            "lines": lines, "draw_text": _draw_text(draw), "sizes": sizes,
            "review": _review_text(d, snapshot, policy)}


def _by_dataset(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    result: dict[str, list[Finding]] = {}
    for f in findings:
        result.setdefault(f.dataset, []).append(f)
    return result


def _run_review_text(snapshot: Snapshot) -> dict[str, str] | None:
    from tracker.assess.review_status import run_digest

    review = snapshot.run_review
    if review is None:
        return None
    text = f"{label('decision', review.decision)} by {review.reviewer} at {review.reviewed_at}"
    if review.digest != run_digest(snapshot):
        text += "; STALE: the run or its datasets changed after the review"
    return {"text": text}


def _children(snapshot: Snapshot) -> dict[int, list[dict[str, str]]]:
    """Each dataset's children, found once per snapshot rather than once per card."""
    def find() -> dict[int, list[dict[str, str]]]:
        children: dict[int, list[dict[str, str]]] = {}
        for other in snapshot.datasets.values():
            for parent, relation in other.parents:
                children.setdefault(parent, []).append({"slug": other.slug,
                                                        "relation": relation})
        return children

    return snapshot.memo("children", find)


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
    from tracker.assess.review_status import dataset_status

    st = dataset_status(d, snapshot, policy)
    if st.review is None:
        return {"state": "missing", "text": "not reviewed"}
    text = (f"{label('decision', st.review.decision)} by {st.review.reviewer} at "
            f"{st.review.reviewed_at}")
    if st.review.conditions:
        text += f" on conditions: {st.review.conditions}"
    if st.state == "stale":
        text += f"; STALE: {st.why}"
    return {"state": st.state, "text": text}


def _severity_counts(findings: list[Finding]) -> list[dict[str, Any]]:
    return bars([(label("severity", s), Decimal(n), SEVERITY_COLOURS[s], str(n))
                 for s, n in counts(findings).items()])


def _open_counts(findings: list[Finding]) -> list[str]:
    return [f"{n:,} {label('severity', s).lower()}{'s' if n != 1 else ''}"
            for s, n in counts(findings).items() if n]


_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _worst_open(findings: Sequence[Finding]) -> int:
    """Rank of the most severe open finding (higher is worse), -1 if none is open."""
    return max((_RANK[f.severity] for f in findings if f.waiver is None), default=-1)


def _worst_name(findings: Sequence[Finding]) -> str | None:
    """The most severe open finding's severity, None when none is open."""
    rank = _worst_open(findings)
    return None if rank < 0 else SEVERITIES[rank]


def _card_selection(scope: list[DatasetFacts], findings_by: dict[str, list[Finding]],
                    cost_by: dict[str, Decimal], limit: int | None) -> list[DatasetFacts]:
    """The datasets with the most severe open findings first, the costliest first among
    equals, then by slug; past the limit, the first `limit` of them."""
    worst = {d.slug: _worst_open(findings_by.get(d.slug, ())) for d in scope}
    ranked = sorted(scope, key=lambda d: (-worst[d.slug], -cost_by.get(d.slug, Decimal(0)),
                                          d.slug))
    return ranked if limit is None else ranked[:limit]


def _numbered(findings: list[Finding]) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Each listed finding's number (1, 2, ...) by identity, and the commands that fix them,
    for the appendix: the findings table says what to do in words."""
    numbers = {id(f): n for n, f in enumerate(findings, 1)}
    commands = [{"n": n, "finding": f, "commands": steps.commands}
                for n, f in enumerate(findings, 1)
                if (steps := fix_steps.split(f.fix)).commands]
    return numbers, commands


def _finding_order(findings: list[Finding], cost_by: dict[str, Decimal]) -> list[Finding]:
    """Open before waived, most severe first, the costliest dataset first among equals."""
    return sorted(findings, key=lambda f: (f.waiver is not None,
                                           -_RANK[f.severity],
                                           -cost_by.get(f.dataset, Decimal(0))))


def _budget_rows(budget: Budget, limit: int | None) -> list[dict[str, Any]]:
    """The lines of each section in budget order; a section longer than `limit` shows its
    largest lines, largest first, and folds the rest into one row carrying their exact sum,
    so that the table still adds up to the totals below it."""
    rows: list[dict[str, Any]] = []
    for section in ("compute", "data", "reserve"):
        lines = budget.section(section)
        if limit is None or len(lines) <= limit:
            rows.extend({"line": line, "rest": None} for line in lines)
            continue
        ranked = sorted(lines, key=lambda line: -line.amount)
        rest = ranked[limit:]
        rows.extend({"line": line, "rest": None} for line in ranked[:limit])
        rows.append({"line": None, "rest": {
            "section": section, "count": len(rest), "of": len(lines),
            "amount": sum((line.amount for line in rest), Decimal(0))}})
    return rows


def _findings_by_code(findings: list[Finding]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        g = groups.setdefault((f.severity, f.code), {"severity": f.severity, "code": f.code,
                                                      "open": 0, "waived": 0,
                                                      "datasets": set()})
        g["waived" if f.waiver else "open"] += 1
        g["datasets"].add(f.dataset)
    return [{**g, "datasets": len(g["datasets"])} for _, g in
            sorted(groups.items(), key=lambda kv: (-_RANK[kv[0][0]], kv[0][1]))]


def render_audit(snapshot: Snapshot, budget: Budget, policy: Policy, *,
                 full: bool = False, crawl_evidence: Any = None) -> str:
    """The run's audit report; `full` lifts the limits a large run's report has (every
    dataset gets a card, every finding and budget line is listed). `crawl_evidence`: the
    opt-out signals of the run's crawls (a CrawlEvidence), shown when given."""
    cur = budget.currency
    findings = list(budget.findings)
    # Each Budget total rescans every line: take them once, not once per use in the page.
    totals = {"compute_total": budget.compute_total, "data_total": budget.data_total,
              "contingency": budget.contingency, "estimate": budget.estimate,
              "reserve_total": budget.reserve_total, "risk_adjusted": budget.risk_adjusted,
              "data_share": budget.data_share}
    # The machine-readable amounts are the texts `budget --json` gives ('0.00', not '0').
    exact = {"compute": budget.money_text(totals["compute_total"]),
             "data": budget.money_text(totals["data_total"]),
             "estimate": budget.money_text(totals["estimate"]),
             "risk_adjusted": budget.money_text(totals["risk_adjusted"]),
             "data_share": decimal_text(totals["data_share"])}
    breakdown = [(f"Compute: {label('budget_kind', line.kind)}", line.amount, "#34495e",
                  _money(line.amount, cur)) for line in budget.section("compute")]
    breakdown += [(f"Data: {label('budget_kind', kind)}", amount, "#16a085", _money(amount, cur))
                  for kind, amount in budget.data_by_kind().items() if amount]
    breakdown.append(("Contingency", totals["contingency"], "#7f8c8d",
                      _money(totals["contingency"], cur)))
    breakdown.append(("Reserves for findings", totals["reserve_total"], "#c0392b",
                      _money(totals["reserve_total"], cur)))
    base = totals["compute_total"] + totals["data_total"]
    split = {"compute": 0.0 if base == 0 else float(totals["compute_total"] / base * 100),
             "data": 0.0 if base == 0 else float(totals["data_total"] / base * 100)}

    findings_by = _by_dataset(findings)
    lines_by: dict[str, list[Line]] = {}
    for line in budget.section("data"):
        if line.dataset is not None:
            lines_by.setdefault(line.dataset, []).append(line)
    cost_by = budget.data_by_dataset()
    scope = snapshot.scope()
    findings_cut = len(findings) > FINDING_LIMIT and not full
    listed_findings = _finding_order(findings, cost_by)
    if findings_cut:
        listed_findings = listed_findings[:FINDING_LIMIT]
    numbers, commands = _numbered(listed_findings)
    shown = _card_selection(scope, findings_by, cost_by, None if full else CARD_LIMIT)
    cards = [_dataset_card(d, snapshot, findings_by.get(d.slug, []), lines_by.get(d.slug, []),
                           policy, numbers) for d in shown]

    blockers = _finding_order(budget.blockers, cost_by)
    listed_blockers = blockers if full else blockers[:BLOCKER_LIMIT]

    return environment().get_template("audit.html.j2").render(
        title=f"Audit report: {budget.run.slug}",
        csp=CSP, snapshot=snapshot, budget=budget, totals=totals, exact=exact,
        policy=policy, currency=cur,
        findings=findings, listed_findings=listed_findings,
        findings_by_code=_findings_by_code(findings) if findings_cut else [],
        blockers=blockers, listed_blockers=listed_blockers,
        budget_rows=_budget_rows(budget, None if full else LINES_PER_SECTION),
        breakdown=bars(breakdown), split=split,
        severity_bars=_severity_counts(findings), open_counts=_open_counts(findings),
        run_review=_run_review_text(snapshot),
        cards=cards, datasets_total=len(scope), numbers=numbers, commands=commands,
        lineage=picture(snapshot, findings, root_licences(snapshot, policy)),
        agreements=timeline(snapshot), crawl_evidence=crawl_evidence,
        generated_at=_now(), version=__version__,
    )


def root_licences(snapshot: Snapshot, policy: Policy) -> dict[str, str | None]:
    """Each root dataset's resolved licence expression, which the lineage picture shows."""
    return {d.slug: resolve(d, snapshot, policy.or_branch).expression
            for d in snapshot.datasets.values() if not d.parents}


def render_registry(snapshot: Snapshot, findings: list[Finding], policy: Policy, *,
                    full: bool = False) -> str:
    """Every dataset of the registry; past the limits, as the audit report does, the most
    pressing in detail and counts for the rest (`full` lifts the limits)."""
    findings_by = _by_dataset(findings)
    by_category: dict[str, int] = {}
    for d in snapshot.scope():
        by_category[d.source_category] = by_category.get(d.source_category, 0) + 1
    shown = _card_selection(snapshot.scope(), findings_by, {}, None if full else CARD_LIMIT)
    findings_cut = len(findings) > FINDING_LIMIT and not full
    listed_findings = _finding_order(findings, {})
    if findings_cut:
        listed_findings = listed_findings[:FINDING_LIMIT]
    numbers, commands = _numbered(listed_findings)
    return environment().get_template("registry.html.j2").render(
        title="Registry report", csp=CSP, snapshot=snapshot, policy=policy, findings=findings,
        listed_findings=listed_findings,
        findings_by_code=_findings_by_code(findings) if findings_cut else [],
        severity_bars=_severity_counts(findings),
        category_bars=bars([(label("source_category", k), Decimal(v), "#16a085", str(v))
                            for k, v in sorted(by_category.items())]),
        money=summarise(snapshot), numbers=numbers, commands=commands,
        cards=[_dataset_card(d, snapshot, findings_by.get(d.slug, []), [], policy, numbers)
               for d in shown],
        generated_at=_now(), version=__version__,
    )


def render_eu_summary(summary: Any, snapshot: Snapshot, policy: Policy, *, html: bool) -> str:
    """The EU summary as one self-contained HTML page, or as Markdown."""
    from tracker.publish.eu_summary import size_text

    template = "eu_summary.html.j2" if html else "eu_summary.md.j2"
    return environment(markdown=not html).get_template(template).render(
        title=f"Training content summary: {summary.model}", csp=CSP, s=summary,
        size_text=size_text, snapshot=snapshot, policy=policy, generated_at=_now(),
        version=__version__)


def render_datasheet(d: DatasetFacts, snapshot: Snapshot, runs: list[str], *, html: bool,
                     policy: Policy | None = None) -> str:
    """A dataset's datasheet as one self-contained HTML page, or as Markdown."""
    from tracker.assess.policy import load_policy
    from tracker.publish.datasheet import sections

    template = "datasheet.html.j2" if html else "datasheet.md.j2"
    return environment(markdown=not html).get_template(template).render(
        title=f"Datasheet: {d.name}", csp=CSP, d=d, sections=sections(d, snapshot, runs),
        snapshot=snapshot, policy=policy or load_policy(), generated_at=_now(),
        version=__version__)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write(path: Path, html: str) -> None:
    """Write a rendered report to `path`; a failure is a one-line TrackerError."""
    from tracker.values.errors import TrackerError

    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise TrackerError(f"output: cannot write {path} ({exc.strerror})") from exc

"""`dataset show`, `source show` and `dataset impact` as a person reads them: where the
dataset stands first, then its fields, then its records one readable line each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tracker.assess.inventory import conflict_text, restriction_text, terms_text
from tracker.assess.policy import SEVERITIES
from tracker.service.impact import path_text, summary_line
from tracker.values.money import Money
from tracker.values.wording import plural

# Keys of `dataset show --json` that are not the dataset's own fields.
OVERVIEW_KEYS = ("resolved_license", "open_findings", "waived_findings", "review", "impact")
_LABEL_WIDTH = 11


def card_lines(data: dict[str, Any]) -> list[str]:
    """The record card of `dataset show`: standing, fields, then the records."""
    return record_card_lines(data, standing_lines(data))


def record_card_lines(data: dict[str, Any], standing: list[str] | None = None) -> list[str]:
    """A record card (`dataset show`, `source show`): the name, where it stands if that is
    given, its fields, then its records one readable line each."""
    lines = [f"{data['slug']}: {_value(data.get('name') or '(no name)')}", ""]
    if standing:
        lines += standing + [""]
    lines += ["Fields"] + field_lines(data)
    lists = [k for k, v in data.items() if isinstance(v, list) and k not in OVERVIEW_KEYS]
    for key in [k for k in _SECTIONS if k in lists] + [k for k in lists if k not in _SECTIONS]:
        title, describe = _SECTIONS.get(key, (key.replace("_", " ").capitalize(), _fallback))
        items = data[key]
        lines += ["", f"{title} ({len(items)})" if items else f"{title}: none recorded"]
        lines += [f"  {record_line(item, describe)}" for item in items]
    return lines


def _labelled(label: str, text: str) -> str:
    return f"{label.ljust(_LABEL_WIDTH)} {_value(text)}"


def standing_lines(data: dict[str, Any]) -> list[str]:
    """Licence and terms, review, findings, impact: what decides whether it may be used."""
    license = data["resolved_license"]
    lines = [_labelled("Licence", f"{license['resolved'] or 'none claimed'} "
                                  f"({license['why']})")]
    if license["terms"]:
        lines.append(_labelled("Terms", terms_text(license["terms"])))
    if license["inherited"]:
        lines.append(_labelled("Effective", terms_text(license["effective_terms"])
                               + ", with what it inherits:"))
        lines += [f"{'':{_LABEL_WIDTH}}   {restriction_text(i)}" for i in license["inherited"]]
    lines += [_labelled("Conflict", conflict_text(c)) for c in license["conflicts"]]
    lines.append(_labelled("Review", review_text(data["review"])))
    lines += findings_lines(data["open_findings"], data["waived_findings"])
    lines.append(_labelled("Impact", summary_line(data["impact"])))
    return lines


def review_text(review: dict[str, Any]) -> str:
    """'approved by ana at ...', 'stale: ... but the record changed', 'none recorded'."""
    if review["decision"] is None:
        return "none recorded"
    done = f"{review['decision']} by {review['reviewer']} at {review['reviewed_at']}"
    if review.get("conditions"):
        done += f", on condition: {review['conditions']}"
    return f"stale: {done}, but {review['why']}" if review["state"] == "stale" else done


def findings_lines(open_findings: list[dict[str, Any]], waived: list[dict[str, Any]]
                   ) -> list[str]:
    """A count by severity, then each open finding; waived ones are counted."""
    by_severity = Counter(f["severity"] for f in open_findings)
    counts = ", ".join(f"{by_severity[s]} {s}" for s in reversed(SEVERITIES) if by_severity[s])
    head = f"{plural(len(open_findings), 'open finding')}" + (f" ({counts})" if counts else "")
    if waived:
        head += f"; {len(waived):,} waived"
    lines = [_labelled("Findings", head)]
    lines += [f"{'':{_LABEL_WIDTH}}   {f['severity'].upper()} {f['code']}: {_value(f['why'])}"
              for f in open_findings]
    return lines


def field_lines(data: dict[str, Any]) -> list[str]:
    """The dataset's own fields that hold a value, then the names of those that do not."""
    fields = {k: v for k, v in data.items()
              if not isinstance(v, (list, dict)) and k not in OVERVIEW_KEYS}
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    width = max((len(k) for k in given), default=0)
    lines = [f"  {k.replace('_', ' ').ljust(width)}  {_value(v)}" for k, v in given.items()]
    missing = [k.replace("_", " ") for k in fields if k not in given]
    if missing:
        lines.append(f"  not recorded: {', '.join(missing)}")
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return " ".join(str(value).split())


def record_line(item: dict[str, Any], describe: Callable[[dict[str, Any]], str]) -> str:
    """One record in words on one line (notes may hold line breaks), led by its id when it
    has one and marked when voided."""
    text = " ".join(describe(item).split())
    if item.get("id") is not None:
        text = f"#{item['id']} {text}"
    voided = item.get("voided")
    if voided:
        on = str(voided.get("at") or "")[:10]
        text += f" [voided by {voided.get('by')} on {on}: {voided.get('reason')}]"
    return text


def _money(item: dict[str, Any]) -> str:
    return Money(Decimal(str(item["amount"])), item["currency"]).display()


def _extra(*parts: Any) -> str:
    """The optional tail of a line: the parts that hold something, after a dash."""
    given = [str(p) for p in parts if p not in (None, "")]
    return f" - {'; '.join(given)}" if given else ""


def _source(s: dict[str, Any]) -> str:
    holder = f"rights holder {s['rights_holder']}" if s.get("rights_holder") else ""
    tdm = f"TDM reservation {s.get('tdm_reservation')}, honoured {s.get('tdm_honoured')}"
    size = f"{s['content_bytes']:,} bytes" if s.get("content_bytes") else ""
    return (f"{s['slug']} ({s.get('kind')}): {s.get('name')}"
            + _extra(s.get("url"), holder, tdm, size, s.get("link_notes")))


def _claim(c: dict[str, Any]) -> str:
    return (f"{c['observed_on']}: {c['license']}, claimed by the {c['claimed_by']}"
            + _extra(c.get("evidence_url"), c.get("notes")))


def _fee(f: dict[str, Any]) -> str:
    kind = {"one_time": "one-time", "recurring": "recurring", "per_unit": "per-unit"}.get(
        f["kind"], f["kind"])
    basis = f" {f['basis']}" if f.get("basis") and f["kind"] != "one_time" else ""
    term = ""
    if f.get("term_start") or f.get("term_end"):
        term = f"term {f.get('term_start') or '?'} to {f.get('term_end') or 'open'}"
    split = f"split over {f['split_runs']} runs" if (f.get("split_runs") or 1) > 1 else ""
    party = " ".join(p for p in (f.get("counterparty"), f.get("contract")) if p)
    return (f"{kind} fee of {_money(f)}{basis} to {party}"
            + _extra(term, split, f.get("description")))


def _cost(c: dict[str, Any]) -> str:
    split = f"split over {c['split_runs']} runs" if (c.get("split_runs") or 1) > 1 else ""
    return (f"{c['category']}: {_money(c)}"
            + _extra(c.get("vendor"), c.get("incurred_on"), split, c.get("description")))


def _consent(c: dict[str, Any]) -> str:
    return (f"{c['recorded_on']}: {str(c['status']).replace('_', ' ')}, legal basis "
            f"{str(c['legal_basis']).replace('_', ' ')}, contributors compensated: "
            f"{c['compensation']}" + _extra(c.get("evidence_url"), c.get("notes")))


def _dataset(d: dict[str, Any]) -> str:
    size = f"{d['content_bytes']:,} bytes from it" if d.get("content_bytes") else ""
    return f"{d['slug']}: {_value(d.get('name') or '(no name)')}" + _extra(size)


def _parent(p: dict[str, Any]) -> str:
    return f"derived from {p['slug']} ({p['relation']})" + _extra(p.get("notes"))


def _child(c: dict[str, Any]) -> str:
    return f"source of {c['slug']} ({c['relation']})" + _extra(c.get("notes"))


def _fallback(item: dict[str, Any]) -> str:
    """A record of a kind this card does not know yet: its fields, as they are."""
    return "; ".join(f"{k} {_value(v)}" for k, v in item.items()
                     if k not in ("id", "voided") and v not in (None, "", []))


_SECTIONS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "sources": ("Sources", _source),
    "datasets": ("Datasets drawn from it", _dataset),
    "license_claims": ("Licence claims", _claim),
    "fees": ("Fees", _fee),
    "costs": ("Costs", _cost),
    "consent": ("Consent", _consent),
    "parents": ("Derived from", _parent),
    "children": ("Used by", _child),
}


def impact_lines(found: dict[str, Any]) -> list[str]:
    """`dataset impact`: the sentence, every descendant with its path, every run."""
    lines = [f"{found['dataset']}: {summary_line(found)}"]
    if found["descendants"]:
        width = max(len(d["slug"]) for d in found["descendants"])
        lines += ["", f"Derived datasets ({len(found['descendants'])}), nearest first"]
        lines += [f"  {d['slug'].ljust(width)}  via {path_text(d['path'])}"
                  for d in found["descendants"]]
    if found["runs"]:
        width = max(len(r["run"]) for r in found["runs"])
        status = max(len(r["status"]) for r in found["runs"])
        lines += ["", f"Training runs ({len(found['runs'])})"]
        lines += [f"  {r['run'].ljust(width)}  {r['status'].ljust(status)}  draws "
                  f"{', '.join(r['draws'])}" for r in found["runs"]]
    return lines

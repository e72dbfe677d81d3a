"""The review desk's one door into the domain: every read and write the routes make.

Routes call only these functions; these call the functions the CLI commands
call, so the web applies the same rules and the same writer. Each function
opens its own read view or write transaction on the registry it is given.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, text
from sqlmodel import Session, col, select

from tracker.assess import review_status as reviews
from tracker.assess.assessment import Assessment
from tracker.assess.policy import Policy, load_policy
from tracker.db.models import Dataset
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.publish.reports import environment, render_audit, render_eu_summary
from tracker.registry import (
    Registry,
    Writer,
    audit,
    catalog,
    claims,
    consent,
    findings,
    ledger,
    lineage,
    runs,
    users,
)
from tracker.registry import reviews as review_records
from tracker.service.detail import dataset_detail
from tracker.service.overview import dataset_overview
from tracker.service.snapshots import (
    dataset_snapshot,
    eu_summary,
    run_snapshot,
)
from tracker.service.standings import Standings
from tracker.values import vocab
from tracker.values.errors import NotFound, TrackerError
from tracker.values.money import parse_currency
from tracker.web.auth import Viewer

SESSION_KEY_META = "web_session_key"
ROLES = users.ROLES
DECISIONS = reviews.DECISIONS
REVIEW_STATES = ("missing", "stale", "current")


def choices() -> dict[str, tuple[str, ...]]:
    """The controlled vocabularies forms offer."""
    from tracker.assess.flags import CODES

    v = vocab
    return {"consent": v.CONSENT_STATUSES, "legal_basis": v.LEGAL_BASES,
            "yes_no_unknown": v.YES_NO_UNKNOWN, "source_category": v.SOURCE_CATEGORIES,
            "claimants": v.CLAIMANTS, "decision": DECISIONS, "review_state": REVIEW_STATES,
            "finding": tuple(CODES), "role": ROLES, "fee_kind": v.FEE_KINDS,
            "fee_period": v.FEE_PERIODS, "fee_unit": v.FEE_UNITS,
            "relation": v.LINEAGE_RELATIONS, "cost_category": v.COST_CATEGORIES,
            "intended_use": runs.INTENDED_USES}


def label(code: object, field: str | None = None) -> str:
    """A code as words for people, from the reports' vocabulary of display labels."""
    from tracker.values.labels import label as display

    return "" if code is None else display(field, code) if field else \
        str(code).replace("_", " ")


def templates() -> Any:
    """The reports' Jinja2 environment (autoescape, StrictUndefined, money filters)."""
    env = environment()
    env.filters["label"] = label  # label(code, field=None): the reports call it with a field
    return env


# ---- the registry and who uses it ---------------------------------------------------------

def open_registry(url: str) -> Registry:
    """The registry at `url` (a path or URL, as --db takes), migrated."""
    from tracker.db import resolve_url

    return Registry(resolve_url(url))


def session_key(registry: Registry) -> str:
    """The key session cookies are signed with: $TRACKER_SECRET_KEY, else one kept in the
    registry, made on first use, so that every worker and every restart share it."""
    given = os.environ.get("TRACKER_SECRET_KEY")
    if given:
        return given
    with registry.connected() as conn:
        stored = conn.execute(text("SELECT value FROM registry_meta WHERE key = :k"),
                              {"k": SESSION_KEY_META}).scalar()
    if stored:
        return str(stored)
    from tracker.db import write_connection

    with registry.translate_errors(), write_connection(registry.engine) as conn:
        stored = conn.execute(text("SELECT value FROM registry_meta WHERE key = :k"),
                              {"k": SESSION_KEY_META}).scalar()
        if not stored:
            stored = secrets.token_urlsafe(48)
            conn.execute(text("INSERT INTO registry_meta (key, value) VALUES (:k, :v)"),
                         {"k": SESSION_KEY_META, "v": stored})
    return str(stored)


def _viewer(user: Any) -> Viewer | None:
    return None if user is None else Viewer(user.id, user.name, user.role)


def sign_in(registry: Registry, name: str, password: str) -> tuple[Viewer, int] | None:
    """The user and their session epoch when the name and password match a live user."""
    with registry.reading() as session:
        user = users.authenticate(session, name, password)
        return None if user is None else (Viewer(user.id, user.name, user.role),
                                           user.session_epoch)


def session_user(registry: Registry, user_id: int, epoch: int) -> Viewer | None:
    with registry.reading() as session:
        return _viewer(users.user_for_session(session, user_id, epoch))


def token_user(registry: Registry, token: str) -> Viewer | None:
    with registry.reading() as session:
        return _viewer(users.user_by_token(session, token))


def may(role: str, needed: str) -> bool:
    return users.allows(role, needed)


def user_rows(registry: Registry) -> list[dict[str, Any]]:
    with registry.reading() as session:
        return users.list_users(session)



# ---- reads ----------------------------------------------------------------------------------

_kept: dict[tuple[str, str], Standings] = {}
_kept_lock = threading.Lock()


# Views kept per process beyond the registry's own (USD): each holds every dataset, so
# the queue in yet another currency pushes out the one asked for longest ago.
_KEPT_CURRENCIES = 3


def _standings(registry: Registry, currency: str = "USD") -> Standings:
    """The registry's standings kept by this process, brought up to date as it changes;
    one per currency the review queue is asked in (a few at most)."""
    key = (registry.url, currency)
    with _kept_lock:
        found = _kept.pop(key, None)
        if found is None:
            found = Standings(policy(), registry.reading, currency)
        _kept[key] = found  # the latest asked for last
        others = [k for k in _kept if k[0] == registry.url and k[1] != "USD"]
        for old in others[:max(0, len(others) - _KEPT_CURRENCIES)]:
            del _kept[old]
        return found


def warm(registry: Registry) -> None:
    """Judge the registry's standings now, so that the first filtered list or queue a
    reviewer opens does not wait for it."""
    with registry.reading() as session:
        _standings(registry).view(session)


def policy() -> Policy:
    """The packaged default policy, as the CLI judges without --policy."""
    return load_policy()


def runs_overview(registry: Registry) -> list[dict[str, Any]]:
    """Each run with its estimate, risk-adjusted total, approvability and review state."""
    rules = policy()
    rows = []
    with registry.reading() as session:
        for run in runs.list_runs(session):
            snapshot = run_snapshot(session, run["slug"])
            row: dict[str, Any] = {"slug": run["slug"], "model": run["model_name"],
                                   "currency": run["currency"], "status": run["status"]}
            try:
                budget = Assessment(snapshot, rules).budget
                row.update(estimate=budget.estimate, risk_adjusted=budget.risk_adjusted,
                           approvable=budget.approvable, blockers=len(budget.blockers),
                           problem=None)
            except TrackerError as exc:  # a run whose budget cannot be priced yet
                row.update(estimate=None, risk_adjusted=None, approvable=False, blockers=0,
                           problem=str(exc))
            state = reviews.status(snapshot.run_review, reviews.run_digest(snapshot), rules)
            row["review"] = state.state if state.review is None or state.state != "current" \
                else state.review.decision
            rows.append(row)
    return rows


def dataset_filter_values(given: dict[str, str | None]) -> dict[str, str | None]:
    """The filters of `dataset list` with empty form fields dropped."""
    return {k: (v.strip() or None) if isinstance(v, str) else None for k, v in given.items()}


def list_datasets(registry: Registry, *, q: str | None, filters: dict[str, str | None],
                  review_state: str | None, limit: int, offset: int
                  ) -> tuple[list[dict[str, Any]], bool]:
    """A page of datasets by slug meeting the filters of `dataset list`, a search on slug and
    name, and a review state; and whether more follow."""
    from tracker.values import parse

    state = parse.choice(review_state, "review_state", REVIEW_STATES) if review_state else None
    with registry.reading() as session:
        wanted = catalog.dataset_filter(session, **filters)
        if not wanted.needs_snapshot and state is None:
            rows = _search_page(session, q, wanted.source_category, limit + 1, offset)
        else:
            needle = q.casefold() if q else None
            found = (e for e in _standings(registry).view(session).in_order()
                     if e.standing.meets(wanted)
                     and (state is None or e.review_state == state)
                     and (needle is None or needle in e.slug.casefold()
                          or needle in e.name.casefold()))
            rows = [dict(e.record) for e in itertools.islice(found, offset,
                                                              offset + limit + 1)]
    return rows[:limit], len(rows) > limit


def _search_page(session: Session, q: str | None, category: str | None, limit: int,
                 offset: int) -> list[dict[str, Any]]:
    query = select(Dataset).order_by(Dataset.slug).offset(offset).limit(limit)
    if category is not None:
        query = query.where(Dataset.source_category == category)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(col(Dataset.slug).ilike(pattern, escape="\\"),
                                col(Dataset.name).ilike(pattern, escape="\\")))
    return [catalog.public(d) for d in session.exec(query).all()]


def _dataset_show(session: Session, slug: str
                  ) -> tuple[dict[str, Any], Seen, DatasetFacts, Snapshot]:
    """`dataset show --json`, what a form of the dataset carries, and the facts they were
    read from: one read of the dataset and its ancestors."""
    facts, snapshot = dataset_snapshot(session, slug)
    data = dataset_detail(session, slug) | dataset_overview(session, slug, policy(),
                                                            snapshot=snapshot)
    return data, _basis(session, facts, snapshot), facts, snapshot


def _ancestry_picture(snapshot: Snapshot) -> Any:
    """The dataset's ancestors as the audit report draws a run's lineage (None when it has
    no parent): restricted paths in red, each root with its licence."""
    from tracker.publish.lineage_svg import picture
    from tracker.publish.reports import root_licences

    rules = policy()
    return picture(snapshot, Assessment(snapshot, rules).findings,
                   root_licences(snapshot, rules))


def dataset_json(registry: Registry, slug: str) -> tuple[dict[str, Any], Seen]:
    """`tracker dataset show SLUG --json`, and what a review of it must quote, from one
    read of the registry."""
    with registry.reading() as session:
        data, basis, _, _ = _dataset_show(session, slug)
        return data, basis


def dataset_page(registry: Registry, slug: str) -> dict[str, Any]:
    """What the dataset page shows: `dataset show --json`, the lineage graph, the reviews, the
    history of changes, and the digest and log position a review form carries."""
    with registry.reading() as session:
        data, basis, facts, snapshot = _dataset_show(session, slug)
        return {
            "data": data,
            "lineage": lineage.neighbourhood(session, slug),
            "picture": _ancestry_picture(snapshot),
            "reviews": review_records.history(session, slug),
            "history": [change_view(e) for e in
                        review_records.changes_since(session, facts.id, 0, limit=30)],
            "digest": basis.digest,
            "seen_event": basis.event,
            "seen_review": basis.review,
        }


def form_basis(session: Session, slug: str) -> Seen:
    """What a form of the dataset carries: its digest, the log's length, the number of its
    latest review, as the session reads them."""
    facts, snapshot = dataset_snapshot(session, slug)
    return _basis(session, facts, snapshot)


def _basis(session: Session, facts: DatasetFacts, snapshot: Snapshot) -> Seen:
    return Seen(reviews.record_digest(facts, snapshot), audit.head(session)[0],
                _latest_review(session, facts.id))


def _latest_review(session: Session, dataset_id: int) -> str:
    """The number of the dataset's latest review ("" if none): unlike its time, which
    counts seconds, two reviews never share it."""
    from sqlalchemy import func

    from tracker.db.models import Review

    found = session.exec(select(func.max(Review.id)).where(Review.dataset_id == dataset_id)
                         ).first()
    return "" if found is None else str(found)


def change_view(event: Any) -> dict[str, Any]:
    """An audit event as a field-level diff: each field with its value before and after."""
    before = json.loads(event.before) if event.before else {}
    after = json.loads(event.after) if event.after else {}
    if event.action == "import":
        before, after = {}, {}
    fields = [{"field": k, "before": before.get(k), "after": after.get(k)}
              for k in dict.fromkeys([*before, *after])
              if before.get(k) != after.get(k) and k != "id"]
    return {"id": event.id, "at": event.at, "actor": event.actor, "action": event.action,
            "entity": event.entity, "label": event.label, "fields": fields}


def stale_changes(registry: Registry, slug: str) -> list[dict[str, Any]]:
    """For a stale review: what changed in the record since it was recorded."""
    from tracker.db.models import AuditEvent, Review

    with registry.reading() as session:
        row = catalog.find_dataset(session, slug)
        last = session.exec(select(Review).where(Review.dataset_id == row.id)
                            .order_by(col(Review.id).desc()).limit(1)).first()
        if last is None:
            return []
        event = session.exec(select(AuditEvent.id).where(AuditEvent.entity == "review")
                             .where(AuditEvent.entity_id == last.id)).first()
        return [change_view(e) for e in
                review_records.changes_since(session, row.id, event or 0)]  # type: ignore[arg-type]


def review_queue(registry: Registry, currency: str = "USD", *, limit: int | None = None,
                 offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A page of `tracker review queue --json` (most severe first, then costliest) and how
    many rows the whole queue has."""
    code = parse_currency(currency)
    with registry.reading() as session:
        view = _standings(registry, code).view(session)
    end = None if limit is None else offset + limit
    return view.queue_rows(offset, end), len(view.queue)


def run_budget(registry: Registry, slug: str) -> dict[str, Any]:
    """`tracker budget RUN --json`."""
    with registry.reading() as session:
        snapshot = run_snapshot(session, slug)
    return Assessment(snapshot, policy()).budget.as_dict()


def run_findings(registry: Registry, slug: str) -> list[dict[str, Any]]:
    """`tracker flags RUN --json`."""
    with registry.reading() as session:
        snapshot = run_snapshot(session, slug)
    return [f.as_dict() for f in Assessment(snapshot, policy()).findings]


def run_page(registry: Registry, slug: str) -> dict[str, Any]:
    """The run page: its record, budget and findings (waivers with their expiry)."""
    with registry.reading() as session:
        detail = runs.run_detail(session, slug)
        snapshot = run_snapshot(session, slug)
    judged = Assessment(snapshot, policy())
    try:
        budget: dict[str, Any] | None = judged.budget.as_dict()
        problem = None
    except TrackerError as exc:
        budget, problem = None, str(exc)
    findings = [f.as_dict() for f in judged.findings]
    return {"run": detail, "budget": budget, "problem": problem, "findings": findings}


def audit_report(registry: Registry, slug: str) -> str:
    """`tracker report audit RUN` as one HTML document."""
    rules = policy()
    with registry.reading() as session:
        snapshot = run_snapshot(session, slug, stamp=True)
    return render_audit(snapshot, Assessment(snapshot, rules).budget, rules)


def eu_summary_report(registry: Registry, slug: str) -> str:
    """`tracker report eu-summary RUN -o FILE.html`."""
    with registry.reading() as session:
        summary, snapshot = eu_summary(session, slug)
    return render_eu_summary(summary, snapshot, policy(), html=True)


def budget_csv(registry: Registry, slug: str) -> str:
    """`tracker budget RUN --csv`."""
    import io

    from tracker.publish.csv_out import write_csv

    with registry.reading() as session:
        snapshot = run_snapshot(session, slug)
    rows = Assessment(snapshot, policy()).budget.csv_rows()
    out = io.StringIO()
    write_csv(out, rows, list(rows[0]) if rows else [])
    return out.getvalue()


def audit_log(registry: Registry, *, entity: str | None, actor: str | None, limit: int,
              offset: int) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The newest events first (`tracker log --json` shapes), and the chain head of verify."""
    with registry.reading() as session:
        events = audit.newest(session, entity=entity, actor=actor, limit=limit, offset=offset)
        return [audit.event_record(e) for e in events], audit.head(session)


def verify(registry: Registry) -> list[str]:
    """`tracker verify`: every problem, the first broken event first."""
    with registry.reading() as session:
        return [str(p) for p in audit.verify(session)]


# ---- writes ---------------------------------------------------------------------------------

class Changed(TrackerError):
    """The record changed since the form showing it was opened."""

    def __init__(self, message: str, changes: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.changes = changes


@dataclass(frozen=True)
class Seen:
    """What a form showed: the record's digest, the log's length and the number of the
    latest review."""

    digest: str
    event: int
    review: str | None  # None: not checked (an API client that did not say)


@contextmanager
def _writing(registry: Registry, actor: Viewer) -> Iterator[Writer]:
    with registry.writing(actor.name) as w:
        yield w


def _check_unchanged(w: Writer, slug: str, seen: Seen
                     ) -> tuple[DatasetFacts, str]:
    """Refuse, naming what changed, when the dataset is no longer as the form showed it."""
    # Under the write lock: what is read now is the registry as it is.
    facts, snapshot = dataset_snapshot(w.session, slug)
    digest = reviews.record_digest(facts, snapshot)
    if digest != seen.digest:
        changes = [change_view(e) for e in
                   review_records.changes_since(w.session, facts.id, seen.event)]
        raise Changed(f"{slug} changed since you opened it: nothing was saved", changes)
    latest = snapshot.reviews.get(facts.id)
    if seen.review is not None and _latest_review(w.session, facts.id) != seen.review:
        raise Changed(f"{slug} was reviewed since you opened it ({latest.decision} by "  # type: ignore[union-attr]
                      f"{latest.reviewer} at {latest.reviewed_at}): nothing was saved", [])  # type: ignore[union-attr]
    return facts, digest


def record_review(registry: Registry, actor: Viewer, slug: str, *, decision: str,
                  conditions: str, note: str, seen: Seen) -> str:
    """`tracker review SLUG`, refused if the record changed since the form was opened;
    returns the digest reviewed."""
    with _writing(registry, actor) as w:
        facts, digest = _check_unchanged(w, slug, seen)
        review_records.record_review(w, digest=digest, decision=decision, note=note,
                              conditions=conditions, dataset_id=facts.id, run_id=None,
                              label=slug, policy=policy())
    return digest


def _voidable(session: Session, slug: str, kind: str) -> list[dict[str, Any]]:
    row = catalog.find_dataset(session, slug)
    listed = {"fees": lambda: ledger.list_fees(session, slug, include_voided=True),
              "costs": lambda: ledger.list_costs(session, slug, include_voided=True),
              "claims": lambda: claims.claims_of(session, row, include_voided=True),
              "consent": lambda: consent.history(session, dataset_slug=slug,
                                                 include_voided=True)}
    return listed[kind]()


# What `void` corrects, by the name a dataset page's form gives: the CLI's void commands
# (`fee void`, `cost void`, `license retract`, `consent void`).
VOIDERS = {"fees": ledger.void_fee, "costs": ledger.void_cost, "claims": claims.retract_claim,
           "consent": consent.void_consent}


def void(registry: Registry, actor: Viewer, slug: str, kind: str, record_id: int, reason: str,
         seen: Seen) -> None:
    """Void record `record_id` of the dataset (a fee, cost, licence claim or consent record)
    with a reason, if the dataset is as the form showed it."""
    if kind not in VOIDERS:
        raise NotFound(f"{kind}: nothing of that kind can be voided")
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        _own_record(slug, _voidable(w.session, slug, kind), record_id)
        VOIDERS[kind](w, record_id, reason)


# What `edit` corrects, by the name a dataset page's form gives: `fee edit`, `cost edit`.
EDITORS = {"fees": ledger.edit_fee, "costs": ledger.edit_cost}


def edit(registry: Registry, actor: Viewer, slug: str, kind: str, record_id: int, reason: str,
         seen: Seen, **given: Any) -> bool:
    """`tracker fee edit ID --reason ...` or `tracker cost edit ID --reason ...`, for a fee
    or cost of the dataset, if the dataset is as the form showed it; False if nothing
    changed."""
    if kind not in EDITORS:
        raise NotFound(f"{kind}: nothing of that kind can be corrected here")
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        _own_record(slug, _voidable(w.session, slug, kind), record_id)
        return EDITORS[kind](w, record_id, reason, **{k: v for k, v in given.items() if v})


def _own_record(slug: str, rows: list[dict[str, Any]], record_id: int) -> None:
    if not any(r["id"] == record_id for r in rows):
        raise NotFound(f"#{record_id}: no such record of {slug}")


def add_claim(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, expression: str,
              claimed_by: str, evidence_url: str | None, notes: str) -> None:
    """`tracker license claim SLUG EXPRESSION --by ...`."""
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        claims.add_claim(w, slug, expression, claimed_by, evidence_url=evidence_url or None,
                         notes=notes)


def set_consent(registry: Registry, actor: Viewer, slug: str, seen: Seen, *, status: str,
                legal_basis: str, compensation: str, evidence_url: str | None,
                notes: str) -> None:
    """`tracker consent set SLUG --status ...`."""
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        consent.set_consent(w, dataset_slug=slug, source_slug=None, status=status,
                            legal_basis=legal_basis or "unknown",
                            compensation=compensation or "unknown",
                            evidence_url=evidence_url or None, notes=notes)


def waive(registry: Registry, actor: Viewer, slug: str, code: str, *, reason: str,
          run: str | None, expires: str | None, seen: Seen) -> None:
    """`tracker flag waive SLUG CODE --reason ...`: the signed-in user is the reviewer;
    refused if the dataset changed since the form was opened (the finding may be gone)."""
    with _writing(registry, actor) as w:
        _check_unchanged(w, slug, seen)
        findings.waive(w, slug, code, reason=reason, run_slug=run or None, expires=expires or None,
                   on=None)

"""Each dataset's standing kept current between requests, from the audit log.

The registry's filters (effective licence, consent, findings, review state) and
the review queue judge every dataset; at a hundred thousand datasets that is
seconds of work, too slow to repeat for each page. Every change the tool makes
adds an audit event naming what it touched, so a kept view is brought up to
date by judging again only the datasets the new events touch and those derived
from them (a dataset's standing depends on itself and its ancestors alone), and
rebuilt whole only when an event reaches further (a licence's terms, an
exchange rate) or the day changes (reviews and waivers expire).
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.assess.flags import evaluate
from tracker.assess.inventory import Standing, standing
from tracker.assess.policy import Policy
from tracker.assess.review_status import QueueKey, dataset_status, queue_entries
from tracker.db.models import AuditEvent, Consent, Dataset, DatasetSource, Fee
from tracker.facts.lineage_reach import within_closure
from tracker.facts.load import load_datasets, load_registry
from tracker.facts.snapshot import Snapshot
from tracker.registry import audit

# Beyond these a rebuild costs less than following the events one dataset at a time.
_MAX_EVENTS = 5000
_MAX_TOUCHED = 20_000
_CHUNK = 2000
_CHAIN_KEPT = 20_000
# Events whose rows no dataset's standing reads: users, runs, and a run's own costs,
# draws and reviews (those that name a dataset are followed before this applies).
_NO_BEARING = frozenset({"app_user", "api_token", "training_run", "run_dataset", "cost_item",
                         "review"})
# Events about a source: every dataset linked to it reads its terms, consent and crawl.
_SOURCE_WIDE = frozenset({"source", "crawl_domain", "crawl_signal"})


@dataclass(frozen=True)
class Entry:
    """One dataset as the registry's list and the review queue read it."""

    slug: str
    name: str
    record: dict[str, Any]
    standing: Standing
    review_state: str  # missing | stale | current
    queued: tuple[QueueKey, dict[str, Any]] | None  # its queue row, if it needs review


@dataclass(frozen=True)
class View:
    """Every dataset's entry at one state of the registry (its audit head) on one day."""

    head: tuple[int, str]
    day: dt.date
    entries: dict[int, Entry]
    order: list[int]  # dataset ids by slug
    queue: list[tuple[QueueKey, int]]  # sorted: the review queue

    def in_order(self) -> Iterator[Entry]:
        """Every dataset's entry, by slug."""
        entries = self.entries
        return (entries[i] for i in self.order)

    def queue_rows(self, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
        """The review queue (`review queue --json`), most severe and costliest first, from
        row `start` to before `end`."""
        entries = self.entries
        return [entries[i].queued[1] for _, i in self.queue[start:end]]  # type: ignore[index]


class Standings:
    """The latest view of one registry, judged again only where the log says it changed.
    Shared by the threads of one process; each refresh is made under a lock, and a view once
    handed out never changes.

    Given a way to open its own reads of the registry, it judges a new day afresh in the
    background, and meanwhile keeps the day before's judgement current: the first request
    after midnight does not wait for the whole registry to be judged."""

    def __init__(self, policy: Policy,
                 reading: Callable[[], AbstractContextManager[Session]] | None = None,
                 currency: str = "USD") -> None:
        self.policy = policy
        self.currency = currency  # of the queue's annual costs
        self._reading = reading
        self._lock = threading.Lock()
        self._view: View | None = None
        self._renewing: threading.Thread | None = None
        self._chain: dict[int, str] = {}  # event id -> hash, of the log followed

    def view(self, session: Session, today: dt.date | None = None) -> View:
        """The view as of the session's registry state (or a later one another thread has
        read already)."""
        day = today or dt.date.today()
        head = audit.head(session)
        with self._lock:
            held = self._view
            if held is not None and held.day < day and self._reading is not None:
                self._renew(day)
                day = held.day
            # A view further on than the session was read by another request meanwhile,
            # unless the log the view followed had another event there: then the registry
            # was restored from an older copy, and is judged whole again. (A copy restored
            # and not yet changed cannot be told from an older reader: its next change
            # tells.)
            if held is not None and held.day == day and (
                    held.head == head or held.head[0] > head[0]
                    and self._chain.get(head[0], head[1]) == head[1]):
                return held
            self._view = self._refreshed(session, held, head, day)
            self._remember([self._view.head])
            return self._view

    def _remember(self, events: Iterable[tuple[int, str]]) -> None:
        """Keep the hashes of the latest events followed (called locked)."""
        self._chain.update(events)
        while len(self._chain) > _CHAIN_KEPT:
            del self._chain[min(self._chain)]

    def _renew(self, day: dt.date) -> None:
        """Judge the whole registry on `day` in a thread of its own, then serve that view
        (the events logged meanwhile are followed on the next request). Called locked."""
        if self._renewing is not None and self._renewing.is_alive():
            return
        reading = self._reading
        assert reading is not None

        def renew() -> None:
            try:
                with reading() as session:
                    fresh = _whole(session, self.policy, self.currency, audit.head(session), day)
            except Exception:  # noqa: BLE001 - the next request starts another try
                return
            with self._lock:
                if self._view is None or self._view.day < day:
                    self._view = fresh

        self._renewing = threading.Thread(target=renew, daemon=True,
                                          name="judge the registry on a new day")
        self._renewing.start()

    def wait_renewed(self, timeout: float | None = None) -> bool:
        """Wait for a new day's judgement under way, if any; True when none is left."""
        renewing = self._renewing
        if renewing is not None:
            renewing.join(timeout)
        return renewing is None or not renewing.is_alive()

    def _refreshed(self, session: Session, held: View | None, head: tuple[int, str],
                   day: dt.date) -> View:
        touched = None if held is None or held.day != day \
            or not _continues(session, held.head) else _touched(session, held.head[0],
                                                                  self._remember)
        if held is None or touched is None:
            return _whole(session, self.policy, self.currency, head, day)
        return _updated(session, held, touched, self.policy, self.currency, head, day)


def _whole(session: Session, policy: Policy, currency: str, head: tuple[int, str],
           day: dt.date) -> View:
    entries = _judged(load_registry(session), policy, currency, day)
    return _view_of(head, day, entries)


def _view_of(head: tuple[int, str], day: dt.date, entries: dict[int, Entry]) -> View:
    order = sorted(entries, key=lambda i: entries[i].slug)
    queue = sorted((e.queued[0], i) for i, e in entries.items() if e.queued is not None)
    return View(head, day, entries, order, queue)


def _updated(session: Session, held: View, touched: set[int], policy: Policy, currency: str,
             head: tuple[int, str], day: dt.date) -> View:
    fresh: dict[int, Entry] = {}
    ids = sorted(touched)
    for start in range(0, len(ids), _CHUNK):
        fresh.update(_judged(load_datasets(session, ids[start:start + _CHUNK]), policy,
                             currency, day))
    entries = dict(held.entries)
    queue = list(held.queue)
    reordered = False
    for i in ids:
        before, after = entries.pop(i, None), fresh.get(i)
        if before is not None and before.queued is not None:
            del queue[bisect.bisect_left(queue, (before.queued[0], i))]
        if after is not None:
            entries[i] = after
            if after.queued is not None:
                bisect.insort(queue, (after.queued[0], i))
        reordered = reordered or before is None or after is None or before.slug != after.slug
    order = sorted(entries, key=lambda i: entries[i].slug) if reordered else held.order
    return View(head, day, entries, order, queue)


def _judged(snapshot: Snapshot, policy: Policy, currency: str, day: dt.date
            ) -> dict[int, Entry]:
    """The entries of the datasets in the snapshot's scope."""
    findings = evaluate(snapshot, policy, today=day)
    open_codes: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f.waiver is None:
            open_codes[f.dataset].add(f.code)
    queued = {row["dataset"]: (key, row) for key, row in
              queue_entries(snapshot, policy, findings, currency, day)}
    return {d.id: Entry(d.slug, d.name or "", d.record,
                        standing(d, snapshot, policy.or_branch, open_codes.get(d.slug, ())),
                        dataset_status(d, snapshot, policy, day).state, queued.get(d.slug))
            for d in snapshot.scope()}


def _continues(session: Session, head: tuple[int, str]) -> bool:
    """True when the log still holds the event the view was read at: a registry restored
    from a backup, or one whose log was rewritten, is judged whole again."""
    return session.exec(select(AuditEvent.hash).where(AuditEvent.id == head[0])).first() \
        == head[1]


def _touched(session: Session, after_event: int,
             remember: Callable[[Iterable[tuple[int, str]]], None]) -> set[int] | None:
    """The datasets whose standing the events after `after_event` may change, with those
    derived from them; None when they reach too far to follow. The events' hashes go to
    `remember`."""
    rows = session.exec(select(AuditEvent.entity, AuditEvent.entity_id,
                               AuditEvent.about_dataset_id, AuditEvent.id, AuditEvent.hash)
                        .where(AuditEvent.id > after_event).order_by(AuditEvent.id)
                        .limit(_MAX_EVENTS + 1)).all()
    if len(rows) > _MAX_EVENTS:
        return None
    remember((event_id, digest) for *_, event_id, digest in rows)  # type: ignore[misc]
    events = [(entity, entity_id, about) for entity, entity_id, about, *_ in rows]
    touched: set[int] = set()
    sources: set[int] = set()
    agreements: set[int] = set()
    consents: set[int] = set()
    for entity, entity_id, about in events:
        if about is not None:
            touched.add(about)
        elif entity in _SOURCE_WIDE:
            sources.add(entity_id)
        elif entity == "agreement":
            agreements.add(entity_id)
        elif entity == "consent":  # a source's consent: an event with a dataset has one
            consents.add(entity_id)
        elif entity not in _NO_BEARING:
            return None
    if consents:
        sources.update(_column(session, Consent.source_id, Consent.id, consents))
    if sources:
        touched.update(_column(session, DatasetSource.dataset_id, DatasetSource.source_id,
                               sources))
    if agreements:
        touched.update(_column(session, Fee.dataset_id, Fee.agreement_id, agreements))
    if len(touched) > _MAX_TOUCHED:
        return None
    return _with_descendants(session, touched)


def _column(session: Session, wanted: Any, key: Any, values: Iterable[int]) -> set[int]:
    found: set[int] = set()
    listed = sorted(values)
    for start in range(0, len(listed), _CHUNK):
        found.update(v for v in session.exec(select(wanted).where(
            col(key).in_(listed[start:start + _CHUNK]))).all() if v is not None)
    return found


def _with_descendants(session: Session, roots: set[int]) -> set[int]:
    reached = set(roots)
    listed = sorted(roots)
    for start in range(0, len(listed), _CHUNK):
        below = within_closure(listed[start:start + _CHUNK], "down")
        reached.update(session.exec(select(Dataset.id).where(below(Dataset.id))).all())  # type: ignore[arg-type]
    return reached

"""Append-only, hash-chained change log, and its verification.

Each event's hash covers its content and the previous event's hash, so editing,
deleting or inserting an event breaks the chain from that point on. The last
audited state of every row is also compared with the row itself, which catches
registry rows changed behind the tool's back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, or_, select

from tracker.db.models import AUDITED, ApiToken, AppUser, AuditEvent
from tracker.db.rows import as_record, record
from tracker.values.canonical import canonical_json, sha256_text
from tracker.values.parse import choice

GENESIS = "0" * 64
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
ACTIONS = ("create", "update", "delete", "import")


def now() -> str:
    """The current UTC time to the microsecond, as ISO text: an audit event's timestamp."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def event_hash(
    *,
    prev_hash: str,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    label: str,
    before: str | None,
    after: str | None,
) -> str:
    """SHA-256 of the event's canonical JSON (keys sorted, compact, UTF-8), spelled out
    field by field: the same bytes as `canonical_json` gives, without a dict per event."""
    body = (f'{{"action":{_text(action)},"actor":{_text(actor)},"after":{_text(after)},'
            f'"at":{_text(at)},"before":{_text(before)},"entity":{_text(entity)},'
            f'"entity_id":{int(entity_id)!r},"label":{_text(label)},'
            f'"prev":{_text(prev_hash)}}}')
    return sha256_text(body)


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        actor=event.actor,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        label=event.label,
        before=event.before,
        after=event.after,
    )


def last_hash(session: Session) -> str:
    """The hash of the newest audit event, or GENESIS for an empty log: what the next event
    chains onto."""
    found = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return found or GENESIS


def new_event(
    *,
    prev_hash: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    label: str,
    before: dict[str, Any] | str | None,
    after: dict[str, Any] | str | None,
    at: str | None = None,
) -> dict[str, Any]:
    """An event's columns, hashed onto `prev_hash`: one definition for single and bulk writes.
    The states are rows, or rows already in canonical JSON."""
    values: dict[str, Any] = {
        "at": at or now(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "label": label[:300],
        "before": encoded_state(before),
        "after": encoded_state(after),
    }
    values["prev_hash"] = prev_hash
    values["hash"] = event_hash(**values)
    values["about_dataset_id"] = _about_dataset(entity, entity_id, before, after)
    return values


def _about_dataset(entity: str, entity_id: int, before: dict[str, Any] | str | None,
                   after: dict[str, Any] | str | None) -> int | None:
    """The dataset whose record the event changes: the dataset itself, or the one its row
    belongs to (a claim's, fee's or consent record's dataset, a lineage edge's child)."""
    if entity == "dataset":
        return entity_id
    for state in (after, before):
        if isinstance(state, dict):
            for key in ("dataset_id", "child_id"):
                found = state.get(key)
                if isinstance(found, int):
                    return found
    return None


def encoded_state(state: dict[str, Any] | str | None) -> str | None:
    """An event's state in canonical JSON, whether given as a row or encoded already."""
    return state if state is None or isinstance(state, str) else canonical_json(state)


# What events are about: the audited tables, a source's crawl domain list and opt-out
# signals, and the review desk's users and their tokens.
ENTITIES = (*AUDITED, "crawl_domain", "crawl_signal", "app_user", "api_token")


def events(session: Session, *, limit: int | None = None,
           entity: str | None = None) -> list[AuditEvent]:
    """The log, oldest first; with `entity`, the events that changed rows of that table,
    import events included."""
    return list(reversed(newest(session, limit=limit, entity=entity)))


def newest(session: Session, *, limit: int | None = None, offset: int = 0,
           entity: str | None = None, actor: str | None = None) -> list[AuditEvent]:
    """A page of the log, newest first, of the events that changed rows of the table
    `entity` (import events included) by `actor`, when given."""
    query = select(AuditEvent)
    if entity is not None:
        entity = choice(entity, "entity", ENTITIES)
        # An import event holds rows of several tables, by table name.
        query = query.where(or_(AuditEvent.entity == entity,
                                (AuditEvent.action == "import")
                                & col(AuditEvent.after).contains(f'"{entity}":{{',
                                                                 autoescape=True)))
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    query = query.order_by(AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def event_record(event: AuditEvent) -> dict[str, Any]:
    """An audit event as plain data for `tracker log` and the desk's API, its before and
    after decoded from their stored JSON."""
    return {
        "id": event.id,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "label": event.label,
        "before": None if event.before is None else json.loads(event.before),
        "after": None if event.after is None else json.loads(event.after),
        "hash": event.hash,
    }


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _integrity(session: Session) -> Iterator[Problem]:
    if session.get_bind().dialect.name != "sqlite":
        return
    for (line,) in session.execute(text("PRAGMA integrity_check")).all():
        if line != "ok":
            yield Problem("database file", f"integrity check: {line}")
    for row in session.execute(text("PRAGMA foreign_key_check")).all():
        yield Problem(f"{row[0]} row {row[1]}", f"refers to a missing {row[2]} row")


def _chain(session: Session, latest: dict[tuple[str, int], str | None]) -> Iterator[Problem]:
    expected_prev = GENESIS
    previous_id: int | None = None
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)
    for event in session.exec(query):
        where = f"audit event #{event.id}"
        if event.prev_hash != expected_prev:
            after = f"event #{previous_id}" if previous_id is not None else "the start of the log"
            yield Problem(where, f"does not follow {after}: an event was deleted or inserted")
            return
        if _hash_of(event) != event.hash:
            yield Problem(where, f"content does not match its hash: the event was altered "
                                 f"({event.action} {event.entity} {event.label!r})")
            return
        expected_prev = event.hash
        previous_id = event.id
        if event.action == "import":
            # Kept as text, as other events' states are: a parsed row takes five times the
            # memory, for every row of the registry.
            for table, rows in json.loads(event.after or "{}").items():
                for key, state in rows.items():
                    latest[(table, int(key))] = _compact(state)
        else:
            latest[(event.entity, event.entity_id)] = event.after


def _state(session: Session, latest: dict[tuple[str, int], str | None]) -> Iterator[Problem]:
    # The desk's users and tokens too: a role raised or a token revived behind the tool's
    # back is as much a breach as a changed fee. Their events leave out the secrets, and
    # only the columns an event holds are compared.
    for entity, model in [*AUDITED.items(), ("app_user", AppUser), ("api_token", ApiToken)]:
        seen: set[int] = set()
        for row in session.exec(select(model).execution_options(yield_per=2000)):
            row_id = row.id  # type: ignore[attr-defined]
            seen.add(row_id)
            key = (entity, row_id)
            if key not in latest:
                yield Problem(f"{entity} #{row_id}", "exists without an audit event")
            elif latest[key] is None:
                yield Problem(f"{entity} #{row_id}", "was deleted in the log but is present")
            elif not _matches(latest[key], record(row)):
                yield Problem(f"{entity} #{row_id}", "differs from its last audited state: "
                                                     "changed without an audit event")
        for (ent, row_id), after in latest.items():
            if ent == entity and after is not None and row_id not in seen:
                yield Problem(f"{entity} #{row_id}", "is missing: deleted without an audit event")


def _matches(audited_after: str, current: dict[str, Any]) -> bool:
    """The row as last audited, compared on the columns the event knew.

    Columns added by a later migration are absent from older events; they hold
    their migration default until the next audited change records them.
    """
    after = json.loads(audited_after)
    return all(current.get(column) == value for column, value in after.items())


def _domain_lists(session: Session, latest: dict[tuple[str, int], str | None]
                  ) -> Iterator[Problem]:
    from tracker.facts import crawl_domains, crawl_signals

    digests = {"crawl_domain": ("crawl domains", crawl_domains.list_digest),
               "crawl_signal": ("opt-out signals", crawl_signals.list_digest)}
    for (entity, source_id), after in latest.items():
        if entity not in digests or after is None:
            continue
        expected = json.loads(after)
        if "sha256" not in expected:
            continue
        what, list_digest = digests[entity]
        rows, digest = list_digest(session, source_id)
        if (rows, digest) != (expected["rows"], expected["sha256"]):
            yield Problem(f"{what} of source #{source_id}",
                          "differ from the imported list: changed without an audit event")


def verify(session: Session, expect_head: tuple[int, str] | None = None) -> list[Problem]:
    """Every problem found, the first broken event first; empty when the registry is sound."""
    problems = list(_integrity(session))
    latest: dict[tuple[str, int], str | None] = {}
    chain_problems = list(_chain(session, latest))
    problems.extend(chain_problems)
    if not chain_problems:
        problems.extend(_state(session, latest))
        problems.extend(_domain_lists(session, latest))
    if expect_head is not None and head(session) != expect_head:
        count, last = head(session)
        problems.append(Problem("audit log", f"ends at event #{count} ({last[:16]}), not at the "
                                             f"expected #{expect_head[0]} "
                                             f"({expect_head[1][:16]}): events were removed "
                                             "from the end or added"))
    return problems


def head(session: Session) -> tuple[int, str]:
    """(number of events, hash of the last): quote it elsewhere to anchor the log."""
    count = session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (count or 0, last_hash(session))


def state_digest(session: Session) -> str:
    """SHA-256 over every audited row and every audit event: equal digests, equal registries.

    Read through Core, not as ORM objects: a report of a large registry spends most of its
    time here otherwise."""
    conn = session.connection()
    parts: list[str] = []
    for entity, model in [*AUDITED.items(), ("audit_event", AuditEvent)]:
        table = model.__table__  # type: ignore[attr-defined]
        rows = conn.execute(select(table).order_by(table.c.id)).mappings()
        parts.append(canonical_json([entity, [as_record(table, row) for row in rows]]))
    return sha256_text("\n".join(parts))

"""`source domains signals`: a crawl's saved opt-out signals read (`crawl_signals`), judged
and stored per domain, replacing the source's earlier ones as one audited event."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from tracker.assess.signal_verdicts import load_agents
from tracker.db import insert_rows
from tracker.db.models import CrawlSignal
from tracker.facts.crawl_signals import COLUMNS, compact_json, signal_line
from tracker.interop.crawl_signals import DomainSignals, read_directory
from tracker.registry import Writer
from tracker.registry.catalog import find_source
from tracker.values.errors import TrackerError

BATCH = 5000


@dataclass(frozen=True)
class SignalsResult:
    rows: int
    replaced: int
    reserved: int
    digest: str
    warnings: int


def _values(source_id: int, found: DomainSignals) -> tuple[Any, ...]:
    v = found.verdict
    return (source_id, found.domain, v.robots, v.reserved, v.decided_by,
            found.captured_on.isoformat() if found.captured_on else None,
            compact_json([s.as_dict() for s in found.signals]), compact_json(found.files))


def import_signals(writer: Writer, source_slug: str, root: Path, *,
                   agents_file: Path | None = None, captured_on: dt.date | None = None,
                   warn: Callable[[str], None] = lambda _: None,
                   progress: Callable[[int], None] | None = None) -> SignalsResult:
    """Replace the source's opt-out signals with those read from a crawl's directory; all
    or nothing, but a domain whose files are odd is read without them (warned)."""
    session = writer.session
    source = find_source(session, source_slug)
    source_id: int = source.id  # type: ignore[assignment]
    agents = load_agents(agents_file)
    warnings = [0]

    def counted(message: str) -> None:
        warnings[0] += 1
        warn(message)

    found, headers_digest = read_directory(root, source.crawler, agents, captured_on, counted)
    replaced = session.exec(select(func.count()).select_from(CrawlSignal)
                            .where(CrawlSignal.source_id == source_id)).one()
    session.exec(delete(CrawlSignal).where(col(CrawlSignal.source_id) == source_id))
    conn = session.connection()
    digest = hashlib.sha256()
    count = reserved = 0
    batch: list[tuple[Any, ...]] = []
    for domain in found:
        row = _values(source_id, domain)
        digest.update(signal_line(*row[1:]))
        batch.append(row)
        count += 1
        reserved += domain.verdict.reserved == "yes"
        if len(batch) >= BATCH:
            insert_rows(conn, "crawl_signal", COLUMNS, batch)
            batch.clear()
            if progress:
                progress(count)
    if batch:
        insert_rows(conn, "crawl_signal", COLUMNS, batch)
    if count == 0:
        raise TrackerError(f"{root}: no domain folders and no headers.jsonl captures; the "
                           "signals are replaced, not emptied")
    result = SignalsResult(count, int(replaced), reserved, digest.hexdigest(), warnings[0])
    after = {"rows": count, "sha256": result.digest, "directory": root.name,
             "reserved": reserved, "crawler": source.crawler}
    if headers_digest:
        after["headers_sha256"] = headers_digest
    writer.event("update", "crawl_signal", source_id,
                 f"{source_slug}: opt-out signals of {count} domains from {root.name}",
                 {"rows": int(replaced)}, after)
    return result

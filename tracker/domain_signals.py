"""Opt-out evidence per crawled domain in the registry: imported from a crawl's directory,
read back for findings, the audit report and the EU summary.

An import replaces the source's signals in one transaction and is audited as one event
carrying the row count and a digest of the rows, as a domain list is: an event per domain
would make a crawl of a million domains unusable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, null
from sqlmodel import Session, col, select

from tracker.catalog import find_source
from tracker.db import insert_rows
from tracker.db.models import CrawlDomain, CrawlSignal
from tracker.domains import drop_source_rows, source_rows_digest
from tracker.errors import TrackerError
from tracker.interop.crawl_signals import DomainSignals, read_directory
from tracker.registry import Writer
from tracker.signal_verdicts import load_agents

BATCH = 5000
COLUMNS = ("source_id", "domain", "robots", "reserved", "decided_by", "captured_on", "signals",
           "files")
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


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
            _compact([s.as_dict() for s in found.signals]), _compact(found.files))


def _line(*row: Any) -> bytes:
    """A stored row as the digest reads it: its values in canonical JSON, one a line."""
    return _compact([str(v) if isinstance(v, dt.date) else v for v in row]).encode() + b"\n"


def list_digest(session: Session, source_id: int) -> tuple[int, str]:
    """(rows, SHA-256) of a source's signals as stored, in import order."""
    return source_rows_digest(session, CrawlSignal, COLUMNS[1:], source_id, _line)


def drop_signals(writer: Writer, source: Any, slug: str) -> int:
    """Remove a source's signals (one audited event), e.g. before removing the source."""
    return drop_source_rows(writer, CrawlSignal, source,
                            f"{slug}: opt-out signals of {{}} domains removed")


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
        digest.update(_line(*row[1:]))
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


# ---- reading back --------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainEvidence:
    """A crawled domain's content with its signals (None where none were imported)."""

    domain: str
    content_bytes: int | None
    robots: str
    reserved: str
    decided_by: str
    captured_on: str | None
    protocols: tuple[str, ...]


def _protocols(signals: str) -> tuple[str, ...]:
    return tuple(sorted({s["protocol"] for s in json.loads(signals) if s["reserves"]}))


def top_evidence(session: Session, source_ids: Iterable[int], limit: int = 20
                 ) -> list[DomainEvidence]:
    """The largest domains of these crawls by content, with their signals; where no domain
    list was imported, the reserving domains."""
    ids = list(source_ids)
    if not ids:
        return []
    size = func.sum(CrawlDomain.content_bytes)
    rows = session.exec(
        select(CrawlDomain.domain, size, func.max(CrawlSignal.robots),
               func.max(CrawlSignal.reserved), func.max(CrawlSignal.decided_by),
               func.max(CrawlSignal.captured_on), func.max(CrawlSignal.signals))
        .join(CrawlSignal, (CrawlSignal.source_id == CrawlDomain.source_id)
              & (CrawlSignal.domain == CrawlDomain.domain), isouter=True)
        .where(col(CrawlDomain.source_id).in_(ids)).group_by(CrawlDomain.domain)
        .order_by(size.desc(), CrawlDomain.domain).limit(limit)).all()
    if not rows:
        rows = session.exec(
            select(CrawlSignal.domain, null(), CrawlSignal.robots, CrawlSignal.reserved,
                   CrawlSignal.decided_by, CrawlSignal.captured_on, CrawlSignal.signals)
            .where(col(CrawlSignal.source_id).in_(ids), CrawlSignal.reserved == "yes")
            .order_by(CrawlSignal.domain).limit(limit)).all()
    return [DomainEvidence(d, None if b is None else int(b), r or "not read",
                           v or "not read", why or "", str(c) if c else None,
                           _protocols(s) if s else ()) for d, b, r, v, why, c, s in rows]


@dataclass(frozen=True)
class ProtocolCount:
    protocol: str
    reserving: int  # domains a signal of this protocol reserves
    kept: int  # of those, domains whose content the crawl kept
    kept_bytes: int

    @property
    def honoured(self) -> bool:
        return self.reserving > 0 and self.kept == 0


@dataclass(frozen=True)
class SignalSummary:
    """What the crawls' opt-out evidence says in all: the EU summary's 2.3 and 3.1."""

    domains: int  # domains with signals read
    reserved: int  # of those, reserving AI training or TDM
    dropped: int  # reserving domains in the domain list with no content kept
    kept: int
    kept_bytes: int
    protocols: tuple[ProtocolCount, ...]
    captured: str | None  # the capture dates, "first to last"


def signal_summary(session: Session, source_ids: Iterable[int]) -> SignalSummary | None:
    """Counts over the crawls' signals; None when none were imported."""
    ids = list(source_ids)
    if not ids:
        return None
    rows = (select(CrawlSignal.domain, CrawlSignal.reserved, CrawlSignal.signals,
                   CrawlDomain.content_bytes, CrawlSignal.captured_on)
            .join(CrawlDomain, (CrawlDomain.source_id == CrawlSignal.source_id)
                  & (CrawlDomain.domain == CrawlSignal.domain), isouter=True)
            .where(col(CrawlSignal.source_id).in_(ids)).execution_options(yield_per=10_000))
    domains: set[str] = set()
    # Reserving domains and the content the crawl kept of each (None: not in its list).
    reserved: dict[str, int | None] = {}
    per_protocol: dict[str, dict[str, int]] = {}
    dates: list[dt.date] = []
    for domain, verdict, signals, size, captured in session.exec(rows):
        domains.add(domain)
        if captured:
            dates.append(captured if isinstance(captured, dt.date)
                         else dt.date.fromisoformat(str(captured)))
        if verdict != "yes":
            continue
        if size is not None or domain not in reserved:
            reserved[domain] = (reserved.get(domain) or 0) + size if size is not None else None
        for protocol in _protocols(signals):
            counts = per_protocol.setdefault(protocol, {})
            counts[domain] = counts.get(domain, 0) + int(size or 0)
    if not domains:
        return None
    protocols = tuple(ProtocolCount(p, len(c), sum(1 for b in c.values() if b > 0),
                                    sum(c.values())) for p, c in sorted(per_protocol.items()))
    kept = [b for b in reserved.values() if b]
    dropped = sum(1 for b in reserved.values() if b == 0)
    first, last = (min(dates).isoformat(), max(dates).isoformat()) if dates else (None, None)
    captured = first if first == last else f"{first} to {last}"
    return SignalSummary(len(domains), len(reserved), dropped, len(kept), sum(kept), protocols,
                         captured)


def _bytes(n: int) -> str:
    return f"{n:,} byte{'s' if n != 1 else ''}"


def statements(summary: SignalSummary) -> list[str]:
    """The EU summary's 3.1 in sentences: which protocols were honoured, how many domains
    reserved their rights, and how much of their content the crawl dropped or kept."""
    lines = [f"Opt-out signals were read for {summary.domains:,} crawled domain"
             f"{'s' if summary.domains != 1 else ''}"
             + (f" (captured {summary.captured})" if summary.captured else "") + "; "
             f"{summary.reserved:,} reserved AI training or text and data mining."]
    if summary.reserved:
        unlisted = summary.reserved - summary.dropped - summary.kept
        lines.append(f"Of those, the crawl dropped the content of {summary.dropped:,}; "
                     f"{summary.kept:,} contributed {_bytes(summary.kept_bytes)}"
                     + (f"; {unlisted:,} are not in the crawl's domain list" if unlisted
                        else "") + ".")
    for p in summary.protocols:
        state = "honoured" if p.honoured else \
            f"not honoured for {p.kept:,} domain{'s' if p.kept != 1 else ''} " \
            f"({_bytes(p.kept_bytes)} kept)"
        lines.append(f"{p.protocol}: {p.reserving:,} domain{'s' if p.reserving != 1 else ''} "
                     f"reserved rights; {state}.")
    return lines


@dataclass(frozen=True)
class CrawlEvidence:
    """A run's crawls' opt-out evidence: the counts and the largest domains."""

    summary: SignalSummary | None
    top: tuple[DomainEvidence, ...]

    @property
    def statements(self) -> list[str]:
        return [] if self.summary is None else statements(self.summary)


def crawl_evidence(session: Session, source_ids: Iterable[int], limit: int = 20
                   ) -> CrawlEvidence | None:
    """The opt-out evidence of these crawl sources, for a report; None without crawls."""
    ids = list(source_ids)
    if not ids:
        return None
    summary = signal_summary(session, ids)
    return CrawlEvidence(summary, tuple(top_evidence(session, ids, limit)) if summary else ())


EVIDENCE_COLUMNS = ("domain", "robots", "reserved", "decided_by", "captured_on")


def evidence_rows(session: Session, source_slug: str, *, reserved_only: bool = False
                  ) -> list[dict[str, Any]]:
    """A source's opt-out evidence, by domain: each domain's verdict, the rule that decided
    it, its signals and the SHA-256 of each file read."""
    source = find_source(session, source_slug)
    query = select(CrawlSignal).where(CrawlSignal.source_id == source.id)
    if reserved_only:
        query = query.where(CrawlSignal.reserved == "yes")
    return [{"domain": r.domain, "robots": r.robots, "reserved": r.reserved,
             "decided_by": r.decided_by,
             "captured_on": r.captured_on.isoformat() if r.captured_on else None,
             "signals": json.loads(r.signals), "files": json.loads(r.files)}
            for r in session.exec(query.order_by(CrawlSignal.domain))]

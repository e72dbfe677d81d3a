"""The opt-out signals stored per crawled domain (`source domains signals`), read back: their
digest for `verify`, and the evidence a report states (counts, the largest domains)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, null
from sqlmodel import Session, col, select

from tracker.db.models import CrawlDomain, CrawlSignal
from tracker.facts.crawl_domains import source_rows_digest
from tracker.values.wording import plural

COLUMNS = ("source_id", "domain", "robots", "reserved", "decided_by", "captured_on", "signals",
           "files")
compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode


def signal_line(*row: Any) -> bytes:
    """A stored row as the digest reads it: its values in canonical JSON, one a line."""
    return compact_json([str(v) if isinstance(v, dt.date) else v for v in row]).encode() + b"\n"


def list_digest(session: Session, source_id: int) -> tuple[int, str]:
    """(rows, SHA-256) of a source's signals as stored, in import order."""
    return source_rows_digest(session, CrawlSignal, COLUMNS[1:], source_id, signal_line)


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
        """True when some domain reserves under the protocol and the crawl kept none of their
        content: the reservation was respected."""
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


def statements(summary: SignalSummary) -> list[str]:
    """The EU summary's 3.1 in sentences: which protocols were honoured, how many domains
    reserved their rights, and how much of their content the crawl dropped or kept."""
    lines = [f"Opt-out signals were read for {plural(summary.domains, 'crawled domain')}"
             + (f" (captured {summary.captured})" if summary.captured else "") + "; "
             f"{summary.reserved:,} reserved AI training or text and data mining."]
    if summary.reserved:
        unlisted = summary.reserved - summary.dropped - summary.kept
        lines.append(f"Of those, the crawl dropped the content of {summary.dropped:,}; "
                     f"{summary.kept:,} contributed {plural(summary.kept_bytes, 'byte')}"
                     + (f"; {unlisted:,} are not in the crawl's domain list" if unlisted
                        else "") + ".")
    for p in summary.protocols:
        state = "honoured" if p.honoured else \
            f"not honoured for {plural(p.kept, 'domain')} ({plural(p.kept_bytes, 'byte')} kept)"
        lines.append(f"{p.protocol}: {plural(p.reserving, 'domain')} reserved rights; {state}.")
    return lines


@dataclass(frozen=True)
class CrawlEvidence:
    """A run's crawls' opt-out evidence: the counts and the largest domains."""

    summary: SignalSummary | None
    top: tuple[DomainEvidence, ...]

    @property
    def statements(self) -> list[str]:
        """The EU summary's 3.1 in sentences, from the opt-out signals; none without any."""
        return [] if self.summary is None else statements(self.summary)


def crawl_evidence(session: Session, source_ids: Iterable[int], limit: int = 20
                   ) -> CrawlEvidence | None:
    """The opt-out evidence of these crawl sources, for a report; None without crawls."""
    ids = list(source_ids)
    if not ids:
        return None
    summary = signal_summary(session, ids)
    return CrawlEvidence(summary, tuple(top_evidence(session, ids, limit)) if summary else ())



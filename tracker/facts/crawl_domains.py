"""The per-domain content of crawl sources as stored: the digest of a source's list, and
the top domains by content that the EU summary names."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.db.models import CrawlDomain


def domain_line(domain: str, content: int, robots: str, tdm: str) -> bytes:
    """One domain as it enters a list's digest."""
    return f"{domain}\t{content}\t{robots}\t{tdm}\n".encode()


def list_digest(session: Session, source_id: int) -> tuple[int, str]:
    """(rows, SHA-256) of a source's domain list as stored, in import order."""
    return source_rows_digest(session, CrawlDomain, ("domain", "content_bytes", "robots",
                                                     "tdm_reserved"), source_id, domain_line)


def source_rows_digest(session: Session, model: Any, columns: Iterable[str], source_id: int,
                       line: Callable[..., bytes]) -> tuple[int, str]:
    """(rows, SHA-256) of a source's per-domain list (`model`), each row's `columns` made a
    line by `line`, in import order."""
    digest = hashlib.sha256()
    count = 0
    query = (select(*(getattr(model, c) for c in columns))
             .where(model.source_id == source_id).order_by(model.id)
             .execution_options(yield_per=10_000))
    for row in session.exec(query):
        digest.update(line(*row))
        count += 1
    return count, digest.hexdigest()


@dataclass(frozen=True)
class TopDomains:
    total_domains: int
    total_bytes: int
    rule: str
    top: tuple[tuple[str, int, str, str], ...]  # domain, bytes, robots, tdm_reserved


def top_domains(session: Session, source_ids: Iterable[int], *, sme: bool = False
                ) -> TopDomains:
    """The EU template's list: top 10% of domains by content (SMEs: top 5% or 1,000)."""
    ids = list(source_ids)
    if not ids:
        return TopDomains(0, 0, "no crawl sources", ())
    where = col(CrawlDomain.source_id).in_(ids)
    total, size = session.exec(select(func.count(func.distinct(CrawlDomain.domain)),
                                      func.coalesce(func.sum(CrawlDomain.content_bytes), 0))
                               .where(where)).one()
    if sme:
        keep = min(math.ceil(total * 0.05), 1000)
        rule = "top 5% of domains by content size, at most 1,000 (SME)"
    else:
        keep = math.ceil(total * 0.10)
        rule = "top 10% of domains by content size"
    rows = session.exec(
        select(CrawlDomain.domain, func.sum(CrawlDomain.content_bytes).label("size"),
               func.min(CrawlDomain.robots), func.min(CrawlDomain.tdm_reserved))
        .where(where).group_by(CrawlDomain.domain)
        .order_by(func.sum(CrawlDomain.content_bytes).desc(), CrawlDomain.domain)
        .limit(keep)).all()
    return TopDomains(int(total), int(size), rule,
                      tuple((d, int(s), r, t) for d, s, r, t in rows))

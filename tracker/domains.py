"""Per-domain content of a crawl: streamed import of large CSV files, and the top domains.

A domain list replaces the source's previous one in a single transaction and is
audited as one event carrying the row count and a digest of the rows; writing an
event per domain would make a million-row crawl list unusable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tracker import parse
from tracker.catalog import find_source
from tracker.db import insert_rows
from tracker.db.models import CrawlDomain
from tracker.errors import InvalidValue, TrackerError
from tracker.registry import Writer
from tracker.vocab import ROBOTS, ROBOTS_AMBIGUOUS, ROBOTS_SPELLINGS

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
BATCH = 5000
COLUMNS = ("source_id", "domain", "content_bytes", "robots", "tdm_reserved")
SIZE_COLUMNS = ("content_bytes", "bytes", "size")


@dataclass(frozen=True)
class ImportResult:
    rows: int
    replaced: int
    digest: str


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read, for a progress bar over a streamed CSV."""

    def __init__(self, inner: io.BufferedReader) -> None:
        self.inner = inner
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.inner.readinto(buffer)
        self.consumed += n or 0
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


def _rows(handle: io.TextIOBase, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    # A plain reader and a column index: a dict per row costs more than the row's insert.
    reader = csv.reader(handle)
    first = [h.strip() for h in next(reader, [])]
    header = [h.lower() for h in first]
    if "domain" not in header or not set(header) & set(SIZE_COLUMNS):
        # As written and in file order: a headerless file shows its first row as it reads.
        raise TrackerError(f"{name}: needs a header with 'domain' and 'content_bytes' "
                           f"(found {', '.join(first) or 'no header'})")
    size_at = next(header.index(c) for c in SIZE_COLUMNS if c in header)
    at = {key: header.index(key) if key in header else None
          for key in ("domain", "robots", "tdm_reserved")}
    width = len(header)
    for row in reader:
        if not row:
            continue
        if len(row) > width:
            raise TrackerError(f"{name} line {reader.line_num}: more values than columns")
        row += [""] * (width - len(row))
        yield reader.line_num, {
            "domain": row[at["domain"]].strip(),  # type: ignore[index]
            "size": row[size_at].strip(),
            "robots": row[at["robots"]].strip() if at["robots"] is not None else "",
            "tdm_reserved": (row[at["tdm_reserved"]].strip()
                             if at["tdm_reserved"] is not None else ""),
        }


def _parse(line: int, row: dict[str, str], name: str) -> dict[str, Any]:
    where = f"{name} line {line}"
    try:
        domain = domain_name(row["domain"])
    except InvalidValue as exc:
        raise InvalidValue(f"{where}: domain", row["domain"], exc.reason) from exc
    size, robots, tdm = row["size"], row["robots"] or "unknown", row["tdm_reserved"] or "unknown"
    try:
        # The common case checked directly; anything else gets the full parser and its message.
        content = int(size) if size.isdigit() and len(size) < 19 else \
            parse.count(size, "content_bytes")
        if robots not in ROBOTS:
            robots = robots_value(robots)
        if tdm not in YES_NO_UNKNOWN:
            tdm = parse.choice(tdm, "tdm_reserved", YES_NO_UNKNOWN)
    except InvalidValue as exc:
        raise InvalidValue(f"{where}: {exc.field}", exc.value, exc.reason) from exc
    return {"domain": domain, "content_bytes": content, "robots": robots, "tdm_reserved": tdm}


def domain_name(value: str) -> str:
    """A domain in its canonical spelling: lower case, no trailing dot, no leading www."""
    domain = value.strip().lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    if not _DOMAIN.match(domain):
        raise InvalidValue("domain", value, "is not a domain name")
    return domain


def robots_value(value: str) -> str:
    """A robots value in its canonical spelling; an ambiguous one is refused, never guessed."""
    word = value.strip().lower().replace("-", "_")
    word = ROBOTS_SPELLINGS.get(word, word)
    if word in ROBOTS_AMBIGUOUS:
        raise InvalidValue("robots", value, f"must be one of {', '.join(ROBOTS)}: "
                           "a yes/no answer could mean allowed or disallowed")
    return word if word in ROBOTS else parse.choice(value, "robots", ROBOTS)


def _line(domain: str, content: int, robots: str, tdm: str) -> bytes:
    return f"{domain}\t{content}\t{robots}\t{tdm}\n".encode()


def list_digest(session: Session, source_id: int) -> tuple[int, str]:
    """(rows, SHA-256) of a source's domain list as stored, in import order."""
    return source_rows_digest(session, CrawlDomain, ("domain", "content_bytes", "robots",
                                                     "tdm_reserved"), source_id, _line)


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


def drop_domains(writer: Writer, source: Any, slug: str) -> int:
    """Remove a source's domain list (one audited event), e.g. before removing the source."""
    return drop_source_rows(writer, CrawlDomain, source, f"{slug}: {{}} domains removed")


def drop_source_rows(writer: Writer, model: Any, source: Any, label: str) -> int:
    """Remove the rows of a per-domain list (`model`) of a source, audited as one event
    (`label` takes the count); the number removed."""
    session = writer.session
    count = session.exec(select(func.count()).select_from(model)
                         .where(model.source_id == source.id)).one()
    if count:
        session.exec(delete(model).where(col(model.source_id) == source.id))
        writer.event("delete", model.__tablename__, source.id, label.format(count),
                     {"rows": count}, None)
    return int(count)


def import_domains(writer: Writer, source_slug: str, path: Path,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Replace the source's domain list with the file's; all or nothing."""
    session = writer.session
    source = find_source(session, source_slug)
    source_id: int = source.id  # type: ignore[assignment]
    replaced = session.exec(select(func.count()).select_from(CrawlDomain)
                            .where(CrawlDomain.source_id == source_id)).one()
    session.exec(delete(CrawlDomain).where(col(CrawlDomain.source_id) == source_id))
    conn = session.connection()
    digest = hashlib.sha256()
    seen: set[str] = set()
    count = 0
    batch: list[tuple[Any, ...]] = []
    try:
        counted = _Counting(path.open("rb"))
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read ({exc.strerror})") from exc
    with io.TextIOWrapper(counted, encoding="utf-8-sig", newline="") as handle:  # type: ignore[arg-type]
        try:
            for line, raw in _rows(handle, str(path)):
                row = _parse(line, raw, str(path))
                if row["domain"] in seen:
                    raise InvalidValue(f"{path} line {line}: domain", row["domain"],
                                       "appears twice in the file")
                seen.add(row["domain"])
                digest.update(_line(row["domain"], row["content_bytes"], row["robots"],
                                    row["tdm_reserved"]))
                batch.append((source_id, row["domain"], row["content_bytes"], row["robots"],
                              row["tdm_reserved"]))
                count += 1
                if len(batch) >= BATCH:
                    insert_rows(conn, "crawl_domain", COLUMNS, batch)
                    batch.clear()
                    if progress:
                        progress(counted.consumed)
        except UnicodeDecodeError as exc:
            raise TrackerError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise TrackerError(f"{path}: malformed CSV ({exc})") from exc
    if batch:
        insert_rows(conn, "crawl_domain", COLUMNS, batch)
    if count == 0:
        raise TrackerError(f"{path}: no domains in the file; a list is replaced, not emptied "
                           "(remove the source to drop its list)")
    result = ImportResult(count, replaced, digest.hexdigest())
    writer.event("update", "crawl_domain", source_id,
                 f"{source_slug}: {count} domains from {path.name}", {"rows": replaced},
                 {"rows": count, "sha256": result.digest, "file": path.name})
    return result


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


def summary(session: Session, source_slug: str, limit: int = 20) -> dict[str, Any]:
    source = find_source(session, source_slug)
    top = top_domains(session, [source.id])  # type: ignore[list-item]
    rows = session.exec(select(CrawlDomain).where(CrawlDomain.source_id == source.id)
                        .order_by(col(CrawlDomain.content_bytes).desc(), CrawlDomain.domain)
                        .limit(limit)).all()
    return {"source": source_slug, "domains": top.total_domains, "content_bytes": top.total_bytes,
            "largest": [{"domain": r.domain, "content_bytes": r.content_bytes,
                         "robots": r.robots, "tdm_reserved": r.tdm_reserved} for r in rows]}

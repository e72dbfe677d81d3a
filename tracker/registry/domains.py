"""Per-domain content of a crawl: streamed import of large CSV files, and a list's summary.

A domain list replaces the source's previous one in a single transaction and is
audited as one event carrying the row count and a digest of the rows; writing an
event per domain would make a million-row crawl list unusable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tracker.db import insert_rows
from tracker.db.models import CrawlDomain
from tracker.facts.crawl_domains import domain_line, top_domains
from tracker.registry import Writer
from tracker.registry.catalog import find_source
from tracker.values import parse
from tracker.values.errors import InvalidValue, TrackerError
from tracker.values.vocab import ROBOTS, ROBOTS_AMBIGUOUS, ROBOTS_SPELLINGS

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
        """Always readable: the wrapper exists only to be read through."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read from the wrapped file, adding the bytes read to `consumed`."""
        n = self.inner.readinto(buffer)
        self.consumed += n or 0
        return n

    def close(self) -> None:
        """Close the wrapped file along with this one."""
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
                digest.update(domain_line(row["domain"], row["content_bytes"], row["robots"],
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


def summary(session: Session, source_slug: str, limit: int = 20) -> dict[str, Any]:
    """A source's domain list in brief: its domain count and content size, and the `limit`
    largest domains with their robots and TDM reservation signals."""
    source = find_source(session, source_slug)
    top = top_domains(session, [source.id])  # type: ignore[list-item]
    rows = session.exec(select(CrawlDomain).where(CrawlDomain.source_id == source.id)
                        .order_by(col(CrawlDomain.content_bytes).desc(), CrawlDomain.domain)
                        .limit(limit)).all()
    return {"source": source_slug, "domains": top.total_domains, "content_bytes": top.total_bytes,
            "largest": [{"domain": r.domain, "content_bytes": r.content_bytes,
                         "robots": r.robots, "tdm_reserved": r.tdm_reserved} for r in rows]}

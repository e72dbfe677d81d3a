"""A crawl source's stored opt-out evidence, domain by domain, as `source domains evidence`
lists it."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from tracker.db.models import CrawlSignal
from tracker.registry.catalog import find_source

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

"""Licence claims on datasets, and licences users add to the knowledge base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from tracker import licenses, parse, vocab
from tracker.catalog import find_dataset
from tracker.db.models import Dataset, License, LicenseClaim
from tracker.errors import InvalidValue
from tracker.registry import Writer


def add_claim(writer: Writer, dataset_slug: str, expression: str, claimed_by: str, *,
              evidence_url: str | None = None, observed_on: object = None,
              notes: str = "", known: list[License] | None = None) -> LicenseClaim:
    """Record who says which licence applies; earlier claims stay, so drift stays visible.

    `known` is the knowledge base, when the caller has it loaded already."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    claim = LicenseClaim(
        dataset_id=dataset.id,  # type: ignore[arg-type]
        expression=licenses.normalize_expression(
            expression, known if known is not None else licenses.all_licenses(session),
            "license"),
        claimed_by=parse.choice(claimed_by, "by", vocab.CLAIMANTS),
        evidence_url=None if not evidence_url else parse.url(evidence_url, "evidence"),
        observed_on=dt.date.today() if observed_on in (None, "")
        else parse.date(observed_on, "date"),
        notes=parse.text(notes, "notes"),
    )
    return writer.add(claim, label=f"{dataset_slug}: {claim.expression} ({claim.claimed_by})")


def claims_of(session: Session, dataset: Dataset) -> list[dict[str, Any]]:
    rows = session.exec(select(LicenseClaim).where(LicenseClaim.dataset_id == dataset.id)
                        .order_by(LicenseClaim.observed_on, LicenseClaim.id)).all()
    return [{"license": c.expression, "claimed_by": c.claimed_by,
             "evidence_url": c.evidence_url, "observed_on": c.observed_on.isoformat(),
             "notes": c.notes} for c in rows]


def add_license(writer: Writer, key: str, *, name: str, url: str | None, category: str,
                commercial_use: str, ai_training: str, flags: dict[str, bool],
                notes: str = "") -> License:
    if not key.startswith("LicenseRef-") or not parse.slug(key[len("LicenseRef-"):] or "-",
                                                            "id"):
        raise InvalidValue("id", key, "user licences are named LicenseRef-<name>")
    existing = licenses.all_licenses(writer.session)
    taken = {k.lower() for lic in existing for k in (lic.key, *lic.aliases.split(",")) if k}
    if key.lower() in taken:
        raise InvalidValue("id", key, "this licence id is already in the knowledge base")
    row = License(
        key=key,
        name=parse.name(name),
        url=None if not url else parse.url(url, "url"),
        category=parse.choice(category, "category", licenses.CATEGORIES).replace("_", "-"),
        commercial_use=parse.choice(commercial_use, "commercial-use", vocab.YES_NO_UNKNOWN),
        ai_training=parse.choice(ai_training, "ai-training", licenses.AI_TRAINING),
        notes=parse.text(notes, "notes"),
        builtin=False,
        **{flag: bool(flags.get(flag, False)) for flag in licenses.TERM_FLAGS},
    )
    return writer.add(row, label=key)

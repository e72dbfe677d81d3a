"""Licence claims on datasets, and licences users add to the knowledge base."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Dataset, License, LicenseClaim
from tracker.registry import Writer, corrections, licenses
from tracker.registry.catalog import find_dataset
from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue


def claim_values(dataset_id: int, expression: str, claimed_by: str, *,
                 evidence_url: str | None, observed_on: object, notes: str,
                 known: list[License]) -> dict[str, Any]:
    """The checked columns of a new claim, its expression in canonical form over `known`."""
    return {
        "dataset_id": dataset_id,
        "expression": licenses.normalize_expression(expression, known, "license"),
        "claimed_by": parse.choice(claimed_by, "by", vocab.CLAIMANTS),
        "evidence_url": None if not evidence_url else parse.urls(evidence_url, "evidence"),
        "observed_on": dt.date.today() if observed_on in (None, "")
        else parse.date(observed_on, "date"),
        "notes": parse.text(notes, "notes"),
    }


def claim_label(dataset_slug: str, values: dict[str, Any]) -> str:
    """How the audit log names a licence claim: dataset, expression and claimant."""
    return f"{dataset_slug}: {values['expression']} ({values['claimed_by']})"


def add_claim(writer: Writer, dataset_slug: str, expression: str, claimed_by: str, *,
              evidence_url: str | None = None, observed_on: object = None,
              notes: str = "", known: list[License] | None = None) -> LicenseClaim:
    """Record who says which licence applies; earlier claims stay, so drift stays visible.

    `known` is the knowledge base, when the caller has it loaded already."""
    session = writer.session
    dataset = find_dataset(session, dataset_slug)
    values = claim_values(
        dataset.id, expression, claimed_by, evidence_url=evidence_url,  # type: ignore[arg-type]
        observed_on=observed_on, notes=notes,
        known=known if known is not None else licenses.all_licenses(session))
    return writer.add(LicenseClaim(**values), label=claim_label(dataset_slug, values))


def claims_of(session: Session, dataset: Dataset, *,
              include_voided: bool = False) -> list[dict[str, Any]]:
    """The dataset's claims, oldest first; retracted ones only with `include_voided`."""
    query = select(LicenseClaim).where(LicenseClaim.dataset_id == dataset.id)
    if not include_voided:
        query = query.where(col(LicenseClaim.voided_at).is_(None))
    rows = session.exec(query.order_by(LicenseClaim.observed_on, LicenseClaim.id)).all()
    return [{"id": c.id, "license": c.expression, "claimed_by": c.claimed_by,
             "evidence_url": c.evidence_url, "observed_on": c.observed_on.isoformat(),
             "notes": c.notes, "voided": corrections.voided(c)} for c in rows]


def retract_claim(writer: Writer, claim_id: int, reason: str) -> LicenseClaim:
    """Retract a claim recorded in error: kept and shown as voided, it no longer takes part
    in resolution, conflicts or findings. A claimant who changed its licence is not an
    error: record the new claim and the old one stays, as drift."""
    row = corrections.find_live(writer.session, LicenseClaim, claim_id)
    slug = writer.session.get(Dataset, row.dataset_id).slug  # type: ignore[union-attr]
    corrections.void(writer, row, reason, claim_label(slug, corrections.columns(row)))
    return row


def license_values(key: str, known: list[License], *, name: str, url: str | None,
                   category: str, commercial_use: str, ai_training: str,
                   flags: dict[str, bool], notes: str = "") -> dict[str, Any]:
    """The checked columns of a user licence; its id must be new to `known`."""
    if not key.startswith("LicenseRef-") or not parse.slug(key[len("LicenseRef-"):] or "-",
                                                            "id"):
        raise InvalidValue("id", key, "user licences are named LicenseRef-<name>")
    taken = {k.lower() for lic in known for k in (lic.key, *lic.aliases.split(",")) if k}
    if key.lower() in taken:
        raise InvalidValue("id", key, "this licence id is already in the knowledge base")
    return {
        "key": key,
        "name": parse.name(name),
        "url": None if not url else parse.url(url, "url"),
        "category": parse.choice(category, "category", licenses.CATEGORIES).replace("_", "-"),
        "commercial_use": parse.choice(commercial_use, "commercial-use", vocab.YES_NO_UNKNOWN),
        "ai_training": parse.choice(ai_training, "ai-training", licenses.AI_TRAINING),
        "notes": parse.text(notes, "notes"),
        "builtin": False,
        **{flag: bool(flags.get(flag, False)) for flag in licenses.TERM_FLAGS},
    }


def add_license(writer: Writer, key: str, *, name: str, url: str | None, category: str,
                commercial_use: str, ai_training: str, flags: dict[str, bool],
                notes: str = "") -> License:
    """Add a user-defined licence to the knowledge base, its values checked and its id new,
    so that claims may name it."""
    values = license_values(key, licenses.all_licenses(writer.session), name=name, url=url,
                            category=category, commercial_use=commercial_use,
                            ai_training=ai_training, flags=flags, notes=notes)
    return writer.add(License(**values), label=key)

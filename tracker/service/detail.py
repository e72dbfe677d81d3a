"""Everything recorded about one dataset or source, as one JSON-ready dict."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from tracker.registry import catalog, claims, consent, ledger, lineage


def dataset_detail(session: Session, slug: str) -> dict[str, Any]:
    """Everything recorded about the dataset SLUG, voided records included
    and marked."""
    dataset = catalog.find_dataset(session, slug)
    return {
        **catalog.public(dataset),
        "sources": catalog.sources_of(session, dataset),
        # Voided records too, each marked with who voided it, when and why.
        "license_claims": claims.claims_of(session, dataset, include_voided=True),
        "fees": ledger.list_fees(session, slug, include_voided=True),
        "costs": ledger.list_costs(session, slug, include_voided=True),
        "consent": consent.history(session, dataset_slug=slug, include_voided=True),
        "parents": lineage.parents_of(session, dataset),
        "children": lineage.children_of(session, dataset),
    }


def source_detail(session: Session, slug: str) -> dict[str, Any]:
    """Everything recorded about the source SLUG: its datasets and consent."""
    source = catalog.find_source(session, slug)
    return {
        **catalog.public(source),
        "datasets": catalog.datasets_of(session, source),
        "consent": consent.history(session, source_slug=slug, include_voided=True),
    }

"""What the registry already holds for the datasets an import mentions, loaded in a few
queries per chunk, so records are matched against it without a query per record."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from tracker.db.models import (
    Agreement,
    Consent,
    Dataset,
    DatasetSource,
    Fee,
    License,
    LicenseClaim,
    Lineage,
    Source,
)
from tracker.facts.snapshot import ClaimFacts
from tracker.values.money import decimal_text

ConsentHeld = tuple[dt.date, str, str, str]  # recorded on, status, legal basis, compensation
FeeKey = tuple[str, str, str, str | None, str | None, str, str]


def fee_key(fee: dict[str, Any], counterparty: str, reference: str) -> FeeKey:
    """A fee as an import matches it against the fees a dataset already has."""
    return (fee["kind"], decimal_text(fee["amount"]), fee["currency"], fee["period"],
            fee["unit"], counterparty, reference)


class Held(NamedTuple):
    """What the registry holds for some datasets: rows, claims, fees and consent by id."""

    rows: dict[int, dict[str, Any]]
    claims: dict[int, list[ClaimFacts]]
    fees: dict[int, set[FeeKey]]
    consents: dict[int, list[ConsentHeld]]

    @classmethod
    def nothing(cls) -> Held:
        """Nothing held, ready to be filled."""
        return cls({}, defaultdict(list), defaultdict(set), defaultdict(list))


def load_held(session: Session, ids: list[int]) -> Held:
    """The stored rows, claims, fees and consent of these datasets."""
    held = Held.nothing()
    if not ids:
        return held
    table = Dataset.__table__  # type: ignore[attr-defined]
    for row in session.connection().execute(select(table).where(table.c.id.in_(ids))).mappings():
        held.rows[row["id"]] = dict(row)
    for claim in session.exec(select(LicenseClaim).where(col(LicenseClaim.dataset_id).in_(ids))
                              .order_by(LicenseClaim.observed_on, LicenseClaim.id)):
        held.claims[claim.dataset_id].append(ClaimFacts(
            claim.expression, claim.claimed_by, claim.evidence_url, claim.observed_on))
    for fee, agreement in session.exec(
            select(Fee, Agreement).join(Agreement, col(Agreement.id) == Fee.agreement_id)
            .where(col(Fee.dataset_id).in_(ids))):
        held.fees[fee.dataset_id].add(fee_key(
            {"kind": fee.kind, "amount": fee.amount, "currency": fee.currency,
             "period": fee.period, "unit": fee.unit},
            agreement.counterparty, agreement.reference))
    for c in session.exec(select(Consent).where(col(Consent.dataset_id).in_(ids))
                          .order_by(Consent.recorded_on, Consent.id)):
        held.consents[c.dataset_id].append(  # type: ignore[index]
            (c.recorded_on, c.status, c.legal_basis, c.compensation))
    return held


# The tables an import adds rows to.
IMPORTED = (License, Dataset, Source, Agreement, LicenseClaim, Fee, Consent, DatasetSource,
            Lineage)

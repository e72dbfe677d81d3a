"""The registry's tables.

Enumerated fields are plain text checked by ``tracker.values.parse`` against
``tracker.values.vocab``: adding a value must not need a migration. Money columns use
ExactDecimal; large counts use BigInteger (token counts pass 2^31 easily).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.db.types import ExactDecimal


def _money(nullable: bool = False) -> Column:
    return Column(ExactDecimal(), nullable=nullable)


class Dataset(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=128, unique=True, index=True)
    name: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    version: str = Field(default="", max_length=100)
    modality: str = Field(default="text", max_length=20)
    source_category: str = Field(default="other", max_length=40)
    collection_method: str = Field(default="", sa_type=Text)
    homepage: str | None = Field(default=None, max_length=2048)
    size_tokens: int | None = Field(default=None, sa_type=BigInteger)
    size_records: int | None = Field(default=None, sa_type=BigInteger)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    size_hours: Decimal | None = Field(default=None, sa_column=_money(nullable=True))
    languages: str = Field(default="", max_length=500)
    personal_data: str = Field(default="unknown", max_length=10)
    generator_model: str = Field(default="", max_length=300)
    acquired_from: dt.date | None = None
    acquired_to: dt.date | None = None
    status: str = Field(default="active", max_length=20)
    steward: str = Field(default="", max_length=300)
    crawler: str = Field(default="", max_length=300)
    # A size range where only that is known, e.g. a hub card's "10K<n<100K".
    size_category: str = Field(default="", max_length=40)
    # Where an importer found it: "dpi:<unique id>", "hf:<hub id>", "croissant:<url>"...
    # Re-imports match on it, so two identifiers that slugify alike stay two datasets.
    external_id: str | None = Field(default=None, max_length=600, unique=True, index=True)


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=128, unique=True, index=True)
    name: str = Field(max_length=300)
    kind: str = Field(default="website", max_length=20)
    url: str | None = Field(default=None, max_length=2048)
    rights_holder: str = Field(default="", max_length=300)
    terms_url: str | None = Field(default=None, max_length=2048)
    tdm_reservation: str = Field(default="unknown", max_length=20)
    tdm_honoured: str = Field(default="unknown", max_length=10)
    checked_on: dt.date | None = None
    notes: str = Field(default="", sa_type=Text)
    # The user agent a crawl of this source announced: robots.txt is judged for it.
    crawler: str = Field(default="", max_length=300)


class DatasetSource(SQLModel, table=True):
    __tablename__ = "dataset_source"
    __table_args__ = (UniqueConstraint("dataset_id", "source_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Lookups by dataset use the unique constraint's index, which it leads.
    dataset_id: int = Field(foreign_key="dataset.id")
    source_id: int = Field(foreign_key="source.id", index=True)
    content_bytes: int | None = Field(default=None, sa_type=BigInteger)
    notes: str = Field(default="", sa_type=Text)


class License(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True, index=True)
    name: str = Field(max_length=300)
    url: str | None = Field(default=None, max_length=2048)
    category: str = Field(default="unknown", max_length=30)
    commercial_use: str = Field(default="unknown", max_length=10)
    attribution: bool = False
    share_alike: bool = False
    no_derivatives: bool = False
    restricts_models: bool = False
    restricts_outputs: bool = False
    ai_training: str = Field(default="unknown", max_length=20)
    aliases: str = Field(default="", max_length=1000)
    notes: str = Field(default="", sa_type=Text)
    builtin: bool = False


class LicenseClaim(SQLModel, table=True):
    __tablename__ = "license_claim"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    expression: str = Field(max_length=1000)
    claimed_by: str = Field(max_length=20)
    evidence_url: str | None = Field(default=None, max_length=2048)
    observed_on: dt.date
    notes: str = Field(default="", sa_type=Text)
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


class Agreement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("counterparty", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    counterparty: str = Field(max_length=300)
    reference: str = Field(default="", max_length=300)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


class Fee(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    kind: str = Field(max_length=20)
    amount: Decimal = Field(sa_column=_money())
    currency: str = Field(max_length=3)
    period: str | None = Field(default=None, max_length=10)
    unit: str | None = Field(default=None, max_length=10)
    description: str = Field(default="", sa_type=Text)
    # A one-time fee is shared equally by this many training runs.
    split_runs: int = Field(default=1)
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


class Consent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int | None = Field(default=None, foreign_key="dataset.id", index=True)
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    status: str = Field(max_length=20)
    legal_basis: str = Field(default="unknown", max_length=30)
    compensation: str = Field(default="unknown", max_length=10)
    evidence_url: str | None = Field(default=None, max_length=2048)
    recorded_on: dt.date
    notes: str = Field(default="", sa_type=Text)
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


class Lineage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("child_id", "parent_id"),)

    id: int | None = Field(default=None, primary_key=True)
    child_id: int = Field(foreign_key="dataset.id")  # leads the unique constraint's index
    parent_id: int = Field(foreign_key="dataset.id", index=True)
    relation: str = Field(max_length=20)
    notes: str = Field(default="", sa_type=Text)


class CostItem(SQLModel, table=True):
    __tablename__ = "cost_item"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int | None = Field(default=None, foreign_key="dataset.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="training_run.id", index=True)
    category: str = Field(max_length=20)
    amount: Decimal = Field(sa_column=_money())
    currency: str = Field(max_length=3)
    incurred_on: dt.date | None = None
    vendor: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_type=Text)
    # A dataset's cost is shared equally by this many training runs.
    split_runs: int = Field(default=1)
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


class FxRate(SQLModel, table=True):
    __tablename__ = "fx_rate"
    __table_args__ = (UniqueConstraint("base", "quote", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    base: str = Field(max_length=3)
    quote: str = Field(max_length=3)
    rate: Decimal = Field(sa_column=_money())
    as_of: dt.date
    # Corrections keep history: a record entered in error is voided, never deleted.
    voided_at: str | None = Field(default=None, max_length=40)
    voided_by: str | None = Field(default=None, max_length=200)
    void_reason: str | None = Field(default=None, sa_type=Text)


def _decimal() -> Column:
    return Column(ExactDecimal(), nullable=True)


class TrainingRun(SQLModel, table=True):
    """A planned or past training run and its compute plan (every figure overridable)."""

    __tablename__ = "training_run"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=128, unique=True, index=True)
    model_name: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    provider: str = Field(default="", max_length=300)
    period_start: dt.date
    period_end: dt.date
    currency: str = Field(default="USD", max_length=3)
    intended_use: str = Field(default="commercial", max_length=20)
    contingency_pct: Decimal = Field(default=Decimal("0"), sa_column=_money())
    status: str = Field(default="planned", max_length=20)
    # Compute plan.
    pricing: str = Field(default="rental", max_length=20)
    accelerator: str | None = Field(default=None, max_length=40)
    accelerator_count: int | None = Field(default=None, sa_type=BigInteger)
    duration_hours: Decimal | None = Field(default=None, sa_column=_decimal())
    accelerator_hours: Decimal | None = Field(default=None, sa_column=_decimal())
    training_flops: Decimal | None = Field(default=None, sa_column=_decimal())
    parameters: Decimal | None = Field(default=None, sa_column=_decimal())
    training_tokens: Decimal | None = Field(default=None, sa_column=_decimal())
    mfu: Decimal | None = Field(default=None, sa_column=_decimal())
    peak_flops: Decimal | None = Field(default=None, sa_column=_decimal())
    compute_currency: str = Field(default="USD", max_length=3)
    price_per_hour: Decimal | None = Field(default=None, sa_column=_decimal())
    hardware_value: Decimal | None = Field(default=None, sa_column=_decimal())
    amortization_years: Decimal | None = Field(default=None, sa_column=_decimal())
    interconnect_share: Decimal | None = Field(default=None, sa_column=_decimal())
    tdp_kw: Decimal | None = Field(default=None, sa_column=_decimal())
    server_power_ratio: Decimal | None = Field(default=None, sa_column=_decimal())
    average_load: Decimal | None = Field(default=None, sa_column=_decimal())
    pue: Decimal | None = Field(default=None, sa_column=_decimal())
    electricity_price: Decimal | None = Field(default=None, sa_column=_decimal())
    # What the EU AI Act training-content summary asks beyond the datasets themselves.
    tdm_measures: str = Field(default="", sa_type=Text)
    illegal_content_measures: str = Field(default="", sa_type=Text)
    other_processing: str = Field(default="", sa_type=Text)


class RunDataset(SQLModel, table=True):
    """How much of a dataset a run draws. Units not given follow from share x dataset size."""

    __tablename__ = "run_dataset"
    __table_args__ = (UniqueConstraint("run_id", "dataset_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="training_run.id")  # leads the unique constraint's index
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    tokens: int | None = Field(default=None, sa_type=BigInteger)
    records: int | None = Field(default=None, sa_type=BigInteger)
    hours: Decimal | None = Field(default=None, sa_column=_decimal())
    share: Decimal | None = Field(default=None, sa_column=_decimal())
    epochs: Decimal = Field(default=Decimal("1"), sa_column=_money())


class FlagWaiver(SQLModel, table=True):
    __tablename__ = "flag_waiver"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="training_run.id", index=True)
    code: str = Field(max_length=60)
    reviewer: str = Field(max_length=200)
    reason: str = Field(sa_type=Text)
    granted_on: dt.date
    expires_on: dt.date | None = None


class ManualFlag(SQLModel, table=True):
    __tablename__ = "manual_flag"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    code: str = Field(max_length=60)
    severity: str = Field(max_length=10)
    why: str = Field(sa_type=Text)
    fix: str = Field(default="", sa_type=Text)
    raised_by: str = Field(default="", max_length=200)
    raised_on: dt.date
    resolved_on: dt.date | None = None


class Review(SQLModel, table=True):
    """A compliance decision on a dataset's (or a run's) provenance record, as it then stood."""

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int | None = Field(default=None, foreign_key="dataset.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="training_run.id", index=True)
    decision: str = Field(max_length=20)
    note: str = Field(default="", sa_type=Text)
    conditions: str = Field(default="", sa_type=Text)
    reviewer: str = Field(max_length=200)
    reviewed_at: str = Field(max_length=40)
    digest: str = Field(max_length=64)


class CrawlDomain(SQLModel, table=True):
    """Per-domain content of a crawl: what the EU summary's top-domain list is made from."""

    __tablename__ = "crawl_domain"
    __table_args__ = (UniqueConstraint("source_id", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    # Its own index too: a domain list is read by source in id order (its digest).
    source_id: int = Field(foreign_key="source.id", index=True)
    domain: str = Field(max_length=253)
    content_bytes: int = Field(default=0, sa_type=BigInteger)
    robots: str = Field(default="unknown", max_length=20)
    tdm_reserved: str = Field(default="unknown", max_length=10)


class CrawlSignal(SQLModel, table=True):
    """Opt-out evidence of one crawled domain, read from what the crawl saved: the signals
    found (JSON), the verdict and the rule that decided it, and the SHA-256 of each file."""

    __tablename__ = "crawl_signal"
    __table_args__ = (UniqueConstraint("source_id", "domain"),)

    id: int | None = Field(default=None, primary_key=True)
    # Its own index: a signal list is read by source in id order (its digest), as domains are.
    source_id: int = Field(foreign_key="source.id", index=True)
    domain: str = Field(max_length=253)
    # robots.txt for the crawler's own user agent: allowed, disallowed, partial, unknown.
    robots: str = Field(default="unknown", max_length=20)
    # AI training or text and data mining reserved: yes, no, unknown.
    reserved: str = Field(default="unknown", max_length=10)
    decided_by: str = Field(default="", sa_type=Text)
    captured_on: dt.date | None = None
    signals: str = Field(default="[]", sa_type=Text)
    files: str = Field(default="{}", sa_type=Text)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(max_length=40)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=10)
    entity: str = Field(max_length=40)
    entity_id: int
    label: str = Field(default="", max_length=300)
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    # Where to look, not what happened: outside the hash, filled as the event is written.
    about_dataset_id: int | None = Field(default=None, index=True)


class RegistryMeta(SQLModel, table=True):
    __tablename__ = "registry_meta"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_type=Text)


class AppUser(SQLModel, table=True):
    """A person who signs in to the review desk; the name is the audit actor of their changes."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    role: str = Field(max_length=20)
    # Argon2id, in the PHC string format; never written to the audit log.
    password_hash: str = Field(max_length=300)
    # Bumped by a password reset or a disable: sessions signed before it stop working.
    session_epoch: int = Field(default=0)
    disabled: bool = Field(default=False)
    created_at: str = Field(max_length=40)


class ApiToken(SQLModel, table=True):
    """A personal API token, kept as the SHA-256 of its secret: a stolen database holds no
    usable token."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: str = Field(max_length=40)
    revoked_at: str | None = Field(default=None, max_length=40)


# The tables whose rows are audited, in dependency order (parents first).
AUDITED: dict[str, type[SQLModel]] = {
    "license": License,
    "dataset": Dataset,
    "source": Source,
    "dataset_source": DatasetSource,
    "license_claim": LicenseClaim,
    "agreement": Agreement,
    "fee": Fee,
    "consent": Consent,
    "lineage": Lineage,
    "fx_rate": FxRate,
    "training_run": TrainingRun,
    "cost_item": CostItem,
    "run_dataset": RunDataset,
    "flag_waiver": FlagWaiver,
    "manual_flag": ManualFlag,
    "review": Review,
}


class SignInAttempt(SQLModel, table=True):
    """A sign-in to the review desk counted against a user name or a client address; kept
    only for the throttle's window. Not a record of the registry: not audited."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (Index("ix_sign_in_attempt_kind_key", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # user | address
    key: str = Field(max_length=200)
    at: float = Field(index=True)  # seconds since the epoch: shared by every process

"""Controlled vocabularies of the registry: the values each enumerated field accepts."""

MODALITIES = ("text", "image", "audio", "video", "code", "tabular", "multimodal", "other")

# The EU AI Act training-content summary template's source categories.
SOURCE_CATEGORIES = (
    "public_dataset",
    "commercially_licensed",
    "private_third_party",
    "crawled",
    "user_data",
    "synthetic",
    "other",
)
YES_NO_UNKNOWN = ("yes", "no", "unknown")
DATASET_STATUSES = ("planned", "active", "deprecated", "withdrawn")

SOURCE_KINDS = (
    "website",
    "domain",
    "platform",
    "publisher",
    "broker",
    "vendor",
    "repository",
    "internal",
    "model",
)
TDM_RESERVATIONS = ("none", "robots_txt", "tdmrep", "ai_txt", "contract", "unknown")

CLAIMANTS = ("authors", "hub", "repository", "aggregator", "contract", "reviewer")

FEE_KINDS = ("one_time", "recurring", "per_unit")
FEE_PERIODS = ("month", "quarter", "year")
FEE_UNITS = ("token", "record", "gb", "hour", "image")

COST_CATEGORIES = (
    "acquisition",
    "annotation",
    "transcription",
    "cleaning",
    "storage",
    "legal",
    "other",
)

CONSENT_STATUSES = (
    "opt_in",
    "opt_out_honoured",
    "notice_only",
    "none",
    "unknown",
    "withdrawn",
    "not_applicable",
)
# GDPR Art. 6(1) bases, plus the honest answers.
LEGAL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
    "none",
    "unknown",
    "not_applicable",
)

LINEAGE_RELATIONS = (
    "subset",
    "filtered",
    "translated",
    "augmented",
    "annotated",
    "generated_by",
    "mixture",
)

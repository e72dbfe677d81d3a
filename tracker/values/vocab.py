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

# What a crawl's robots.txt said about crawling a domain.
ROBOTS = ("allowed", "disallowed", "partial", "unknown")
# Other spellings whose meaning is certain: robots.txt's own directives (Allow, Disallow)
# and a crawler's word for a disallowed site. "yes"/"no" and "true"/"false" are left out on
# purpose: "robots: yes" reads as "robots.txt allows us" to one person and "robots.txt opts
# out" to another, and a wrong guess would hide an opt-out from the EU summary.
ROBOTS_SPELLINGS = {
    "allow": "allowed",
    "disallow": "disallowed",
    "blocked": "disallowed",
    "partially": "partial",
}
ROBOTS_AMBIGUOUS = ("yes", "no", "y", "n", "true", "false", "1", "0")

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

"""An illustrative registry modelled on the public record of how frontier models got data.

Every figure is illustrative: the shapes of the deals (an annual news licence,
a forum's yearly data-API fee, per-item broker prices, an annotation contract)
follow press reports, but no record here describes a real contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import select

from tracker.db.models import Dataset
from tracker.registry import (
    Registry,
    Writer,
    catalog,
    claims,
    consent,
    findings,
    ledger,
    lineage,
    runs,
)
from tracker.values.errors import TrackerError

NOTE = "Illustrative demo record, not a real contract or dataset."

DATASETS: dict[str, dict[str, Any]] = {
    "news-archive": {
        "name": "News archive licence (illustrative)",
        "description": f"{NOTE} Current and archived articles of a news group, licensed "
                       "for training and display, as in publisher deals reported in 2023-2024.",
        "modality": "text", "source_category": "commercially_licensed",
        "collection_method": "Bulk delivery by the publisher under contract",
        "size_tokens": "40000000000", "languages": "en", "personal_data": "yes",
        "acquired_from": "2024-06-01", "acquired_to": "2024-12-31", "steward": "data-team",
    },
    "forum-posts": {
        "name": "Forum posts via data API (illustrative)",
        "description": f"{NOTE} Posts and comments from a discussion platform licensed at a "
                       "yearly rate; the people who wrote them were notified, not asked or paid.",
        "modality": "text", "source_category": "commercially_licensed",
        "collection_method": "Real-time data API under a platform licence",
        "size_tokens": "120000000000", "languages": "en,de,fr,es", "personal_data": "yes",
        "acquired_from": "2024-01-15", "steward": "data-team",
    },
    "web-crawl": {
        "name": "Broad web crawl 2024 (illustrative)",
        "description": f"{NOTE} Text extracted from a general web crawl; robots.txt "
                       "disallow rules for AI crawlers were honoured from March 2024.",
        "modality": "text", "source_category": "crawled",
        "collection_method": "Own crawler honouring robots.txt; boilerplate removed",
        "size_tokens": "9000000000000", "size_bytes": "45000000000000",
        "languages": "en,de,fr,es,zh,ja", "personal_data": "yes",
        "acquired_from": "2023-09-01", "acquired_to": "2024-08-31", "steward": "crawl-team",
    },
    "video-transcripts": {
        "name": "Transcribed video-platform audio (illustrative)",
        "description": f"{NOTE} Speech from public videos on a video platform transcribed by "
                       "a speech model; the platform's terms forbid downloading for this use.",
        "modality": "text", "source_category": "crawled",
        "collection_method": "Audio downloaded and transcribed with a speech-recognition model",
        "size_hours": "1000000", "size_tokens": "12000000000", "languages": "en",
        "personal_data": "yes", "acquired_from": "2023-03-01", "acquired_to": "2023-11-30",
        "steward": "data-team",
    },
    "pile-like-corpus": {
        "name": "Open mixed-source text corpus (illustrative)",
        "description": f"{NOTE} An open 800 GB research corpus of mixed sources in the style "
                       "of EleutherAI's Pile; components carry their own terms.",
        "modality": "text", "source_category": "public_dataset",
        "collection_method": "Downloaded from a public mirror",
        "size_bytes": "825000000000", "size_tokens": "300000000000", "languages": "en",
        "personal_data": "unknown", "acquired_from": "2023-01-10", "steward": "data-team",
    },
    "hub-qa-dataset": {
        "name": "Reading-comprehension QA from a dataset hub (illustrative)",
        "description": f"{NOTE} A question-answering dataset whose hub page says CC-BY-4.0 "
                       "while its authors' repository says CC-BY-NC-4.0.",
        "modality": "text", "source_category": "public_dataset",
        "collection_method": "Crowdsourced questions over encyclopedia articles",
        "size_records": "100000", "languages": "en", "personal_data": "no",
        "homepage": "https://huggingface.co/datasets", "steward": "data-team",
    },
    "hub-reviews": {
        "name": "Movie reviews from a dataset hub (illustrative)",
        "description": f"{NOTE} Sentiment-labelled reviews; the hub card says 'other' with "
                       "no licence text.",
        "modality": "text", "source_category": "public_dataset",
        "collection_method": "Scraped reviews, labelled by rating",
        "size_records": "50000", "size_tokens": "13000000", "languages": "en",
        "personal_data": "unknown",
        "steward": "data-team",
    },
    "synthetic-instructions": {
        "name": "Synthetic instruction data (illustrative)",
        "description": f"{NOTE} Instruction-response pairs generated by an open-weights chat "
                       "model whose licence restricts using outputs to improve other models.",
        "modality": "text", "source_category": "synthetic",
        "collection_method": "Prompted generation from seed questions",
        "size_records": "2000000", "size_tokens": "900000000", "languages": "en",
        "personal_data": "no", "generator_model": "Llama-2-70b-chat",
        "acquired_from": "2024-02-01", "acquired_to": "2024-03-15", "steward": "post-training",
    },
    "preference-labels": {
        "name": "Human preference annotations (illustrative)",
        "description": f"{NOTE} Pairwise preference labels bought from an annotation vendor "
                       "at a per-label price, over the synthetic instructions.",
        "modality": "text", "source_category": "private_third_party",
        "collection_method": "Annotation contract with a vendor's contractor workforce",
        "size_records": "250000", "languages": "en", "personal_data": "no",
        "acquired_from": "2024-04-01", "acquired_to": "2024-07-31", "steward": "post-training",
    },
    "scholarly-books": {
        "name": "Scholarly books and journals (illustrative)",
        "description": f"{NOTE} Non-exclusive access to an academic publisher's back catalogue "
                       "for an up-front fee plus yearly payments; authors could not opt out.",
        "modality": "text", "source_category": "commercially_licensed",
        "collection_method": "Publisher delivery under contract",
        "size_tokens": "25000000000", "languages": "en,de", "personal_data": "no",
        "acquired_from": "2024-05-01", "steward": "data-team",
    },
    "code-corpus": {
        "name": "Licensed code corpus from a data broker (illustrative)",
        "description": f"{NOTE} Source code sold per token by a broker that could not show "
                       "where each repository's rights came from.",
        "modality": "code", "source_category": "commercially_licensed",
        "collection_method": "Purchased from a data broker",
        "size_tokens": "200000000000", "languages": "en", "personal_data": "unknown",
        "acquired_from": "2024-03-01", "steward": "code-team",
    },
    "pretraining-mix-v1": {
        "name": "Pre-training mixture v1 (illustrative)",
        "description": f"{NOTE} The mixture drawn by the first training run.",
        "modality": "multimodal", "source_category": "other",
        "collection_method": "Deduplicated, filtered mixture of the registered datasets",
        "languages": "en,de,fr,es,zh,ja", "personal_data": "yes", "status": "planned",
        "steward": "pretraining",
    },
}

SOURCES: dict[str, dict[str, Any]] = {
    "news-group": {"name": "Example News Group (illustrative)", "kind": "publisher",
                   "rights_holder": "Example News Group", "tdm_reservation": "contract",
                   "tdm_honoured": "yes", "checked_on": "2024-06-01",
                   "url": "https://news.example.com"},
    "discussion-platform": {"name": "Example discussion platform (illustrative)",
                            "kind": "platform", "rights_holder": "Platform users (licensed "
                            "to the platform)", "tdm_reservation": "contract",
                            "tdm_honoured": "yes", "url": "https://forum.example.com",
                            "terms_url": "https://forum.example.com/terms",
                            "checked_on": "2024-01-15"},
    "open-web": {"name": "Open web (illustrative crawl frontier)", "kind": "domain",
                 "rights_holder": "Many site owners", "tdm_reservation": "robots_txt",
                 "tdm_honoured": "yes", "checked_on": "2024-03-01",
                 "notes": "Opt-outs for AI crawlers honoured only from March 2024."},
    "video-platform": {"name": "Example video platform (illustrative)", "kind": "platform",
                       "rights_holder": "Video creators", "tdm_reservation": "contract",
                       "tdm_honoured": "no", "url": "https://video.example.com",
                       "terms_url": "https://video.example.com/terms",
                       "checked_on": "2023-03-01",
                       "notes": "Terms forbid downloading other than through the player."},
    "research-mirror": {"name": "Public research mirror (illustrative)", "kind": "repository",
                        "rights_holder": "Various", "tdm_reservation": "none",
                        "tdm_honoured": "yes", "url": "https://mirror.example.org"},
    "dataset-hub": {"name": "Dataset hub (illustrative)", "kind": "repository",
                    "rights_holder": "Dataset authors", "tdm_reservation": "none",
                    "tdm_honoured": "yes", "url": "https://huggingface.co"},
    "chat-model": {"name": "Open-weights chat model (illustrative)", "kind": "model",
                   "rights_holder": "Model developer", "tdm_reservation": "contract",
                   "tdm_honoured": "unknown",
                   "terms_url": "https://ai.meta.com/llama/license/"},
    "annotation-vendor": {"name": "Example Annotation Vendor (illustrative)", "kind": "vendor",
                          "rights_holder": "Example Annotation Vendor",
                          "tdm_reservation": "contract", "tdm_honoured": "yes"},
    "academic-publisher": {"name": "Example Academic Publisher (illustrative)",
                           "kind": "publisher", "rights_holder": "Publisher and authors",
                           "tdm_reservation": "contract", "tdm_honoured": "yes"},
    "data-broker": {"name": "Example Data Broker (illustrative)", "kind": "broker",
                    "rights_holder": "Unknown: no chain of title",
                    "tdm_reservation": "unknown", "tdm_honoured": "unknown"},
}

LINKS = [
    ("news-archive", "news-group"), ("forum-posts", "discussion-platform"),
    ("web-crawl", "open-web"), ("video-transcripts", "video-platform"),
    ("pile-like-corpus", "research-mirror"), ("hub-qa-dataset", "dataset-hub"),
    ("hub-reviews", "dataset-hub"), ("synthetic-instructions", "chat-model"),
    ("preference-labels", "annotation-vendor"), ("scholarly-books", "academic-publisher"),
    ("code-corpus", "data-broker"),
]

# (dataset, expression, by, evidence, observed)
CLAIMS = [
    ("news-archive", "LicenseRef-Demo-News-Licence", "contract", None, "2024-06-01"),
    ("forum-posts", "LicenseRef-Demo-Forum-Data-API", "contract", None, "2024-01-15"),
    ("web-crawl", "LicenseRef-Unknown", "reviewer", None, "2024-09-01"),
    ("video-transcripts", "LicenseRef-All-Rights-Reserved", "reviewer",
     "https://video.example.com/terms", "2023-03-01"),
    ("pile-like-corpus", "MIT", "hub", "https://huggingface.co/datasets", "2023-01-10"),
    ("pile-like-corpus", "LicenseRef-Various", "authors", None, "2023-01-10"),
    ("hub-qa-dataset", "CC-BY-4.0", "hub", "https://huggingface.co/datasets", "2024-01-20"),
    ("hub-qa-dataset", "CC-BY-NC-4.0", "authors", "https://github.com", "2024-01-20"),
    ("hub-reviews", "LicenseRef-Other", "hub", "https://huggingface.co/datasets", "2024-01-20"),
    ("synthetic-instructions", "LicenseRef-Llama-2-Community", "repository",
     "https://ai.meta.com/llama/license/", "2024-02-01"),
    ("preference-labels", "LicenseRef-Demo-Annotation-Work-For-Hire", "contract", None,
     "2024-04-01"),
    ("scholarly-books", "LicenseRef-Demo-Publisher-Licence", "contract", None, "2024-05-01"),
    ("code-corpus", "MIT OR Apache-2.0", "contract", None, "2024-03-01"),
]

CUSTOM_LICENSES = [
    ("LicenseRef-Demo-News-Licence", "Illustrative news archive licence", "yes", "allowed",
     {"attribution": True}),
    ("LicenseRef-Demo-Forum-Data-API", "Illustrative forum data API terms", "yes", "allowed",
     {}),
    ("LicenseRef-Demo-Annotation-Work-For-Hire", "Illustrative annotation work-for-hire",
     "yes", "allowed", {}),
    ("LicenseRef-Demo-Publisher-Licence", "Illustrative academic publisher AI licence", "yes",
     "allowed", {"attribution": True}),
]

# (dataset, kind, amount, currency, period/unit, counterparty, contract, start, end, what)
FEES = [
    ("news-archive", "recurring", "50000000", "USD", "year", "Example News Group",
     "NG-2024-AI", "2024-06-01", "2029-05-31", "Annual archive and current-content licence"),
    ("forum-posts", "recurring", "60000000", "USD", "year", "Example discussion platform",
     "DAPI-2024", "2024-01-15", "2027-01-14", "Yearly data-API licence"),
    ("scholarly-books", "one_time", "9500000", "EUR", None, "Example Academic Publisher",
     "EAP-AI-1", "2024-05-01", "2027-04-30", "First-year access fee"),
    ("scholarly-books", "recurring", "2500000", "EUR", "year", "Example Academic Publisher",
     "EAP-AI-1", None, None, "Recurring payments for years two to three"),
    ("preference-labels", "per_unit", "4.50", "USD", "record", "Example Annotation Vendor",
     "AV-SOW-7", "2024-04-01", "2024-07-31", "Per preference label"),
    ("code-corpus", "per_unit", "0.0000025", "USD", "token", "Example Data Broker",
     "DB-0042", "2024-03-01", "2025-02-28", "Per token delivered"),
]

# (dataset, category, amount, currency, date, vendor, what)
COSTS = [
    ("video-transcripts", "transcription", "180000", "USD", "2023-11-30",
     "Own GPU cluster", "Speech recognition over 1M hours"),
    ("web-crawl", "storage", "420000", "USD", "2024-08-31", "Cloud provider",
     "Crawl storage and egress"),
    ("web-crawl", "cleaning", "95000", "GBP", "2024-09-15", "Example Cleaning Ltd",
     "Boilerplate removal and PII scrubbing"),
    ("preference-labels", "legal", "40000", "USD", "2024-03-20", "Outside counsel",
     "Vendor contract review"),
    ("news-archive", "legal", "250000", "USD", "2024-05-15", "Outside counsel",
     "Licence negotiation"),
]

# (subject, is_source, status, basis, compensation, date, notes)
CONSENTS = [
    ("forum-posts", False, "notice_only", "legitimate_interests", "no", "2024-01-15",
     "Users were told of AI licensing in updated terms; no opt-in, no payment."),
    ("web-crawl", False, "none", "legitimate_interests", "no", "2023-09-01",
     "Personal data in crawled pages; no consent sought."),
    ("video-transcripts", False, "none", "unknown", "no", "2023-03-01",
     "Creators were neither asked nor paid."),
    ("news-archive", False, "not_applicable", "contract", "yes", "2024-06-01",
     "Publisher licensed its own content; journalists paid by the publisher."),
    ("preference-labels", False, "opt_in", "contract", "yes", "2024-04-01",
     "Contractors signed work-for-hire agreements."),
    ("scholarly-books", False, "notice_only", "contract", "no", "2024-05-01",
     "Authors were informed after the deal; no opt-out offered."),
    ("open-web", True, "opt_out_honoured", "legitimate_interests", "no", "2024-03-01",
     "robots.txt AI-crawler opt-outs honoured from this date."),
]

# (child, parent, relation)
LINEAGE = [
    ("synthetic-instructions", "hub-qa-dataset", "generated_by"),
    ("preference-labels", "synthetic-instructions", "annotated"),
    *[("pretraining-mix-v1", parent, "mixture") for parent in (
        "news-archive", "forum-posts", "web-crawl", "video-transcripts", "pile-like-corpus",
        "hub-reviews", "scholarly-books", "code-corpus")],
]

RUN = {
    "slug": "frontier-run-1",
    "model_name": "Example-70B (illustrative)",
    "start": "2024-07-01", "end": "2025-06-30", "currency": "USD",
    "intended_use": "commercial", "contingency": "10", "provider": "Example AI Lab (illustrative)",
    "description": f"{NOTE} A 70B-parameter model pre-trained on the registered datasets.",
}
# Ownership pricing on H100s with catalogue figures: 16,384 accelerators for 54 days.
RUN_COMPUTE = {"pricing": "ownership", "accelerator": "H100", "accelerator_count": "16384",
               "duration_days": "54"}
# (dataset, draw)
DRAWS = [
    ("news-archive", {"tokens": "40000000000"}),
    ("forum-posts", {"tokens": "120000000000", "epochs": "2"}),
    ("web-crawl", {"share": "0.5"}),
    ("video-transcripts", {}),
    ("pile-like-corpus", {"epochs": "1.5"}),
    ("hub-qa-dataset", {}),
    ("hub-reviews", {}),
    ("synthetic-instructions", {}),
    ("preference-labels", {"records": "250000"}),
    ("scholarly-books", {}),
    ("code-corpus", {"tokens": "200000000000"}),
]

# (dataset, code, reason, granted): a blocker accepted for the run, on the record.
WAIVERS = [
    ("web-crawl", "commercial_use_unknown",
     "Counsel relies on the text-and-data-mining exception, with AI-crawler opt-outs "
     "honoured from March 2024; to be reviewed before release.", "2024-09-15"),
]

FX = [("EUR", "USD", "1.0850", "2024-01-01"), ("GBP", "USD", "1.2700", "2024-01-01"),
      ("EUR", "USD", "1.0820", "2024-07-01"), ("GBP", "USD", "1.2650", "2024-07-01")]


def _steps(w: Writer) -> list[Callable[[], object]]:
    steps: list[Callable[[], object]] = []
    steps += [lambda k=k, v=v: catalog.add_source(w, k, v) for k, v in SOURCES.items()]
    steps += [lambda k=k, v=v: catalog.add_dataset(w, k, v) for k, v in DATASETS.items()]
    steps += [lambda d=d, s=s: catalog.link_source(w, d, s) for d, s in LINKS]
    steps += [lambda c=c: claims.add_license(
        w, c[0], name=c[1], url=f"https://licences.example.com/{c[0][len('LicenseRef-Demo-'):].lower()}",
        category="proprietary", commercial_use=c[2],
        ai_training=c[3], flags=c[4], notes=NOTE) for c in CUSTOM_LICENSES]
    steps += [lambda c=c: claims.add_claim(w, c[0], c[1], c[2], evidence_url=c[3],
                                           observed_on=c[4], notes=NOTE) for c in CLAIMS]
    steps += [lambda f=f: ledger.add_fee(
        w, f[0], kind=f[1], amount=f[2], currency=f[3],
        period=f[4] if f[1] == "recurring" else None,
        unit=f[4] if f[1] == "per_unit" else None, counterparty=f"{f[5]} (illustrative)",
        reference=f[6], term_start=f[7], term_end=f[8], description=f"{f[9]}. {NOTE}")
        for f in FEES]
    steps += [lambda c=c: ledger.add_cost(w, c[0], category=c[1], amount=c[2], currency=c[3],
                                          incurred_on=c[4], vendor=c[5],
                                          description=f"{c[6]}. {NOTE}") for c in COSTS]
    steps += [lambda c=c: consent.set_consent(
        w, dataset_slug=None if c[1] else c[0], source_slug=c[0] if c[1] else None,
        status=c[2], legal_basis=c[3], compensation=c[4], recorded_on=c[5],
        notes=f"{c[6]} {NOTE}") for c in CONSENTS]
    steps += [lambda e=e: lineage.add_edge(w, e[0], e[1], e[2], NOTE) for e in LINEAGE]
    steps += [lambda r=r: ledger.set_rate(w, *r) for r in FX]
    steps.append(lambda: runs.create_run(w, RUN["slug"], **{k: v for k, v in RUN.items()
                                                             if k != "slug"}))
    steps.append(lambda: runs.set_compute(w, RUN["slug"], RUN_COMPUTE))
    steps += [lambda d=d, q=q: runs.draw_dataset(w, RUN["slug"], d, **q) for d, q in DRAWS]
    steps.append(lambda: ledger.add_cost(
        w, None, category="legal", amount="350000", currency="USD", run_slug=RUN["slug"],
        vendor="Outside counsel", description=f"Pre-training data review. {NOTE}"))
    steps += [lambda v=v: findings.waive(w, v[0], v[1], reason=f"{v[2]} {NOTE}",
                                     run_slug=RUN["slug"], on=v[3])
              for v in WAIVERS]
    return steps


def build(registry: Registry, actor: str) -> bool:
    """Build the demo registry; False when it is already there. Refuses a registry in use."""
    with registry.reading() as session:
        slugs = set(session.exec(select(Dataset.slug)).all())
    if slugs and slugs == set(DATASETS):
        return False
    if slugs:
        raise TrackerError(
            f"demo: the registry {registry.location} already holds other datasets; "
            "use --db with a new file, e.g. tracker --db demo.db demo")
    with registry.writing(actor) as w:
        for step in _steps(w):
            step()
    return True

"""Datasheets for Datasets (Gebru et al.) filled from the registry; unknowns say so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.assess.provenance import effective, resolve
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.values.labels import label

UNKNOWN = "Unknown: not recorded in the registry."


@dataclass
class Question:
    question: str
    answer: str
    known: bool


def _q(question: str, answer: Any) -> Question:
    text = "" if answer is None else str(answer).strip()
    return Question(question, text or UNKNOWN, bool(text))


def sections(d: DatasetFacts, snapshot: Snapshot, runs: list[str]
             ) -> list[tuple[str, list[Question]]]:
    """The datasheet's sections and questions for a dataset, answered from the
    registry; what it does not record is said to be unknown."""
    r = d.record
    resolution = resolve(d, snapshot)
    eff = effective(d, snapshot)
    consent = d.latest_consent
    holders = sorted({s.rights_holder for s in d.sources if s.rights_holder})
    sizes = "; ".join(f"{v:,} {u}" for v, u in ((d.size_tokens, "tokens"),
                                                (d.size_records, "records"),
                                                (d.size_bytes, "bytes")) if v is not None)
    if d.size_hours is not None:
        sizes = "; ".join(filter(None, [sizes, f"{d.size_hours} hours"]))
    sizes = sizes or r.get("size_category") or ""
    period = ""
    if r.get("acquired_from") or r.get("acquired_to"):
        period = f"{r.get('acquired_from') or '?'} to {r.get('acquired_to') or 'ongoing'}"
    fees = "; ".join(f"{label('fee_kind', f.kind)} {f.amount} {f.currency}"
                     f"{' per ' + (f.period or f.unit or '') if f.kind != 'one_time' else ''} "
                     f"to {f.counterparty}" for f in d.fees)
    history = "; ".join(f"{c.recorded_on}: {label('consent_status', c.status).lower()}"
                        for c in d.consent)
    return [
        ("Motivation", [
            _q("For what purpose was the dataset created?", r.get("description")),
            _q("Who created the dataset and on behalf of which entity?", ", ".join(holders)),
            _q("Who funded the creation of the dataset?", None),
        ]),
        ("Composition", [
            _q("What do the instances represent?",
               r.get("modality") and label("modality", r.get("modality"))),
            _q("How many instances are there?", sizes),
            _q("Which languages does it contain?", r.get("languages")),
            _q("Does the dataset contain data that might be considered confidential or "
               "personal?", {"yes": "Yes, it contains personal data.",
                             "no": "No personal data, as recorded.",
                             "unknown": ""}.get(d.personal_data, "")),
            _q("Is the dataset derived from other datasets?",
               ", ".join(f"{snapshot.datasets[p].slug} ({rel})" for p, rel in d.parents
                         if p in snapshot.datasets) or ("No." if not d.parents else "")),
        ]),
        ("Collection process", [
            _q("How was the data acquired?", d.collection_method),
            _q("Over what timeframe was the data collected?", period),
            _q("Where did the data come from (sources)?",
               "; ".join(f"{s.name} ({label('source_kind', s.kind).lower()})"
                         for s in d.sources)),
            _q("Were the individuals in question notified about the data collection?",
               None if consent is None else
               ("Yes" if consent.status in ("notice_only", "opt_in", "opt_out_honoured")
                else "No" if consent.status == "none"
                else label("consent_status", consent.status))),
            _q("Did the individuals consent to the collection and use of their data?",
               None if consent is None or consent.status == "unknown" else
               {"opt_in": "Yes, they opted in.", "opt_out_honoured":
                "They could opt out, and opt-outs were honoured.", "notice_only":
                "They were notified but not asked.", "none": "No.", "withdrawn":
                "Consent was withdrawn.", "not_applicable": "Not applicable."}
               .get(consent.status)),
            _q("If consent was obtained, were they provided with a mechanism to revoke it?",
               None if consent is None else
               ("Yes: consent has been withdrawn" if consent.status == "withdrawn" else
                "Yes (opt-out)" if consent.status == "opt_out_honoured" else "")),
            _q("Were the contributors compensated?",
               None if consent is None or consent.compensation == "unknown"
               else label("compensation", consent.compensation)),
            _q("Legal basis and consent history", history and
               f"{label('legal_basis', consent.legal_basis) if consent else ''}; {history}"),
            _q("Were text-and-data-mining opt-outs respected?",
               "; ".join(f"{s.name}: {label('tdm_reservation', s.tdm_reservation)}, "
                         f"{label('tdm_honoured', s.tdm_honoured).lower()}"
                         for s in d.sources if s.tdm_reservation != "none")),
        ]),
        ("Preprocessing, cleaning, labeling", [
            _q("Was any preprocessing, cleaning or labeling done?",
               "; ".join(f"{label('cost_category', c.category)}: {c.description or c.vendor}"
                         for c in d.costs
                         if c.category in ("annotation", "cleaning", "transcription"))),
        ]),
        ("Uses", [
            _q("Which training runs use the dataset?", ", ".join(runs)),
            _q("Are there tasks for which the dataset should not be used?",
               "; ".join(f"inherited from {' ← '.join(i.path)}: {', '.join(i.restrictions)}"
                         for i in eff.inherited if i.restrictions)
               or (None if eff.terms is None else
                   ("Commercial use is not permitted." if eff.terms.commercial_use == "no"
                    else "None recorded."))),
        ]),
        ("Distribution", [
            _q("Under what licence is the dataset distributed?",
               resolution.expression and
               f"{resolution.expression} (claims: " + "; ".join(
                   f"{c.claim.expression} by {label('claimant', c.claim.claimed_by).lower()}, "
                   f"{c.claim.observed_on}"
                   for c in resolution.claims) + ")"),
            _q("Have any third parties imposed fees or other restrictions?", fees),
        ]),
        ("Maintenance", [
            _q("Who is supporting/hosting/maintaining the dataset?", r.get("steward")),
            _q("What is its status?", r.get("status") and label("dataset_status", r.get("status"))),
            _q("Where can it be found?", r.get("homepage")),
        ]),
    ]

"""Rules: facts about a dataset (and the run drawing it) -> findings that explain themselves.

Each rule returns raw findings (code, why, how to fix); the policy gives the
severity, waivers are matched afterwards. Rules never touch the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tracker.assess.policy import SEVERITIES, Policy
from tracker.assess.provenance import Resolution, effective, effective_all, resolve
from tracker.assess.terms import Terms
from tracker.facts.snapshot import (
    ClaimFacts,
    DatasetFacts,
    ManualFlagFacts,
    RunFacts,
    Snapshot,
    WaiverFacts,
)
from tracker.values.wording import plural

CODES = (
    "license_missing", "license_unknown", "non_commercial", "no_derivatives", "share_alike",
    "conflicting_claims", "inherited_restriction", "agreement_expires", "consent_missing",
    "consent_withdrawn", "not_compensated", "scraped_without_permission", "tdm_opt_out_ignored",
    "transcribed_platform_content", "synthetic_restricted_model", "broker_no_chain_of_title",
    "ai_training_prohibited", "license_drift", "review_missing", "review_stale", "review_rejected",
    "personal_data_unreviewed", "run_review_stale", "run_review_rejected",
    "agreement_starts_late", "license_unmapped", "license_various", "commercial_use_unknown",
)
# Placeholder ids an importer records when licence text says "various" or cannot be mapped:
# each gets a finding of its own rather than the generic license_unknown.
_SPECIFIC_UNKNOWN = {"LicenseRef-Unmapped": "license_unmapped",
                     "LicenseRef-Various": "license_various"}


@dataclass(frozen=True)
class Raw:
    code: str
    why: str
    fix: str
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    dataset: str
    why: str
    fix: str
    path: tuple[str, ...] = ()
    manual: bool = False
    waiver: WaiverFacts | None = None

    @property
    def blocks(self) -> bool:
        """True for an unwaived blocker: it stops the run's approval."""
        return self.severity == "blocker" and self.waiver is None

    def as_dict(self) -> dict[str, object]:
        """The finding for JSON output, its waiver (if any) with reviewer, reason and dates."""
        return {
            "code": self.code,
            "severity": self.severity,
            "dataset": self.dataset,
            "why": self.why,
            "fix": self.fix,
            "path": list(self.path),
            "manual": self.manual,
            "waived": None if self.waiver is None else {
                "reviewer": self.waiver.reviewer, "reason": self.waiver.reason,
                "granted_on": self.waiver.granted_on.isoformat(),
                "expires_on": self.waiver.expires_on.isoformat()
                if self.waiver.expires_on else None},
        }


@dataclass(frozen=True)
class Context:
    snapshot: Snapshot
    run: RunFacts | None
    or_branch: str = "permissive"
    policy: Policy | None = None
    today: dt.date | None = None

    def resolution(self, d: DatasetFacts) -> Resolution:
        """The dataset's licence resolution under the context's reading of OR."""
        return resolve(d, self.snapshot, self.or_branch)

    def terms(self, d: DatasetFacts) -> Terms | None:
        """The terms the dataset's own claims resolve to, or None without any claim."""
        return self.resolution(d).terms


Rule = Callable[[DatasetFacts, Context], Iterator[Raw]]


def _naming(d: DatasetFacts, ctx: Context, has: Callable[[Terms], bool]) -> str:
    """The current claims that carry a term, as 'CC-BY-NC-4.0 (authors)'."""
    return ", ".join(f"{c.claim.expression} ({c.claim.claimed_by})"
                     for c in ctx.resolution(d).claims if c.current and has(c.terms))


def _claims(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    terms = ctx.terms(d)
    if terms is None:
        yield Raw("license_missing", "No licence claim is recorded for this dataset.",
                  "Find the licence (dataset card, repository, contract) and record it with "
                  "`tracker license claim`.")
        return
    if terms.unknown:
        yield from _unknown_terms(d, ctx)
    commercial_run = ctx.run is not None and ctx.run.commercial
    if commercial_run and terms.commercial_use == "no":
        culprits = _naming(d, ctx, lambda t: t.commercial_use == "no")
        yield Raw("non_commercial",
                  f"{culprits} forbids commercial use and the run is commercial.",
                  "Drop the dataset from the run, license it commercially, or mark the run "
                  "non-commercial.")
    if commercial_run and terms.commercial_use == "unknown" and not _forbidden(d, ctx):
        culprits = _naming(d, ctx, lambda t: t.commercial_use == "unknown")
        yield Raw("commercial_use_unknown",
                  f"Commercial use is unknown under {culprits}, and the run is commercial: "
                  "unknown is not permission.",
                  "Find and record the licence terms, license the data commercially, drop the "
                  "dataset from the run, or waive the finding with a reason.")
    if terms.ai_training == "prohibited":
        yield Raw("ai_training_prohibited",
                  f"{_naming(d, ctx, lambda t: t.ai_training == 'prohibited')} does not permit "
                  "training AI models on the data.",
                  "Remove the dataset from training, or obtain a licence that permits AI "
                  "training.")
    if terms.no_derivatives:
        yield Raw("no_derivatives", f"{_naming(d, ctx, lambda t: t.no_derivatives)} forbids "
                  "sharing adaptations; "
                  "whether a trained model is one is unsettled.",
                  "Get legal review, or a licence that allows adaptations.")
    if terms.share_alike:
        yield Raw("share_alike", f"{_naming(d, ctx, lambda t: t.share_alike)} requires "
                  "adaptations to carry the same licence.",
                  "Record how the obligation is met for derived datasets and releases.")


def _forbidden(d: DatasetFacts, ctx: Context) -> bool:
    """Whether d's effective terms forbid commercial use: then non_commercial speaks, and an
    unknown term on the way adds nothing."""
    terms = effective(d, ctx.snapshot, ctx.or_branch).terms
    return terms is not None and terms.commercial_use == "no"


def _unknown_terms(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    """license_unknown, except that an unmapped or "various" licence says so instead."""
    generic: list[str] = []
    specific: dict[str, list[ClaimFacts]] = defaultdict(list)
    for c in ctx.resolution(d).claims:
        if not (c.current and c.terms.unknown):
            continue
        codes = {_SPECIFIC_UNKNOWN[key] for key in c.terms.keys if key in _SPECIFIC_UNKNOWN}
        for code in codes:
            specific[code].append(c.claim)
        if not codes:
            generic.append(f"{c.claim.expression} ({c.claim.claimed_by})")
    if generic:
        yield Raw("license_unknown",
                  f"The licence rests on {', '.join(generic)}: terms unknown, or a custom "
                  "licence with no text or URL on record.",
                  "Obtain the licence text, add it with `tracker license add` and re-claim.")
    unmapped = specific.get("license_unmapped")
    if unmapped:
        yield Raw("license_unmapped",
                  f"Licence text from {_claimants(unmapped)} could not be mapped to a known "
                  "licence, so its terms are unknown; the text is kept in the claim's notes.",
                  "Read the licence, add it with `tracker license add` if the knowledge base "
                  "lacks it, and re-claim with its id.")
    various = specific.get("license_various")
    if various:
        yield Raw("license_various",
                  f"The licence is given as 'various' by {_claimants(various)}: the dataset's "
                  "components carry different licences and none is on record.",
                  "Check each component's licence and record them (an AND expression, or "
                  "the components as lineage parents with claims of their own).")


def _claimants(claims: list[ClaimFacts]) -> str:
    """'the hub (https://...)' for each claim, naming its evidence where there is some."""
    return ", ".join(f"the {c.claimed_by}" + (f" ({c.evidence_url})" if c.evidence_url else "")
                     for c in claims)


def _conflicts(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    resolution = ctx.resolution(d)
    for relay, grant, differences in resolution.conflicts:
        yield Raw("conflicting_claims",
                  f"The {relay.claimed_by} says {relay.expression} "
                  f"({relay.evidence_url or 'no evidence URL'}, {relay.observed_on}) but the "
                  f"{grant.claimed_by} say {grant.expression} "
                  f"({grant.evidence_url or 'no evidence URL'}, {grant.observed_on}): "
                  f"{'; '.join(differences)}. Resolved as {resolution.expression}.",
                  f"Treat the {grant.claimed_by}' licence as binding, or record evidence that "
                  f"the {relay.claimed_by}'s licence was granted.")
    for before, after in resolution.drift:
        yield Raw("license_drift",
                  f"The {after.claimed_by} said {before.expression} on {before.observed_on} "
                  f"and {after.expression} on {after.observed_on}.",
                  "Check which licence applied when the data was acquired.")


@lru_cache(maxsize=1024)
def _sorted_restrictions(restrictions: tuple[str, ...], unlicensed: bool, commercial_run: bool,
                         non_commercial_run: bool, forbidden: bool
                         ) -> tuple[str | None, bool, tuple[str, ...]]:
    """(the commercial-use term when a commercial run must hear of it: "no" or "unknown",
    prohibits AI training, the rest): the same few restriction lists recur across thousands
    of datasets. An unlicensed ancestor's commercial use is unknown like any other's; an
    unknown one is moot when the dataset's effective terms already forbid commercial use."""
    rest = list(restrictions)
    commercial = None
    if commercial_run:
        if any(r.startswith("commercial use no") for r in rest):
            commercial = "no"
        elif not forbidden and (unlicensed or any(r.startswith("commercial use unknown")
                                                  for r in rest)):
            commercial = "unknown"
    if commercial is not None or non_commercial_run:
        rest = [r for r in rest if not r.startswith("commercial use")]
    if commercial == "unknown" and unlicensed:
        rest = []  # all it says is that no claim is recorded, which the blocker names
    prohibited = any(r.startswith("AI training prohibited") for r in rest)
    if prohibited:
        rest = [r for r in rest if not r.startswith("AI training")]
    return commercial, prohibited, tuple(rest)


def _inherited(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    commercial_run = ctx.run is not None and ctx.run.commercial
    non_commercial_run = ctx.run is not None and not ctx.run.commercial
    found = effective(d, ctx.snapshot, ctx.or_branch)
    forbidden = found.terms is not None and found.terms.commercial_use == "no"
    for item in found.inherited:
        path = item.path
        via = " <- ".join(path)
        commercial, prohibited, restrictions = _sorted_restrictions(
            item.restrictions, item.license is None, commercial_run, non_commercial_run,
            forbidden)
        if commercial == "no":
            yield Raw("non_commercial",
                      f"Derived from {item.ancestor} ({item.license}), which forbids commercial "
                      f"use, and the run is commercial: {via}.",
                      f"Drop {d.slug} from the run, or license {item.ancestor} commercially.",
                      path)
        elif commercial == "unknown":
            yield Raw("commercial_use_unknown",
                      f"Derived from {item.ancestor} "
                      f"({item.license or 'no licence claim recorded'}), under which commercial "
                      f"use is unknown, and the run is commercial: {via}.",
                      f"Record {item.ancestor}'s licence terms, license it commercially, or "
                      f"drop {d.slug} from the run.", path)
        if prohibited:
            yield Raw("ai_training_prohibited",
                      f"Derived from {item.ancestor} ({item.license}), which does not permit "
                      f"AI training: {via}.",
                      f"Remove {d.slug} from training, or license {item.ancestor} for it.",
                      path)
        if restrictions:
            yield Raw("inherited_restriction",
                      f"Derived from {item.ancestor} "
                      f"({item.license or 'no licence claim recorded'}), which is stricter: "
                      f"{'; '.join(restrictions)}. Path: {via}.",
                      f"Record the inherited licence on {d.slug}, or show the derivation "
                      "removed the restricted content.", path)
        if item.consent is not None and item.consent.status == "withdrawn":
            yield Raw("consent_withdrawn",
                      f"Consent was withdrawn for ancestor {item.ancestor}: {via}.",
                      "Remove the data derived from it, or record a new legal basis.", path)
        if item.tdm_ignored:
            yield Raw("tdm_opt_out_ignored",
                      f"Ancestor {item.ancestor} was collected against the text-and-data-mining "
                      f"reservation of {', '.join(item.tdm_ignored)}: {via}.",
                      "Remove the content collected against the opt-out, or license it.", path)


def _agreements(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    if ctx.run is None:
        return
    seen: set[tuple[str, str]] = set()
    for fee in d.fees:
        key = (fee.counterparty, fee.reference)
        if key in seen:
            continue
        seen.add(key)
        party = f"{fee.counterparty} {fee.reference}".strip()
        if fee.term_end is not None and fee.term_end < ctx.run.period_end:
            yield Raw("agreement_expires",
                      f"The agreement with {party} ends {fee.term_end.isoformat()}, before the "
                      f"run ends {ctx.run.period_end.isoformat()}.",
                      "Renew or extend the agreement, or end the run's use of the data first.")
        if fee.term_start is not None and fee.term_start > ctx.run.period_start:
            yield Raw("agreement_starts_late",
                      f"The agreement with {party} starts {fee.term_start.isoformat()}, after "
                      f"the run starts {ctx.run.period_start.isoformat()}.",
                      "Start the agreement earlier, or draw the data only once it applies.")


def _consent(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    latest = d.latest_consent
    if latest is None:
        # Without a dataset-level record, the sources' consent speaks for the data.
        recorded = [s.consent[-1] for s in d.sources if s.consent]
        latest = max(recorded, key=lambda c: c.recorded_on) if recorded else None
    withdrawn = [s.slug for s in d.sources if s.consent and s.consent[-1].status == "withdrawn"]
    if latest is not None and latest.status == "withdrawn":
        withdrawn.insert(0, d.slug)
    if withdrawn:
        yield Raw("consent_withdrawn", f"Consent was withdrawn ({', '.join(withdrawn)}).",
                  "Remove the data concerned and retrain, or record a new legal basis.")
    if d.personal_data in ("yes", "unknown") and (
            latest is None or latest.status in ("unknown", "none")):
        yield Raw("consent_missing",
                  f"{_HOLDS_PERSONAL_DATA[d.personal_data]}, and "
                  f"{_CONSENT_STATE[latest.status if latest else None]}.",
                  "Record the consent status and legal basis (`tracker consent set`), or "
                  "show the data holds no personal data.")
    if latest is not None and latest.compensation == "no":
        yield Raw("not_compensated", "The people who made the content were not compensated.",
                  "Consider a contributor compensation scheme or a licence that pays them.")


# consent_missing in words: whether the data holds personal data, and what is on record.
_HOLDS_PERSONAL_DATA = {"yes": "The dataset holds personal data",
                        "unknown": "Whether the dataset holds personal data is not known"}
_CONSENT_STATE = {None: "no consent is recorded",
                  "unknown": "whether the people concerned consented is not known",
                  "none": "the people concerned did not consent"}


def _collection(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    terms = ctx.terms(d)
    if d.source_category == "crawled" and (terms is None or terms.unknown
                                           or terms.ai_training == "prohibited"):
        yield Raw("scraped_without_permission",
                  "Crawled content with no licence that permits AI training.",
                  "License the content, or show a legal basis such as the text-and-data-mining "
                  "exception with opt-outs honoured.")
    for s in d.sources:
        if s.opted_out_domains:
            yield Raw("tdm_opt_out_ignored",
                      f"{plural(s.opted_out_domains, 'domain')} in {s.slug}'s crawl "
                      f"({plural(s.opted_out_bytes, 'byte')}) "
                      + ("disallows crawling in robots.txt or reserves text and data mining, "
                         "and its content was kept." if s.opted_out_domains == 1 else
                         "disallow crawling in robots.txt or reserve text and data mining, "
                         "and their content was kept.")
                      + (f" Largest: {s.opted_out_example}." if s.opted_out_example else ""),
                      "Remove the content of those domains, or license it.")
        if s.tdm_reservation not in ("none", "unknown") and s.tdm_honoured == "no":
            yield Raw("tdm_opt_out_ignored",
                      f"{s.slug} reserves text and data mining ({s.tdm_reservation}) and the "
                      "reservation was not honoured.",
                      "Remove the content collected against the opt-out, or license it.")
    transcribed = d.size_hours is not None or "transcri" in d.collection_method.lower()
    platforms = [s.slug for s in d.sources if s.kind == "platform"]
    if transcribed and platforms:
        yield Raw("transcribed_platform_content",
                  f"Audio or video from {', '.join(platforms)} transcribed into training data.",
                  "Check the platform's terms and the creators' rights; license or remove.")
    if d.source_category == "synthetic" or d.generator_model:
        if terms is not None and terms.restricts_outputs:
            yield Raw("synthetic_restricted_model",
                      f"Generated by {d.generator_model or 'a model'} under "
                      f"{', '.join(terms.keys)}, which restricts using outputs to train models.",
                      "Regenerate with a model whose terms allow training on outputs.")
    for s in d.sources:
        holder = s.rights_holder.strip().lower()
        if s.kind == "broker" and (not holder or holder.startswith("unknown")):
            yield Raw("broker_no_chain_of_title",
                      f"Bought from broker {s.slug}, who could not show where the rights came "
                      "from.", "Obtain the chain of title (who licensed what to the broker).")


def _review(d: DatasetFacts, ctx: Context) -> Iterator[Raw]:
    from tracker.assess.review_status import dataset_status

    if ctx.policy is None:
        return
    st = dataset_status(d, ctx.snapshot, ctx.policy, ctx.today)
    review = st.review
    if st.state == "missing":
        yield Raw("review_missing", "No compliance review is recorded.",
                  f"Review it: tracker review {d.slug} --decision approved|conditional|"
                  "rejected|needs_info --note ...")
    elif st.state == "stale" and review is not None:
        yield Raw("review_stale",
                  f"{review.decision} by {review.reviewer} at {review.reviewed_at}, but "
                  f"{st.why}.", f"Review it again: tracker review {d.slug} ...")
    elif review is not None and review.decision == "rejected":
        yield Raw("review_rejected",
                  f"Rejected by {review.reviewer} at {review.reviewed_at}: {review.note}",
                  "Fix what the review found and ask for a new review, or drop the dataset.")
    elif review is not None and review.decision == "needs_info":
        yield Raw("review_missing",
                  f"{review.reviewer} asked for more information at {review.reviewed_at}: "
                  f"{review.note}", "Record the missing facts and ask for a new review.")
    if d.personal_data == "yes" and not st.accepted:
        yield Raw("personal_data_unreviewed",
                  "The dataset holds personal data and no current review accepts it.",
                  "Have the data-protection review approve it (tracker review).")


RULES: tuple[Rule, ...] = (_claims, _conflicts, _inherited, _agreements, _consent, _collection,
                           _review)


def _first_waiver(waivers: list[WaiverFacts], run: RunFacts | None,
                  today: dt.date) -> WaiverFacts | None:
    """The latest waiver in force, of those granted for one dataset and code, oldest first."""
    for w in reversed(waivers):
        if w.run_id is not None and (run is None or w.run_id != run.id):
            continue
        if w.expires_on is not None and w.expires_on < today:
            continue
        if w.granted_on > today:
            continue
        return w
    return None


def evaluate(snapshot: Snapshot, policy: Policy, *, today: dt.date | None = None
             ) -> list[Finding]:
    """Findings for every dataset in scope, most severe first."""
    day = today or dt.date.today()
    ctx = Context(snapshot, snapshot.run, policy.or_branch, policy, day)
    # Every dataset's effective terms in one pass over the lineage, which the rules then
    # read one dataset at a time.
    effective_all(snapshot, policy.or_branch)
    # Waivers and manual flags grouped once, not scanned for every dataset and finding.
    waivers: dict[tuple[int, str], list[WaiverFacts]] = defaultdict(list)
    for w in snapshot.waivers:
        waivers[(w.dataset_id, w.code)].append(w)
    manual: dict[int, list[ManualFlagFacts]] = defaultdict(list)
    for m in snapshot.manual_flags:
        manual[m.dataset_id].append(m)

    def waiver(d: DatasetFacts, code: str) -> WaiverFacts | None:
        found = waivers.get((d.id, code)) if waivers else None
        return None if found is None else _first_waiver(found, ctx.run, day)

    severities: dict[str, str] = {}
    findings: list[Finding] = []
    for d in snapshot.scope():
        for rule in RULES:
            for raw in rule(d, ctx):
                severity = severities.get(raw.code)
                if severity is None:
                    severity = severities[raw.code] = policy.severity(raw.code)
                findings.append(Finding(raw.code, severity, d.slug, raw.why, raw.fix, raw.path,
                                        waiver=waiver(d, raw.code)))
        for m in manual.get(d.id, ()):
            findings.append(Finding(m.code, m.severity, d.slug, m.why, m.fix, manual=True,
                                    waiver=waiver(d, m.code)))
    findings.extend(_run_review(snapshot, policy, day))
    rank = {s: -i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (rank[f.severity], f.dataset, f.code))


def _run_review(snapshot: Snapshot, policy: Policy, today: dt.date) -> Iterator[Finding]:
    from tracker.assess.review_status import run_digest

    run, review = snapshot.run, snapshot.run_review
    if run is None or review is None:
        return
    subject = f"run {run.slug}"
    if review.digest != run_digest(snapshot):
        yield Finding("run_review_stale", policy.severity("run_review_stale"), subject,
                      f"{review.decision} by {review.reviewer} at {review.reviewed_at}, but the "
                      "run or its datasets changed after the review.",
                      f"Review the run again: tracker review --run {run.slug} ...")
    elif review.decision == "rejected":
        yield Finding("run_review_rejected", policy.severity("run_review_rejected"), subject,
                      f"Rejected by {review.reviewer} at {review.reviewed_at}: {review.note}",
                      "Fix what the review found and ask for a new review.")


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Open findings per severity, most severe first, in one pass."""
    result = dict.fromkeys(reversed(SEVERITIES), 0)
    for f in findings:
        if f.waiver is None and f.severity in result:
            result[f.severity] += 1
    return result

"""The EU AI Act public summary of training content (Art. 53(1)(d)), from the registry.

Follows the sections of the AI Office's template (July 2025). What the registry
does not hold is listed as an open point, never filled in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from tracker.assess.budget import quantity
from tracker.assess.fees import units_drawn
from tracker.facts.crawl_domains import TopDomains
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.values.labels import label
from tracker.values.wording import plural

if TYPE_CHECKING:
    from tracker.facts.crawl_signals import CrawlEvidence

# The template's size bands per modality: (upper bound, label).
BANDS: dict[str, tuple[str, tuple[tuple[Decimal, str], ...], str]] = {
    "text": ("tokens", ((Decimal(10**9), "Less than 1 billion tokens"),
                        (Decimal(10**13), "1 billion to 10 trillion tokens")),
             "More than 10 trillion tokens"),
    "image": ("images", ((Decimal(10**6), "Less than 1 million images"),
                         (Decimal(10**9), "1 million to 1 billion images")),
              "More than 1 billion images"),
    "audio": ("hours", ((Decimal(10**4), "Less than 10,000 hours"),
                        (Decimal(10**6), "10,000 to 1 million hours")),
              "More than 1 million hours"),
    "video": ("hours", ((Decimal(10**4), "Less than 10,000 hours"),
                        (Decimal(10**6), "10,000 to 1 million hours")),
              "More than 1 million hours"),
}
# Modalities of the registry, as the template groups them.
TEMPLATE_MODALITY = {"text": "text", "code": "text", "tabular": "text", "image": "image",
                     "audio": "audio", "video": "video", "multimodal": "other", "other": "other"}
UNIT_OF = {"text": "token", "image": "image", "audio": "hour", "video": "hour"}
SIZE_OPTION = {"token": "--size-tokens", "image": "--size-records", "hour": "--size-hours"}
LARGE_SHARE = Decimal("0.03")
HONOURED = {"yes": "honoured", "no": "not honoured", "unknown": "honouring unknown"}


def band(modality: str, size: Decimal | None) -> str:
    """The EU template's size band of a modality's content."""
    if modality not in BANDS or size is None:
        return "size not recorded"
    _, bands, top = BANDS[modality]
    for bound, words in bands:
        if size < bound:
            return words
    return top


@dataclass
class Modality:
    name: str
    size: Decimal | None  # a lower bound when some datasets lack a count
    unit: str
    band: str
    datasets: list[str]
    uncounted: list[str] = field(default_factory=list)  # datasets without a count in `unit`


@dataclass(frozen=True)
class OpenPoint:
    """Something the template asks for that the registry does not hold; `command` records it."""

    section: str
    text: str
    command: str = ""

    def __str__(self) -> str:
        return f"{self.section}: {self.text}"


def _section_order(point: OpenPoint) -> tuple[int, ...]:
    return tuple(int(part) for part in point.section.split(".") if part.isdigit())


@dataclass
class DatasetLine:
    slug: str
    name: str
    link: str | None
    modality: str
    share: Decimal | None
    description: str
    period: str


@dataclass
class Summary:
    provider: str
    model: str
    run: str
    generated_on: str
    modalities: list[Modality]
    latest_acquisition: str | None
    languages: list[str]
    public_large: list[DatasetLine]
    public_other: list[DatasetLine]
    licensed: list[DatasetLine]
    private_other: list[DatasetLine]
    crawled: list[DatasetLine]
    crawlers: list[str]
    crawl_purposes: list[str]
    crawl_period: str | None
    crawl_behaviour: list[str]
    top_domains: TopDomains
    user_data: list[DatasetLine]
    synthetic: list[DatasetLine]
    generators: list[str]
    other: list[DatasetLine]
    tdm_measures: str
    tdm_facts: list[str]
    illegal_content: str
    other_processing: str
    open_points: list[OpenPoint] = field(default_factory=list)
    # Opt-out evidence read from what the crawl saved (`source domains signals`).
    signals: CrawlEvidence | None = None


def _month(day: str | None) -> str | None:
    return None if not day else dt.date.fromisoformat(day).strftime("%m/%Y")


def _period(d: DatasetFacts) -> str:
    start, end = d.record.get("acquired_from"), d.record.get("acquired_to")
    if not start and not end:
        return "period not recorded"
    return f"{_month(start) or '?'} to {_month(end) or 'ongoing'}"


def build(snapshot: Snapshot, top: TopDomains, signals: CrawlEvidence | None = None
          ) -> Summary:
    """The EU AI Act public summary of the run's training content, by the sections
    of the AI Office's template, with what the registry lacks as open points."""
    run = snapshot.run
    assert run is not None
    datasets = snapshot.scope()
    open_points: list[OpenPoint] = []
    # Section 1: sizes per template modality from what the run draws; datasets without a
    # count leave a lower bound, and say how many they are.
    sizes: dict[str, Decimal] = {}
    members: dict[str, list[str]] = {}
    uncounted: dict[str, list[str]] = {}
    drawn: dict[str, Decimal | None] = {}
    for d in datasets:
        modality = TEMPLATE_MODALITY.get(d.record.get("modality", "other"), "other")
        members.setdefault(modality, []).append(d.slug)
        unit = UNIT_OF.get(modality)
        units = None if unit is None else units_drawn(d, run.draws[d.id], unit)
        drawn[d.slug] = units
        sizes.setdefault(modality, Decimal(0))
        if units is not None:
            sizes[modality] += units
        elif unit is not None:
            uncounted.setdefault(modality, []).append(d.slug)
            open_points.append(OpenPoint("1.3", f"size of {d.slug} in {unit}s is not recorded",
                                         f"tracker dataset edit {d.slug} {SIZE_OPTION[unit]} N"))
    modalities = [_modality(m, sizes[m], members[m], uncounted.get(m, []))
                  for m in sorted(members)]
    dates = [v for d in datasets for v in (d.record.get("acquired_to"),
                                           d.record.get("acquired_from")) if v]
    latest = max(dates) if dates else None
    if latest is None:
        open_points.append(OpenPoint("1.3", "no acquisition dates are recorded"))
    languages = sorted({lang for d in datasets
                        for lang in (d.record.get("languages") or "").split(",") if lang})
    if not languages:
        open_points.append(OpenPoint("1.3", "no languages are recorded"))
    if not run.record.get("provider"):
        open_points.append(OpenPoint("1.1", "provider is not recorded",
                                     "tracker run edit --provider NAME"))
    open_points.append(OpenPoint("1.2", "date of placement on the EU market is not recorded"))

    def line(d: DatasetFacts) -> DatasetLine:
        modality = TEMPLATE_MODALITY.get(d.record.get("modality", "other"), "other")
        total = None if uncounted.get(modality) else sizes.get(modality)
        units = drawn.get(d.slug)
        share = None if not total or units is None else (units / total)
        return DatasetLine(d.slug, d.name, d.record.get("homepage"), modality, share,
                           d.record.get("description") or d.collection_method, _period(d))

    by_category: dict[str, list[DatasetLine]] = {}
    for d in datasets:
        by_category.setdefault(d.source_category, []).append(line(d))
    public = by_category.get("public_dataset", [])
    large = [p for p in public if p.share is not None and p.share > LARGE_SHARE]
    for p in public:
        if p.share is None:
            open_points.append(OpenPoint("2.1", f"share of {p.slug} in its modality is unknown, "
                                         "so whether it must be listed cannot be decided"))
    crawled_facts = [d for d in datasets if d.source_category == "crawled"]
    crawlers = sorted({d.record.get("crawler") for d in crawled_facts if d.record.get("crawler")})
    if crawled_facts and not crawlers:
        open_points.append(OpenPoint("2.3", "crawler names are not recorded",
                                     "tracker dataset edit SLUG --crawler NAME"))
    starts = [d.record.get("acquired_from") for d in crawled_facts if d.record.get("acquired_from")]
    ends = [d.record.get("acquired_to") for d in crawled_facts if d.record.get("acquired_to")]
    crawl_period = None
    if starts or ends:
        crawl_period = f"{_month(min(starts)) if starts else '?'} to " \
                       f"{_month(max(ends)) if ends else 'ongoing'}"
    elif crawled_facts:
        open_points.append(OpenPoint("2.3", "the collection period of the crawl is not recorded"))
    behaviour = []
    for d in crawled_facts:
        for s in d.sources:
            behaviour.append(f"{d.slug} from {s.name}: opt-out mechanism "
                             f"{label('tdm_reservation', s.tdm_reservation)}, "
                             f"{HONOURED[s.tdm_honoured]}")
            if s.opted_out_domains:
                verbs = "disallows crawling or reserves" if s.opted_out_domains == 1 \
                    else "disallow crawling or reserve"
                behaviour.append(f"{d.slug} from {s.name}: "
                                 f"{plural(s.opted_out_domains, 'domain')} that {verbs} "
                                 "text and data mining contributed "
                                 f"{plural(s.opted_out_bytes, 'byte')}")
    if crawled_facts and top.total_domains == 0:
        open_points.append(OpenPoint("2.3", "no per-domain content sizes are imported, so the "
                                     "top domains cannot be listed",
                                     "tracker source domains import FILE --source SLUG"))
    if crawled_facts and (signals is None or signals.summary is None):
        open_points.append(OpenPoint("3.1", "no opt-out signals were read from what the crawl "
                                     "saved", "tracker source domains signals DIR --source SLUG"))
    synthetic = by_category.get("synthetic", [])
    generators = sorted({d.generator_model for d in datasets
                         if d.source_category == "synthetic" and d.generator_model})
    if synthetic and not generators:
        open_points.append(OpenPoint("2.5", "the models that generated the synthetic data are "
                                     "not recorded"))
    tdm_facts = sorted({f"{s.name}: {label('tdm_reservation', s.tdm_reservation)} "
                        "reservation "
                        f"{HONOURED[s.tdm_honoured]}"
                        for d in datasets for s in d.sources
                        if s.tdm_reservation not in ("none", "unknown")})
    if not run.record.get("tdm_measures"):
        open_points.append(OpenPoint("3.1", "measures to respect text-and-data-mining opt-outs "
                                     "are not described", "tracker run edit --tdm-measures TEXT"))
    if not run.record.get("illegal_content_measures"):
        open_points.append(OpenPoint("3.2", "measures to remove illegal content are not "
                                     "described",
                                     "tracker run edit --illegal-content-measures TEXT"))
    return Summary(
        provider=run.record.get("provider") or "", model=run.record.get("model_name") or "",
        run=run.slug, generated_on=dt.date.today().isoformat(), modalities=modalities,
        latest_acquisition=_month(latest), languages=languages,
        public_large=large, public_other=[p for p in public if p not in large],
        licensed=by_category.get("commercially_licensed", []),
        private_other=by_category.get("private_third_party", []),
        crawled=by_category.get("crawled", []), crawlers=crawlers,
        crawl_purposes=sorted({d.collection_method for d in crawled_facts
                               if d.collection_method}),
        crawl_period=crawl_period, crawl_behaviour=behaviour, top_domains=top,
        user_data=by_category.get("user_data", []), synthetic=synthetic,
        generators=generators, other=by_category.get("other", []),
        tdm_measures=run.record.get("tdm_measures") or "", tdm_facts=tdm_facts,
        illegal_content=run.record.get("illegal_content_measures") or "",
        other_processing=run.record.get("other_processing") or "",
        open_points=sorted(open_points, key=_section_order), signals=signals,
    )


def _modality(name: str, size: Decimal, members: list[str], uncounted: list[str]) -> Modality:
    if name not in BANDS:
        return Modality(name, None, "", "describe in other units", members)
    known = size if len(uncounted) < len(members) else None
    words = band(name, known)
    if known is not None and uncounted and words != BANDS[name][2]:
        words = f"{words}, or a higher band"  # a lower bound may sit below the true band
    return Modality(name, known, BANDS[name][0], words, members, uncounted)


def size_text(m: Modality) -> str:
    """The size drawn in words: exact, a lower bound naming how many datasets lack a count,
    or not recorded."""
    lacking = plural(len(m.uncounted), "dataset")
    if m.size is None:
        return f"not recorded ({lacking} without a count in {m.unit})" if m.uncounted \
            else "not recorded"
    if m.uncounted:
        return f"at least {quantity(m.size)} {m.unit} ({lacking} without a count in {m.unit})"
    return f"{quantity(m.size)} {m.unit}"

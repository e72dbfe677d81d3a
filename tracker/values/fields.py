"""Field specifications shared by data entry commands and importers.

A spec names a field, says how its text is parsed and whether it is required;
the command line builds its options from the same specs, so `add`, `edit` and
the importers can never disagree on what a field accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from tracker.values import parse, vocab
from tracker.values.errors import InvalidValue

Parser = Callable[[object, str], Any]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    help: str
    parser: Parser
    required: bool = False
    choices: tuple[str, ...] = field(default=())
    # What an empty value clears the field to.
    empty: Any = ""

    @cached_property
    def label(self) -> str:
        """The field as the command line spells it: its name with dashes for underscores."""
        return self.name.replace("_", "-")


def _choice(choices: Sequence[str]) -> Parser:
    return partial(parse.choice, choices=tuple(choices))


def text_field(name: str, help: str, *, required: bool = False, single_line: bool = False,
               limit: int | None = None) -> FieldSpec:
    """`limit`: the column's length where it is shorter than a name's, so that every
    backend refuses the same values (SQLite would store a longer one)."""
    parser = parse.name if single_line else parse.text
    return FieldSpec(name, help, parser if limit is None else partial(parser, limit=limit),
                     required)


def choice_field(name: str, help: str, choices: Sequence[str], *, required: bool = False
                 ) -> FieldSpec:
    """A field that accepts one of `choices`, listed in its help."""
    return FieldSpec(name, f"{help} One of: {', '.join(choices)}.", _choice(choices), required,
                     tuple(choices))


def optional(name: str, help: str, parser: Parser) -> FieldSpec:
    """A field that may be left out; an empty value clears it to None."""
    return FieldSpec(name, help, parser, empty=None)


DATASET_FIELDS: tuple[FieldSpec, ...] = (
    text_field("name", "Human-readable name.", required=True, single_line=True),
    text_field("description", "What the dataset holds and why it exists."),
    text_field("version", "Version or snapshot label.", single_line=True, limit=100),
    choice_field("modality", "Kind of content.", vocab.MODALITIES),
    choice_field("source_category", "EU AI Act source category.", vocab.SOURCE_CATEGORIES),
    text_field("collection_method", "How the data was collected (crawl, purchase, survey...)."),
    optional("homepage", "Home page (http/https).", parse.url),
    optional("size_tokens", "Size in tokens.", parse.count),
    optional("size_records", "Size in records (documents, rows, items).", parse.count),
    optional("size_bytes", "Size in bytes.", parse.count),
    optional("size_hours", "Size in hours of audio or video.", parse.quantity),
    text_field("size_category", "Size range where the exact size is unknown, e.g. 10K<n<100K.",
               single_line=True, limit=40),
    FieldSpec("languages", "Comma-separated language codes, e.g. en,fr,pt-BR.", parse.languages),
    choice_field("personal_data", "Does it contain personal data?", vocab.YES_NO_UNKNOWN),
    text_field("generator_model", "Model that generated it (synthetic data).", single_line=True),
    optional("acquired_from", "Start of the acquisition period (YYYY-MM-DD).", parse.date),
    optional("acquired_to", "End of the acquisition period (YYYY-MM-DD).", parse.date),
    choice_field("status", "Lifecycle status.", vocab.DATASET_STATUSES),
    text_field("steward", "Person or team accountable for it.", single_line=True),
    text_field("crawler", "Crawler that collected it, for crawled data (name, user agent).",
               single_line=True),
    optional("external_id", "Its identifier in the metadata it came from (dpi:..., hf:..., "
             "croissant:...); imports match on it.", partial(parse.name, limit=600)),
)

SOURCE_FIELDS: tuple[FieldSpec, ...] = (
    text_field("name", "Human-readable name.", required=True, single_line=True),
    choice_field("kind", "What kind of source.", vocab.SOURCE_KINDS),
    optional("url", "Where it lives (http/https).", parse.url),
    text_field("rights_holder", "Who holds the rights.", single_line=True),
    optional("terms_url", "Terms of use or service (http/https).", parse.url),
    choice_field("tdm_reservation", "Text-and-data-mining opt-out mechanism found.",
                 vocab.TDM_RESERVATIONS),
    choice_field("tdm_honoured", "Was the opt-out honoured?", vocab.YES_NO_UNKNOWN),
    optional("checked_on", "When the terms and opt-outs were checked (YYYY-MM-DD).", parse.date),
    text_field("notes", "Anything a reviewer should know."),
    text_field("crawler", "User agent the crawl of this source announced; robots.txt is "
               "judged for it (`source domains signals`).", single_line=True, limit=300),
)


def parse_fields(specs: Sequence[FieldSpec], values: Mapping[str, object]) -> dict[str, Any]:
    """Parse the values given (None means 'not given'); an empty string clears a field."""
    parsed: dict[str, Any] = {}
    given = values.get
    for spec in specs:
        raw = given(spec.name)
        if raw is None:
            continue
        if isinstance(raw, str) and raw.strip() == "":
            if spec.required:
                raise InvalidValue(spec.label, raw, "must not be empty")
            parsed[spec.name] = spec.empty
            continue
        parsed[spec.name] = spec.parser(raw, spec.label)
    return parsed


def missing_required(specs: Sequence[FieldSpec], values: Mapping[str, object]) -> list[FieldSpec]:
    """The required fields `values` leaves empty."""
    return [s for s in specs if s.required and values.get(s.name) in (None, "")]


DATASET_LIST_COLUMNS = ("slug", "name", "modality", "source_category", "personal_data", "status")
SOURCE_LIST_COLUMNS = ("slug", "name", "kind", "rights_holder", "tdm_reservation", "tdm_honoured")


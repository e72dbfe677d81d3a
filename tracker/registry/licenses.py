"""The licence knowledge base and SPDX expression parsing.

Built-in licences come from ``tracker/data/licenses.toml`` and are synced into
the registry when the file changes; users add their own ``LicenseRef-`` ids.
Expressions are parsed with license-expression against the ids the registry
knows, so a typo is refused with the nearest known id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from license_expression import (
    ExpressionError,
    ExpressionParseError,
    LicenseSymbol,
    Licensing,
    get_spdx_licensing,
)
from sqlmodel import Session, select

from tracker.db.models import License, RegistryMeta
from tracker.facts.license_kb import KB_DIGEST_KEY, builtin_terms, kb_digest
from tracker.values import parse
from tracker.values.errors import InvalidValue, NotFound

if TYPE_CHECKING:
    from tracker.registry import Registry

CATEGORIES = (
    "public-domain",
    "permissive",
    "weak-copyleft",
    "copyleft",
    "non-commercial",
    "no-derivatives",
    "responsible-ai",
    "proprietary",
    "unknown",
)
AI_TRAINING = ("allowed", "conditional", "prohibited", "unknown")
TERM_FLAGS = (
    "attribution",
    "share_alike",
    "no_derivatives",
    "restricts_models",
    "restricts_outputs",
)
KB_ACTOR = "tracker (licence knowledge base)"


def sync_knowledge_base(registry: Registry) -> int:
    """Insert or refresh built-in licences when the packaged file changed; returns rows changed."""
    digest = kb_digest()
    with registry.reading() as session:
        stored = session.get(RegistryMeta, KB_DIGEST_KEY)
        if stored is not None and stored.value == digest:
            return 0
    changed = 0
    with registry.writing(KB_ACTOR) as writer:
        session = writer.session
        existing = {row.key: row for row in session.exec(select(License)).all()}
        for terms in builtin_terms():
            values = asdict(terms)
            row = existing.get(terms.key)
            if row is None:
                writer.add(License(**values), label=terms.key)
                changed += 1
            elif row.builtin and writer.update(row, values, label=terms.key):
                changed += 1
        meta = session.get(RegistryMeta, KB_DIGEST_KEY) or RegistryMeta(key=KB_DIGEST_KEY, value="")
        meta.value = digest
        session.add(meta)
    return changed


@cache
def _spdx_exceptions() -> tuple[LicenseSymbol, ...]:
    spdx = get_spdx_licensing()
    seen: dict[str, LicenseSymbol] = {}
    for symbol in spdx.known_symbols.values():
        if getattr(symbol, "is_exception", False) and not symbol.key.startswith("LicenseRef-"):
            seen[symbol.key] = LicenseSymbol(symbol.key, is_exception=True)
    return tuple(seen.values())


class Known(list[License]):
    """The knowledge base as loaded: its identity for the parser cache is computed once,
    not on every expression of a large import."""

    @cached_property
    def signature(self) -> tuple[tuple[str, str], ...]:
        """Each licence's key and aliases: all the parser depends on, and its cache key."""
        return tuple((lic.key, lic.aliases) for lic in self)

    @cached_property
    def parser(self) -> _Parser:
        """The expression parser for these licences, cached by signature: lists of the
        same licences share one."""
        return _licensing_for(self.signature)


@dataclass(frozen=True, eq=False)
class _Parser:
    """A knowledge base's parser and names; hashed by identity, so that a cache keyed by it
    does not hash every name on each look-up."""

    licensing: Licensing
    names: tuple[str, ...]


def _licensing(licenses: Iterable[License]) -> _Parser:
    return (licenses if isinstance(licenses, Known) else Known(licenses)).parser


@lru_cache(maxsize=8)
def _licensing_for(known: tuple[tuple[str, str], ...]) -> _Parser:
    # Building a Licensing is costly; the knowledge base rarely changes within a process.
    symbols: list[LicenseSymbol] = []
    names: list[str] = []
    for key, alias_text in known:
        aliases = tuple(a for a in alias_text.split(",") if a)
        symbols.append(LicenseSymbol(key, aliases=aliases))
        names.extend((key, *aliases))
    return _Parser(Licensing([*symbols, *_spdx_exceptions()]), tuple(names))


def normalize_expression(expression: object, licenses: Sequence[License],
                         field: str = "expression") -> str:
    """The canonical SPDX form of an expression over known ids; refuses unknown or malformed."""
    raw = parse.text(expression, field, limit=1000)
    if not raw:
        raise InvalidValue(field, expression, "must not be empty")
    return _normalized(raw, _licensing(licenses), field)


@lru_cache(maxsize=4096)
def _normalized(raw: str, parser: _Parser, field: str) -> str:
    try:
        parsed = parser.licensing.parse(raw, validate=True, strict=True)
    except ExpressionParseError as exc:
        raise InvalidValue(field, raw, f"is not a valid SPDX expression: {exc}") from exc
    except ExpressionError as exc:
        message = str(exc)
        if message.startswith("Unknown license key(s):"):
            unknown = [k.strip() for k in message.split(":", 1)[1].split(",") if k.strip()]
            first = unknown[0] if unknown else raw
            hint = parse.suggest(first, parser.names) or (
                " (add it with 'tracker license add LicenseRef-...')"
            )
            raise InvalidValue(field, first, f"unknown licence id{hint}") from exc
        raise InvalidValue(field, raw, f"is not a valid SPDX expression: {message}") from exc
    if parsed is None:
        raise InvalidValue(field, raw, "must name at least one licence")
    return str(parsed.render())


def all_licenses(session: Session) -> Known:
    """The whole knowledge base (built-in and user licences) by key, ready for parsing."""
    return Known(session.exec(select(License).order_by(License.key)).all())


def get_license(session: Session, key: str) -> License:
    """A licence by id or alias, or by a name or URL the built-in knowledge base knows it by."""
    from tracker.assess.license_names import id_for_text

    licenses = all_licenses(session)
    lowered = key.strip().lower()
    for lic in licenses:
        if lic.key.lower() == lowered or lowered in lic.aliases.lower().split(","):
            return lic
    named = id_for_text(key)
    for lic in licenses:
        if lic.key == named:
            return lic
    names = [lic.key for lic in licenses]
    raise NotFound(f"licence: no licence {key!r}{parse.suggest(key, names)}")


def public(lic: License) -> dict[str, Any]:
    """A licence as plain data for listings and --json: its key as `id`, its aliases as a
    list."""
    return {
        "id": lic.key,
        "name": lic.name,
        "url": lic.url,
        "category": lic.category,
        "commercial_use": lic.commercial_use,
        "attribution": lic.attribution,
        "share_alike": lic.share_alike,
        "no_derivatives": lic.no_derivatives,
        "restricts_models": lic.restricts_models,
        "restricts_outputs": lic.restricts_outputs,
        "ai_training": lic.ai_training,
        "aliases": [a for a in lic.aliases.split(",") if a],
        "builtin": lic.builtin,
        "notes": lic.notes,
    }

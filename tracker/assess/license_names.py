"""Licence text as people write it -> the built-in knowledge-base id (pure: no database).

Importers meet licences as SPDX ids, hub ids, free-text names ("Apache License 2.0",
"CC BY-NC-SA 3.0", "Non Commercial") and URLs to a licence's text. The names are data:
each entry of ``tracker/data/licenses.toml`` lists its id, name, aliases and the other
`names` it is known by, and its `url`. Matching ignores case, spaces and punctuation.
Text that cannot be mapped gives None, never a guess: the caller records it as
``LicenseRef-Unmapped`` with the text kept.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from urllib.parse import unquote, urlsplit

from tracker.facts.license_kb import builtin_terms, kb_text

UNMAPPED = "LicenseRef-Unmapped"

# Words a free-text name often adds around a licence's id ("ISC License", "Apache License,
# Version 2.0"); tried without them only when the text as written matches nothing.
_FILLER = frozenset({"license", "licence", "licensed", "the", "version", "public"})
_WORD = re.compile(r"[^\W_]+")
_VERSION = re.compile(r"v(\d+)")
_URL = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)
# Longer text is a licence's full text or a note, not its name or address.
_LONGEST = 2048


def _words(text: str) -> list[str]:
    # "+" carries meaning in ids ("GPL-2.0+" is "or later"), so it survives as a word.
    words = _WORD.findall(text.casefold().replace("+", " plus "))
    # "v3.0" and "3.0" name the same version.
    return [m.group(1) if (m := _VERSION.fullmatch(w)) else w for w in words if w != "v"]


def normal_form(text: str) -> str:
    """The text as the resolver compares it: lower case, without spaces or punctuation."""
    return "".join(_words(text))


def _without_filler(text: str) -> str:
    words = [w for w in _words(text) if w not in _FILLER]
    return "".join(words)


@cache
def _extra_names() -> dict[str, tuple[str, ...]]:
    """The `names` key of each knowledge-base entry (kept out of the registry's rows: they
    only serve this resolver)."""
    entries = tomllib.loads(kb_text())["license"]
    return {e["id"]: tuple(e.get("names", ())) for e in entries}


def spellings() -> Iterator[tuple[str, str]]:
    """(spelling, id) for every id, name, alias and other name in the knowledge base."""
    names = _extra_names()
    for lic in builtin_terms():
        yield lic.key, lic.key
        yield lic.name, lic.key
        for alias in lic.aliases.split(","):
            if alias:
                yield alias, lic.key
        for name in names.get(lic.key, ()):
            yield name, lic.key


def clashes() -> dict[str, set[str]]:
    """Normal forms that more than one entry claims; the knowledge base must have none."""
    ids: dict[str, set[str]] = defaultdict(set)
    for spelling, key in spellings():
        ids[normal_form(spelling)].add(key)
    return {form: keys for form, keys in ids.items() if len(keys) > 1}


@cache
def _by_name() -> dict[str, str]:
    table: dict[str, str] = {}
    for spelling, key in spellings():
        table.setdefault(normal_form(spelling), key)
    return table


def _name_id(text: str) -> str | None:
    return _plain_name_id(text) or _parenthesised(text)


def _plain_name_id(text: str) -> str | None:
    table = _by_name()
    for form in _forms(text):
        found = table.get(form)
        if found is not None:
            return found
    return None


def _forms(text: str) -> Iterator[str]:
    """The text's normal form, then without filler words; each also with "Creative Commons"
    before it when it reads as a CC deed's title does ("Attribution 4.0 International")."""
    for form in (normal_form(text), _without_filler(text)):
        if form:
            yield form
            if form.startswith("attribution") and any(ch.isdigit() for ch in form):
                yield f"creativecommons{form}"


_PARENTHESIS = re.compile(r"(.*?)\s*\(([^()]*)\)\s*")


def _parenthesised(text: str) -> str | None:
    """'The MIT License (MIT)', 'CC BY 4.0 (https://...)': the name and the note in
    parentheses, when they do not name two different licences."""
    match = _PARENTHESIS.fullmatch(text)
    if match is None:
        return None
    found = set()
    for part in match.groups():
        part = part.strip()
        # Each part is read as it stands, never split again: one parenthesis deep.
        key = _url_or_none(part) if _URL.match(part) else _plain_name_id(part) if part else None
        if key is not None:
            found.add(key)
    return found.pop() if len(found) == 1 else None


def _url_key(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").removeprefix("www.")
    fragment = f"#{parts.fragment.casefold()}" if parts.fragment else ""
    return f"{host}{unquote(parts.path).rstrip('/').casefold()}{fragment}"


@cache
def _by_url() -> dict[str, str]:
    """Entries' own URLs. A URL that several entries share, or that begins another entry's
    URL (a listing such as https://spdx.org/licenses/), names no one licence."""
    owners: dict[str, set[str]] = defaultdict(set)
    for lic in builtin_terms():
        if lic.url:
            owners[_url_key(lic.url)].add(lic.key)
    urls = sorted(owners)
    return {url: next(iter(keys)) for url, keys in owners.items()
            if len(keys) == 1 and not any(o != url and o.startswith(url) for o in urls)}


_SUFFIX = re.compile(r"(?:[.-](?:html?|json|txt|php|md))+$", re.IGNORECASE)


def _spdx(path: list[str]) -> Iterable[str]:
    if len(path) == 2 and path[0] == "licenses":
        yield _SUFFIX.sub("", path[1])


def _creative_commons(path: list[str]) -> Iterable[str]:
    # licenses/<variant>/<version>[/<port>][/legalcode[.xx] | /deed.xx]
    if len(path) >= 3 and path[0] in ("licenses", "publicdomain"):
        rest = [p for p in path[3:] if not p.startswith(("legalcode", "deed"))]
        variant = {"zero": "cc0", "mark": "public-domain-mark"}.get(path[1], f"cc-{path[1]}")
        yield "-".join([variant, path[2], *rest])


def _osi(path: list[str]) -> Iterable[str]:
    if len(path) == 2 and path[0] in ("licenses", "license"):
        yield _SUFFIX.sub("", path[1])


def _choose_a_license(path: list[str]) -> Iterable[str]:
    if len(path) == 2 and path[0] == "licenses":
        yield path[1]


def _apache(path: list[str]) -> Iterable[str]:
    if len(path) == 2 and path[0] == "licenses":
        match = re.fullmatch(r"license-(\d+\.\d+)", _SUFFIX.sub("", path[1]), re.IGNORECASE)
        if match:
            yield f"apache-{match.group(1)}"


def _gnu(path: list[str]) -> Iterable[str]:
    if path and path[0] in ("licenses", "old-licenses"):
        page = _SUFFIX.sub("", path[-1]).removesuffix(".en").removesuffix("-standalone")
        yield f"g{page}" if page.startswith("fdl") else page


# Hosts whose licence pages spell the licence's id in their path.
_HOSTS = {
    "spdx.org": _spdx,
    "creativecommons.org": _creative_commons,
    "opensource.org": _osi,
    "choosealicense.com": _choose_a_license,
    "apache.org": _apache,
    "gnu.org": _gnu,
}


def _url_id(url: str) -> str | None:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").removeprefix("www.")
    path = [unquote(p) for p in parts.path.split("/") if p]
    reader = _HOSTS.get(host)
    for candidate in reader(path) if reader else ():
        found = _plain_name_id(candidate)
        if found is not None:
            return found
    return _by_url().get(_url_key(url))


def id_for_text(text: object) -> str | None:
    """The built-in knowledge-base id for licence text as found in the wild: an SPDX or
    knowledge-base id, an alias, a free-text name, or a URL to the licence's text; None
    when it cannot be mapped (the caller keeps the text; this never guesses)."""
    if not isinstance(text, str):
        return None
    stripped = " ".join(text.split())
    if not stripped or len(stripped) > _LONGEST:
        return None
    if _URL.match(stripped):
        return _url_or_none(stripped)
    return _name_id(stripped)


def _url_or_none(url: str) -> str | None:
    try:
        return _url_id(url)
    except ValueError:  # not a URL after all (an unclosed IPv6 bracket, a bad port)
        return None


_NOTE_LIMIT = 300


def unmapped_claim(text: str) -> tuple[str, str, str | None]:
    """The claim an importer records for licence text it cannot map: (expression, notes,
    evidence URL). The text is kept in the notes, and as the evidence when it is a web
    address, so that a reviewer finds what the source said."""
    raw = " ".join(text.split())
    shown = raw if len(raw) <= _NOTE_LIMIT else f"{raw[:_NOTE_LIMIT - 1]}…"
    web = re.match(r"https?://\S+$", raw, re.IGNORECASE) and len(raw) <= 2048
    return UNMAPPED, f"Licence text not mapped: {shown!r}", raw if web else None

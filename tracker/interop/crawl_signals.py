"""What a crawl saved about each domain's opt-outs, read from a directory:

    DIR/headers.jsonl                   one captured response a line:
                                        {"url": "https://example.com/a", "headers": {...}}
    DIR/DOMAIN/robots.txt               RFC 9309
    DIR/DOMAIN/.well-known/tdmrep.json  TDMRep rules
    DIR/DOMAIN/ai.txt                   robots.txt syntax, for AI use of media
    DIR/DOMAIN/index.html               the home page, for its tdm-* and robots meta tags

Every file is optional. A domain whose files are odd (not UTF-8, malformed JSON, too
large, a link) is read without them, with a warning: one domain never costs the whole
directory. A malformed line of headers.jsonl refuses the directory, naming the line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from tracker.assess.signal_verdicts import (
    Agent,
    Signal,
    Verdict,
    ai_txt_signals,
    robots_signals,
    tdm_properties,
    tdm_rules,
    tdmrep_signals,
    verdict,
)
from tracker.interop.limits import TABLE_LIMIT, MiB
from tracker.interop.reading import load_json
from tracker.registry.domains import domain_name
from tracker.values.errors import InvalidValue, TrackerError

HEADERS = "headers.jsonl"
FILES = ("robots.txt", ".well-known/tdmrep.json", "ai.txt", "index.html")
# RFC 9309 2.5: crawlers must parse at least the first 500 KiB of a robots.txt; past that
# a crawler may stop, and this reader does.
ROBOTS_PARSED = 500 * 1024
# Larger than any real signal file by far: such a file is left out, with a warning.
FILE_LIMIT = 16 * MiB
# Captured paths kept per domain for TDMRep rules: enough to show which rules apply.
PATHS_KEPT = 200

# Distinct robots.txt files whose verdicts are kept for the domains that share them.
SEEN_KEPT = 50_000

Warn = Callable[[str], None]
Judged = tuple[str, list[Signal]]


@dataclass
class DomainSignals:
    """A domain's signals, their verdict, when they were captured and each file's SHA-256."""

    domain: str
    verdict: Verdict
    signals: list[Signal]
    files: dict[str, str]
    captured_on: dt.date | None


@dataclass
class _Captures:
    """What headers.jsonl says of one domain."""

    signals: list[Signal] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


class _Meta(HTMLParser):
    """The tdm-reservation, tdm-policy and robots meta tags of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        found = {k.lower(): (v or "") for k, v in attrs}
        name = found.get("name", "").lower()
        if name in ("tdm-reservation", "tdm-policy", "robots"):
            self.values[name] = found.get("content", "")


def _read(path: str, shown: str, warn: Warn) -> tuple[bytes, float] | None:
    """A regular file's bytes and modification time, or None (with a warning) for a link, a
    device, or a file too large: a link may lead out of the directory, a device may never
    end."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        warn(f"{shown}: cannot read ({exc.strerror}); left out")
        return None
    if stat.S_ISLNK(info.st_mode):
        warn(f"{shown}: a link, not followed; left out")
        return None
    if not stat.S_ISREG(info.st_mode):
        warn(f"{shown}: not a regular file; left out")
        return None
    if info.st_size > FILE_LIMIT:
        warn(f"{shown}: {info.st_size:,} bytes, over the {FILE_LIMIT // MiB} MiB limit; "
             "left out")
        return None
    try:
        with open(path, "rb", opener=_no_follow) as handle:
            return handle.read(FILE_LIMIT + 1)[:FILE_LIMIT], info.st_mtime
    except OSError as exc:
        warn(f"{shown}: cannot read ({exc.strerror}); left out")
        return None


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def _text(data: bytes, shown: str, warn: Warn) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        warn(f"{shown}: not UTF-8 text ({exc.reason}); left out")
        return None


def _domain_signals(folder: str, name: str, crawler: str, agents: Sequence[Agent],
                    captures: _Captures | None, warn: Warn, seen: dict[str, Judged]
                    ) -> tuple[str, list[Signal], dict[str, str], float | None]:
    """(robots for the crawler, the signals, each file's SHA-256, the newest file's time);
    `seen`: robots.txt files judged before, by SHA-256."""
    robots = "unknown"
    signals: list[Signal] = []
    files: dict[str, str] = {}
    newest: float | None = None
    for relative in FILES:
        shown = f"{name}/{relative}"
        found = _read(os.path.join(folder, relative), shown, warn)
        if found is None:
            continue
        data, modified = found
        files[relative] = hashlib.sha256(data).hexdigest()
        newest = max(newest or 0.0, modified)
        text = _text(data, shown, warn)
        if text is None:
            continue
        if relative == "robots.txt":
            if len(data) > ROBOTS_PARSED:
                warn(f"{shown}: {len(data):,} bytes; the first 500 KiB were parsed "
                     "(RFC 9309 2.5)")
                text = data[:ROBOTS_PARSED].decode("utf-8", "ignore")
            # Sites share robots.txt files (a CMS's default): each one is judged once.
            judged = seen.get(files[relative])
            if judged is None:
                judged = robots_signals(text, crawler, agents)
                if len(seen) < SEEN_KEPT:
                    seen[files[relative]] = judged
            robots = judged[0]
            signals.extend(judged[1])
        elif relative == "ai.txt":
            signals.extend(ai_txt_signals(text))
        elif relative == "index.html":
            meta = _Meta()
            meta.feed(text[:MiB])
            signals.extend(tdm_properties(meta.values, "meta", "home page"))
        else:
            try:
                rules = tdm_rules(json.loads(text), shown)
            except (ValueError, RecursionError) as exc:
                warn(f"{shown}: not JSON ({exc.__class__.__name__}: {exc}); left out")
                signals.append(Signal("tdmrep.json", "not JSON: left out", None))
                continue
            except TrackerError as exc:
                warn(f"{exc}; left out")
                signals.append(Signal("tdmrep.json", f"malformed: {exc}", None))
                continue
            signals.extend(tdmrep_signals(rules, captures.paths if captures else ()))
    return robots, signals, files, newest


def _header_line(line: bytes, number: int, shown: str) -> tuple[str, str, dict[str, str]]:
    where = f"{shown} line {number}"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{where}: not UTF-8 text ({exc.reason})") from None
    item = load_json(text, shown, number)
    if not isinstance(item, dict):
        raise TrackerError(f"{where}: not a JSON object")
    url, headers = item.get("url"), item.get("headers")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidValue(f"{where}: url", str(url), "is not an http(s) URL")
    if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise TrackerError(f"{where}: headers: must be an object of header names to text")
    try:
        domain = domain_name(parts.hostname)
    except InvalidValue as exc:
        raise InvalidValue(f"{where}: url", url, exc.reason) from None  # type: ignore[arg-type]
    return domain, parts.path or "/", {k.lower(): v for k, v in headers.items()}


def read_headers(path: Path) -> tuple[dict[str, _Captures], str | None]:
    """Each domain's header signals and captured paths, and the file's SHA-256 (None when
    there is no file)."""
    shown = HEADERS
    if not path.exists() and not path.is_symlink():
        return {}, None
    if path.is_symlink() or not path.is_file():
        raise TrackerError(f"{shown}: not a regular file")
    digest = hashlib.sha256()
    found: dict[str, _Captures] = {}
    consumed = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            consumed += len(line)
            if consumed > TABLE_LIMIT:
                raise TrackerError(f"{shown}: larger than {TABLE_LIMIT // MiB} MiB")
            digest.update(line)
            if not line.strip():
                continue
            domain, url_path, headers = _header_line(line, number, shown)
            captures = found.get(domain)
            if captures is None:
                captures = found[domain] = _Captures()
            if len(captures.paths) < PATHS_KEPT:
                captures.paths.append(url_path)
            for signal in tdm_properties(headers, "header", url_path):
                if signal not in captures.signals:
                    captures.signals.append(signal)
    return found, digest.hexdigest()


def read_directory(root: Path, crawler: str, agents: Sequence[Agent],
                   captured_on: dt.date | None, warn: Warn
                   ) -> tuple[Iterator[DomainSignals], str | None]:
    """Every domain's signals, by domain name, and headers.jsonl's SHA-256. The headers are
    read (and checked) first; domains are then read one at a time as iterated."""
    if not root.is_dir():
        raise TrackerError(f"{root}: not a directory")
    headers, headers_digest = read_headers(root / HEADERS)
    return _domains(root, crawler, agents, captured_on, warn, headers, headers_digest), \
        headers_digest


def _folders(root: Path, warn: Warn) -> dict[str, tuple[str, str]]:
    """The domain folders by domain: (path, name as written)."""
    folders: dict[str, tuple[str, str]] = {}
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name == HEADERS:
                continue
            if entry.is_symlink():
                warn(f"{entry.name}: a link, not followed; left out")
                continue
            if not entry.is_dir(follow_symlinks=False):
                warn(f"{entry.name}: not a domain folder; left out")
                continue
            try:
                domain = domain_name(entry.name)
            except InvalidValue:
                warn(f"{entry.name}: not a domain name; left out")
                continue
            if domain in folders:
                warn(f"{entry.name}: the same domain as {folders[domain][1]}; left out")
                continue
            folders[domain] = (entry.path, entry.name)
    return folders


def _domains(root: Path, crawler: str, agents: Sequence[Agent], captured_on: dt.date | None,
             warn: Warn, headers: dict[str, _Captures], headers_digest: str | None
             ) -> Iterator[DomainSignals]:
    folders = _folders(root, warn)
    seen: dict[str, Judged] = {}
    headers_time = (root / HEADERS).stat().st_mtime if headers_digest else None
    for domain in sorted(folders.keys() | headers.keys()):
        captures = headers.get(domain)
        folder = folders.get(domain)
        robots, signals, files, newest = ("unknown", [], {}, None) if folder is None else \
            _domain_signals(*folder, crawler, agents, captures, warn, seen)
        if captures is not None:
            signals.extend(captures.signals)
            files[HEADERS] = headers_digest  # type: ignore[assignment]
            newest = max(newest or 0.0, headers_time or 0.0)
        when = captured_on or (None if newest is None else
                               dt.datetime.fromtimestamp(newest, dt.UTC).date())
        yield DomainSignals(domain, verdict(robots, signals, list(files)), signals, files, when)

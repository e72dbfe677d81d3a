"""Opt-out signals of a crawled domain and the verdict they give: pure, no files, no database.

A domain reserves its content (AI training or text and data mining: the EU copyright
directive's Art. 4(3) reservation) when any machine-readable signal says so: robots.txt
disallowing the crawler's own user agent or an AI-training crawler from the whole site, a
TDMRep rule or header or meta tag with tdm-reservation 1, an ai.txt disallow, or an
X-Robots-Tag / robots meta `noai` or `noimageai`. Where signals disagree the reservation
wins: a rights holder who said "reserved" anywhere said it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from protego import Protego

from tracker.values.errors import TrackerError

AGENT_PURPOSES = ("training", "search", "user_fetch")
AGENT_COLUMNS = ("user_agent", "operator", "purpose", "source", "checked_on")
# Stands for a crawler whose user agent is not on record: only the `*` group matches it.
ANY_AGENT = "tracker-unnamed-crawler"
ROOT = "/"
# How many Disallow paths of one robots.txt are probed for a partial disallow.
PROBES = 64
_DISALLOW = re.compile(r"^[ \t]*disallow[ \t]*:[ \t]*([^\s#]+)", re.IGNORECASE | re.MULTILINE)
_USER_AGENT = re.compile(r"^[ \t]*user-agent[ \t]*:[ \t]*([^\s#]+)", re.IGNORECASE | re.MULTILINE)
_NOAI = ("noai", "noimageai")


@dataclass(frozen=True)
class Agent:
    """A crawler user agent of the table: who runs it, and what for."""

    user_agent: str
    operator: str
    purpose: str
    source: str
    checked_on: str


@dataclass(frozen=True)
class Signal:
    """One thing a domain said. `reserves`: True reserves, False says not reserved, None
    informs only (a policy URL, a search crawler disallowed)."""

    protocol: str
    detail: str
    reserves: bool | None

    def as_dict(self) -> dict[str, object]:
        """As stored and listed: protocol, detail, reserves."""
        return {"protocol": self.protocol, "detail": self.detail, "reserves": self.reserves}


@dataclass(frozen=True)
class Verdict:
    robots: str  # for the crawler's own user agent: allowed, disallowed, partial, unknown
    reserved: str  # yes, no, unknown
    decided_by: str


# ---- the user-agent table ------------------------------------------------------------------


def _agents_from(text: str, where: str) -> list[Agent]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in AGENT_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise TrackerError(f"{where}: needs the columns {', '.join(AGENT_COLUMNS)} "
                           f"(missing {', '.join(missing)})")
    agents = []
    for row in reader:
        name = (row["user_agent"] or "").strip()
        purpose = (row["purpose"] or "").strip()
        if not name or not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name):
            raise TrackerError(f"{where} line {reader.line_num}: user_agent: not a robots.txt "
                               f"product token ({name!r})")
        if purpose not in AGENT_PURPOSES:
            raise TrackerError(f"{where} line {reader.line_num}: purpose: must be one of "
                               f"{', '.join(AGENT_PURPOSES)} ({purpose!r})")
        agents.append(Agent(name, (row["operator"] or "").strip(), purpose,
                            (row["source"] or "").strip(), (row["checked_on"] or "").strip()))
    return agents


def load_agents(extra: Path | None = None) -> tuple[Agent, ...]:
    """The packaged table of AI crawlers, with a user's own file (same columns) added; a
    user agent in both takes the user's row."""
    packaged = resources.files("tracker.data").joinpath("ai_crawlers.csv").read_text("utf-8")
    agents = {a.user_agent.lower(): a for a in _agents_from(packaged, "ai_crawlers.csv")}
    if extra is not None:
        try:
            text = extra.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TrackerError(f"--agents: cannot read {extra} ({exc.__class__.__name__})"
                               ) from exc
        agents |= {a.user_agent.lower(): a for a in _agents_from(text, str(extra))}
    return tuple(agents.values())


# ---- robots.txt and ai.txt (through protego) -----------------------------------------------


def _probes(text: str) -> list[str]:
    """Paths that a Disallow line names, as URLs a wildcard pattern would match."""
    paths = []
    for pattern in _DISALLOW.findall(text)[:PROBES]:
        path = pattern.replace("*", "x").rstrip("$")
        paths.append(path if path.startswith("/") else "/" + path)
    return paths


def robots_signals(text: str, crawler: str, agents: Sequence[Agent]
                   ) -> tuple[str, list[Signal]]:
    """(robots for the crawler's own user agent, the signals): the crawler judged at the
    site's root and at each path a Disallow names; the table's agents at the root."""
    parser = Protego.parse(text)
    own = crawler or ANY_AGENT
    whom = crawler or "crawlers not named in it (User-agent: *)"
    signals: list[Signal] = []
    if not parser.can_fetch(ROOT, own):
        robots = "disallowed"
        signals.append(Signal("robots.txt", f"disallows the whole site to {whom}", True))
    elif any(not parser.can_fetch(path, own) for path in _probes(text)):
        robots = "partial"
        signals.append(Signal("robots.txt", f"disallows part of the site to {whom}", None))
    else:
        robots = "allowed"
    everyone = not parser.can_fetch(ROOT, ANY_AGENT)
    if everyone and crawler:
        signals.append(Signal("robots.txt", "disallows the whole site to every crawler "
                              "(User-agent: *)", True))
    # An agent no group names is judged as every other crawler is, which is said above.
    tokens = {t.lower() for t in _USER_AGENT.findall(text)} - {"*"}
    named = {a.user_agent.lower() for a in agents for t in tokens if t in a.user_agent.lower()}
    for agent in agents:
        name = agent.user_agent.lower()
        if name not in named or name == crawler.lower() \
                or parser.can_fetch(ROOT, agent.user_agent):
            continue
        training = agent.purpose == "training"
        signals.append(Signal("robots.txt", f"disallows the whole site to {agent.user_agent} "
                              f"({agent.operator}, {agent.purpose.replace('_', ' ')})",
                              True if training else None))
    return robots, signals


def ai_txt_signals(text: str) -> list[Signal]:
    """ai.txt (robots.txt syntax, for AI use of media): any Disallow for every agent
    reserves what it names."""
    parser = Protego.parse(text)
    if not parser.can_fetch(ROOT, ANY_AGENT):
        return [Signal("ai.txt", "disallows AI use of the whole site", True)]
    blocked = [p for p in _DISALLOW.findall(text) if not parser.can_fetch(
        (p if p.startswith("/") else "/" + p).replace("*", "x").rstrip("$"), ANY_AGENT)]
    if blocked:
        shown = ", ".join(blocked[:5]) + (", ..." if len(blocked) > 5 else "")
        return [Signal("ai.txt", f"disallows AI use of {shown}", True)]
    return [Signal("ai.txt", "allows AI use", False)]


# ---- TDMRep (W3C community group final report) ---------------------------------------------


@dataclass(frozen=True)
class TdmRule:
    location: str
    reservation: int
    policy: str | None
    pattern: re.Pattern[str]


def tdm_rules(doc: object, where: str) -> list[TdmRule]:
    """The rules of a tdmrep.json document; a malformed one is refused, naming the rule."""
    if not isinstance(doc, list):
        raise TrackerError(f"{where}: must be a JSON array of rules")
    rules = []
    for n, item in enumerate(doc):
        if not isinstance(item, dict):
            raise TrackerError(f"{where}: rule {n}: must be an object")
        location, reservation = item.get("location"), item.get("tdm-reservation")
        policy = item.get("tdm-policy")
        if not isinstance(location, str) or not location:
            raise TrackerError(f"{where}: rule {n}: location: must be a path pattern "
                               f"({location!r})")
        if reservation not in (0, 1) or isinstance(reservation, bool):
            raise TrackerError(f"{where}: rule {n}: tdm-reservation: must be 0 or 1 "
                               f"({reservation!r})")
        if policy is not None and not isinstance(policy, str):
            raise TrackerError(f"{where}: rule {n}: tdm-policy: must be a URL ({policy!r})")
        rules.append(TdmRule(location, reservation, policy, _location_pattern(location)))
    return rules


def _location_pattern(location: str) -> re.Pattern[str]:
    """A location as robots.txt patterns read: `*` any characters, a final `$` the end."""
    anchored = location.endswith("$")
    body = location[:-1] if anchored else location
    if not body.startswith("/"):
        body = "/" + body
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


def tdm_match(rules: Sequence[TdmRule], path: str) -> TdmRule | None:
    """The most specific rule matching a path (the longest location); None if none does."""
    matching = [r for r in rules if r.pattern.match(path)]
    return max(matching, key=lambda r: len(r.location), default=None)


def tdmrep_signals(rules: Sequence[TdmRule], paths: Iterable[str]) -> list[Signal]:
    """What the file says for the site's root and for each captured path."""
    signals: list[Signal] = []
    seen: set[tuple[str, int]] = set()
    for path in (ROOT, *paths):
        rule = tdm_match(rules, path)
        if rule is None or (rule.location, rule.reservation) in seen:
            continue
        seen.add((rule.location, rule.reservation))
        policy = f", policy {rule.policy}" if rule.policy else ""
        signals.append(Signal("tdmrep.json", f"location {rule.location}: tdm-reservation "
                              f"{rule.reservation}{policy} (matches {path})",
                              bool(rule.reservation)))
    return signals


def tdm_properties(values: dict[str, str], protocol: str, where: str) -> list[Signal]:
    """tdm-reservation and tdm-policy as an HTTP header or an HTML meta tag gives them, and
    `noai`/`noimageai` in X-Robots-Tag or a robots meta tag."""
    signals: list[Signal] = []
    reservation = values.get("tdm-reservation", "").strip()
    if reservation in ("0", "1"):
        policy = values.get("tdm-policy", "").strip()
        signals.append(Signal(protocol, f"tdm-reservation {reservation}"
                              + (f", policy {policy}" if policy else "") + f" ({where})",
                              reservation == "1"))
    tags = values.get("x-robots-tag", "") + "," + values.get("robots", "")
    found = sorted({t for t in re.split(r"[\s,:]+", tags.lower()) if t in _NOAI})
    if found:
        signals.append(Signal(protocol, f"{' and '.join(found)} ({where})", True))
    return signals


# ---- the verdict ---------------------------------------------------------------------------


def verdict(robots: str, signals: Sequence[Signal], read: Sequence[str]) -> Verdict:
    """Reserved when a signal reserves (the first one named as deciding); not reserved when
    something was read and nothing reserves; unknown when nothing was captured."""
    deciding = next((s for s in signals if s.reserves), None)
    if deciding is not None:
        return Verdict(robots, "yes", f"{deciding.protocol}: {deciding.detail}")
    if read:
        return Verdict(robots, "no", f"no signal reserves it (read: {', '.join(read)})")
    return Verdict(robots, "unknown", "nothing captured for the domain")

"""Opt-out evidence per crawled domain: read from what a crawl saved, stored with its files'
SHA-256 and an audited digest, turned into findings and report statements."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import Snapshots, Tracker
from tracker.assess.signal_verdicts import (
    Agent,
    load_agents,
    robots_signals,
    tdm_match,
    tdm_rules,
    verdict,
)

CRAWL = Path(__file__).resolve().parent / "fixtures" / "crawl_signals" / "crawl"
TRAINING = [Agent("GPTBot", "OpenAI", "training", "", ""),
            Agent("PerplexityBot", "Perplexity", "search", "", "")]


def _evidence(tracker: Tracker, *extra: str) -> dict[str, dict]:
    rows = json.loads(tracker(["source", "domains", "evidence", "crawl", "--json", *extra])
                      .stdout)
    return {r["domain"]: r for r in rows}


@pytest.fixture
def crawl(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    """A crawled dataset drawn by a run, its source crawled by ExampleBot."""
    snapshots.restore(tracker, "crawl_signals.crawl", lambda t: [t(c) for c in CRAWL_SETUP],
                      postgres=False)
    return tracker


CRAWL_SETUP = ["source add crawl --name Crawl --kind domain --crawler ExampleBot",
               "dataset add web --name Web --source-category crawled",
               "source link web crawl",
               "license claim web CC-BY-4.0 --by authors",
               "run create r1 --model M --start 2026-01-01 --end 2026-06-30",
               "run add-dataset r1 web"]


def _import(tracker: Tracker, directory: Path = CRAWL, *extra: str, expect: int = 0):
    return tracker(["source", "domains", "signals", str(directory), "--source", "crawl",
                    "--captured-on", "2026-11-30", *extra], expect=expect)


# ---- the rules, on their own ---------------------------------------------------------------


def test_robots_longest_match_wins_and_allow_wins_a_tie() -> None:
    """RFC 9309 2.2.2: the longest matching rule decides; Allow wins between equals."""
    text = "User-agent: ExampleBot\nDisallow: /docs/\nAllow: /docs/public/\n" \
           "Allow: /same\nDisallow: /same\n"
    robots, signals = robots_signals(text, "ExampleBot", TRAINING)
    assert robots == "partial"
    from protego import Protego

    parsed = Protego.parse(text)
    assert parsed.can_fetch("/docs/public/a", "ExampleBot")
    assert not parsed.can_fetch("/docs/a", "ExampleBot")
    assert parsed.can_fetch("/same", "ExampleBot")
    assert [s.reserves for s in signals] == [None]


def test_robots_judges_every_ai_crawler_and_only_training_ones_reserve() -> None:
    text = "User-agent: GPTBot\nDisallow: /\n\nUser-agent: PerplexityBot\nDisallow: /\n"
    robots, signals = robots_signals(text, "ExampleBot", TRAINING)
    assert robots == "allowed"
    assert [(s.detail.split(" (")[0], s.reserves) for s in signals] == [
        ("disallows the whole site to GPTBot", True),
        ("disallows the whole site to PerplexityBot", None)]
    assert verdict(robots, signals, ["robots.txt"]).reserved == "yes"


def test_a_wildcard_group_disallowing_everyone_is_said_once() -> None:
    robots, signals = robots_signals("User-agent: *\nDisallow: /\n", "ExampleBot", TRAINING)
    assert robots == "disallowed"
    assert len([s for s in signals if s.reserves]) == 2  # our crawler, and every crawler


def test_tdmrep_most_specific_rule_first() -> None:
    """The W3C report's example: the site reserved, its images not; longest location wins."""
    rules = tdm_rules([{"location": "/", "tdm-reservation": 1},
                       {"location": "/images/*", "tdm-reservation": 0},
                       {"location": "/images/press/*.jpg$", "tdm-reservation": 1}], "test")
    assert tdm_match(rules, "/about").reservation == 1
    assert tdm_match(rules, "/images/cat.png").reservation == 0
    assert tdm_match(rules, "/images/press/cat.jpg").reservation == 1
    assert tdm_match(rules, "/images/press/cat.jpg?x=1").reservation == 0


@pytest.mark.parametrize("doc, message", [
    ({"location": "/"}, "must be a JSON array of rules"),
    ([{"location": "/", "tdm-reservation": 2}], "rule 0: tdm-reservation: must be 0 or 1 (2)"),
    ([{"tdm-reservation": 1}], "rule 0: location: must be a path pattern (None)"),
])
def test_a_malformed_tdmrep_rule_is_named(doc: object, message: str) -> None:
    from tracker.values.errors import TrackerError

    with pytest.raises(TrackerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tdm_rules(doc, "tdmrep.json")


def test_the_packaged_agent_table_is_dated_and_sourced() -> None:
    agents = {a.user_agent: a for a in load_agents()}
    for name in ("GPTBot", "ChatGPT-User", "CCBot", "Google-Extended", "ClaudeBot",
                 "anthropic-ai", "PerplexityBot", "Bytespider", "Applebot-Extended",
                 "meta-externalagent", "cohere-ai", "Amazonbot"):
        assert name in agents
        assert agents[name].source.startswith("https://")
        assert agents[name].checked_on[:4].isdigit()
    assert agents["GPTBot"].purpose == "training"
    assert agents["ChatGPT-User"].purpose == "user_fetch"


# ---- through the command line --------------------------------------------------------------


def test_each_domain_gets_a_verdict_and_the_rule_that_decided_it(crawl: Tracker) -> None:
    result = _import(crawl)
    assert "opt-out signals of 12 domains read, 9 reserving" in result.stderr
    assert "bad-json.example/.well-known/tdmrep.json: not JSON" in result.stderr
    found = _evidence(crawl)
    expected = {
        "blocks-gptbot.example": ("allowed", "yes", "robots.txt: disallows the whole site to "
                                                    "GPTBot"),
        "crawler-blocked.example": ("disallowed", "yes", "robots.txt: disallows the whole site "
                                                         "to ExampleBot"),
        "precedence.example": ("disallowed", "yes", "robots.txt"),
        "wildcards.example": ("partial", "no", "no signal reserves it"),
        "open.example": ("allowed", "no", "no signal reserves it"),
        "tdmrep.example": ("unknown", "yes", "tdmrep.json: location /: tdm-reservation 1"),
        "tdm-partial.example": ("unknown", "yes", "tdmrep.json: location /news/*: "
                                                  "tdm-reservation 1"),
        "aitxt.example": ("unknown", "yes", "ai.txt: disallows AI use of *.jpg, *.png"),
        "meta.example": ("unknown", "yes", "meta: tdm-reservation 1"),
        "header.example": ("unknown", "yes", "header: tdm-reservation 1"),
        "noai.example": ("unknown", "yes", "header: noai and noimageai"),
        "bad-json.example": ("allowed", "no", "no signal reserves it"),
    }
    assert set(found) == set(expected)
    for domain, (robots, reserved, rule) in expected.items():
        row = found[domain]
        assert (row["robots"], row["reserved"]) == (robots, reserved), domain
        assert row["decided_by"].startswith(rule), (domain, row["decided_by"])
        assert row["captured_on"] == "2026-11-30"
    robots = (CRAWL / "blocks-gptbot.example" / "robots.txt").read_bytes()
    import hashlib

    assert found["blocks-gptbot.example"]["files"] == {
        "robots.txt": hashlib.sha256(robots).hexdigest()}
    assert set(found["header.example"]["files"]) == {"headers.jsonl"}
    assert any("PerplexityBot" in s["detail"] and s["reserves"] is None
               for s in found["blocks-gptbot.example"]["signals"])


def test_the_import_is_one_audited_event_and_verify_catches_a_changed_row(
        crawl: Tracker) -> None:
    _import(crawl)
    log = json.loads(crawl("log --json").stdout)
    event = log[-1]
    assert event["entity"] == "crawl_signal"
    assert event["after"]["rows"] == 12 and len(event["after"]["sha256"]) == 64
    assert len(event["after"]["headers_sha256"]) == 64
    crawl("verify")
    crawl.sql("UPDATE crawl_signal SET reserved = 'no' WHERE domain = 'tdmrep.example'")
    result = crawl("verify", expect=1)
    assert "opt-out signals of source #1" in result.stdout + result.stderr


def test_a_reimport_replaces_the_list(crawl: Tracker, tmp_path: Path) -> None:
    _import(crawl)
    smaller = tmp_path / "crawl"
    shutil.copytree(CRAWL / "open.example", smaller / "open.example")
    result = _import(crawl, smaller)
    assert "1 domain read, 0 reserving" in result.stderr
    assert "(replacing 12)" in result.stderr
    assert list(_evidence(crawl)) == ["open.example"]
    crawl("verify")
    crawl("source remove crawl --yes")
    crawl("verify")


def test_reserved_content_kept_is_a_blocker_unless_dropped(crawl: Tracker,
                                                           tmp_path: Path) -> None:
    """The crawl kept bytes of a reserving domain: tdm_opt_out_ignored; no bytes: honoured."""
    domains = tmp_path / "domains.csv"
    domains.write_text("domain,content_bytes\nopen.example,9000\ntdmrep.example,0\n"
                       "wildcards.example,10\n")
    crawl(f"source domains import {domains} --source crawl")
    _import(crawl)
    flags = json.loads(crawl("flags r1 --json").stdout)
    assert not [f for f in flags if f["code"] == "tdm_opt_out_ignored"]
    domains.write_text("domain,content_bytes\nopen.example,9000\ntdmrep.example,0\n"
                       "blocks-gptbot.example,5000\nheader.example,100\n")
    crawl(f"source domains import {domains} --source crawl")
    flags = json.loads(crawl("flags r1 --json").stdout)
    ignored = [f for f in flags if f["code"] == "tdm_opt_out_ignored"]
    assert [(f["severity"], f["dataset"]) for f in ignored] == [("blocker", "web")]
    assert "2 domains in crawl's crawl (5,100 bytes)" in ignored[0]["why"]
    assert ignored[0]["why"].endswith(
        "Largest: blocks-gptbot.example (5,000 bytes; robots.txt: disallows the whole site "
        "to GPTBot (OpenAI, training)).")
    assert crawl("check r1", expect=3).exit_code == 3


def test_reports_state_the_evidence(crawl: Tracker, tmp_path: Path) -> None:
    domains = tmp_path / "domains.csv"
    domains.write_text("domain,content_bytes\nopen.example,9000\ntdmrep.example,0\n"
                       "blocks-gptbot.example,5000\n")
    crawl(f"source domains import {domains} --source crawl")
    summary = tmp_path / "eu.md"
    crawl(f"report eu-summary r1 -o {summary}")
    assert "3.1: no opt-out signals were read" in summary.read_text()
    _import(crawl)
    crawl(f"report eu-summary r1 -o {summary}")
    text = summary.read_text()
    section_31 = text[text.index("### 3.1"):text.index("### 3.2")]
    assert "Opt-out signals were read for 12 crawled domains (captured 2026-11-30); " \
           "9 reserved AI training or text and data mining." in section_31
    assert "the crawl dropped the content of 1; 1 contributed 5,000 bytes; 7 are not in the " \
           "crawl's domain list" in section_31
    assert "tdmrep.json: 2 domains reserved rights; honoured." in section_31
    assert "robots.txt: 3 domains reserved rights; not honoured for 1 domain (5,000 bytes " \
           "kept)." in section_31
    section_23 = text[text.index("### 2.3"):text.index("### 2.4")]
    assert "| blocks-gptbot.example | 5,000 | allowed | yes | robots.txt: disallows" \
        in section_23
    html = tmp_path / "eu.html"
    crawl(f"report eu-summary r1 -o {html}")
    assert 'id="top-domain-signals"' in html.read_text()
    audit = tmp_path / "audit.html"
    crawl(f"report audit r1 -o {audit}")
    page = audit.read_text()
    table = page[page.index('id="crawl-signals"'):]
    table = table[:table.index("</table>")]
    # The largest domains by bytes first, each with its verdict.
    assert table.index("open.example") < table.index("blocks-gptbot.example") \
        < table.index("tdmrep.example")
    assert "disallows the whole site to GPTBot" in table


def test_a_user_extends_the_agent_table(crawl: Tracker, tmp_path: Path) -> None:
    site = tmp_path / "crawl" / "mine.example"
    site.mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: NewAIBot\nDisallow: /\n")
    _import(crawl, tmp_path / "crawl")
    assert _evidence(crawl)["mine.example"]["reserved"] == "no"
    agents = tmp_path / "agents.csv"
    agents.write_text("user_agent,operator,purpose,source,checked_on\n"
                      "NewAIBot,New AI,training,https://new.example/bot,2026-12-01\n")
    _import(crawl, tmp_path / "crawl", "--agents", str(agents))
    row = _evidence(crawl)["mine.example"]
    assert row["reserved"] == "yes"
    assert row["decided_by"] == "robots.txt: disallows the whole site to NewAIBot (New AI, " \
                                "training)"
    agents.write_text("user_agent,operator,purpose,source,checked_on\n"
                      "NewAIBot,New AI,scraping,https://new.example/bot,2026-12-01\n")
    result = _import(crawl, tmp_path / "crawl", "--agents", str(agents), expect=1)
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {agents} line 2: purpose: must be one of training, search, user_fetch "
        "('scraping')")


# ---- hostile input -------------------------------------------------------------------------


def test_odd_domains_are_warned_and_the_rest_is_read(crawl: Tracker, tmp_path: Path) -> None:
    root = tmp_path / "crawl"
    shutil.copytree(CRAWL / "open.example", root / "open.example")
    huge = root / "huge.example"
    huge.mkdir()
    # 600 KiB: past the 500 KiB RFC 9309 asks crawlers to parse; the reservation is early.
    (huge / "robots.txt").write_text("User-agent: GPTBot\nDisallow: /\n"
                                     + "# padding\n" * 60_000)
    outside = tmp_path / "secret.txt"
    outside.write_text("User-agent: *\nDisallow: /\n")
    linked = root / "linked.example"
    linked.mkdir()
    (linked / "robots.txt").symlink_to(outside)
    (root / "..evil").mkdir()
    (root / "escape.example").symlink_to(tmp_path, target_is_directory=True)
    fifo = root / "fifo.example"
    fifo.mkdir()
    os.mkfifo(fifo / "robots.txt")
    binary = root / "binary.example"
    binary.mkdir()
    (binary / "robots.txt").write_bytes(b"\xff\xfe\x00bad")
    result = _import(crawl, root)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("huge.example/robots.txt: 600,031 bytes; the first 500 KiB were parsed" in w
               for w in warnings)
    assert any("linked.example/robots.txt: a link, not followed" in w for w in warnings)
    assert any("..evil: not a domain name" in w for w in warnings)
    assert any("escape.example: a link, not followed" in w for w in warnings)
    assert any("fifo.example/robots.txt: not a regular file" in w for w in warnings)
    assert any("binary.example/robots.txt: not UTF-8 text" in w for w in warnings)
    found = _evidence(crawl)
    assert found["huge.example"]["reserved"] == "yes"
    assert found["linked.example"]["reserved"] == "unknown"
    assert found["open.example"]["reserved"] == "no"
    assert "escape.example" not in found


@pytest.mark.parametrize("line, message", [
    ('{"url": "https://a.example/", "headers": {', "headers.jsonl line 2: malformed JSON"),
    ('["https://a.example/"]', "headers.jsonl line 2: not a JSON object"),
    ('{"url": "file:///etc/passwd", "headers": {}}',
     "headers.jsonl line 2: url: is not an http(s) URL (got 'file:///etc/passwd')"),
    ('{"url": "https://../etc/passwd", "headers": {}}',
     "headers.jsonl line 2: url: is not a domain name (got 'https://../etc/passwd')"),
    ('{"url": "https://a.example/", "headers": {"tdm-reservation": 1}}',
     "headers.jsonl line 2: headers: must be an object of header names to text"),
])
def test_a_bad_headers_line_refuses_the_directory(crawl: Tracker, tmp_path: Path, line: str,
                                                  message: str) -> None:
    _import(crawl)
    before = crawl.digest()
    root = tmp_path / "crawl"
    shutil.copytree(CRAWL, root)
    with (root / "headers.jsonl").open("w") as out:
        out.write('{"url": "https://ok.example/", "headers": {}}\n' + line + "\n")
    result = _import(crawl, root, expect=1)
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert crawl.digest() == before
    assert len(_evidence(crawl)) == 12


def test_not_a_directory_and_no_source(crawl: Tracker, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _import(crawl, empty, expect=1)
    assert "no domain folders and no headers.jsonl captures" in result.stderr
    result = crawl(["source", "domains", "signals", str(CRAWL), "--source", "nope"], expect=1)
    assert result.stderr.count("\n") == 1 and "nope" in result.stderr
    result = crawl(["source", "domains", "signals", str(CRAWL), "--source", "crawl",
                    "--captured-on", "2026-02-30"], expect=1)
    assert "captured-on: is not a real calendar date (got '2026-02-30')" in result.stderr

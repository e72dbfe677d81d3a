"""Data entry through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

from conftest import Tracker


def add_dataset(tracker: Tracker, slug: str = "news", **extra: str) -> None:
    options = " ".join(f"--{k.replace('_', '-')} '{v}'" for k, v in extra.items())
    tracker(f"dataset add {slug} --name 'News archive' {options}")


def test_dataset_lifecycle(tracker: Tracker) -> None:
    add_dataset(tracker, modality="text", source_category="commercially_licensed",
                size_tokens="40000000000000", languages="en,de", acquired_from="2024-01-01",
                acquired_to="2024-06-30", homepage="https://news.example.com")
    shown = json.loads(tracker("dataset show news --json").stdout)
    assert shown["name"] == "News archive"
    assert shown["size_tokens"] == 40_000_000_000_000
    assert shown["languages"] == "en,de"
    assert shown["acquired_to"] == "2024-06-30"

    tracker("dataset edit news --version 2024-06 --homepage ''")
    shown = json.loads(tracker("dataset show news --json").stdout)
    assert shown["version"] == "2024-06"
    assert shown["homepage"] is None

    listed = json.loads(tracker("dataset list --json").stdout)
    assert [d["slug"] for d in listed] == ["news"]
    rows = list(csv.DictReader(io.StringIO(tracker("dataset list --csv").stdout)))
    assert rows[0]["slug"] == "news" and rows[0]["size_tokens"] == "40000000000000"

    tracker("dataset edit news --slug news-2024")
    assert tracker("dataset show news-2024 --json").exit_code == 0
    removed = tracker("dataset remove news-2024 --yes")
    assert "removed dataset news-2024" in removed.stderr
    assert json.loads(tracker("dataset list --json").stdout) == []


def test_fees_sum_exactly(tracker: Tracker) -> None:
    add_dataset(tracker)
    for amount in ("0.10", "0.20"):
        tracker(f"fee add news --amount {amount} --currency USD --counterparty Publisher")
    listed = json.loads(tracker("fee list --json").stdout)
    assert [f["amount"] for f in listed["fees"]] == ["0.10", "0.20"]
    assert listed["totals"] == [{"basis": "one-time", "unit": None, "currency": "USD",
                                 "amount": "0.30"}]
    assert "TOTAL one-time: 0.30 USD" in tracker("fee list").stdout


def test_large_amounts_and_per_token_rates_round_trip(tracker: Tracker) -> None:
    add_dataset(tracker)
    tracker("fee add news --amount 12345678901.23 --currency EUR --counterparty Publisher "
            "--contract C-1 --start 2024-01-01 --end 2026-12-31")
    tracker("fee add news --amount 0.0000025 --currency usd --kind per_unit --unit token "
            "--counterparty Broker")
    tracker("fee add news --amount 50000000 --currency USD --kind recurring --period year "
            "--counterparty Publisher --contract C-1")
    fees = json.loads(tracker("fee list news --json").stdout)["fees"]
    assert [(f["amount"], f["currency"], f["basis"]) for f in fees] == [
        ("12345678901.23", "EUR", "one-time"),
        ("0.0000025", "USD", "per token"),
        ("50000000", "USD", "per year"),
    ]
    assert fees[2]["term_start"] == "2024-01-01"  # shares the agreement's term
    shown = json.loads(tracker("dataset show news --json").stdout)
    assert shown["fees"] == fees


def test_costs_and_exchange_rates(tracker: Tracker) -> None:
    add_dataset(tracker)
    tracker("cost add news --category annotation --amount 1500.50 --currency GBP "
            "--date 2024-03-01 --vendor Labellers")
    tracker("cost add news --category annotation --amount 0.50 --currency GBP")
    costs = json.loads(tracker("cost list --json").stdout)
    assert costs["totals"] == [{"category": "annotation", "currency": "GBP", "amount": "1501.00"}]
    tracker("fx set EUR USD 1.0850 --as-of 2024-01-01")
    tracker("fx set eur usd 1.0900 --as-of 2024-01-01")  # corrects the same day's rate
    rates = json.loads(tracker("fx list --json").stdout)
    assert rates == [{"id": 1, "base": "EUR", "quote": "USD", "rate": "1.0900",
                      "as_of": "2024-01-01", "voided": None}]


def test_sources_links_and_consent(tracker: Tracker) -> None:
    add_dataset(tracker, personal_data="yes")
    tracker("source add forum --name 'Forum' --kind platform --url https://forum.example.com "
            "--tdm-reservation robots_txt --tdm-honoured no")
    tracker("source link news forum --content-bytes 1000000")
    tracker("consent set news --status unknown --date 2024-01-01")
    tracker("consent set news --status withdrawn --legal-basis consent --compensation no "
            "--evidence https://forum.example.com/notice --date 2024-05-01")
    tracker("consent set --source forum --status notice_only --date 2024-02-01")
    history = json.loads(tracker("consent history news --json").stdout)
    assert [h["status"] for h in history] == ["unknown", "withdrawn"]
    shown = json.loads(tracker("dataset show news --json").stdout)
    assert shown["sources"][0]["slug"] == "forum"
    assert shown["sources"][0]["content_bytes"] == 1_000_000
    source = json.loads(tracker("source show forum --json").stdout)
    assert source["datasets"][0]["slug"] == "news"
    assert source["consent"][0]["status"] == "notice_only"
    tracker("source remove forum --yes")
    assert json.loads(tracker("dataset show news --json").stdout)["sources"] == []


def test_licence_claims_keep_history(tracker: Tracker) -> None:
    add_dataset(tracker)
    tracker("license claim news cc-by-4.0 --by hub --evidence https://hub.example.com "
            "--date 2024-01-01")
    tracker("license claim news 'CC-BY-NC-4.0 AND MIT' --by authors --date 2024-02-01")
    claims = json.loads(tracker("license claims news --json").stdout)
    assert [(c["license"], c["claimed_by"]) for c in claims] == [
        ("CC-BY-4.0", "hub"), ("CC-BY-NC-4.0 AND MIT", "authors")]


def test_custom_licences(tracker: Tracker) -> None:
    tracker("license add LicenseRef-Acme-Data --name 'Acme data licence' "
            "--url https://acme.example.com/licence --category proprietary --commercial-use yes "
            "--ai-training allowed --attribution")
    shown = json.loads(tracker("license show LicenseRef-Acme-Data --json").stdout)
    assert shown["attribution"] is True and shown["builtin"] is False
    add_dataset(tracker)
    tracker("license claim news 'LicenseRef-Acme-Data OR CC0-1.0' --by contract")
    listed = json.loads(tracker("license list --json").stdout)
    assert len(listed) > 60
    assert json.loads(tracker("license show cc-by-nc-4.0 --json").stdout)["commercial_use"] == "no"


def test_lineage_tree(tracker: Tracker) -> None:
    for slug in ("crawl", "filtered", "mix"):
        add_dataset(tracker, slug)
    tracker("lineage add filtered crawl --relation filtered")
    tracker("lineage add mix filtered --relation mixture")
    tree = json.loads(tracker("lineage show mix --json").stdout)
    assert tree["ancestors"] == [
        {"slug": "filtered", "relation": "mixture",
         "children": [{"slug": "crawl", "relation": "filtered", "children": []}]}]
    text = tracker("lineage show crawl").stdout
    assert "source of filtered (filtered)" in text and "source of mix (mixture)" in text
    tracker("lineage remove mix filtered --yes")
    assert json.loads(tracker("lineage show mix --json").stdout)["ancestors"] == []


def test_every_change_is_logged_with_its_actor(tracker: Tracker) -> None:
    add_dataset(tracker)
    tracker("dataset edit news --version v2")
    events = json.loads(tracker("log --json --entity dataset").stdout)
    assert [(e["action"], e["actor"], e["label"]) for e in events] == [
        ("create", "tester", "news"), ("update", "tester", "news")]
    assert events[1]["before"]["version"] == "" and events[1]["after"]["version"] == "v2"
    assert "ok:" in tracker("verify").stdout


def test_database_selection_by_environment(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from tracker.cli.main import cli

    path = tmp_path / "env.db"
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_USER", "env-user")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "path"]).stdout.strip() == str(path)
    assert runner.invoke(cli, ["dataset", "add", "x", "--name", "X"]).exit_code == 0
    log = json.loads(runner.invoke(cli, ["log", "--json"]).stdout)
    assert log[-1]["actor"] == "env-user"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_DB")
    assert runner.invoke(cli, ["db", "path"]).stdout.strip() == str(tmp_path / "tracker.db")

"""Edge cases found by review: each once wrong, now pinned."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from conftest import Tracker


def budget(tracker: Tracker, run: str = "r") -> dict:
    return json.loads(tracker(["budget", run, "--json"]).stdout)


def codes(tracker: Tracker, run: str | None = None) -> set[str]:
    args = ["flags", "--json"] + ([run] if run else [])
    return {f["code"] for f in json.loads(tracker(args).stdout)}


def test_catalogue_prices_are_usd(tracker: Tracker) -> None:
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31 --currency EUR")
    result = tracker("run set-compute r --accelerator H100 --count 1 --hours 1000 "
                     "--compute-currency EUR", expect=1)
    assert "catalogue's rental_usd_per_hour is in USD" in result.stderr
    tracker("run set-compute r --accelerator H100 --count 1 --hours 1000 "
            "--compute-currency EUR --price-per-hour 2.75")
    assert budget(tracker)["totals"]["compute"] == "2750.00"


def test_a_fee_cannot_move_another_fees_agreement(tracker: Tracker) -> None:
    for slug in ("a", "b"):
        tracker(f"dataset add {slug} --name {slug}")
    tracker("fee add a --kind recurring --period year --amount 1000 --currency USD "
            "--counterparty Broker")
    result = tracker("fee add b --amount 5 --currency USD --counterparty Broker "
                     "--end 2027-01-31", expect=1)
    assert "already exists with no end" in result.stderr
    tracker("fee add b --amount 5 --currency USD --counterparty Broker --contract B-2 "
            "--end 2027-01-31")


def test_flops_count_every_token_drawn(tracker: Tracker) -> None:
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    for slug in ("x", "y"):
        tracker(f"dataset add {slug} --name {slug} --size-tokens 2000000000000")
    tracker("run add-dataset r x --share 0.5")
    tracker("run add-dataset r y --tokens 1000000000000 --epochs 2")
    tracker("run set-compute r --accelerator H100 --parameters 7e9 --mfu 0.4 "
            "--price-per-hour 2")
    flops = budget(tracker)["compute"]["training_flops"]
    assert Decimal(flops) == 6 * 7 * 10**9 * 3 * 10**12  # 1e12 (half of x) + 2e12 (y twice)
    assert "mfu: must be greater than zero" in tracker("run set-compute r --mfu 0",
                                                       expect=1).stderr


def test_sums_of_38_digit_amounts_are_exact(tracker: Tracker) -> None:
    tracker("dataset add d --name d")
    tracker("fee add d --amount 12345678901234567890.5 --currency USD --counterparty A")
    tracker("fee add d --amount 0.000000000000000001 --currency USD --counterparty A")
    totals = json.loads(tracker("fee list --json").stdout)["totals"]
    assert totals[0]["amount"] == "12345678901234567890.500000000000000001"


def test_domain_lists_are_tamper_evident(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    t = sqlite_tracker
    t("source add crawl --name Crawl --kind domain")
    csv = tmp_path / "d.csv"
    csv.write_text("domain,content_bytes,robots\nnews.org,100,disallowed\nb.org,5,allowed\n")
    t(["source", "domains", "import", str(csv), "--source", "crawl"])
    assert t("verify").stdout.startswith("ok")
    conn = sqlite3.connect(t.db)
    with conn:
        conn.execute("UPDATE crawl_domain SET robots = 'allowed' WHERE domain = 'news.org'")
    conn.close()
    assert "crawl domains of source #1" in t("verify", expect=1).stderr
    t("source remove crawl --yes")  # removing the source takes its domain list along
    assert t("verify").stdout.startswith("ok")


def test_a_truncated_log_is_caught_with_the_expected_head(sqlite_tracker: Tracker) -> None:
    t = sqlite_tracker
    t("dataset add a --name A")
    head = t("verify").stdout.split("(head ")[1].rstrip(")\n")
    t("dataset add b --name B")
    conn = sqlite3.connect(t.db)
    with conn:  # remove the newest change and its event, leaving a consistent chain
        conn.execute("DELETE FROM dataset WHERE slug = 'b'")
        conn.execute("DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    later = t("verify").stdout.split("(head ")[1].rstrip(")\n")
    assert later == head
    t("dataset add c --name C")
    assert "not at the expected" in t(["verify", "--expect-head", head], expect=1).stderr


def test_removing_reviewed_records(tracker: Tracker) -> None:
    tracker("dataset add d --name D")
    tracker("review d --decision approved --note ok")
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    tracker("review --run r --decision approved --note ok")
    tracker("dataset remove d --yes")
    tracker("run remove r --yes")
    assert tracker("verify").stdout.startswith("ok")


def test_inherited_consent_withdrawal_and_unlicensed_ancestors(tracker: Tracker) -> None:
    for slug in ("parent", "child"):
        tracker(f"dataset add {slug} --name {slug} --personal-data no")
        tracker(f"license claim {slug} CC0-1.0 --by authors")
    tracker("lineage add child parent --relation subset")
    tracker("consent set parent --status withdrawn --date 2024-01-01")
    findings = [f for f in json.loads(tracker("flags --json").stdout) if f["dataset"] == "child"]
    assert any(f["code"] == "consent_withdrawn" and f["path"] == ["child", "parent"]
               for f in findings)
    tracker("dataset add raw --name raw --personal-data no")
    tracker("lineage add parent raw --relation filtered")
    findings = [f for f in json.loads(tracker("flags --json").stdout) if f["dataset"] == "child"]
    assert any(f["code"] == "inherited_restriction" and "no licence claim recorded" in f["why"]
               for f in findings)


def test_ancestor_changes_make_a_review_stale(tracker: Tracker) -> None:
    for slug in ("parent", "child"):
        tracker(f"dataset add {slug} --name {slug} --personal-data no")
        tracker(f"license claim {slug} CC0-1.0 --by authors")
    tracker("lineage add child parent --relation subset")
    tracker("review child --decision approved --note ok")
    assert "review_stale" not in codes(tracker)
    tracker("license claim parent CC-BY-NC-4.0 --by authors")
    stale = [f for f in json.loads(tracker("flags --json").stdout)
             if f["code"] == "review_stale"]
    assert [f["dataset"] for f in stale] == ["child"]


def test_run_review_counts_in_the_gate(tracker: Tracker) -> None:
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    tracker("review --run r --decision rejected --note 'compute plan missing'")
    result = tracker("check r", expect=3)
    assert "run_review_rejected" in result.stdout
    tracker("review --run r --decision approved --note 'fixed'")
    tracker("check r")
    tracker("run edit r --contingency 5")
    assert "run_review_stale" in tracker("check r --fail-on critical", expect=3).stdout


def test_source_consent_and_late_agreements(tracker: Tracker) -> None:
    tracker("dataset add d --name D --personal-data yes")
    tracker("license claim d CC-BY-4.0 --by contract")
    tracker("source add s --name S")
    tracker("source link d s")
    tracker("consent set --source s --status opt_in --legal-basis consent --date 2024-01-01")
    tracker("run create r --model m --start 2027-01-01 --end 2027-12-31")
    tracker("run add-dataset r d")
    tracker("fee add d --kind recurring --period year --amount 1000 --currency USD "
            "--counterparty P --start 2027-10-01 --end 2028-12-31")
    found = codes(tracker, "r")
    assert "consent_missing" not in found
    assert "agreement_starts_late" in found


def test_markdown_outputs_keep_markup_as_text(tracker: Tracker, tmp_path: Path) -> None:
    name = "![t](https://attacker.example/p.png)"
    tracker(["dataset", "add", "evil", "--name", name, "--description", "line\n# Heading",
             "--source-category", "public_dataset", "--personal-data", "no"])
    tracker("license claim evil CC-BY-4.0 --by authors")
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    tracker("run add-dataset r evil")
    out = tmp_path / "s.md"
    tracker(["report", "eu-summary", "r", "-o", str(out)])
    for text in (out.read_text(), tracker("export attribution r").stdout,
                 tracker("export datasheet evil").stdout):
        assert "![t](https" not in text
        assert "!\\[t\\](https://attacker.example/p.png)" in text
        assert "\n# Heading" not in text


def test_backup_to_a_missing_folder(sqlite_tracker: Tracker, tmp_path: Path) -> None:
    result = sqlite_tracker(["db", "backup", str(tmp_path / "no" / "x.db")], expect=1)
    assert result.stderr.startswith("Error: db backup: cannot write")


def test_more_refusals(tracker: Tracker, tmp_path: Path) -> None:
    tracker("dataset add d --name D")
    assert "contains control characters" in tracker(
        ["dataset", "edit", "d", "--description", "safe \u202eesrever"], expect=1).stderr
    assert "note: say what was checked" in tracker(
        ["review", "d", "--decision", "rejected", "--note", " "], expect=1).stderr
    table = tmp_path / "dup.csv"
    table.write_text("slug,name\nzeta,Z\nzeta,Z2\n")
    assert "slug 'zeta' already appears on line 2" in tracker(
        ["import", "table", str(table)], expect=1).stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert "output: cannot write" in tracker(
        ["export", "csv", "-o", str(blocked / "x")], expect=1).stderr
    tracker("source add crawl --name Crawl --kind domain")
    header_only = tmp_path / "empty.csv"
    header_only.write_text("domain,content_bytes\n")
    assert "no domains in the file" in tracker(
        ["source", "domains", "import", str(header_only), "--source", "crawl"],
        expect=1).stderr


def test_opted_out_domains_in_a_crawl_are_found(tracker: Tracker, tmp_path: Path) -> None:
    tracker("dataset add web --name Web --source-category crawled --personal-data no")
    tracker("license claim web CC-BY-4.0 --by reviewer")
    tracker("source add crawl --name Crawl --kind domain --tdm-reservation robots_txt "
            "--tdm-honoured yes")
    tracker("source link web crawl")
    domains = tmp_path / "d.csv"
    domains.write_text("domain,content_bytes,robots,tdm_reserved\nok.org,10,allowed,no\n"
                       "no-ai.org,500,disallowed,no\nreserved.org,70,allowed,yes\n")
    tracker(["source", "domains", "import", str(domains), "--source", "crawl"])
    found = [f for f in json.loads(tracker("flags --json").stdout)
             if f["code"] == "tdm_opt_out_ignored"]
    assert found and "2 domains in crawl's crawl (570 bytes)" in found[0]["why"]


def test_manual_flags_resolve_and_waivers_revoke(tracker: Tracker) -> None:
    tracker("dataset add d --name D --personal-data no")
    tracker("license claim d CC-BY-NC-4.0 --by authors")
    tracker("flag add d --code pii_leak --severity blocker --why 'emails in the text'")
    assert "pii_leak" in codes(tracker)
    tracker("flag resolve d pii_leak")
    assert "pii_leak" not in codes(tracker)
    tracker("run create r --model m --start 2025-01-01 --end 2025-12-31")
    tracker("run add-dataset r d")
    tracker("flag waive d non_commercial --run r --reason 'licence bought'")
    tracker("check r")
    tracker("flag revoke d non_commercial --run r")
    assert "non_commercial" in tracker("check r", expect=3).stdout
    assert "no waiver" in tracker("flag revoke d non_commercial --run r", expect=1).stderr

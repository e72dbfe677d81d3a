"""HTML reports: self-contained, escaped, and showing exactly the budget's numbers."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import Tracker


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.totals: dict[str, str] = {}
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if "data-total" in values:
            self.totals[values["data-total"] or ""] = values.get("data-amount") or ""
        for name in ("src", "href", "action", "srcset"):
            if values.get(name):
                self.urls.append(values[name] or "")
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp = values.get("content") or ""
        if values.get("id"):
            self.ids.add(values["id"] or "")


def scan(path: Path) -> _Scan:
    parser = _Scan()
    parser.feed(path.read_text("utf-8"))
    return parser


def assert_self_contained(page: _Scan) -> None:
    """Nothing to fetch (no images, stylesheets or scripts): every link is to a part of the
    page itself, and that part exists."""
    assert all(url.startswith("#") for url in page.urls), page.urls
    assert {url[1:] for url in page.urls} <= page.ids


def test_demo_writes_its_audit_report(tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "demo-report.html"
    result = tracker(["demo", "--report", str(report)])
    assert f"audit report of frontier-run-1: {report}" in result.stderr
    page = scan(report)
    assert "script" not in page.tags and "iframe" not in page.tags
    assert_self_contained(page)
    html = report.read_text("utf-8")
    assert "script-src 'none'" in page.csp and "default-src 'none'" in page.csp
    assert "@media print" in html and "<svg" in html
    budget = json.loads(tracker("budget frontier-run-1 --json").stdout)["totals"]
    assert page.totals == {k: budget[k] for k in
                           ("compute", "data", "estimate", "risk_adjusted", "data_share")}
    datasets = json.loads(tracker("dataset list --json").stdout)
    drawn = {d["slug"] for d in datasets} - {"pretraining-mix-v1"}
    assert {f"dataset-{slug}" for slug in drawn} <= page.ids
    digest = re.search(r'id="registry-digest">([0-9a-f]{64})<', html)
    assert digest and digest.group(1) == tracker.digest()
    blockers = json.loads(tracker("budget frontier-run-1 --json").stdout)["blockers"]
    assert f"Not approvable while {len(blockers)} blockers stand" in html


def test_markup_in_names_renders_as_text(tracker: Tracker, tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    tracker(["dataset", "add", "evil", "--name", hostile,
             "--description", '<img src=x onerror="alert(2)"> & "quotes"',
             "--personal-data", "no"])
    tracker(["source", "add", "evil-src", "--name", "</td></tr><iframe src=//x>",
             "--kind", "website"])
    tracker("source link evil evil-src")
    tracker(["flag", "add", "evil", "--code", "odd", "--severity", "info",
             "--why", "<b>bold</b> claim"])
    tracker("run create r --model '<svg onload=alert(3)>' --start 2024-01-01 --end 2024-12-31")
    tracker("run add-dataset r evil")
    for args in (["report", "audit", "r"], ["report", "registry"]):
        out = tmp_path / f"{args[1]}.html"
        tracker([*args, "-o", str(out)])
        page = scan(out)
        html = out.read_text("utf-8")
        assert not {"script", "img", "iframe", "b"} & page.tags
        assert_self_contained(page)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; &amp; &#34;quotes&#34;" in html
        assert "&lt;/td&gt;&lt;/tr&gt;&lt;iframe" in html


def test_a_large_registry_report_details_the_most_pressing(
        tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.publish import reports

    monkeypatch.setattr(reports, "CARD_LIMIT", 4)
    monkeypatch.setattr(reports, "FINDING_LIMIT", 3)
    tracker("demo")
    out = tmp_path / "registry.html"
    tracker(["report", "registry", "-o", str(out)])
    html = out.read_text("utf-8")
    cards = re.findall(r'<section class="card" id="dataset-([^"]+)">', html)
    total = len(json.loads(tracker("dataset list --json").stdout))
    assert len(cards) == 4 and total > 4
    omitted = re.search(r'<p class="more" id="cards-omitted">(.*?)</p>', html, re.S)
    assert omitted and f"{total - 4} datasets are omitted" in omitted.group(1)
    assert "findings-by-code" in scan(out).ids
    assert "tracker flags --csv" in html
    tracker(["report", "registry", "-o", str(out), "--full"])
    html = out.read_text("utf-8")
    assert len(re.findall(r'<section class="card" id="dataset-', html)) == total
    assert "cards-omitted" not in html and "findings-by-code" not in html


def test_registry_report_covers_every_dataset(tracker: Tracker, tmp_path: Path) -> None:
    tracker("demo")
    out = tmp_path / "registry.html"
    tracker(["report", "registry", "-o", str(out)])
    page = scan(out)
    slugs = {d["slug"] for d in json.loads(tracker("dataset list --json").stdout)}
    assert {f"dataset-{s}" for s in slugs} <= page.ids
    flags = json.loads(tracker("flags --json").stdout)
    assert {f["code"] for f in flags} >= {"conflicting_claims", "tdm_opt_out_ignored"}
    assert all(f["code"] != "non_commercial" for f in flags)  # needs a commercial run


def test_large_run_leads_with_the_summary_and_counts_what_it_omits(
        tracker: Tracker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.publish import reports

    # The limits stand for a run of thousands of datasets; six are enough to cross them.
    monkeypatch.setattr(reports, "CARD_LIMIT", 3)
    monkeypatch.setattr(reports, "FINDING_LIMIT", 4)
    monkeypatch.setattr(reports, "LINES_PER_SECTION", 2)
    monkeypatch.setattr(reports, "BLOCKER_LIMIT", 1)
    tracker("run create big --model M --start 2024-01-01 --end 2024-12-31 --currency USD "
            "--use commercial")
    for i in range(6):
        tracker(f"dataset add d{i} --name D{i} --personal-data no")
        licence = "CC-BY-NC-4.0" if i in (1, 2) else "CC-BY-4.0"
        tracker(f"license claim d{i} {licence} --by contract")
        tracker(f"fee add d{i} --kind one_time --amount {1000 * (i + 1)} --currency USD "
                "--counterparty Seller")
        tracker(f"run add-dataset big d{i}")
    out = tmp_path / "big.html"
    tracker(["report", "audit", "big", "-o", str(out)])
    page = scan(out)
    html = out.read_text("utf-8")
    data = json.loads(tracker("budget big --json").stdout)
    assert page.totals == {k: data["totals"][k] for k in
                           ("compute", "data", "estimate", "risk_adjusted", "data_share")}
    assert "Not approvable while 2 blockers stand" in html
    assert "blockers-omitted" in page.ids and "findings-by-code" in page.ids
    # Blockers first, the costliest first among equals: d2 and d1 block, d5 costs most.
    cards = re.findall(r'<section class="card" id="dataset-(d\d)">', html)
    assert cards == ["d2", "d1", "d5"]
    omitted = re.search(r'<p class="more" id="cards-omitted">(.*?)</p>', html, re.S)
    assert omitted and "3 of 6 datasets are detailed" in omitted.group(1)
    assert "3 datasets are omitted" in omitted.group(1)
    assert "tracker budget big --csv" in omitted.group(1)
    # The budget table keeps the largest data lines and sums the rest to the cent.
    assert re.search(r"4 smaller data lines of 6.*?10,000.00 USD", html, re.S)
    assert html.index('id="verdict"') < html.index('id="budget-lines"') \
        < html.index('id="cards-omitted"')
    # --full lifts every limit, in the same order: worst open finding, then cost.
    tracker(["report", "audit", "big", "-o", str(out), "--full"])
    html = out.read_text("utf-8")
    assert re.findall(r'<section class="card" id="dataset-(d\d)">', html) == \
        ["d2", "d1", "d5", "d4", "d3", "d0"]
    assert "omitted" not in html and "smaller data lines" not in html
    assert scan(out).totals == page.totals

"""The reports in a real browser: on a phone, a tablet and a desktop, and printed to PDF."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from browser import WIDTHS, Opened, launched, open_report
from conftest import Tracker

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launched()

LETTER_PAGES = 16  # the demo audit on Letter paper, everything --full would show included


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's four reports, written once for the width and print tests."""
    folder = tmp_path_factory.mktemp("reports")
    t = Tracker(str(folder / "registry.db"))
    t(["demo", "--report", str(folder / "audit.html")])
    t(["report", "registry", "-o", str(folder / "registry.html")])
    t(["report", "eu-summary", "frontier-run-1", "-o", str(folder / "eu-summary.html")])
    t(["report", "datasheet", "web-crawl", "-o", str(folder / "datasheet.html")])
    return {p.stem: p for p in folder.glob("*.html")}


def _quiet(opened: Opened) -> None:
    """No console error, and no request for anything but the report itself."""
    assert opened.errors == []
    assert opened.refused == []
    assert opened.requests == [opened.url]


def test_audit_report_in_a_browser(chromium: Browser, tracker: Tracker, tmp_path: Path) -> None:
    report = tmp_path / "audit.html"
    tracker(["demo", "--report", str(report)])
    totals = json.loads(tracker("budget frontier-run-1 --json").stdout)["totals"]
    opened = open_report(chromium, report)
    _quiet(opened)
    page = opened.page
    shown = {e.get_attribute("data-total"): e.get_attribute("data-amount")
             for e in page.query_selector_all("[data-total]")}
    assert shown == {k: totals[k] for k in ("compute", "data", "estimate", "risk_adjusted",
                                            "data_share")}
    risk = f"{float(totals['risk_adjusted']):,.2f}"
    assert risk in page.inner_text('[data-total="risk_adjusted"]')
    assert len(page.query_selector_all("section.card")) == 11
    csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert csp is not None and "script-src 'none'" in csp and "default-src 'none'" in csp
    # The pictures: lineage with its restricted path, agreements against the run's period.
    assert page.locator("#lineage-graph svg > title").text_content() \
        == "Lineage of the run's datasets"
    assert page.locator("#lineage-graph path[stroke='#8b0000']").count() == 2
    assert "CC-BY-NC-4.0" in page.inner_text("#lineage-graph")
    assert page.locator("#agreements-timeline svg[aria-label]").count() == 1
    assert "ends 2025-02-28" in page.inner_text("#agreements-timeline")


@pytest.mark.parametrize("name", ["audit", "registry", "eu-summary", "datasheet"])
def test_no_page_scrolls_sideways_at_any_width(chromium: Browser, demo_reports: dict[str, Path],
                                               name: str) -> None:
    """On a phone, a tablet and a desktop the page is as wide as the window: wide tables scroll
    in their own box or become cards, and chart text stays at 12 px or more."""
    for width in WIDTHS:
        opened = open_report(chromium, demo_reports[name], width)
        _quiet(opened)
        assert opened.scroll_width() == opened.window_width() == width, (name, width)
        sizes = opened.page.evaluate("""() => [...document.querySelectorAll('svg text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""")
        assert all(size >= 12 for size in sizes), (name, width, min(sizes))
        opened.page.close()


def test_every_chart_has_a_title_and_a_text_alternative(chromium: Browser,
                                                        demo_reports: dict[str, Path]) -> None:
    for name in ("audit", "registry"):
        opened = open_report(chromium, demo_reports[name])
        charts = opened.page.query_selector_all("svg")
        assert charts
        for svg in charts:
            assert svg.get_attribute("role") == "img"
            assert (svg.get_attribute("aria-label") or "").strip()
            assert svg.query_selector(":scope > title") is not None


def test_the_demo_audit_prints_short_with_headers_repeated(
        chromium: Browser, demo_reports: dict[str, Path]) -> None:
    opened = open_report(chromium, demo_reports["audit"])
    headings = {h.strip().upper() for h in opened.page.eval_on_selector_all(
        "h1, h2, h3, h4, figcaption", "els => els.map(e => e.innerText)")}
    for paper, most in (("Letter", LETTER_PAGES), ("A4", LETTER_PAGES)):
        pages = opened.pdf_pages(paper)
        assert len(pages) <= most, (paper, len(pages))
        header = "NO. SEVERITY DATASET FINDING WHY WHAT TO DO"
        assert sum(header in " ".join(p.split()) for p in pages) >= 2
        for number, text in enumerate(pages, 1):
            last = [line.strip() for line in text.splitlines() if line.strip()][-1]
            assert last.upper() not in headings, (paper, number, last)


def test_the_content_security_policy_stops_injected_script_and_fetches(
        chromium: Browser, demo_reports: dict[str, Path]) -> None:
    """Even markup that got in could neither run nor call home."""
    opened = open_report(chromium, demo_reports["audit"])
    opened.page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.ran = 1';
        document.body.append(s);
        const i = document.createElement('img');
        i.src = 'http://127.0.0.1:9/x.png';
        document.body.append(i);
    }""")
    opened.page.wait_for_timeout(200)
    assert opened.page.evaluate("typeof window.ran") == "undefined"
    assert opened.requests == [opened.url]
    assert opened.refused == []
    assert any(re.search("Content Security Policy", e) for e in opened.errors)


def test_hostile_names_run_no_script_and_fetch_nothing(chromium: Browser,
                                                        sqlite_tracker: Tracker,
                                                        tmp_path: Path) -> None:
    names = ['<script>window.pwned = 1</script>', '<img src="http://127.0.0.1:9/x" '
             'onerror="window.pwned = 2">', '"><svg onload="window.pwned = 3">',
             "javascript:window.pwned=4"]
    for i, name in enumerate(names):
        sqlite_tracker(["dataset", "add", f"d{i}", "--name", name, "--description", name,
                        "--personal-data", "no"])
    sqlite_tracker("run create r --model m --start 2024-01-01 --end 2024-12-31")
    for i in range(len(names)):
        sqlite_tracker(f"run add-dataset r d{i}")
    sqlite_tracker("lineage add d1 d0 --relation filtered")
    report = tmp_path / "hostile.html"
    sqlite_tracker(["report", "audit", "r", "-o", str(report)])
    opened = open_report(chromium, report)
    assert opened.page.evaluate("typeof window.pwned") == "undefined"
    _quiet(opened)
    assert opened.page.query_selector_all("script, img, iframe") == []

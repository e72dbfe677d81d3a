"""The audit report in a real browser: no errors, no requests, the budget's totals, a PDF."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import Browser, Page, chromium_binary
from conftest import Tracker


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser tests")
        pytest.skip("Chromium: install Debian's chromium package to run the browser tests")
    b = Browser(binary)
    yield b
    b.close()


def test_audit_report_in_a_browser(browser: Browser, sqlite_tracker: Tracker,
                                   tmp_path: Path) -> None:
    report = tmp_path / "audit.html"
    sqlite_tracker(["demo", "--report", str(report)])
    totals = json.loads(sqlite_tracker("budget frontier-run-1 --json").stdout)["totals"]

    page = Page(browser)
    page.open(report)
    assert page.console_errors() == []
    assert page.failed_requests() == []
    assert page.requests() == [report.resolve().as_uri()]
    shown = {a["data-total"]: a["data-amount"] for a in page.attributes("[data-total]")}
    assert shown == {k: totals[k] for k in ("compute", "data", "estimate", "risk_adjusted",
                                            "data_share")}
    visible = page.text('[data-total="risk_adjusted"]')[0]
    risk = f"{float(totals['risk_adjusted']):,.2f}"
    assert risk in visible
    assert len(page.attributes("section.card")) == 11
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    (tmp_path / "audit.pdf").write_bytes(pdf)


def test_hostile_names_run_no_script_and_fetch_nothing(browser: Browser,
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
    report = tmp_path / "hostile.html"
    sqlite_tracker(["report", "audit", "r", "-o", str(report)])
    page = Page(browser)
    page.open(report)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.requests() == [report.resolve().as_uri()]
    assert page.console_errors() == []
    assert page.attributes("script, img, iframe") == []

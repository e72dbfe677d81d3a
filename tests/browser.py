"""Debian's Chromium, driven by Playwright: reports opened as a reader opens them.

Playwright's own browser download is not needed: it launches the system's
`chromium`. Every page records its console errors and every request that
reaches the network (one the page's Content-Security-Policy stops never does);
a request for anything but the report itself is refused and recorded.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from pypdf import PdfReader

WIDTHS = (390, 768, 1400)  # a phone, a tablet, a desktop


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launched() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, for a module-scoped fixture; in CI a missing
    Chromium fails rather than skips."""
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser tests")
        pytest.skip("Chromium: install Debian's chromium package to run the browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=binary)
        yield chromium
        chromium.close()


@dataclass
class Opened:
    """A report open in a tab, with what it did while loading."""

    page: Page
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # those that reached the network
    refused: list[str] = field(default_factory=list)

    def scroll_width(self) -> int:
        """The document's width: more than the window's means the page scrolls sideways."""
        return self.page.evaluate("document.documentElement.scrollWidth")

    def window_width(self) -> int:
        """The width of the window the page is shown in."""
        return self.page.evaluate("window.innerWidth")

    def pdf_pages(self, paper: str) -> list[str]:
        """The text of each page of the report printed to PDF on `paper` (Letter, A4)."""
        pdf = self.page.pdf(format=paper, print_background=True)
        return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def open_report(browser: Browser, path: Path, width: int = 1280) -> Opened:
    """`path` in a new tab `width` pixels wide, loaded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    opened = Opened(page, path.resolve().as_uri())

    def route(r: Route) -> None:
        opened.requests.append(r.request.url)
        if r.request.url == opened.url:
            r.continue_()
        else:
            opened.refused.append(r.request.url)
            r.abort()

    def console(message: object) -> None:
        if getattr(message, "type", "") in ("error", "assert"):
            opened.errors.append(getattr(message, "text", ""))

    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.goto(opened.url, wait_until="load")
    return opened

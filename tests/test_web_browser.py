"""The review desk end to end in Debian's Chromium (Playwright), on SQLite and PostgreSQL:
what a reviewer, an editor and a viewer do and see."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal

import pytest
from web_support import PASSWORD, LiveDesk, seeded_desk

from conftest import Snapshots, Tracker

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        if __import__("os").environ.get("CI"):
            pytest.fail("chromium is missing: CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def desk(tracker: Tracker, snapshots: Snapshots) -> Iterator[tuple[Tracker, LiveDesk]]:
    yield from seeded_desk(tracker, snapshots)


@pytest.fixture
def page_for(chromium: object, desk: tuple) -> Iterator[object]:
    """A function signing a user in, in a fresh browser context, returning the page; every
    page records script errors and requests to other hosts."""
    _, live = desk
    contexts = []

    def sign_in(name: str) -> object:
        context = chromium.new_context()  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(live.url)
                else page.errors.append(f"request elsewhere: {r.url}"))
        page.goto(live.url + "/")
        assert "/login" in page.url
        page.fill("#name", name)
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(live.url + "/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def test_reviewer_approves_with_a_condition_and_it_leaves_the_queue(page_for: object,
                                                                     desk: tuple) -> None:
    tracker, live = desk
    page = page_for("reviewer")  # type: ignore[operator]
    page.click("nav >> text=Review queue")
    assert "news/archive" in page.inner_text("#queue")
    page.click("#queue >> text=news/archive")
    page.select_option("#decision", "conditional")
    page.fill("#conditions", "credit the publisher in the model card")
    page.fill("#note", "licence and fees checked against the contract")
    page.click("button:has-text('Record review')")
    assert "Review recorded." in page.inner_text("[role=status]")
    assert "conditional by reviewer" in page.inner_text("#review-state")
    page.click("nav >> text=Review queue")
    assert "news/archive" not in page.inner_text("#queue")
    assert "forum" in page.inner_text("#queue")
    page.click("nav >> text=Audit log")
    first = page.locator("#events tbody tr").first
    assert "reviewer" == first.locator("td.actor").inner_text()
    assert "news/archive: conditional" in first.inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
    event = json.loads(tracker("log --entity review --json").stdout)[-1]
    assert event["actor"] == "reviewer" and event["after"]["conditions"] == \
        "credit the publisher in the model card"
    tracker("verify")


def test_editor_voids_a_fee_and_the_budget_drops_by_it(page_for: object, desk: tuple) -> None:
    tracker, live = desk
    page = page_for("editor")  # type: ignore[operator]
    page.goto(live.url + "/runs/r1")
    before = Decimal(page.inner_text("#data-total").split()[0])
    page.goto(live.url + "/datasets/news/archive")
    row = page.locator("#fees tbody tr", has_text="Indexer")
    row.locator("input[name=reason]").first.fill("entered twice")
    row.locator("button:has-text('Void fee')").click()
    assert "Record voided" in page.inner_text("[role=status]")
    assert "voided by editor" in page.locator("#fees tbody tr", has_text="Indexer").inner_text()
    page.goto(live.url + "/runs/r1")
    after = Decimal(page.inner_text("#data-total").split()[0])
    assert before - after == Decimal("1250.50")
    assert json.loads(tracker("budget r1 --json").stdout)["totals"]["data"] == str(after)
    assert page.errors == []  # type: ignore[attr-defined]


def test_viewer_sees_no_write_control_and_a_forged_post_is_refused(page_for: object,
                                                                   desk: tuple) -> None:
    tracker, live = desk
    page = page_for("viewer")  # type: ignore[operator]
    page.goto(live.url + "/datasets/news/archive")
    forms = page.locator("form[method=post]")
    assert forms.count() == 1 and forms.first.get_attribute("action") == "/logout"
    csrf = page.locator("form[action='/logout'] input[name=csrf]").get_attribute("value")
    before = tracker.digest()
    forged = page.request.post(live.url + "/datasets/news/archive/fees/1/void",
                               form={"csrf": csrf, "reason": "x", "digest": "d",
                                     "seen_event": "1"})
    assert forged.status == 403
    assert tracker.digest() == before


def test_a_post_without_the_csrf_token_is_refused(page_for: object, desk: tuple) -> None:
    tracker, live = desk
    page = page_for("admin")  # type: ignore[operator]
    page.goto(live.url + "/datasets/news/archive")
    # The page's own review form, sent without its token (the session cookie goes along).
    before = tracker.digest()
    fields = {name: page.locator(f"#review-form input[name={name}]").get_attribute("value")
              for name in ("digest", "seen_event", "seen_review")}
    response = page.request.post(live.url + "/datasets/news/archive/review",
                                 form={**fields, "decision": "approved", "note": "ok"})
    assert response.status == 403 and "security token" in response.text()
    assert tracker.digest() == before

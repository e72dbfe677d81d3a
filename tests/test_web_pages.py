"""The review desk's pages as a signed-in reader sees them: the registry's search, filters and
pages, a stale review's diff, the audit log's filters and head, the run's downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from web_support import LiveDesk, seeded_desk, signed_in

from conftest import Snapshots, Tracker


@pytest.fixture
def desk(sqlite_tracker: Tracker, snapshots: Snapshots) -> Iterator[tuple[Tracker, LiveDesk]]:
    yield from seeded_desk(sqlite_tracker, snapshots)


def _slugs(page: str) -> list[str]:
    table = page.split('id="datasets"')[1].split("</table>")[0]
    return re.findall(r'<a href="/datasets/[^"]+">([^<]+)</a>', table)


def test_registry_search_filters_and_pages(desk: tuple) -> None:
    tracker, live = desk
    for n in range(60):
        tracker(f"dataset add extra-{n:02d} --name 'Extra {n}' --source-category crawled")
    with signed_in(live.url, "viewer") as b:
        first = b.http.get("/datasets").text
        assert len(_slugs(first)) == 50 and 'rel="next"' in first
        second = b.http.get("/datasets?page=2").text
        assert _slugs(second)[-1] == "news/archive" and 'rel="next"' not in second
        assert _slugs(b.http.get("/datasets?q=ARCHIVE").text) == ["news/archive"]
        assert _slugs(b.http.get("/datasets?q=Forum%20posts").text) == ["forum"]
        crawled = b.http.get("/datasets?source_category=crawled&q=extra-0").text
        assert _slugs(crawled) == [f"extra-0{n}" for n in range(10)]
        assert _slugs(b.http.get("/datasets?license=CC-BY-4.0").text) == ["news/archive"]
        reviewed = b.http.get("/datasets?review_state=missing&q=news").text
        assert _slugs(reviewed) == ["news/archive"]
        refused = b.http.get("/datasets?consent=maybe")
        assert refused.status_code == 400 and "consent" in refused.text
        assert "maybe" in refused.text and "Traceback" not in refused.text


def test_a_stale_review_shows_what_changed(desk: tuple) -> None:
    tracker, live = desk
    tracker("review news/archive --decision approved --note 'contract checked'")
    tracker("fee edit 1 --amount 52000 --reason 'renegotiated'")
    with signed_in(live.url, "viewer") as b:
        page = b.http.get("/datasets/news/archive").text
    assert "stale: approved by tester" in page
    changed = page.split("What changed since the last review")[1].split("</table>")[0]
    assert "renegotiated" in changed and "<td>amount</td><td>50000</td><td>52000</td>" in changed


def test_audit_log_filters_and_chain_head(desk: tuple) -> None:
    tracker, live = desk
    with signed_in(live.url, "viewer") as b:
        page = b.http.get("/audit?entity=fee").text
        head = re.search(r'id="chain-head">([^<]+)<', page).group(1)  # type: ignore[union-attr]
        assert tracker("verify").stdout.strip().endswith(f"(head {head})")
        labels = re.findall(r"<td>(fee)</td>", page)
        assert len(labels) == 3
        by_actor = b.http.get("/audit?actor=nobody").text
        assert "No event matches." in by_actor


def test_run_page_and_its_downloads(desk: tuple) -> None:
    tracker, live = desk
    with signed_in(live.url, "viewer") as b:
        page = b.http.get("/runs/r1").text
        assert "Not approvable" in page or "Approvable" in page
        report = b.http.get("/runs/r1/audit-report.html")
        assert report.headers["content-disposition"] == 'attachment; filename="audit-r1.html"'
        assert "<html" in report.text and "r1" in report.text
        summary = b.http.get("/runs/r1/eu-summary.html")
        assert summary.status_code == 200 and "<html" in summary.text
        csv = b.http.get("/runs/r1/budget.csv").text
        expected = tracker("budget r1 --csv").stdout
        assert csv.replace("\r\n", "\n") == expected
        dashboard = b.http.get("/").text
        assert "/runs/r1" in dashboard and "951,250.50" in dashboard


def test_a_datasets_page_draws_its_ancestry(desk: tuple) -> None:
    tracker, live = desk
    tracker("dataset add mix --name Mix")
    tracker("dataset add shared --name Shared")
    tracker("license claim shared CC-BY-NC-4.0 --by authors")
    tracker("lineage add mix news/archive --relation mixture")
    tracker("lineage add mix shared --relation mixture")
    with signed_in(live.url, "viewer") as b:
        page = b.http.get("/datasets/mix").text
        root = b.http.get("/datasets/shared").text
    figure = page.split('id="lineage-graph"')[1].split("</figure>")[0]
    assert "How mix derives from its ancestors" in figure
    boxes = re.findall(r'font-weight="600" fill="#1c2833">([^<]+)</text>', figure)
    assert sorted(boxes) == ["mix", "news/archive", "shared"]
    assert figure.count("marker-end=") == 2 and "CC-BY-NC-4.0" in figure
    assert 'id="lineage-graph"' not in root  # nothing above it to draw

"""The standings the review desk keeps: brought up to date from the audit log after each
change, they must equal the standings judged afresh from the whole registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import Tracker, _sqlite_copy, _url
from tracker.assess.inventory import DatasetFilter
from tracker.assess.policy import load_policy
from tracker.registry import Registry
from tracker.service.standings import Entry, Standings, View

TODAY = dt.date(2026, 12, 3)

# Changes of every kind a standing reads, each through the command a user would type;
# several reach past the dataset they name (a parent's licence, a source's consent, an
# agreement's term, a deleted dataset's children).
CHANGES = [
    "fee add hub-reviews --amount 1200.50 --currency EUR --counterparty 'Hub Ltd'",
    "license claim pile-like-corpus CC-BY-NC-4.0 --by hub",
    "consent set --source open-web --status opt_out_honoured --legal-basis legitimate_interests",
    "consent set forum-posts --status opt_in --legal-basis consent",
    "lineage add synthetic-instructions hub-qa-dataset --relation filtered",
    "lineage remove pretraining-mix-v1 web-crawl --yes",
    "review record hub-qa-dataset --decision approved --note 'terms checked'",
    "flag waive news-archive personal_data_unreviewed --reason 'contract covers it'",
    "agreement edit 1 --end 2024-12-31 --reason 'term ended early'",
    "source edit dataset-hub --tdm-reservation robots_txt",
    "dataset edit code-corpus --slug aaa-code-corpus",
    "dataset add zzz-new --name 'A new one' --modality text --source-category synthetic",
    "dataset remove hub-reviews --yes",
    "fx set EUR USD 1.25",
]


def _fresh(db: str) -> View:
    registry = Registry(_url(db))
    try:
        with registry.reading() as session:
            return Standings(load_policy()).view(session, TODAY)
    finally:
        registry.close()


def _comparable(view: View) -> tuple[object, ...]:
    entries = {e.slug: e for e in view.entries.values()}
    return entries, [view.entries[i].slug for i in view.order], view.queue_rows()


def test_standings_kept_from_the_log_equal_standings_judged_afresh(tracker: Tracker) -> None:
    tracker("demo")
    registry = Registry(_url(tracker.db))
    kept = Standings(load_policy())
    try:
        with registry.reading() as session:
            first = kept.view(session, TODAY)
        reviewed = []
        before = first
        for command in CHANGES:
            tracker(command)
            with registry.reading() as session:
                view = kept.view(session, TODAY)
            assert view is not before
            assert _comparable(view) == _comparable(_fresh(tracker.db)), command
            # Judged again only where the change reaches: the other entries are kept as
            # they were; a new exchange rate reaches every cost, so all are judged again.
            kept_entries = sum(view.entries.get(i) is e for i, e in before.entries.items())
            assert (kept_entries == 0) == command.startswith("fx "), command
            before = view
            reviewed.append(_entry(view, "hub-qa-dataset").review_state)
        # Nothing changed: the same view serves.
        with registry.reading() as session:
            assert kept.view(session, TODAY) is view
    finally:
        registry.close()
    slugs = [view.entries[i].slug for i in view.order]
    assert slugs[0] == "aaa-code-corpus" and "zzz-new" in slugs and "hub-reviews" not in slugs
    # Reviewed, then stale once its source's opt-out changed.
    assert reviewed[CHANGES.index("review record hub-qa-dataset --decision approved "
                                  "--note 'terms checked'")] == "current"
    assert reviewed[-1] == "stale"


def _entry(view: View, slug: str) -> Entry:
    return next(e for e in view.entries.values() if e.slug == slug)


def test_a_new_day_judges_again(sqlite_tracker: Tracker) -> None:
    sqlite_tracker("demo")
    sqlite_tracker("flag waive news-archive review_missing --reason 'until year end' "
                   "--expires 2026-12-03")
    registry = Registry(_url(sqlite_tracker.db))
    kept = Standings(load_policy())
    try:
        with registry.reading() as session:
            today = kept.view(session, TODAY)
            tomorrow = kept.view(session, TODAY + dt.timedelta(days=1))
    finally:
        registry.close()

    def review_flagged(view: View) -> bool:
        return _entry(view, "news-archive").standing.meets(DatasetFilter(finding="review_missing"))

    assert not review_flagged(today)  # waived through today
    assert review_flagged(tomorrow)  # the waiver has expired


def test_a_new_day_is_judged_in_the_background_meanwhile_the_day_before_serves(
        sqlite_tracker: Tracker) -> None:
    sqlite_tracker("demo")
    sqlite_tracker("flag waive news-archive review_missing --reason 'until year end' "
                   "--expires 2026-12-03")
    registry = Registry(_url(sqlite_tracker.db))
    kept = Standings(load_policy(), registry.reading)
    tomorrow = TODAY + dt.timedelta(days=1)
    try:
        with registry.reading() as session:
            kept.view(session, TODAY)
        sqlite_tracker("fee add hub-reviews --amount 10 --currency USD --counterparty Hub")
        with registry.reading() as session:
            meanwhile = kept.view(session, tomorrow)
        assert meanwhile.day == TODAY  # served at once, the day before's judgement...
        assert _comparable(meanwhile) == _comparable(_fresh(sqlite_tracker.db))  # ...current
        assert kept.wait_renewed(timeout=120)
        sqlite_tracker("consent set forum-posts --status opt_in --legal-basis consent")
        with registry.reading() as session:
            renewed = kept.view(session, tomorrow)
    finally:
        registry.close()
    assert renewed.day == tomorrow
    assert _entry(renewed, "news-archive").standing.meets(DatasetFilter(finding="review_missing"))
    fresh = Standings(load_policy())
    registry = Registry(_url(sqlite_tracker.db))
    try:
        with registry.reading() as session:
            assert _comparable(renewed) == _comparable(fresh.view(session, tomorrow))
    finally:
        registry.close()


def test_a_registry_restored_from_a_copy_is_judged_again(sqlite_tracker: Tracker,
                                                         tmp_path: Path) -> None:
    sqlite_tracker("demo")
    copy = tmp_path / "copy.db"
    _sqlite_copy(Path(sqlite_tracker.db), copy)
    registry = Registry(_url(sqlite_tracker.db))
    kept = Standings(load_policy())
    try:
        with registry.reading() as session:
            kept.view(session, TODAY)
        sqlite_tracker("review record hub-qa-dataset --decision approved --note checked")
        sqlite_tracker("review record news-archive --decision approved --note checked")
        with registry.reading() as session:
            kept.view(session, TODAY)
        registry.close()
        _sqlite_copy(copy, Path(sqlite_tracker.db))  # restored: the two reviews are gone
        # One change: the log is one event shorter than the one the view followed.
        sqlite_tracker("consent set forum-posts --status opt_in --legal-basis consent")
        with registry.reading() as session:
            restored = kept.view(session, TODAY)
    finally:
        registry.close()
    assert _entry(restored, "hub-qa-dataset").review_state == "missing"
    assert _comparable(restored) == _comparable(_fresh(sqlite_tracker.db))


"""The hash-chained audit log, and `tracker verify` catching changes made behind its back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Snapshots, Tracker
from tracker.registry import audit
from tracker.values.canonical import canonical_json, sha256_text


@pytest.fixture
def demo(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    snapshots.restore(tracker, "demo", lambda t: t("demo"))
    return tracker


def test_verify_passes_on_a_fresh_demo(demo: Tracker) -> None:
    assert demo("verify").stdout.startswith("ok: ")


def test_editing_an_audit_row_is_named(demo: Tracker) -> None:
    demo.sql("UPDATE audit_event SET actor = 'someone-else' WHERE id = 120")
    result = demo("verify", expect=1)
    first = result.stderr.strip().splitlines()[-1]
    assert first.startswith("Error: verify failed: audit event #120: content does not match")


def test_deleting_an_audit_row_is_named(demo: Tracker) -> None:
    demo.sql("DELETE FROM audit_event WHERE id = 100")
    result = demo("verify", expect=1)
    assert "audit event #101: does not follow event #99" in result.stderr


def test_changing_a_registry_row_without_an_event(demo: Tracker) -> None:
    demo.sql("UPDATE fee SET amount = '1' WHERE id = 1")
    result = demo("verify", expect=1)
    assert "fee #1 differs from its last audited state" in result.stderr.replace(":", "")


def test_deleting_a_registry_row_without_an_event(demo: Tracker) -> None:
    demo.sql("DELETE FROM lineage WHERE id = 3")
    result = demo("verify", expect=1)
    assert "lineage #3: is missing: deleted without an audit event" in result.stderr


def test_inserting_a_registry_row_without_an_event(demo: Tracker) -> None:
    demo.sql("INSERT INTO fx_rate (base, quote, rate, as_of) "
               "VALUES ('USD', 'JPY', '150', '2024-01-01')")
    result = demo("verify", expect=1)
    assert "exists without an audit event" in result.stderr


@pytest.mark.parametrize(("statement", "named"), [
    ("UPDATE app_user SET role = 'admin' WHERE name = 'viv'", "app_user #1 differs"),
    ("UPDATE app_user SET disabled = false, session_epoch = 0", "app_user #1 differs"),
    ("UPDATE api_token SET revoked_at = NULL", "api_token #1 differs"),
    ("INSERT INTO app_user (name, role, password_hash, session_epoch, disabled, created_at) "
     "VALUES ('mallory', 'admin', 'x', 0, false, '2026-01-01')",
     "app_user #2 exists without an audit event"),
])
def test_a_desk_user_changed_behind_the_tools_back_is_named(tracker: Tracker, statement: str,
                                                            named: str) -> None:
    tracker("user add viv --role viewer --password-stdin", input="a long enough password\n")
    tracker("user token viv")
    tracker("user disable viv")
    assert tracker("verify").stdout.startswith("ok: ")
    tracker.sql(statement)
    assert named in tracker("verify", expect=1).stderr.replace(":", "")


def test_the_sqlite3_shell_edit_of_acceptance(sqlite_tracker: Tracker) -> None:
    """As a reviewer would check it: sqlite3 shell, then tracker verify."""
    import shutil
    import subprocess

    sqlite_tracker("demo")
    shell = shutil.which("sqlite3")
    if shell is None:
        conn = sqlite3.connect(sqlite_tracker.db)
        with conn:
            conn.execute("UPDATE audit_event SET after = replace(after, 'USD', 'EUR') "
                         "WHERE entity = 'fee' AND id = (SELECT min(id) FROM audit_event "
                         "WHERE entity = 'fee')")
        conn.close()
    else:
        subprocess.run([shell, sqlite_tracker.db,
                        "UPDATE audit_event SET after = replace(after, 'USD', 'EUR') WHERE "
                        "id = (SELECT min(id) FROM audit_event WHERE entity = 'fee')"],
                       check=True)
    log = json.loads(sqlite_tracker("log --json --entity fee").stdout)
    result = sqlite_tracker("verify", expect=1)
    assert f"audit event #{log[0]['id']}" in result.stderr


def test_events_chain_and_carry_before_and_after(tracker: Tracker) -> None:
    tracker("dataset add a --name A")
    tracker("dataset remove a --yes")
    events = json.loads(tracker("log --json --entity dataset").stdout)
    assert [e["action"] for e in events] == ["create", "delete"]
    assert events[0]["after"]["name"] == "A" and events[0]["before"] is None
    assert events[1]["before"]["name"] == "A" and events[1]["after"] is None
    csv_log = tracker("log --csv -n 1").stdout
    assert csv_log.splitlines()[0].startswith("id,at,actor,action,entity")


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))


@given(prev=texts, at=texts, actor=texts, action=texts, entity=texts,
       entity_id=st.integers(min_value=-2**63, max_value=2**63), label=texts,
       before=st.none() | texts, after=st.none() | texts)
def test_event_hashes_are_over_the_canonical_json_of_the_event(**event: object) -> None:
    """The hash is spelled out field by field for speed; it must stay the hash of the
    canonical JSON, or logs written before would no longer verify."""
    body = {"prev": event["prev"], **{k: v for k, v in event.items() if k != "prev"}}
    assert audit.event_hash(prev_hash=event.pop("prev"), **event) == \
        sha256_text(canonical_json(body))  # type: ignore[arg-type]


@pytest.fixture
def imported(tracker: Tracker, tmp_path: Path) -> Tracker:
    """Two datasets imported by alice: one import event each (row, claim, fee, lineage)."""
    path = tmp_path / "two.jsonl"
    path.write_text(
        json.dumps({"slug": "base", "name": "Base", "license": "CC-BY-4.0"}) + "\n"
        + json.dumps({"slug": "mix", "name": "Mix", "license": "MIT", "parents": "base",
                      "relation": "filtered", "fee_amount": "12.50", "fee_currency": "EUR",
                      "fee_counterparty": "Vendor"}) + "\n")
    tracker(["--as", "alice", "import", "table", str(path)])
    return tracker


def test_an_import_event_records_every_row_it_made(imported: Tracker) -> None:
    log = json.loads(imported("log --json").stdout)
    mix = next(e for e in log if e["action"] == "import" and e["label"].startswith("mix"))
    assert mix["label"] == "mix (dataset, license_claim, fee, lineage)"
    assert mix["actor"] == "alice" and mix["entity"] == "dataset" and mix["before"] is None
    assert mix["after"]["fee"][next(iter(mix["after"]["fee"]))]["amount"] == "12.50"
    fees = json.loads(imported("log --entity fee --json").stdout)
    assert [e["id"] for e in fees] == [mix["id"]]
    assert json.loads(imported("log --entity dataset-source --json").stdout) == []
    refused = imported("log --entity _ee", expect=1)
    assert refused.stderr.startswith("Error: entity: must be one of license, dataset,")
    assert imported("verify").stdout.startswith("ok: ")


@pytest.mark.parametrize(("statement", "named"), [
    ("UPDATE fee SET amount = '1.00'", "fee #1: differs from its last audited state"),
    ("UPDATE lineage SET relation = 'subset'",
     "lineage #1: differs from its last audited state"),
    ("DELETE FROM license_claim WHERE expression = 'MIT'",
     "license_claim #2: is missing: deleted without an audit event"),
])
def test_verify_checks_rows_an_import_event_recorded(imported: Tracker, statement: str,
                                                     named: str) -> None:
    imported.sql(statement)
    assert named in imported("verify", expect=1).stderr


def test_the_importer_counts_as_the_last_to_change_a_dataset(imported: Tracker,
                                                             tmp_path: Path) -> None:
    policy = tmp_path / "four-eyes.toml"
    policy.write_text("[reviews]\nreviewer_must_differ = true\n")
    review = ["review", "mix", "--decision", "approved", "--note", "ok", "--policy", str(policy)]
    result = imported(["--as", "alice", *review], expect=1)
    assert "reviewer: last changed mix" in result.stderr
    imported(["--as", "bob", *review])

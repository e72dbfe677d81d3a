"""OpenLineage run events in (datasets and lineage, idempotent, all or nothing per file) and
out (a run event with the compliance facet), through openlineage-python's event model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import Tracker
from tracker.interop.openlineage import facet_schema

EVENTS = Path(__file__).resolve().parent / "fixtures" / "openlineage" / "events.jsonl"
GOOD = EVENTS.read_text().splitlines()[0]


def _lineage(tracker: Tracker, slug: str) -> dict[str, str]:
    data = json.loads(tracker(f"lineage show {slug} --json").stdout)
    return {a["slug"]: a["relation"] for a in data["ancestors"]}


def test_events_become_datasets_and_lineage(tracker: Tracker) -> None:
    result = tracker(f"import openlineage {EVENTS}")
    assert "made 10 changes" in result.stderr
    datasets = {d["slug"]: d for d in json.loads(tracker("dataset list --json").stdout)}
    assert set(datasets) == {"my-input", "my-output", "web_pages", "forum_posts",
                             "pretraining_mix", "english_only"}
    shown = json.loads(tracker("dataset show pretraining_mix --json").stdout)
    assert shown["external_id"] == "openlineage:s3://corpus-clean/pretraining_mix"
    # The spec's START (input) and COMPLETE (output) of one run make one edge.
    assert _lineage(tracker, "my-output") == {"my-input": "filtered"}
    assert _lineage(tracker, "pretraining_mix") == {"web_pages": "mixture",
                                                    "forum_posts": "mixture"}
    # A FILTER in the columnLineage facet names the relation.
    assert _lineage(tracker, "english_only")["pretraining_mix"] == "filtered"


def test_a_reimport_changes_nothing(tracker: Tracker) -> None:
    tracker(f"import openlineage {EVENTS}")
    before = tracker.digest()
    assert "up to date" in tracker(f"import openlineage {EVENTS}").stderr
    assert tracker.digest() == before


def test_a_dataset_renamed_by_the_user_is_still_matched(tracker: Tracker) -> None:
    tracker(f"import openlineage {EVENTS}")
    tracker("dataset edit web_pages --slug web-pages")
    assert "up to date" in tracker(f"import openlineage {EVENTS}").stderr
    assert _lineage(tracker, "pretraining_mix") == {"web-pages": "mixture",
                                                    "forum_posts": "mixture"}


@pytest.mark.parametrize("line, message", [
    ("{not json", "line 2: malformed JSON"),
    ('["an", "array"]', "line 2: not a run event (a JSON object)"),
    ('{"eventTime": "2024-01-01T00:00:00Z", "run": {"runId": "not-a-uuid"}, '
     '"job": {"namespace": "n", "name": "j"}}', "line 2: run.runId: is not a UUID"),
    ('{"eventTime": "yesterday", "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"}, '
     '"job": {"namespace": "n", "name": "j"}}', "line 2: eventTime: is not an ISO 8601 time"),
    ('{"eventTime": "2024-01-01T00:00:00Z", "run": {"runId": '
     '"0176a8c2-fe01-7439-87e6-56a1a1b4029f"}, "job": {"namespace": "n", "name": "j"}, '
     '"inputs": [{"namespace": "n"}]}', "line 2.inputs[0].name: must be non-empty text"),
    ('{"eventType": "EXPLODED", "eventTime": "2024-01-01T00:00:00Z", "run": {"runId": '
     '"0176a8c2-fe01-7439-87e6-56a1a1b4029f"}, "job": {"namespace": "n", "name": "j"}}',
     "line 2: eventType: must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER "
     "(got 'EXPLODED')"),
])
def test_a_bad_event_names_its_line_and_changes_nothing(tracker: Tracker, tmp_path: Path,
                                                        line: str, message: str) -> None:
    before = tracker.digest()
    events = tmp_path / "events.jsonl"
    events.write_text(GOOD + "\n" + line + "\n")
    result = tracker(f"import openlineage {events}", expect=1)
    assert result.stderr.startswith(f"Error: {events} {message}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert tracker.digest() == before
    assert json.loads(tracker("dataset list --json").stdout) == []


def test_the_run_event_carries_the_compliance_facet(tracker: Tracker, tmp_path: Path) -> None:
    tracker(f"import openlineage {EVENTS}")
    for command in ["license claim english_only CC-BY-NC-4.0 --by authors",
                    "dataset add notes --name Notes",
                    "license claim notes MIT --by authors",
                    "consent set notes --status opt_in",
                    "run create r1 --model M --start 2026-01-01 --end 2026-06-30",
                    "run add-dataset r1 english_only", "run add-dataset r1 notes"]:
        tracker(command)
    out = tmp_path / "r1.json"
    tracker(f"export openlineage r1 -o {out}")
    (line,) = out.read_text().splitlines()
    event = json.loads(line)
    assert event["job"] == {"namespace": "dataset-tracker", "name": "r1", "facets": {}}
    assert event["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/")
    inputs = {(i["namespace"], i["name"]): i["facets"]["datasetTracker_compliance"]
              for i in event["inputs"]}
    # An imported dataset keeps its OpenLineage name; the others are named by slug.
    assert set(inputs) == {("s3://corpus-clean", "english_only"), ("dataset-tracker", "notes")}
    english = inputs[("s3://corpus-clean", "english_only")]
    assert english["resolvedLicense"] == "CC-BY-NC-4.0"
    assert english["effectiveCommercialUse"] == "no"
    assert english["consentStatus"] == "unknown"
    assert any(b.startswith("non_commercial: ") for b in english["openBlockers"])
    notes = inputs[("dataset-tracker", "notes")]
    assert (notes["resolvedLicense"], notes["effectiveCommercialUse"],
            notes["consentStatus"]) == ("MIT", "yes", "opt_in")
    schema = facet_schema()
    for facet in inputs.values():
        jsonschema.validate({"datasetTracker_compliance": facet}, schema)
        assert facet["_schemaURL"] == schema["$id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"datasetTracker_compliance": {**notes, "consentStatus": "maybe"}},
                            schema)

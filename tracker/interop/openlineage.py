"""OpenLineage run events in and out, through openlineage-python's event model.

In: each line of a JSON Lines file is a run event; its inputs and outputs become datasets,
matched by namespace and name (kept as their external id, `openlineage:NAMESPACE/NAME`),
and each output derives from each input. The relation comes from the output's
`columnLineage` facet where it names one (a FILTER is `filtered`, a JOIN, AGGREGATION or
GROUP_BY a `mixture`, IDENTITY alone a `subset`); otherwise a single input is `filtered`
and several a `mixture`.

Out: one run event for a training run, its inputs the datasets the run draws, each with
the `datasetTracker_compliance` facet (schema: tracker/data/openlineage_compliance_facet.json)
carrying the resolved licence, the effective commercial use, the consent status and the
open blockers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import attr
from openlineage.client import event_v2 as ol
from openlineage.client.facet_v2 import DatasetFacet
from openlineage.client.serde import Serde

from tracker import __version__
from tracker.assess.flags import Finding
from tracker.assess.provenance import effective, resolve
from tracker.facts.snapshot import DatasetFacts, Snapshot
from tracker.interop.limits import TABLE_LIMIT, MiB
from tracker.interop.reading import load_json
from tracker.interop.records import DatasetIn, ParentIn, slugify
from tracker.values.errors import InvalidValue, TrackerError

PREFIX = "openlineage:"
NAMESPACE = "dataset-tracker"
PRODUCER = f"urn:dataset-tracker:{__version__}"
FACET = "datasetTracker_compliance"
FACET_SCHEMA = "urn:dataset-tracker:openlineage:ComplianceDatasetFacet:1-0-0"
_RELATIONS = {"FILTER": "filtered", "JOIN": "mixture", "AGGREGATION": "mixture",
              "GROUP_BY": "mixture", "IDENTITY": "subset"}
_STATES = {"running": ol.RunState.RUNNING, "completed": ol.RunState.COMPLETE,
           "cancelled": ol.RunState.ABORT}


# ---- import --------------------------------------------------------------------------------


def external_id(namespace: str, name: str) -> str:
    """The identifier a dataset named by OpenLineage keeps in the registry."""
    return f"{PREFIX}{namespace}/{name}"


def _dataset(item: object, where: str) -> ol.Dataset:
    if not isinstance(item, dict):
        raise TrackerError(f"{where}: must be an object with namespace and name")
    namespace, name = item.get("namespace"), item.get("name")
    for field, value in (("namespace", namespace), ("name", name)):
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise TrackerError(f"{where}.{field}: must be non-empty text of at most 500 "
                               f"characters (got {value!r:.80})")
    facets = item.get("facets") or {}
    if not isinstance(facets, dict):
        raise TrackerError(f"{where}.facets: must be an object")
    dataset = ol.Dataset(namespace=namespace, name=name)  # type: ignore[arg-type]
    # Facets are read as given: the event model keeps only the facets it knows.
    dataset.facets = facets
    return dataset


def parse_event(line: str, name: str, number: int) -> ol.RunEvent:
    """Line `number` of file `name` as a run event, checked by the event model (run id,
    event time, job)."""
    where = f"{name} line {number}"
    raw = load_json(line, name, number)
    if not isinstance(raw, dict):
        raise TrackerError(f"{where}: not a run event (a JSON object)")
    run, job = raw.get("run"), raw.get("job")
    if not isinstance(run, dict) or not isinstance(job, dict):
        raise TrackerError(f"{where}: a run event needs run and job objects")
    lists = {}
    for key in ("inputs", "outputs"):
        value = raw.get(key) or []
        if not isinstance(value, list):
            raise TrackerError(f"{where}.{key}: must be a list of datasets")
        lists[key] = [_dataset(item, f"{where}.{key}[{n}]") for n, item in enumerate(value)]
    state = raw.get("eventType")
    states = [s.value for s in ol.RunState]
    if state is not None and state not in states:
        raise InvalidValue(f"{where}: eventType", state, f"must be one of {', '.join(states)}")
    try:
        ol_run = ol.Run(runId=str(run.get("runId") or ""))
    except ValueError as exc:
        raise InvalidValue(f"{where}: run.runId", str(run.get("runId")),
                           f"is not a UUID ({exc})") from None
    try:
        event = ol.RunEvent(
            eventType=None if state is None else ol.RunState(state), run=ol_run,
            eventTime=str(raw.get("eventTime") or ""),
            job=ol.Job(namespace=str(job.get("namespace") or ""), name=str(job.get("name") or "")),
            producer=str(raw.get("producer") or ""))
    except ValueError as exc:
        raise InvalidValue(f"{where}: eventTime", str(raw.get("eventTime")),
                           f"is not an ISO 8601 time ({exc})") from None
    event.inputs, event.outputs = lists["inputs"], lists["outputs"]  # type: ignore[assignment]
    return event


def _relation(output: ol.Dataset, inputs: int) -> str:
    found: set[str] = set()
    lineage = (output.facets or {}).get("columnLineage") or {}
    fields = lineage.get("fields") if isinstance(lineage, dict) else None
    for spec in (fields or {}).values() if isinstance(fields, dict) else ():
        for source in (spec.get("inputFields") or []) if isinstance(spec, dict) else ():
            for t in (source.get("transformations") or []) if isinstance(source, dict) else ():
                if isinstance(t, dict):
                    found.add(str(t.get("subtype") or "").upper())
    for subtype in ("FILTER", "JOIN", "AGGREGATION", "GROUP_BY"):
        if subtype in found:
            return _RELATIONS[subtype]
    if found == {"IDENTITY"}:
        return "subset"
    return "filtered" if inputs == 1 else "mixture"


def _record(dataset: ol.Dataset, origin: str, parents: list[ParentIn]) -> DatasetIn:
    ident = external_id(dataset.namespace, dataset.name)
    return DatasetIn(slugify(dataset.name), {"name": dataset.name, "external_id": ident,
                                             "description": f"OpenLineage dataset "
                                                            f"{dataset.namespace}/{dataset.name}."},
                     origin, parents=parents, lenient=True)


def read_events(path: Path) -> list[DatasetIn]:
    """The datasets and lineage of the file's run events; a bad line stops the file, named
    by its number. Events of one run (one run id: START with inputs, COMPLETE with outputs)
    are read together: each of the run's outputs derives from each of its inputs."""
    runs: dict[str, list[tuple[ol.RunEvent, str]]] = {}
    size = 0
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise TrackerError(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                size += len(line)
                if size > TABLE_LIMIT:
                    raise TrackerError(f"{path}: larger than {TABLE_LIMIT // MiB} MiB")
                if line.strip():
                    event = parse_event(line, str(path), number)
                    runs.setdefault(event.run.runId, []).append((event, f"{path} line {number}"))
        except UnicodeDecodeError as exc:
            raise TrackerError(f"{path}: not UTF-8 text ({exc.reason})") from None
    records: list[DatasetIn] = []
    seen: set[str] = set()
    for events in runs.values():
        records.extend(_run_records(events, seen))
    return records


def _unique(datasets: list[tuple[ol.Dataset, str]]) -> list[tuple[ol.Dataset, str]]:
    found: dict[tuple[str, str], tuple[ol.Dataset, str]] = {}
    for dataset, where in datasets:
        found.setdefault((dataset.namespace, dataset.name), (dataset, where))
    return list(found.values())


def _run_records(events: list[tuple[ol.RunEvent, str]], seen: set[str]) -> Iterator[DatasetIn]:
    inputs = _unique([(d, where) for e, where in events for d in e.inputs or []])
    outputs = _unique([(d, where) for e, where in events for d in e.outputs or []])
    for dataset, where in inputs:
        ident = external_id(dataset.namespace, dataset.name)
        if ident not in seen:
            seen.add(ident)
            yield _record(dataset, where, [])
    for dataset, where in outputs:
        relation = _relation(dataset, len(inputs))
        parents = [ParentIn(slugify(i.name), relation, i.name,
                            external_id(i.namespace, i.name)) for i, _ in inputs
                   if (i.namespace, i.name) != (dataset.namespace, dataset.name)]
        seen.add(external_id(dataset.namespace, dataset.name))
        yield _record(dataset, where, parents)


# ---- export --------------------------------------------------------------------------------


@attr.define
class ComplianceDatasetFacet(DatasetFacet):
    """What the registry knows of a dataset's right to be trained on."""

    resolvedLicense: str | None = attr.field(default=None)  # noqa: N815
    effectiveCommercialUse: str = attr.field(default="unknown")  # noqa: N815
    consentStatus: str = attr.field(default="unknown")  # noqa: N815
    openBlockers: list[str] = attr.field(factory=list)  # noqa: N815

    @staticmethod
    def _get_schema() -> str:
        return FACET_SCHEMA


def facet_schema() -> dict[str, Any]:
    """The JSON Schema of the compliance facet, as packaged."""
    text = resources.files("tracker.data").joinpath("openlineage_compliance_facet.json")
    return json.loads(text.read_text("utf-8"))  # type: ignore[no-any-return]


def _name(d: DatasetFacts) -> tuple[str, str]:
    ident = d.record.get("external_id") or ""
    if ident.startswith(PREFIX):
        namespace, _, name = ident[len(PREFIX):].rpartition("/")
        if namespace and name:
            return namespace, name
    return NAMESPACE, d.slug


def _input(d: DatasetFacts, snapshot: Snapshot, blockers: list[Finding]) -> ol.InputDataset:
    terms = effective(d, snapshot).terms
    consent = d.latest_consent
    facet = ComplianceDatasetFacet(
        resolvedLicense=resolve(d, snapshot).expression,
        effectiveCommercialUse=terms.commercial_use if terms is not None else "unknown",
        consentStatus=consent.status if consent is not None else "unknown",
        openBlockers=[f"{f.code}: {f.why}" for f in blockers], producer=PRODUCER)
    namespace, name = _name(d)
    return ol.InputDataset(namespace=namespace, name=name, facets={FACET: facet})


def run_event(snapshot: Snapshot, findings: list[Finding]) -> str:
    """The training run as one OpenLineage run event (a JSON line)."""
    run = snapshot.run
    assert run is not None
    blockers: dict[str, list[Finding]] = {}
    for f in findings:
        if f.blocks:
            blockers.setdefault(f.dataset, []).append(f)
    event = ol.RunEvent(
        eventType=_STATES.get(str(run.record.get("status")), ol.RunState.OTHER),
        eventTime=snapshot.generated_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        run=ol.Run(runId=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                        f"urn:dataset-tracker:run:{run.slug}"))),
        job=ol.Job(namespace=NAMESPACE, name=run.slug),
        producer=PRODUCER,
        inputs=[_input(d, snapshot, blockers.get(d.slug, [])) for d in snapshot.scope()],
        outputs=[])
    return Serde.to_json(event) + "\n"

"""Hostile input, curated and generated: a clear error or a faithful record, never a trace.

Every refused input must leave the registry exactly as it was.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Tracker

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def registry() -> Iterator[Tracker]:
    with tempfile.TemporaryDirectory() as folder:
        tracker = Tracker(str(Path(folder) / "hostile.db"))
        tracker("dataset add base --name Base")
        tracker("dataset add mid --name Mid")
        tracker("dataset add top --name Top")
        tracker("lineage add mid base --relation filtered")
        tracker("lineage add top mid --relation filtered")
        yield tracker


def refused_cleanly(tracker: Tracker, args: list[str], before: tuple[str, str | None]) -> str:
    result = tracker(args, expect=None)
    assert result.exit_code in (1, 2), (args, result.output)
    lines = [line for line in result.stderr.strip().splitlines() if line]
    assert len(lines) == 1, result.stderr  # exit 2 is a usage error: one line too
    assert lines[-1].startswith("Error:"), result.stderr
    assert "Traceback" not in result.output
    assert (tracker.digest(), tracker.file_bytes()) == before
    return lines[-1]


def state(tracker: Tracker) -> tuple[str, str | None]:
    return tracker.digest(), tracker.file_bytes()


# ---- curated: importers ---------------------------------------------------------------------

CARDS = {
    "unclosed.md": "---\nlicense: mit\n",
    "malformed.md": "---\nlicense: [mit\n---\n",
    "not-a-mapping.md": "---\n- a\n- b\n---\n",
    "no-front-matter.md": "# Just a README\n",
}
JSON_FILES = {
    "truncated.json": '{"name": "x", "license": "mit"',
    "not-an-object.json": "[1, 2, 3]",
    "no-name.json": '{"license": "mit"}',
}
TABLES = {
    "nan.csv": "slug,name,fee_amount,fee_currency,fee_counterparty\nx,X,NaN,USD,V\n",
    "infinity.csv": "slug,name,fee_amount,fee_currency,fee_counterparty\nx,X,Infinity,USD,V\n",
    "exponent.csv": "slug,name,fee_amount,fee_currency,fee_counterparty\nx,X,1e9,USD,V\n",
    "negative.csv": "slug,name,fee_amount,fee_currency,fee_counterparty\nx,X,-5,USD,V\n",
    "currency.csv": "slug,name,fee_amount,fee_currency,fee_counterparty\nx,X,5,EURO,V\n",
    "date.csv": "slug,name,acquired_from\nx,X,2025-02-30\n",
    "cycle.csv": "slug,name,parents\na,A,c\nb,B,a\nc,C,b\n",
    "unknown-parent-slug.csv": "slug,name,parents\nx,X,not a slug!\n",
    "script-url.csv": "slug,name,homepage\nx,X,javascript:alert(1)\n",
    "ragged.csv": "slug,name\nx,X,extra\n",
    "unknown-licence.csv": "slug,name,license\nx,X,GPL-9\n",
    "empty.csv": "",
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_hostile_cards(registry: Tracker, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(CARDS[name])
    refused_cleanly(registry, ["import", "hf-card", str(path)], state(registry))


@pytest.mark.parametrize("importer", ["croissant", "dpi"])
@pytest.mark.parametrize("name", sorted(JSON_FILES))
def test_hostile_json(registry: Tracker, tmp_path: Path, importer: str, name: str) -> None:
    path = tmp_path / name
    text = JSON_FILES[name]
    if importer == "dpi" and name == "no-name.json":
        text = '{"d": "not a record"}'
    path.write_text(text)
    refused_cleanly(registry, ["import", importer, str(path)], state(registry))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_hostile_tables(registry: Tracker, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(TABLES[name])
    refused_cleanly(registry, ["import", "table", str(path)], state(registry))


def test_wrong_encodings(registry: Tracker, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("slug,name\nx,Caf\xe9\n".encode("latin-1"))
    assert "not UTF-8" in refused_cleanly(registry, ["import", "table", str(latin)],
                                          state(registry))
    utf16 = tmp_path / "card.md"
    utf16.write_bytes("---\nlicense: mit\n---\n".encode("utf-16"))
    refused_cleanly(registry, ["import", "hf-card", str(utf16)], state(registry))
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffslug,name\nwith-bom,BOM\n".encode())
    registry(["import", "table", str(bom)])
    assert json.loads(registry("dataset show with-bom --json").stdout)["name"] == "BOM"


def test_markup_and_sql_are_stored_as_text(registry: Tracker) -> None:
    for text in ("<script>alert(1)</script>", "'; DROP TABLE dataset; --",
                 'Robert"); DELETE FROM audit_event; --'):
        slug = f"t{abs(hash(text)) % 10**6}"
        registry(["dataset", "add", slug, "--name", text, "--description", text])
        shown = json.loads(registry(["dataset", "show", slug, "--json"]).stdout)
        assert shown["name"] == text and shown["description"] == text
    assert registry("verify").stdout.startswith("ok")


def test_cycles_through_several_hops(registry: Tracker) -> None:
    message = refused_cleanly(registry, ["lineage", "add", "base", "top", "--relation",
                                         "subset"], state(registry))
    assert "base -> top -> mid -> base" in message


# ---- generated --------------------------------------------------------------------------------

@SETTINGS
@given(name=st.text(max_size=400))
def test_any_name(registry: Tracker, name: str) -> None:
    before = state(registry)
    slug = f"gen-{abs(hash(name)) % 10**9}"
    result = registry(["dataset", "add", slug, "--name", name], expect=None)
    if result.exit_code == 0:
        shown = json.loads(registry(["dataset", "show", slug, "--json"]).stdout)
        assert shown["name"] == name.strip()
        registry(["dataset", "remove", slug, "--yes"])
    else:
        refused_cleanly(registry, ["dataset", "add", slug, "--name", name], before)


@SETTINGS
@given(amount=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True).map(str),
                        st.floats().map(str), st.integers().map(str)),
       currency=st.sampled_from(["USD", "usd", "EUR", "XXX", "", "US D"]))
def test_any_amount(registry: Tracker, amount: str, currency: str) -> None:
    before = state(registry)
    args = ["fee", "add", "base", "--amount", amount, "--currency", currency,
            "--counterparty", "Gen"]
    result = registry(args, expect=None)
    if result.exit_code != 0:
        refused_cleanly(registry, args, before)
        return
    fees = json.loads(registry("fee list base --json").stdout)["fees"]
    assert fees[-1]["amount"] == amount.strip()


@SETTINGS
@given(day=st.text(max_size=12))
def test_any_date(registry: Tracker, day: str) -> None:
    before = state(registry)
    args = ["dataset", "edit", "base", "--acquired-from", day]
    result = registry(args, expect=None)
    if result.exit_code != 0:
        refused_cleanly(registry, args, before)


@SETTINGS
@given(content=st.binary(max_size=600))
def test_any_card_bytes(registry: Tracker, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.README.md"
        path.write_bytes(b"---\n" + content + b"\n---\n")
        before = state(registry)
        result = registry(["import", "hf-card", str(path)], expect=None)
        if result.exit_code != 0:
            refused_cleanly(registry, ["import", "hf-card", str(path)], before)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["name", "license", "url", "distribution",
                                       "contentSize", "creator", "Licenses", "License",
                                       "Dataset Name", "Derived from Datasets", "@id",
                                       "prov:wasDerivedFrom", "Text Sources"]), children,
                      max_size=5),
    max_leaves=12)


@SETTINGS
@given(document=JSON_VALUES, importer=st.sampled_from(["croissant", "dpi"]))
def test_any_json_document(registry: Tracker, document: object, importer: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.json"
        path.write_text(json.dumps(document))
        before = state(registry)
        result = registry(["import", importer, str(path)], expect=None)
        if result.exit_code != 0:
            refused_cleanly(registry, ["import", importer, str(path)], before)


@SETTINGS
@given(rows=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=4), max_size=5),
       header=st.lists(st.sampled_from(["slug", "name", "license", "parents", "size_tokens",
                                        "fee_amount", "fee_currency", "homepage"]),
                       min_size=1, max_size=4, unique=True))
def test_any_table(registry: Tracker, rows: list[list[str]], header: list[str]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.csv"
        path.write_text(buffer.getvalue())
        before = state(registry)
        result = registry(["import", "table", str(path)], expect=None)
        if result.exit_code != 0:
            refused_cleanly(registry, ["import", "table", str(path)], before)


def test_text_that_is_not_utf8_is_refused(registry: Tracker, tmp_path: Path) -> None:
    """Bytes that are not UTF-8 on a command line, and escapes such as \\udcff in JSON or
    YAML, decode to lone surrogates, which no registry can store or look up. A file's name
    may hold any bytes."""
    for args, message in (
            (["dataset", "add", "lone", "--name", "n\udcff"],
             "Error: name: is not valid UTF-8 text (got 'n\\udcff')"),
            (["dataset", "add", "lone", "--name=n\udcff"],
             "Error: name: is not valid UTF-8 text (got 'n\\udcff')"),
            (["dataset", "show", "lone\udcff"],
             "Error: slug: is not valid UTF-8 text (got 'lone\\udcff')"),
            (["--as", "a\udcff", "dataset", "add", "lone", "--name", "N"],
             "Error: as: is not valid UTF-8 text (got 'a\\udcff')")):
        assert refused_cleanly(registry, args, state(registry)) == message
    table = tmp_path / "lone.jsonl"
    table.write_text('{"slug": "lone", "name": "L", "license": "MIT", '
                     '"license_evidence": "https://example.org/\\udcff"}\n')
    assert refused_cleanly(registry, ["import", "table", str(table)], state(registry)) == \
        f"Error: {table} line 1: evidence: is not valid UTF-8 text " \
        "(got 'https://example.org/\\udcff')"
    card = tmp_path / "lone.md"
    card.write_text('---\nlicense: mit\npretty_name: "L \\udcff"\n---\n')
    assert "name: is not valid UTF-8 text" in refused_cleanly(
        registry, ["import", "hf-card", str(card)], state(registry))
    exported = tmp_path / "registry.json"
    registry(["export", "json", "-o", str(exported)])
    document = json.loads(exported.read_text())
    document["tables"]["dataset"][0]["name"] = "L \udcff"
    exported.write_text(json.dumps(document))
    empty = Tracker(str(tmp_path / "empty.db"))
    assert refused_cleanly(empty, ["import", "json", str(exported)], state(empty)) == \
        f"Error: {exported}: $.tables.dataset[0].name: is not valid UTF-8 text " \
        "(got 'L \\udcff')"
    # A file whose name is not UTF-8 imports, and names itself in what it creates.
    odd = tmp_path / "odd\udcff.csv"
    odd.write_text("slug,name,parents\nodd-child,Odd,odd-parent\n")
    empty(["import", "table", str(odd)])
    shown = json.loads(empty(["dataset", "show", "odd-parent", "--json"]).stdout)
    assert "odd\\udcff.csv line 2" in shown["description"]

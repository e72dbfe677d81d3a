"""Licence names as found in real metadata resolve to sourced knowledge-base entries, and a
commercial run may not draw data whose commercial use nobody has established."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from conftest import Tracker
from tracker.assess.license_names import (
    clashes,
    id_for_text,
    normal_form,
    spellings,
    unmapped_claim,
)
from tracker.facts.snapshot import LicenseFacts
from tracker.registry import licenses

FIXTURES = Path(__file__).parent / "fixtures"
KB: dict[str, LicenseFacts] = {lic.key: lic for lic in licenses.builtin_terms()}


def dpi_names() -> list[str]:
    """Every distinct licence name in the Data Provenance Collection's summary files
    (tests/fixtures/dpi_licence_names.md, which says where it comes from)."""
    text = (FIXTURES / "dpi_licence_names.md").read_text("utf-8")
    return sorted({m.group(1).strip()
                   for m in re.finditer(r"^\| (.+?) \| \d+ \|$", text, re.MULTILINE)})


def test_every_dpi_licence_name_maps_to_a_sourced_entry() -> None:
    names = dpi_names()
    assert len(names) >= 55  # the list was read, not skipped
    unsourced = []
    for name in names:
        key = id_for_text(name)
        if name.startswith("https://github.com/"):
            # A link to a repository's README section names no licence: it stays unmapped,
            # so the importer records it as LicenseRef-Unmapped with the link as evidence.
            assert key is None, name
            continue
        lic = KB.get(key) if key else None
        if lic is None or not (lic.url or "").startswith("https://"):
            unsourced.append((name, key))
    assert unsourced == []


@pytest.mark.parametrize(("name", "key"), [
    ("Non Commercial", "LicenseRef-Non-Commercial"),
    ("Various", "LicenseRef-Various"),
    ("LGPL 2.1", "LGPL-2.1-only"),
    ("MPL 2.0", "MPL-2.0"),
    ("ISC License", "ISC"),
    ("EPL 1.0", "EPL-1.0"),
    ("Artistic License 2.0", "Artistic-2.0"),
    ("GNU General Public License v2.0", "GPL-2.0-only"),
    ("LGPL 3.0", "LGPL-3.0-only"),
    ("CDLA Sharing 1.0", "CDLA-Sharing-1.0"),
    ("CDLA Permissive 1.0", "CDLA-Permissive-1.0"),
    ("ODC BY 1.0", "ODC-By-1.0"),
    ("C-UDA", "C-UDA-1.0"),
    ("Llama 2", "LicenseRef-Llama-2-Community"),
    ("Meta Llama3 Community License", "LicenseRef-Llama-3-Community"),
    ("BigScience OpenRAIL-M", "LicenseRef-BigScience-OpenRAIL-M"),
    ("Public Domain", "LicenseRef-Public-Domain"),
    ("CC BY-SA", "LicenseRef-CC-BY-SA-Unspecified"),
    ("CC BY-NC-SA 3.0", "CC-BY-NC-SA-3.0"),
    ("OGL 3.0", "OGL-UK-3.0"),
    ("No License", "LicenseRef-All-Rights-Reserved"),
    ("Unspecified", "LicenseRef-Unknown"),
    ("Custom", "LicenseRef-Other"),
])
def test_names_the_importer_used_to_lose(name: str, key: str) -> None:
    assert id_for_text(name) == key


@pytest.mark.parametrize(("name", "key"), [
    # Creative Commons' own titles: the deed's, and the legal code's.
    ("Attribution-NonCommercial-ShareAlike 4.0 International", "CC-BY-NC-SA-4.0"),
    ("Attribution-ShareAlike 3.0 Unported", "CC-BY-SA-3.0"),
    ("Creative Commons Attribution-NonCommercial 4.0 International Public License",
     "CC-BY-NC-4.0"),
    # A name with its id, or its source, in parentheses.
    ("The MIT License (MIT)", "MIT"),
    ("Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
     "CC-BY-SA-4.0"),
    ("MIT License (https://github.com/uclanlp/corefBias/blob/master/LICENSE)", "MIT"),
    ("Custom (research-only)", "LicenseRef-Academic-Research-Only"),
])
def test_names_as_licensors_and_cards_write_them(name: str, key: str) -> None:
    assert id_for_text(name) == key


@pytest.mark.parametrize(("key", "spellings"), [
    ("Apache-2.0", ("Apache 2.0", "Apache-2.0", "apache-2.0", "Apache License 2.0",
                    "Apache License, Version 2.0",
                    "https://www.apache.org/licenses/LICENSE-2.0")),
    ("MIT", ("MIT License", "MIT", "mit", "The MIT License",
             "https://opensource.org/licenses/MIT")),
    ("CC-BY-NC-SA-4.0", ("CC BY-NC-SA 4.0", "CC-BY-NC-SA-4.0", "cc-by-nc-sa-4.0",
                         "  cc  by nc sa 4.0 ", "CC_BY_NC_SA_4.0")),
])
def test_every_spelling_of_a_licence_is_one_id(key: str, spellings: tuple[str, ...]) -> None:
    # The authors' "Apache 2.0" and the hub's "Apache-2.0" must not read as two licences,
    # or the registry would report a conflict between them.
    assert {s: id_for_text(s) for s in spellings} == dict.fromkeys(spellings, key)


@pytest.mark.parametrize(("url", "key"), [
    ("https://spdx.org/licenses/CC-BY-4.0.html", "CC-BY-4.0"),
    ("https://spdx.org/licenses/CC-BY-4.0.json", "CC-BY-4.0"),
    ("http://spdx.org/licenses/MIT", "MIT"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by/4.0/legalcode", "CC-BY-4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/3.0/deed.de", "CC-BY-NC-SA-3.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/legalcode.fr", "CC-BY-SA-4.0"),
    ("https://creativecommons.org/licenses/by/3.0/igo/", "CC-BY-3.0-IGO"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0"),
    ("https://opensource.org/licenses/MIT", "MIT"),
    ("https://opensource.org/license/isc-license-txt", "ISC"),
    ("https://choosealicense.com/licenses/mit/", "MIT"),
    ("https://choosealicense.com/licenses/gpl-3.0/", "GPL-3.0-only"),
    ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
    ("http://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0"),
    ("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html", "LGPL-2.1-only"),
    # The knowledge base's own source URLs.
    ("https://opendatacommons.org/licenses/by/1-0/", "ODC-By-1.0"),
    ("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
     "OGL-UK-3.0"),
    ("https://www.ldc.upenn.edu/data-management/using/licensing",
     "LicenseRef-LDC-User-Agreement"),
    ("https://choosealicense.com/no-permission/", "LicenseRef-All-Rights-Reserved"),
])
def test_licence_urls_map_to_their_id(url: str, key: str) -> None:
    assert id_for_text(url) == key


@pytest.mark.parametrize("text", [
    "Public", "None", "https://commoncrawl.org/terms-of-use",
    "https://choosealicense.com/licenses/undefined/", "", "   ", "License", "No",
    # A listing of many licences, and a URL that several entries cite, name none of them.
    "https://spdx.org/licenses/", "https://creativecommons.org/licenses/",
    "https://huggingface.co/docs/hub/repositories-licenses",
    # A ported CC licence the knowledge base does not hold is not its unported sibling.
    "https://creativecommons.org/licenses/by/2.5/au/",
    "MIT OR Apache-2.0",
    # Two licences in one name, or a word that could be any of several.
    "MIT (CC-BY-4.0)", "Attribution",
])
def test_unmappable_text_gives_none(text: str) -> None:
    assert id_for_text(text) is None


@pytest.mark.parametrize("text", [
    "(a) " * 500, "x(a)" * 500, " " * 100_000 + "(x", "a (" * 700, "MIT " * 1000,
    "https://[broken", "http://example.org:99999999/", "http://", "www.",
])
def test_hostile_text_is_unmapped_quickly(text: str) -> None:
    start = time.perf_counter()
    assert id_for_text(text) is None
    assert time.perf_counter() - start < 0.5


def test_no_two_entries_claim_the_same_spelling() -> None:
    assert clashes() == {}
    assert normal_form("GPL-2.0+") != normal_form("GPL-2.0")
    # Every id, name, alias and other name in the knowledge base leads back to its entry.
    assert [(s, k) for s, k in spellings() if id_for_text(s) != k] == []


def test_the_claim_recorded_for_unmappable_text_keeps_the_text() -> None:
    assert unmapped_claim("Public") == (
        "LicenseRef-Unmapped", "Licence text not mapped: 'Public'", None)
    url = "https://commoncrawl.org/terms-of-use"
    assert unmapped_claim(f" {url}\n") == (
        "LicenseRef-Unmapped", f"Licence text not mapped: '{url}'", url)
    expression, notes, evidence = unmapped_claim("x" * 5000)
    assert expression in KB and len(notes) < 400 and evidence is None


def test_the_new_entries_say_what_they_permit() -> None:
    def terms(name: str) -> LicenseFacts:
        key = id_for_text(name)
        assert key is not None, name
        return KB[key]

    assert terms("Non Commercial").commercial_use == "no"
    assert terms("Academic Research Purposes Only").commercial_use == "no"
    assert terms("LDC User Agreement").commercial_use == "no"
    no_licence = terms("No License")
    assert (no_licence.commercial_use, no_licence.ai_training) == ("no", "prohibited")
    for provider in ("OpenAI", "Anthropic", "Google Cloud Translation API"):
        assert terms(provider).restricts_outputs and terms(provider).ai_training == "conditional"
    for unknown in ("Various", "Request Form", "Unspecified"):
        assert (terms(unknown).commercial_use, terms(unknown).ai_training) == (
            "unknown", "unknown")
    assert KB["LicenseRef-Unmapped"].commercial_use == "unknown"
    assert terms("CC BY-SA").share_alike and terms("CC BY-NC-SA").commercial_use == "no"
    assert terms("Public Domain").commercial_use == "yes"


@pytest.fixture
def commercial(tracker: Tracker) -> Tracker:
    """A commercial run drawing one dataset whose licence leaves commercial use unknown."""
    tracker("dataset add chats --name Chats --personal-data no")
    tracker("license claim chats LicenseRef-Request-Form --by authors "
            "--evidence https://example.org/request")
    tracker("run create r --model M --start 2025-01-01 --end 2025-06-30 --use commercial")
    tracker("run add-dataset r chats")
    return tracker


def test_unknown_commercial_use_blocks_a_commercial_run_until_waived(
        commercial: Tracker) -> None:
    result = commercial("check r", expect=3)
    assert result.stdout.strip() == (
        "BLOCKER  chats: commercial_use_unknown: Commercial use is unknown under "
        "LicenseRef-Request-Form (authors), and the run is commercial: unknown is not "
        "permission.")
    commercial("--as counsel flag waive chats commercial_use_unknown --run r "
               "--reason 'request form grants commercial use; copy on file'")
    assert "check passed" in commercial("check r").stderr
    waived = json.loads(commercial("check r --json").stdout)["waived"]
    assert [(w["code"], w["waived"]["reviewer"]) for w in waived] == [
        ("commercial_use_unknown", "counsel")]


def test_a_policy_file_may_lower_it_and_a_research_run_never_hears_of_it(
        commercial: Tracker, tmp_path: Path) -> None:
    lowered = tmp_path / "policy.toml"
    lowered.write_text('[flags.commercial_use_unknown]\nseverity = "critical"\n')
    assert "check passed" in commercial(["check", "r", "--policy", str(lowered)]).stderr
    commercial("run edit r --use research")
    codes = {f["code"] for f in json.loads(commercial("flags r --json").stdout)}
    assert "commercial_use_unknown" not in codes and "license_unknown" in codes


def test_unknown_commercial_use_is_inherited_through_lineage(commercial: Tracker) -> None:
    commercial("dataset add tuned --name Tuned --personal-data no")
    commercial("license claim tuned MIT --by authors")
    commercial("lineage add tuned chats --relation filtered")
    commercial("run remove-dataset r chats --yes")
    commercial("run add-dataset r tuned")
    findings = json.loads(commercial("flags r --json").stdout)
    blocker = [f for f in findings if f["code"] == "commercial_use_unknown"]
    assert [(f["dataset"], f["severity"], f["path"]) for f in blocker] == [
        ("tuned", "blocker", ["tuned", "chats"])]
    assert "Derived from chats (LicenseRef-Request-Form)" in blocker[0]["why"]
    commercial("check r", expect=3)
    # Once the parent's licence is known to allow it, nothing is left to block.
    commercial("license claim chats CC-BY-4.0 --by authors --date 2030-01-01")
    commercial("check r")


def test_an_ancestor_that_forbids_commercial_use_says_so_alone(commercial: Tracker) -> None:
    commercial("dataset add base --name Base --personal-data no")
    commercial("license claim base CC-BY-NC-4.0 --by authors")
    commercial("lineage add chats base --relation filtered")
    codes = [f["code"] for f in json.loads(commercial("flags r --json").stdout)
             if f["severity"] == "blocker"]
    assert codes == ["non_commercial"]


def test_various_and_unmapped_licences_raise_findings_that_say_so(tracker: Tracker) -> None:
    tracker("dataset add mix --name Mix --personal-data no")
    tracker("license claim mix LicenseRef-Various --by aggregator")
    tracker("dataset add crawl --name Crawl --personal-data no")
    tracker("license claim crawl LicenseRef-Unmapped --by hub "
            "--evidence https://commoncrawl.org/terms-of-use "
            "--notes \"Licence text not mapped: 'https://commoncrawl.org/terms-of-use'\"")
    findings = json.loads(tracker("flags --json").stdout)
    by = {(f["dataset"], f["code"]): f for f in findings}
    various = by[("mix", "license_various")]
    assert "'various' by the aggregator" in various["why"]
    assert "components" in various["why"] and various["severity"] == "critical"
    unmapped = by[("crawl", "license_unmapped")]
    assert "the hub (https://commoncrawl.org/terms-of-use)" in unmapped["why"]
    assert unmapped["severity"] == "critical"
    # Each says what it is instead of the generic finding.
    assert ("mix", "license_unknown") not in by and ("crawl", "license_unknown") not in by
    text = tracker("flags").stdout
    assert "license_various" in text and "license_unmapped" in text
    shown = json.loads(tracker("license show LicenseRef-Unmapped --json").stdout)
    assert shown["url"] and shown["commercial_use"] == "unknown"
    # A licence can be looked up by the name metadata gives it; an expression stays strict.
    shown = json.loads(tracker("license show 'Non Commercial' --json").stdout)
    assert (shown["id"], shown["commercial_use"]) == ("LicenseRef-Non-Commercial", "no")
    refused = tracker("license claim mix 'Non Commercial' --by authors", expect=1)
    assert refused.stderr.startswith("Error: license:") and len(refused.stderr.splitlines()) == 1

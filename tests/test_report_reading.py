"""Reports a person reads: words instead of codes, each finding once, worst first, pictures."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import Tracker, _url, bench_generate
from tracker.assess import flags
from tracker.assess import review_status as reviews
from tracker.publish.fix_steps import split
from tracker.registry import runs
from tracker.values import vocab
from tracker.values.labels import LABELS, label


class _Reader(HTMLParser):
    """The text a reader sees, less what is marked as code for engineers."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "style", "title", "svg"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "style", "title", "svg"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def read(path: Path) -> str:
    reader = _Reader()
    reader.feed(path.read_text("utf-8"))
    return " ".join(" ".join(reader.text).split())


@pytest.fixture
def demo(tracker: Tracker, tmp_path: Path) -> Path:
    report = tmp_path / "audit.html"
    tracker(["demo", "--report", str(report)])
    return report


VOCABULARIES = {
    "modality": vocab.MODALITIES, "source_category": vocab.SOURCE_CATEGORIES,
    "source_kind": vocab.SOURCE_KINDS, "tdm_reservation": vocab.TDM_RESERVATIONS,
    "claimant": vocab.CLAIMANTS, "fee_kind": vocab.FEE_KINDS, "fee_period": vocab.FEE_PERIODS,
    "fee_unit": vocab.FEE_UNITS, "cost_category": vocab.COST_CATEGORIES,
    "consent_status": vocab.CONSENT_STATUSES, "legal_basis": vocab.LEGAL_BASES,
    "lineage_relation": vocab.LINEAGE_RELATIONS, "derivation": vocab.LINEAGE_RELATIONS,
    "personal_data": vocab.YES_NO_UNKNOWN, "dataset_status": vocab.DATASET_STATUSES,
    "finding": flags.CODES, "decision": reviews.DECISIONS, "intended_use": runs.INTENDED_USES,
}


@pytest.mark.parametrize("field", sorted(VOCABULARIES))
def test_every_code_has_a_label(field: str) -> None:
    """One vocabulary of display labels covers every code of every controlled field."""
    assert set(VOCABULARIES[field]) <= set(LABELS[field])
    assert all(LABELS[field][code].strip() for code in VOCABULARIES[field])


def test_a_code_without_a_label_reads_as_words() -> None:
    assert label("finding", "custom_manual_flag") == "custom manual flag"
    assert label("finding", "non_commercial") == "Licence forbids commercial use"


def test_how_to_fix_is_said_in_words_and_the_command_kept_apart() -> None:
    steps = split("Record the consent status and legal basis (`tracker consent set`), or "
                  "show the data holds no personal data.")
    assert steps.words == ("Record the consent status and legal basis, or show the data "
                           "holds no personal data.")
    assert steps.commands == ("tracker consent set",)
    steps = split("Review it: tracker review d --decision approved|conditional|rejected|"
                  "needs_info --note ...")
    assert "tracker" not in steps.words and "|" not in steps.words
    assert steps.commands == ("tracker review d --decision approved|conditional|rejected|"
                              "needs_info --note ...",)
    assert split("Renew the agreement.") == split("Renew the agreement")


def test_the_audit_speaks_in_words(tracker: Tracker, demo: Path) -> None:
    """No stored code, no command and no Markdown in what a reader reads (codes stay, small,
    in <code> for engineers)."""
    text = read(demo)
    codes = {c for values in VOCABULARIES.values() for c in values if "_" in c}
    assert not {c for c in codes if re.search(rf"\b{c}\b", text)}
    assert "`" not in text and "**" not in text
    assert not re.search(r"(?<!dataset-)tracker ", text)
    assert "Personal data is yes" not in text and "consent none" not in text
    html = demo.read_text("utf-8")
    assert "Licence forbids commercial use" in text
    assert '<code class="code">non_<wbr>commercial</code>' in html
    # Every command a finding names is in the appendix instead.
    findings = json.loads(tracker("flags frontier-run-1 --json").stdout)
    appendix = html[html.index('id="commands"'):]
    for f in findings:
        for command in split(f["fix"]).commands:
            assert command.replace("|", "") in appendix.replace("|", "")


def test_each_finding_once_cards_link_to_it_and_back(tracker: Tracker, demo: Path) -> None:
    html = demo.read_text("utf-8")
    findings = json.loads(tracker("flags frontier-run-1 --json").stdout)
    rows = re.findall(r'<tr class="[^"]*" id="finding-(\d+)">\s*<td[^>]*>\d+</td>\s*<td[^>]*>'
                      r'.*?</td>\s*<td[^>]*>(?:<a href="#dataset-([^"]+)">)?', html, re.S)
    assert len(rows) == len(findings)
    whys = [str(escape(f["why"])) for f in findings]
    for why in whys:
        assert html.count(why) == whys.count(why), why
    for number, dataset in rows:
        if dataset:
            card = re.search(rf'<section class="card" id="dataset-{dataset}">(.*?)</section>',
                             html, re.S)
            assert card and f'href="#finding-{number}"' in card.group(1)


def test_cards_come_worst_first_then_costliest(tracker: Tracker, demo: Path) -> None:
    html = demo.read_text("utf-8")
    cards = re.findall(r'<section class="card" id="dataset-([^"]+)">', html)
    findings = json.loads(tracker("flags frontier-run-1 --json").stdout)
    lines = json.loads(tracker("budget frontier-run-1 --json").stdout)["lines"]
    rank = {"blocker": 3, "critical": 2, "warning": 1, "info": 0}
    worst = {slug: max((rank[f["severity"]] for f in findings
                        if f["dataset"] == slug and not f["waived"]), default=-1)
             for slug in cards}
    cost = {slug: sum((Decimal(line["amount"]) for line in lines
                       if line["section"] == "data" and line["dataset"] == slug), Decimal(0))
            for slug in cards}
    assert cards == sorted(cards, key=lambda s: (-worst[s], -cost[s], s))
    assert worst[cards[0]] == 3 and cards != sorted(cards)  # not alphabetical any more
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S)
    assert toc is not None
    assert re.findall(r'href="#dataset-([^"]+)"', toc.group(0)) == cards


def test_the_demo_audit_omits_nothing_full_would_show(tracker: Tracker, demo: Path,
                                                      tmp_path: Path) -> None:
    full = tmp_path / "full.html"
    tracker(["report", "audit", "frontier-run-1", "-o", str(full), "--full"])

    def stable(path: Path) -> str:
        return re.sub(r"Generated \S+ by", "Generated by", path.read_text("utf-8"))

    tracker(["report", "audit", "frontier-run-1", "-o", str(demo)])
    assert stable(demo) == stable(full)


def test_zero_reserves_are_explained(demo: Path) -> None:
    html = demo.read_text("utf-8")
    zero = re.findall(r"<tr>(?:(?!</tr>).)*?>0\.00 USD</td></tr>", html, re.S)
    reserves = [row for row in zero if "Reserve" in row]
    assert reserves and all("Nothing is reserved" in row for row in reserves)


def test_the_audit_draws_lineage_and_agreements(demo: Path) -> None:
    html = demo.read_text("utf-8")
    graph = re.search(r'<figure class="picture" id="lineage-graph">.*?</figure>', html, re.S)
    assert graph is not None
    svg = graph.group(0)
    # hub-qa-dataset (CC-BY-NC-4.0) -> synthetic-instructions -> preference-labels carries
    # the non-commercial restriction to a commercial run: both arrows in the blocker colour.
    assert svg.count('stroke="#8b0000" stroke-width="3"') == 2
    assert ">CC-BY-NC-4.0</text>" in svg
    timeline = re.search(r'id="agreements-timeline">.*?</figure>', html, re.S)
    assert timeline is not None
    assert timeline.group(0).count(">ends ") == 2  # the broker and annotation agreements
    assert "<title>Agreements against the run's budget period</title>" in timeline.group(0)


def test_a_lineage_of_hundreds_shows_the_restricted_part_with_counts(
        tracker: Tracker, tmp_path: Path) -> None:
    from tracker.assess.flags import evaluate
    from tracker.assess.policy import load_policy
    from tracker.publish.lineage_svg import NODE_LIMIT, picture
    from tracker.registry import Registry
    from tracker.service.snapshots import registry_snapshot

    data = tmp_path / "gen.jsonl"
    with data.open("w") as out:
        bench_generate().write_datasets(300, out)
    tracker(["import", "table", str(data)])
    registry = Registry(_url(tracker.db))
    try:
        with registry.reading() as session:
            snapshot = registry_snapshot(session)
    finally:
        registry.close()
    policy = load_policy()
    found = picture(snapshot, evaluate(snapshot, policy), {})
    assert found is not None
    assert found.total == 300 and found.shown == NODE_LIMIT
    assert all(n.restricted for n in found.nodes)
    # Kept link by link, so the part drawn stays connected: most boxes have an arrow.
    assert found.restricted_edges >= NODE_LIMIT // 2


def test_the_registry_report_sums_fees_by_basis_and_currency(tracker: Tracker,
                                                            tmp_path: Path) -> None:
    tracker("demo")
    out = tmp_path / "registry.html"
    tracker(["report", "registry", "-o", str(out)])
    html = out.read_text("utf-8")
    fees = [f for f in json.loads(tracker("fee list --json").stdout)["fees"] if not f["voided"]]
    one_time = sum((Decimal(f["amount"]) for f in fees if f["kind"] == "one_time"
                    and f["currency"] == "USD"), Decimal(0))
    per_year = {"year": 1, "quarter": 4, "month": 12}
    recurring = sum((Decimal(f["amount"]) * per_year[f["period"]] for f in fees
                     if f["kind"] == "recurring" and f["currency"] == "USD"), Decimal(0))
    totals = re.search(r'<table id="money-totals">.*?</table>', html, re.S)
    assert totals is not None
    row = re.search(r"<tr><td>USD</td>(.*?)</tr>", totals.group(0))
    assert row is not None
    assert f"{one_time:,.2f} USD" in row.group(1) and f"{recurring:,.2f} USD" in row.group(1)
    assert 'id="money-fees"' in html and "Recurring fee, billed per year" in html


def test_the_eu_summary_reads_as_plain_markdown(tracker: Tracker, tmp_path: Path) -> None:
    tracker("demo")
    out = tmp_path / "summary.md"
    tracker(["report", "eu-summary", "frontier-run-1", "-o", str(out)])
    text = out.read_text("utf-8")
    assert "\\(" not in text and "\\-" not in text and "\\." not in text
    points = re.findall(r"^- (\d+(?:\.\d+)*): ", text[text.index("## Open points"):], re.M)
    assert points and points == sorted(points, key=lambda p: tuple(map(int, p.split("."))))
    # Two drawn datasets lack a token count: the size is a lower bound that says so.
    size = re.search(r"^\| text \| (.*?) \| (.*?) \|$", text, re.M)
    assert size is not None
    assert re.fullmatch(r"at least [\d,]+ tokens \(2 datasets without a count in tokens\)",
                        size.group(1))
    assert "(`tracker run edit --tdm-measures TEXT`)" in text

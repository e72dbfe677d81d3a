"""Lineage-inherited terms, licence resolution, reviews, the CI gate, the EU summary."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import Snapshots, Tracker
from tracker.registry import licenses

HF_LICENSE_IDS = """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m
bigscience-bloom-rail-1.0 bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause
bsd-3-clause bsd-3-clause-clear c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0
cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0
cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0
cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1
eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc h-research intel-research
lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 odc-by odbl openmdw-1.0 openrail++ osl-3.0
postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license
fair-noncommercial-research-license llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma
unknown other""".split()


def test_every_hugging_face_licence_id_is_known() -> None:
    names: dict[str, str] = {}
    for t in licenses.builtin_terms():
        for name in (t.key, *t.aliases.split(",")):
            if name:
                assert names.setdefault(name.lower(), t.key) == t.key, name
    missing = [i for i in HF_LICENSE_IDS if i not in names]
    assert missing == []
    assert names["unknown"] != names["all-rights-reserved"]  # no licence found vs none granted
    terms = {t.key: t for t in licenses.builtin_terms()}
    assert terms[names["openai-terms"]].restricts_outputs  # model terms for synthetic data


@pytest.fixture
def family(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    """grandparent (CC-BY-NC-4.0) <- parent (filtered) <- child (claims MIT)."""
    snapshots.restore(tracker, "provenance.family", _family,
                      postgres=False)
    return tracker


def _family(tracker: Tracker) -> None:
    for slug in ("grandparent", "parent", "child"):
        tracker(f"dataset add {slug} --name {slug.title()} --personal-data no")
    tracker("license claim grandparent CC-BY-NC-4.0 --by authors --evidence "
            "https://example.org/gp --date 2024-01-01")
    tracker("license claim child MIT --by repository --date 2024-03-01")
    tracker("lineage add parent grandparent --relation filtered")
    tracker("lineage add child parent --relation translated")
    tracker("run create r --model M --start 2025-01-01 --end 2025-06-30 --use commercial")
    tracker("run add-dataset r child")


def test_grandparent_restriction_is_inherited_with_its_path(family: Tracker) -> None:
    shown = json.loads(family("lineage show child --effective --json").stdout)["effective"]
    assert shown["resolved"] == "MIT"
    assert shown["effective_terms"]["commercial_use"] == "no"
    by_ancestor = {i["ancestor"]: i for i in shown["inherited"]}
    assert by_ancestor["grandparent"]["path"] == ["child", "parent", "grandparent"]
    assert by_ancestor["parent"]["restrictions"] == ["no licence claim recorded"]
    text = family("lineage show child --effective").stdout
    assert "inherits from child <- parent <- grandparent (CC-BY-NC-4.0): commercial use no" \
        in text
    findings = json.loads(family("flags r --json").stdout)
    nc = [f for f in findings if f["code"] == "non_commercial"]
    assert nc and nc[0]["severity"] == "blocker"
    assert nc[0]["path"] == ["child", "parent", "grandparent"]
    family("run edit r --use research")
    codes = {f["code"] for f in json.loads(family("flags r --json").stdout)}
    assert "non_commercial" not in codes


def test_hub_more_permissive_than_authors_is_a_conflict(tracker: Tracker) -> None:
    tracker("dataset add qa --name QA --personal-data no")
    tracker("license claim qa CC0-1.0 --by hub --evidence https://hub.example.com/qa "
            "--date 2024-02-01")
    tracker("license claim qa CC-BY-NC-SA-4.0 --by authors --evidence "
            "https://github.example.com/qa --date 2024-01-15")
    resolved = json.loads(tracker("license resolve qa --json").stdout)
    assert resolved["resolved"] == "CC-BY-NC-SA-4.0"
    assert "authors" in resolved["why"]
    findings = [f for f in json.loads(tracker("flags --json").stdout)
                if f["code"] == "conflicting_claims"]
    assert len(findings) == 1
    why = findings[0]["why"]
    assert "CC0-1.0" in why and "CC-BY-NC-SA-4.0" in why
    assert "https://hub.example.com/qa" in why and "https://github.example.com/qa" in why


def test_re_recorded_claims_keep_the_old_one_as_drift(tracker: Tracker) -> None:
    tracker("dataset add d --name D --personal-data no")
    tracker("license claim d CC-BY-4.0 --by hub --date 2023-01-01")
    tracker("license claim d CC-BY-NC-4.0 --by hub --date 2024-06-01")
    resolved = json.loads(tracker("license resolve d --json").stdout)
    assert [(c["license"], c["current"]) for c in resolved["claims"]] == [
        ("CC-BY-4.0", False), ("CC-BY-NC-4.0", True)]
    assert resolved["resolved"] == "CC-BY-NC-4.0"
    assert resolved["drift"][0]["from"] == "CC-BY-4.0"
    assert "license_drift" in {f["code"] for f in json.loads(tracker("flags --json").stdout)}


def test_policy_decides_how_or_is_read(tracker: Tracker, tmp_path: Path) -> None:
    tracker("dataset add dual --name Dual --personal-data no")
    tracker("license claim dual 'MIT OR CC-BY-NC-4.0' --by authors")
    assert json.loads(tracker("license resolve dual --json").stdout)["terms"][
        "commercial_use"] == "yes"
    policy = tmp_path / "strict.toml"
    policy.write_text('[policy]\nor_branch = "strictest"\n')
    strict = json.loads(tracker(["license", "resolve", "dual", "--json", "--policy",
                                 str(policy)]).stdout)
    assert strict["terms"]["commercial_use"] == "no"


def test_review_goes_stale_when_the_record_changes(tracker: Tracker) -> None:
    tracker("dataset add forum --name Forum --personal-data yes")
    tracker("license claim forum CC-BY-4.0 --by contract")
    tracker("consent set forum --status notice_only --date 2024-01-01")
    queue = json.loads(tracker("review queue --json").stdout)
    assert [(q["dataset"], q["status"]) for q in queue] == [("forum", "missing")]
    tracker("--as reviewer review forum --decision approved --note 'terms and notice checked'")
    assert json.loads(tracker("review queue --json").stdout) == []
    codes = {f["code"] for f in json.loads(tracker("flags --json").stdout)}
    assert not codes & {"review_missing", "review_stale", "personal_data_unreviewed"}

    tracker("consent set forum --status withdrawn --date 2024-06-01")
    queue = json.loads(tracker("review queue --json").stdout)
    assert [(q["dataset"], q["status"]) for q in queue] == [("forum", "stale")]
    assert queue[0]["last_review"].startswith("approved by reviewer")
    stale = [f for f in json.loads(tracker("flags --json").stdout) if f["code"] == "review_stale"]
    assert stale and "changed after the review" in stale[0]["why"]
    history = json.loads(tracker("review history forum --json").stdout)
    assert [h["decision"] for h in history] == ["approved"]


def test_reviewer_must_differ_when_policy_says_so(tracker: Tracker, tmp_path: Path) -> None:
    policy = tmp_path / "four-eyes.toml"
    policy.write_text("[reviews]\nreviewer_must_differ = true\n")
    tracker("--as alice dataset add d --name D")
    tracker("--as bob license claim d MIT --by contract")
    result = tracker(["--as", "bob", "review", "d", "--decision", "approved", "--note", "ok",
                      "--policy", str(policy)], expect=1)
    assert "reviewer: last changed d; the policy requires a different reviewer" in result.stderr
    tracker(["--as", "carol", "review", "d", "--decision", "approved", "--note", "ok",
             "--policy", str(policy)])
    tracker(["--as", "bob", "review", "d", "--decision", "approved", "--note", "ok"])
    # An agreement's term is part of each of its fees: whoever corrects it changed d.
    tracker("--as alice fee add d --amount 100 --currency USD --counterparty Lab "
            "--contract L-1 --start 2024-01-01 --end 2024-12-31")
    agreement = json.loads(tracker("agreement list --json").stdout)[0]["id"]
    tracker(f"--as dave agreement edit {agreement} --end 2025-06-30 --reason 'extended'")
    result = tracker(["--as", "dave", "review", "d", "--decision", "approved", "--note", "ok",
                      "--policy", str(policy)], expect=1)
    assert "reviewer: last changed d" in result.stderr
    # So is a source's consent, and a licence claimed on a parent: d's digest holds both.
    tracker("--as alice source add s --name S")
    tracker("--as alice source link d s")
    tracker("--as alice dataset add p --name P")
    tracker("--as alice lineage add d p --relation subset")
    for who, change in (("erin", "consent set --source s --status opt_in --legal-basis consent"),
                        ("frank", "license claim p CC-BY-NC-4.0 --by authors")):
        tracker(f"--as {who} {change}")
        result = tracker(["--as", who, "review", "d", "--decision", "approved", "--note", "ok",
                          "--policy", str(policy)], expect=1)
        assert "reviewer: last changed d" in result.stderr


def test_conditional_approval_needs_conditions(tracker: Tracker) -> None:
    tracker("dataset add d --name D")
    result = tracker("review d --decision conditional --note x", expect=1)
    assert "conditions: a conditional approval needs --conditions" in result.stderr
    tracker("review d --decision conditional --note x --conditions 'EU only'")


def test_check_gate_on_the_demo_run(tracker: Tracker) -> None:
    tracker("demo")
    result = tracker("check frontier-run-1", expect=3)
    blockers = json.loads(tracker("budget frontier-run-1 --json").stdout)["blockers"]
    assert len(result.stdout.strip().splitlines()) == len(blockers) >= 4
    assert all(line.startswith("BLOCKER") for line in result.stdout.strip().splitlines())
    assert "check failed" in result.stderr
    as_json = json.loads(tracker("check frontier-run-1 --json", expect=3).stdout)
    assert as_json["passed"] is False and len(as_json["failing"]) == len(blockers)

    tracker("run remove-dataset frontier-run-1 video-transcripts --yes")
    tracker("run remove-dataset frontier-run-1 hub-reviews --yes")
    for dataset in ("hub-qa-dataset", "synthetic-instructions", "preference-labels"):
        tracker(f"--as counsel flag waive {dataset} non_commercial --run frontier-run-1 "
                "--reason 'authors granted a commercial licence, letter on file'")
    # Unknown is not permission: the 'various' corpus blocks until someone vouches for it.
    assert tracker("check frontier-run-1", expect=3).stdout.startswith(
        "BLOCKER  pile-like-corpus: commercial_use_unknown:")
    tracker("--as counsel flag waive pile-like-corpus commercial_use_unknown --run "
            "frontier-run-1 --reason 'every component checked: all permit commercial use'")
    assert "check passed" in tracker("check frontier-run-1").stderr
    assert tracker("check frontier-run-1 --fail-on critical", expect=3).exit_code == 3
    waived = json.loads(tracker("check frontier-run-1 --json").stdout)["waived"]
    # The demo itself waives the crawl's unknown commercial use, as whoever built it.
    assert {(w["dataset"], w["waived"]["reviewer"]) for w in waived
            if w["code"] == "commercial_use_unknown"} == {
        ("web-crawl", "tester"), ("pile-like-corpus", "counsel")}
    assert {w["waived"]["reviewer"] for w in waived} == {"counsel", "tester"}


def test_waiving_an_unknown_code_is_refused(tracker: Tracker) -> None:
    tracker("dataset add d --name D")
    result = tracker("flag waive d non_comercial --reason x", expect=1)
    assert "code: no such finding (did you mean non_commercial?)" in result.stderr


def test_eu_summary_of_the_demo_run(tracker: Tracker, tmp_path: Path) -> None:
    tracker("demo")
    domains = tmp_path / "domains.csv"
    rows = [f"site{i:02d}.example.com,{(i + 1) * 1000},allowed,no" for i in range(30)]
    domains.write_text("domain,content_bytes,robots,tdm_reserved\n" + "\n".join(rows) + "\n")
    tracker(["source", "domains", "import", str(domains), "--source", "open-web"])
    out = tmp_path / "summary.md"
    result = tracker(["report", "eu-summary", "frontier-run-1", "-o", str(out)])
    assert "open point" in result.stderr
    text = out.read_text("utf-8")
    for heading in ("## 1. General information", "### 1.1 Provider identification",
                    "### 1.2 Model identification", "### 1.3 Modalities",
                    "## 2. List of data sources", "### 2.1 Publicly available datasets",
                    "#### 2.2.1 Datasets commercially licensed",
                    "#### 2.2.2 Private datasets obtained from other third parties",
                    "### 2.3 Data crawled and scraped from online sources",
                    "### 2.4 User data", "### 2.5 Synthetic data",
                    "### 2.6 Other sources of data", "## 3. Data processing aspects",
                    "### 3.1 Respect of reservation of rights", "### 3.2 Removal of illegal "
                    "content", "### 3.3 Other information", "## Open points"):
        assert heading in text, heading
    # Top 10% of 30 domains by size: the three largest.
    table = re.findall(r"^\| (site\d+\.example\.com) \| ([\d,]+) \|$", text, re.M)
    assert table == [("site29.example.com", "30,000"), ("site28.example.com", "29,000"),
                     ("site27.example.com", "28,000")]
    assert "Generated by: Llama-2-70b-chat" in text
    assert "- 3.2: measures to remove illegal content are not described" in text
    assert "- 2.3: crawler names are not recorded" in text
    tracker("dataset edit web-crawl --crawler ExampleBot/1.0")
    tracker("run edit frontier-run-1 --illegal-content-measures 'CSAM hash matching'")
    html = tmp_path / "summary.html"
    tracker(["report", "eu-summary", "frontier-run-1", "-o", str(html)])
    page = html.read_text("utf-8")
    assert "ExampleBot/1.0" in page and "CSAM hash matching" in page
    assert "crawler names are not recorded" not in page
    assert tracker(["report", "eu-summary", "frontier-run-1", "-o", str(tmp_path / "x.pdf")],
                   expect=2).exit_code == 2


def test_domain_lists_import_all_or_nothing(tracker: Tracker, tmp_path: Path) -> None:
    tracker("source add crawl --name Crawl --kind domain")
    good = tmp_path / "good.csv"
    good.write_text("\ufeffdomain,content_bytes\nWWW.Example.com,10\nother.org,5\n")
    tracker(["source", "domains", "import", str(good), "--source", "crawl"])
    listed = json.loads(tracker("source domains list crawl --json").stdout)
    assert listed["domains"] == 2 and listed["largest"][0]["domain"] == "example.com"
    before = tracker.digest()
    bad = tmp_path / "bad.csv"
    bad.write_text("domain,content_bytes\na.com,1\nb.com,-4\nc.com,3\n")
    result = tracker(["source", "domains", "import", str(bad), "--source", "crawl"], expect=1)
    assert f"{bad} line 3: content_bytes" in result.stderr and "'-4'" in result.stderr
    assert tracker.digest() == before
    assert json.loads(tracker("source domains list crawl --json").stdout)["domains"] == 2
    assert tracker("verify").stdout.startswith("ok")


def test_attribution_export(family: Tracker) -> None:
    family("license claim parent CC-BY-SA-4.0 --by authors")
    text = family("export attribution r").stdout
    sections = {title: body for title, body in re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text,
                                                          re.M | re.S)}
    assert set(sections) == {"Attribution required", "Share-alike"}
    assert "(child), licensed MIT" in sections["Attribution required"]
    assert "(grandparent), licensed CC-BY-NC-4.0" in sections["Attribution required"]
    assert "Inherited through child" in sections["Share-alike"]


def test_default_policy_documents_every_code() -> None:
    from importlib import resources

    from tracker.assess.flags import CODES

    text = resources.files("tracker.data").joinpath("policy.toml").read_text("utf-8")
    assert set(CODES) <= set(tomllib.loads(text)["flags"])


# Effective terms are computed with shared, memoised work per snapshot; they must stay what a
# plain walk of every ancestor gives.

def _reference_effective(d, snapshot, or_branch):  # type: ignore[no-untyped-def]
    """Effective terms as first specified: every ancestor breadth first, each resolved and
    compared with the dataset's own terms, the strictest of all merged."""
    from tracker.assess.provenance import CONSENT_RISK, Effective, Inherited, ancestors, resolve
    from tracker.assess.terms import Terms, strictest

    def risk(consent):  # type: ignore[no-untyped-def]
        return -1 if consent is None else CONSENT_RISK.index(consent.status)

    own = resolve(d, snapshot, or_branch)
    merged = [own.terms] if own.terms is not None else []
    inherited = []
    worst, worst_from = d.latest_consent, d.slug
    for ancestor, path in ancestors(d, snapshot):
        theirs = resolve(ancestor, snapshot, or_branch)
        if theirs.terms is not None:
            merged.append(theirs.terms)
            restrictions = theirs.terms.stricter_than(own.terms or Terms())
        else:
            restrictions = ["no licence claim recorded"]
            merged.append(Terms("unknown", "unknown", unknown=True))
        consent = ancestor.latest_consent
        if risk(consent) > risk(worst):
            worst, worst_from = consent, ancestor.slug
        ignored = tuple(s.slug for s in ancestor.sources
                        if s.tdm_reservation not in ("none", "unknown") and s.tdm_honoured == "no")
        withdrawn = consent is not None and consent.status == "withdrawn"
        if restrictions or ignored or withdrawn:
            inherited.append(Inherited(ancestor.slug, path, theirs.expression,
                                       tuple(restrictions), consent, ignored))
    return Effective(d.slug, own.terms, strictest(merged) if merged else None, tuple(inherited),
                     worst, worst_from)


def _random_snapshot(seed: int, size: int = 300, *, shared: bool = False,  # type: ignore[no-untyped-def]
                     cyclic: bool = False):
    """Random datasets, claims, consents, sources and lineage (diamonds, missing parents).
    shared: claims, consents and sources drawn from a few objects, as a loaded snapshot
    shares them between datasets; cyclic: a parent may also be any dataset, itself included."""
    import datetime as dt
    import random

    from tracker.facts.snapshot import ClaimFacts, ConsentFacts, DatasetFacts, Snapshot, SourceFacts
    from tracker.values.fx import RateTable

    rng = random.Random(seed)
    known = {t.key: t for t in licenses.builtin_terms()}
    keys = ["MIT", "CC-BY-4.0", "CC-BY-NC-4.0", "CC-BY-SA-4.0", "CC-BY-NC-ND-4.0",
            "LicenseRef-Unknown", "LicenseRef-Nobody-Knows"]
    expressions = [*keys, "MIT OR CC-BY-NC-4.0", "CC-BY-SA-4.0 AND CC-BY-NC-4.0",
                   "(MIT OR CC-BY-SA-4.0) AND CC-BY-4.0"]
    statuses = ["opt_in", "notice_only", "none", "unknown", "withdrawn", "not_applicable"]
    sources = [SourceFacts(f"src-{i}", "S", "website", None, "", None,
                           rng.choice(["none", "robots", "unknown"]), rng.choice(["yes", "no"]))
               for i in range(5)]

    def claims_drawn():  # type: ignore[no-untyped-def]
        return tuple(
            ClaimFacts(rng.choice(expressions), rng.choice(["authors", "hub", "contract"]),
                       None, dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(60)))
            for _ in range(rng.choice([0, 1, 1, 1, 2, 3])))

    def consent_drawn():  # type: ignore[no-untyped-def]
        return tuple(ConsentFacts(rng.choice(statuses), "unknown", "unknown",
                                  dt.date(2024, 2, 1), None, "")
                     for _ in range(rng.choice([0, 1, 1, 2])))

    def sources_drawn():  # type: ignore[no-untyped-def]
        return tuple(rng.sample(sources, rng.choice([0, 0, 1, 2])))

    def parent(i: int) -> int:
        if cyclic and rng.random() < 0.2:
            return rng.randrange(1, size + 1)
        return rng.randrange(1, i) if rng.random() < 0.95 else size + 1 + i

    if shared:
        claim_pool = [claims_drawn() for _ in range(8)]
        consent_pool = [consent_drawn() for _ in range(5)]
        source_pool = [sources_drawn() for _ in range(4)]
    datasets = {}
    for i in range(1, size + 1):
        claims = rng.choice(claim_pool) if shared else claims_drawn()
        consent = rng.choice(consent_pool) if shared else consent_drawn()
        parents = tuple((parent(i), "filtered")
                        for _ in range(rng.choice([0, 1, 2, 3, 4])) if i > 1)
        datasets[i] = DatasetFacts(i, f"ds-{i:04d}", "D", "other", "no", "", "", None, None, None,
                                   None, {}, claims=claims, consent=consent, parents=parents,
                                   sources=rng.choice(source_pool) if shared else sources_drawn())
    return Snapshot(datasets, tuple(datasets), {k: v for k, v in known.items() if k in keys},
                    RateTable(()))


# Lineage as the tests draw it, and as a loaded registry has it: shared facts, and cycles
# (which the tool refuses to record, but a walk must still end on).
SHAPES = [pytest.param({}, id="plain"),
          pytest.param({"shared": True, "cyclic": True}, id="shared-cyclic")]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("or_branch", ["permissive", "strictest"])
@pytest.mark.parametrize("shape", SHAPES)
def test_effective_terms_match_a_plain_walk_of_every_ancestor(seed: int, or_branch: str,
                                                               shape: dict[str, bool]) -> None:
    from tracker.assess.provenance import effective

    fast, plain = _random_snapshot(seed, **shape), _random_snapshot(seed, **shape)
    # Asked in a shuffled order, so that ancestors are sometimes resolved first, sometimes not.
    order = list(fast.scope())
    import random

    random.Random(seed).shuffle(order)
    computed = {d.id: effective(d, fast, or_branch) for d in order}
    for d in plain.scope():
        assert computed[d.id] == _reference_effective(d, plain, or_branch), d.slug


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("or_branch", ["permissive", "strictest"])
@pytest.mark.parametrize("shape", SHAPES)
def test_effective_all_matches_a_plain_walk_of_every_ancestor(seed: int, or_branch: str,
                                                              shape: dict[str, bool]) -> None:
    from tracker.assess.provenance import effective, effective_all

    fast, plain = _random_snapshot(seed, **shape), _random_snapshot(seed, **shape)
    # A few asked first, one by one, so that effective_all() meets some walked already.
    for d in fast.scope()[::7]:
        effective(d, fast, or_branch)
    computed = effective_all(fast, or_branch)
    assert list(computed) == [d.slug for d in fast.scope()]
    for d in plain.scope():
        assert computed[d.slug] == _reference_effective(d, plain, or_branch), d.slug
        assert effective(fast.datasets[d.id], fast, or_branch) is computed[d.slug]


@pytest.mark.parametrize("shape", SHAPES)
def test_effective_terms_of_a_dataset_that_is_not_the_snapshots_own(
        shape: dict[str, bool]) -> None:
    """An edited copy of a dataset walks from its own parents, its id seen as ancestors()
    has it, even where its lineage leads back to the snapshot's dataset of that id."""
    from dataclasses import replace

    from tracker.assess.provenance import effective, effective_all

    fast, plain = _random_snapshot(3, **shape), _random_snapshot(3, **shape)
    children = {p: c.id for c in fast.scope() for p, _ in c.parents}
    copied = [i for i in fast.in_scope[::3] if i in children]
    assert len(copied) > 10
    # The others' terms first: every node built, which the copies must not be taken for.
    effective_all(replace(fast, in_scope=tuple(i for i in fast.in_scope if i not in copied)))
    for i in copied:
        # Through one of its children, back to the snapshot's own dataset of its id.
        parents = ((children[i], "filtered"), *fast.datasets[i].parents)
        copy = replace(fast.datasets[i], parents=parents)
        plain_copy = replace(plain.datasets[i], parents=parents)
        assert effective(copy, fast) == _reference_effective(plain_copy, plain, "permissive")


def test_strictness_bits_fold_like_strictest() -> None:
    import itertools
    import random

    from tracker.assess.terms import (
        AI_TRAINING,
        COMMERCIAL,
        Terms,
        from_strictness,
        strictest,
        strictness,
    )

    every = [Terms(c, a, *flags) for c in COMMERCIAL for a in AI_TRAINING
             for flags in itertools.product([False, True], repeat=6)]
    rng = random.Random(1)
    for _ in range(2000):
        picked = rng.sample(every, rng.randint(1, 5))
        mask = 0
        for t in picked:
            mask |= strictness(t)
        assert from_strictness(mask, ()) == strictest(picked)


def test_record_digests_are_those_of_the_facts_as_dicts() -> None:
    """The digest stored with a review must not change with how it is computed."""
    from dataclasses import asdict

    from tracker.assess.provenance import effective
    from tracker.assess.review_status import record_digest
    from tracker.values.canonical import canonical_json, jsonable, sha256_text

    def plain(value):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v not in (None, "", [], (), {})}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return jsonable(value)

    snapshot = _random_snapshot(7, 120)
    for d in snapshot.scope():
        eff = effective(d, snapshot)
        body = {
            "effective": None if eff.terms is None else asdict(eff.terms),
            "inherited": [asdict(i) for i in eff.inherited],
            "record": d.record,
            "claims": [asdict(c) for c in d.claims],
            "fees": [asdict(f) for f in d.fees],
            "costs": [asdict(c) for c in d.costs],
            "consent": [asdict(c) for c in d.consent],
            "sources": [asdict(s) for s in d.sources],
            "parents": sorted((snapshot.datasets[p].slug if p in snapshot.datasets else str(p),
                               rel) for p, rel in d.parents),
        }
        assert record_digest(d, snapshot) == sha256_text(canonical_json(plain(body)))

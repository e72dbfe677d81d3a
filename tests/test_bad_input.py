"""Bad input: one line naming field and value, exit 1, no traceback, registry unchanged."""

from __future__ import annotations

import pytest

from conftest import Snapshots, Tracker

SETUP = [
    "dataset add news-archive --name News --personal-data yes",
    "dataset add crawl --name Crawl",
    "dataset add mix --name Mix",
    "lineage add mix crawl --relation mixture",
    "lineage add crawl news-archive --relation filtered",
    "source add forum --name Forum",
]

# (command, text the one-line error must contain: field and value)
BAD = [
    ("license claim news-archive CC-BY-NC-4 --by hub", "did you mean CC-BY-NC-4.0?"),
    ("license claim news-archive 'MIT AND' --by hub", "license: is not a valid SPDX expression"),
    ("license claim news-archive MIT --by nobody", "by: must be one of"),
    ("fee add news-archive --amount -5 --currency USD --counterparty P",
     "amount: must not be negative (got '-5')"),
    ("fee add news-archive --amount abc --currency USD --counterparty P", "(got 'abc')"),
    ("fee add news-archive --amount NaN --currency USD --counterparty P", "(got 'NaN')"),
    ("fee add news-archive --amount Infinity --currency USD --counterparty P",
     "(got 'Infinity')"),
    ("fee add news-archive --amount 1e9 --currency USD --counterparty P", "(got '1e9')"),
    ("fee add news-archive --amount 10 --currency XYZ --counterparty P",
     "currency: not an ISO 4217 currency code (got 'XYZ')"),
    ("fee add news-archive --amount 10 --currency USD --counterparty P --start 2025-02-30",
     "start: is not a real calendar date (got '2025-02-30')"),
    ("fee add news-archive --amount 10 --currency USD --counterparty P --start 2025-01-01 "
     "--end 2024-01-01", "end: ends before it starts (2025-01-01) (got '2024-01-01')"),
    ("fee add news-archive --amount 10 --currency USD --kind recurring --counterparty P",
     "period: a recurring fee needs --period"),
    ("dataset add x --name X --acquired-from 2024-05-01 --acquired-to 2024-01-01",
     "acquired-to: ends before it starts"),
    ("fee add news-archiv --amount 10 --currency USD --counterparty P",
     "dataset: no dataset 'news-archiv' (did you mean news-archive?)"),
    ("source link news-archive foru", "source: no source 'foru' (did you mean forum?)"),
    ("dataset add news-archive --name Again", "slug: a dataset with this slug already exists"),
    ("source add forum --name Again", "slug: a source with this slug already exists"),
    ("lineage add news-archive mix --relation subset",
     "parent: would make a lineage cycle: news-archive -> mix -> crawl -> news-archive"),
    ("lineage add mix mix --relation subset", "parent: a dataset cannot derive from itself"),
    ("dataset add y --name Y --homepage javascript:alert(1)",
     "homepage: must be an http:// or https:// URL (got 'javascript:alert(1)')"),
    ("source add s2 --name S --terms-url data:text/html,hi", "terms-url: must be an http://"),
    ("license claim news-archive MIT --by hub --evidence ftp://x.example", "evidence: must be"),
    ("dataset add 'bad slug' --name X", "slug: must start with a letter or digit"),
    ("dataset add z --name Z --modality smell", "modality: must be one of"),
    ("dataset add z --name Z --size-tokens -3", "size-tokens: must be a whole number"),
    ("dataset edit news-archive --name ''", "name: must not be empty"),
    ("fx set EUR EUR 1", "quote: must differ from the base currency"),
    ("fx set EUR USD 0", "rate: must be greater than zero"),
    ("consent set news-archive --status maybe", "status: must be one of"),
    ("license add MyLicence --name X", "id: user licences are named LicenseRef-<name>"),
    ("license add LicenseRef-Unknown --name X", "id: this licence id is already in"),
    ("dataset remove news-archive", "refusing to remove dataset 'news-archive'"),
    ("lineage remove news-archive crawl --yes", "'news-archive' does not derive from 'crawl'"),
    ("lineage remove mid base", "refusing to remove the lineage edge mid <- base without --yes"),
]


@pytest.fixture
def seeded(tracker: Tracker, snapshots: Snapshots) -> Tracker:
    snapshots.restore(tracker, "bad_input.SETUP", lambda t: [t(c) for c in SETUP],
                      postgres=False)
    return tracker


@pytest.mark.parametrize(("command", "message"), BAD, ids=[b[0][:60] for b in BAD])
def test_bad_input_is_refused_cleanly(seeded: Tracker, command: str, message: str) -> None:
    before = (seeded.digest(), seeded.file_bytes())
    result = seeded(command, expect=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert (seeded.digest(), seeded.file_bytes()) == before


def test_missing_required_values_are_usage_errors(seeded: Tracker) -> None:
    result = seeded("dataset add new-one", expect=2)
    assert "missing --name" in result.stderr


def test_a_command_failing_midway_leaves_nothing(seeded: Tracker) -> None:
    """The agreement is written before the fee's description fails: both must vanish."""
    before = seeded.digest()
    result = seeded(["fee", "add", "news-archive", "--amount", "10", "--currency", "USD",
                     "--counterparty", "NewCo", "--description", "bell\x07"], expect=1)
    assert "description: contains control characters" in result.stderr
    assert seeded.digest() == before
    assert "NewCo" not in seeded("log").stdout

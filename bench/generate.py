"""Synthetic registries for benchmarks: datasets with lineage, claims, fees, consent.

Lineage is layered as real registries are: a fifth of the datasets are raw
sources, half derive from three or four raw sources, the rest from three or
four of those (about three parents per derived dataset, shallow ancestry).

    python bench/generate.py datasets 100000 > datasets.jsonl
    python bench/generate.py domains 1000000 > domains.csv
    python bench/generate.py signals 100000 DIR
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

LICENCES = ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "MIT", "Apache-2.0", "CC0-1.0",
            "ODC-By-1.0", "LicenseRef-Unknown", "CC-BY-NC-SA-4.0", "MIT OR Apache-2.0"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY"]
CONSENT = ["opt_in", "notice_only", "none", "unknown", "not_applicable", "opt_out_honoured"]
CATEGORIES = ["public_dataset", "commercially_licensed", "crawled", "synthetic", "other"]


def datasets(count: int, seed: int = 7) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    raw = max(1, count // 5)
    middle = raw + count // 2
    for i in range(count):
        slug = f"ds-{i:07d}"
        if i < raw:
            parents: list[str] = []
        elif i < middle:
            parents = [f"ds-{rng.randrange(raw):07d}" for _ in range(rng.randint(3, 4))]
        else:
            parents = [f"ds-{rng.randrange(raw, middle):07d}" for _ in range(rng.randint(3, 4))]
        row: dict[str, object] = {
            "slug": slug,
            "name": f"Synthetic dataset {i}",
            "description": "Generated for benchmarks.",
            "modality": "text",
            "source_category": rng.choice(CATEGORIES),
            "size_tokens": rng.randrange(10**6, 10**11),
            "languages": rng.choice(["en", "en,de", "fr", "en,es,pt"]),
            "personal_data": rng.choice(["yes", "no", "unknown"]),
            "license": rng.choice(LICENCES),
            "license_by": rng.choice(["authors", "hub", "contract"]),
            "license_date": "2024-01-01",
            "source": f"src-{rng.randrange(max(1, count // 50)):05d}",
            "parents": ";".join(sorted(set(parents))),
            "relation": "mixture" if len(parents) > 3 else "filtered",
            "consent_status": rng.choice(CONSENT),
            "consent_date": "2024-02-01",
        }
        if rng.random() < 0.4:
            kind = rng.choice(["one_time", "recurring", "per_unit"])
            row.update({
                "fee_kind": kind,
                "fee_amount": f"{rng.randrange(1, 10**6)}.{rng.randrange(100):02d}"
                if kind != "per_unit" else "0.0000025",
                "fee_currency": rng.choice(CURRENCIES),
                "fee_counterparty": f"Vendor {rng.randrange(200)}",
                "fee_period": "year" if kind == "recurring" else "",
                "fee_unit": "token" if kind == "per_unit" else "",
                "fee_start": "2024-01-01", "fee_end": "2027-12-31",
            })
        yield row


def write_datasets(count: int, out: TextIO) -> None:
    for row in datasets(count):
        out.write(json.dumps(row) + "\n")


def write_domains(count: int, out: TextIO, seed: int = 11) -> None:
    rng = random.Random(seed)
    out.write("domain,content_bytes,robots,tdm_reserved\n")
    for i in range(count):
        out.write(f"site{i:07d}.example{rng.randrange(50)}.com,{rng.randrange(10**3, 10**9)},"
                  f"{rng.choice(['allowed', 'disallowed', 'partial', 'unknown'])},"
                  f"{rng.choice(['yes', 'no', 'unknown'])}\n")


AI_AGENTS = ["GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "Bytespider", "PerplexityBot",
             "Applebot-Extended", "meta-externalagent"]


def _robots(rng: random.Random) -> str:
    """A robots.txt as sites write them: a `*` group with a few paths, often AI groups."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: /{rng.choice(['admin', 'private', 'tmp', 'search', 'cart'])}"
              f"{rng.randrange(100)}/" for _ in range(rng.randrange(1, 8))]
    if rng.random() < 0.3:
        lines += ["Disallow: /*.pdf$", f"Allow: /public{rng.randrange(10)}/"]
    for agent in rng.sample(AI_AGENTS, rng.choice([0, 0, 1, 3, 8])):
        lines += ["", f"User-agent: {agent}", "Disallow: /" if rng.random() < 0.7
                  else f"Disallow: /{rng.randrange(1000)}/"]
    lines += ["", f"Sitemap: https://example.com/sitemap{rng.randrange(1000)}.xml"]
    return "\n".join(lines) + "\n"


def write_signals(count: int, root: Path, seed: int = 13) -> None:
    """A crawl's saved opt-out signals, as `source domains signals` reads them: a robots.txt
    for nine domains in ten, TDMRep files, ai.txt, home pages, and header captures."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    with (root / "headers.jsonl").open("w") as headers:
        for i in range(count):
            domain = f"site{i:07d}.example{i % 50}.com"
            folder = root / domain
            folder.mkdir()
            if rng.random() < 0.9:
                (folder / "robots.txt").write_text(_robots(rng))
            if rng.random() < 0.1:
                (folder / ".well-known").mkdir()
                (folder / ".well-known" / "tdmrep.json").write_text(json.dumps(
                    [{"location": "/", "tdm-reservation": rng.randrange(2)},
                     {"location": f"/news{rng.randrange(9)}/*", "tdm-reservation": 1,
                      "tdm-policy": f"https://{domain}/policy.json"}]))
            if rng.random() < 0.03:
                (folder / "ai.txt").write_text("User-Agent: *\nDisallow: *.jpg\n")
            if rng.random() < 0.05:
                (folder / "index.html").write_text(
                    '<html><head><meta name="tdm-reservation" content="1"></head></html>')
            for _ in range(rng.choice([0, 0, 1, 2])):
                reserve = rng.random() < 0.1
                headers.write(json.dumps({"url": f"https://{domain}/a/{rng.randrange(10**6)}",
                                          "headers": {"Content-Type": "text/html",
                                                      **({"tdm-reservation": "1"} if reserve
                                                         else {})}}) + "\n")


if __name__ == "__main__":
    what, number = sys.argv[1], int(sys.argv[2])
    if what == "signals":
        write_signals(number, Path(sys.argv[3]))
    else:
        (write_datasets if what == "datasets" else write_domains)(number, sys.stdout)


# Licence names as the Data Provenance Collection spells them, with the shapes that once
# cost whole files: two URLs in one field, names the knowledge base knows under another
# spelling, "Various", "Non Commercial", a link instead of a name.
DPI_LICENCES = [
    ("MIT License", "https://opensource.org/licenses/MIT"),
    ("Apache License 2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    ("Apache 2.0", ""),
    ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    ("CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/, "
                  "https://github.com/allenai/natural-instructions/blob/master/LICENSE"),
    ("Unspecified", ""), ("Non Commercial", ""), ("Various", ""), ("No License", ""),
    ("LGPL 2.1", ""), ("MPL 2.0", ""), ("ISC License", ""), ("EPL 1.0", ""),
    ("Artistic License 2.0", ""), ("GNU General Public License v2.0", ""), ("LGPL 3.0", ""),
    ("CDLA Sharing 1.0", ""), ("ODC BY 1.0", ""), ("Llama 2", ""), ("OpenAI", ""),
    ("Meta Llama3 Community License", ""), ("BigScience OpenRAIL-M", ""), ("CC BY-SA", ""),
    ("Academic Research Purposes Only", ""), ("Public Domain", ""), ("Custom", ""),
]
DPI_LANGUAGES = ["English", "French", "German", "Code", "Klingon", 7, None]


def dpi_record(uid: str, name: str, rng: random.Random, collection: str
               ) -> dict[str, object]:
    """One record shaped as the Data Provenance Collection's summaries are."""
    licences = rng.sample(DPI_LICENCES, rng.choice((1, 1, 1, 2)))
    return {
        "Unique Dataset Identifier": uid, "Dataset Name": name, "Collection": collection,
        "Dataset URL": rng.choice(["https://example.org/" + uid, "", "unknown",
                                   "javascript:alert(1)"]),
        "GitHub URL": "", "Hugging Face URL": f"https://huggingface.co/datasets/{name}",
        "Papers with Code URL": "", "Paper Title": f"The {name} corpus",
        "Languages": rng.sample(DPI_LANGUAGES, 2),
        "Task Categories": ["Question Answering"], "Creators": ["Example Lab"],
        "Text Metrics": {"Num Dialogs": rng.randrange(100, 100_000)},
        "Text Sources": rng.choice([["wikipedia.org"], ["undisclosed web"],
                                    ["a source named at length " * 6]]),
        "Model Generated": rng.choice([[], ["gpt-4"]]),
        "Licenses": [{"License": n, "License URL": u} for n, u in licences],
        "License Verified By": "annotator",
        "Inferred Metadata": {
            "HF Yaml License": rng.choice(["Unspecified", "Apache License 2.0", "MIT License"]),
            "HF Config License": rng.choice(["", "", "Meta Llama3 Community License"]),
            "GitHub License": rng.choice(
                ["", "MIT License",
                 "https://github.com/WangWenhao0716/VidProM?tab=readme-ov-file#license"]),
            "PwC License Name": rng.choice(["Unspecified", "Non Commercial", "Various"]),
        },
        "Derived from Datasets": rng.choice([[], ["wikipedia"], [name]]),
        "Human Annotation": rng.choice(["Yes", "No"]),
    }


def dpi_collection(folder: Path, files: int = 300, per_file: int = 8, seed: int = 3) -> None:
    """A collection of `files` DPI summaries, every shape that once cost a whole file
    seeded in it: identifiers that slugify alike (c, c#, c++), text sources of 150
    characters, two licence URLs in one field, unmapped names, odd field values."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(files):
        collection = f"Collection {number:03d}"
        prefix = f"col{number:03d}"
        doc = {}
        for i in range(per_file):
            uid = f"{prefix}-task_{i}"
            doc[uid] = dpi_record(uid, f"task_{i}", rng, collection)
        if number % 10 == 1:  # two identifiers only their case tells apart
            for uid in (f"{prefix}-Dup", f"{prefix}-dup"):
                doc[uid] = dpi_record(uid, uid, rng, collection)
        if number % 10 == 0:
            for lang in ("c", "c#", "c++"):
                uid = f"commitpackft-{lang}-{number}"
                doc[uid] = dpi_record(uid, f"commitpackft {lang}", rng, collection)
        (folder / f"{collection}.json").write_text(json.dumps(doc, indent=1), "utf-8")

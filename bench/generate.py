"""Synthetic registries for benchmarks: datasets with lineage, claims, fees, consent.

Lineage is layered as real registries are: a fifth of the datasets are raw
sources, half derive from three or four raw sources, the rest from three or
four of those (about three parents per derived dataset, shallow ancestry).

    python bench/generate.py datasets 100000 > datasets.jsonl
    python bench/generate.py domains 1000000 > domains.csv
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
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


if __name__ == "__main__":
    what, number = sys.argv[1], int(sys.argv[2])
    (write_datasets if what == "datasets" else write_domains)(number, sys.stdout)

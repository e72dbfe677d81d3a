"""Run every measurement side by side and write docs/benchmarks.md.

    python bench/run.py --datasets 10000 --domains 1000000

Each timing is the median of --repeat runs of a fresh process; peak memory is
the child's maximum resident set size. Needs `pip install '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write_datasets, write_domains  # noqa: E402

PY = sys.executable
TRACKER = [PY, "-m", "tracker"]


def timed(cmd: list[str], *, repeat: int = 1, before=None, cwd: Path | None = None
          ) -> tuple[float, float]:
    """(median seconds, peak MB) of a command run in a fresh process `repeat` times."""
    times, peaks = [], []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
        peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return statistics.median(times), max(peaks)


def flat_executemany(jsonl: Path, db: Path) -> None:
    rows = [json.loads(line) for line in jsonl.open()]
    columns = sorted({k for r in rows for k in r})
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE datasets ({', '.join(columns)})")
    conn.executemany(f"INSERT INTO datasets VALUES ({', '.join('?' for _ in columns)})",
                     [[r.get(c) for c in columns] for r in rows])
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    rows: list[tuple[str, str, str, str]] = []
    n = args.datasets

    jsonl = work / "datasets.jsonl"
    with jsonl.open("w") as out:
        write_datasets(n, out)
    small = work / "small.jsonl"
    with small.open("w") as out:
        write_datasets(n // 10, out)
    db = work / "registry.db"

    def fresh(path: Path):  # noqa: ANN202
        return lambda: [p.unlink() for p in path.parent.glob(path.name + "*")]

    t_tracker, m_tracker = timed([*TRACKER, "--db", str(db), "import", "table", str(jsonl)],
                                 before=fresh(db))
    su = work / "su.db"
    sqlite_utils = shutil.which("sqlite-utils") or str(Path(PY).parent / "sqlite-utils")
    t_su, _ = timed([sqlite_utils, "insert", str(su), "datasets", str(jsonl), "--nl"],
                    repeat=args.repeat, before=fresh(su))
    t_raw, _ = timed([PY, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                      f"from run import flat_executemany; from pathlib import Path; "
                      f"flat_executemany(Path({str(jsonl)!r}), Path({str(work / 'raw.db')!r}))"],
                     repeat=args.repeat, before=fresh(work / "raw.db"))
    rows.append((f"import {n:,} datasets (JSONL, validated, audited)", f"{t_tracker:.1f} s",
                 f"{t_tracker / t_su:.1f}x sqlite-utils ({t_su:.2f} s), "
                 f"{t_tracker / t_raw:.1f}x executemany ({t_raw:.2f} s)",
                 "within 2x sqlite-utils"))

    domains = work / "domains.csv"
    with domains.open("w") as out:
        write_domains(args.domains, out)
    subprocess.run([*TRACKER, "--db", str(db), "source", "add", "bench-crawl", "--name", "Crawl",
                    "--kind", "domain"], check=True, capture_output=True)
    t_dom, m_dom = timed([*TRACKER, "--db", str(db), "source", "domains", "import",
                          str(domains), "--source", "bench-crawl"])
    rows.append((f"import {args.domains:,} crawl domains", f"{t_dom:.1f} s",
                 f"peak {m_dom:.0f} MB", "under 15 s and 300 MB"))

    code = ("from tracker.registry import Registry; from tracker.db import resolve_url; "
            "from tracker.reporting import registry_snapshot; "
            "from tracker.provenance import effective; import time; "
            f"r = Registry(resolve_url({str(db)!r}));\n"
            "with r.reading() as s: snap = registry_snapshot(s)\n"
            "t = time.perf_counter(); [effective(d, snap) for d in snap.scope()]; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    t_eff = float(out.stdout.strip().splitlines()[-1])
    rows.append((f"effective terms for all {n:,} datasets", f"{t_eff:.2f} s", "",
                 "under 3 s at 100k"))

    subprocess.run([*TRACKER, "--db", str(db), "run", "create", "bench", "--model", "m",
                    "--start", "2025-01-01", "--end", "2025-12-31"], check=True,
                   capture_output=True)
    for base, quote, rate in (("EUR", "USD", "1.1"), ("GBP", "USD", "1.3"),
                              ("JPY", "USD", "0.0068")):
        subprocess.run([*TRACKER, "--db", str(db), "fx", "set", base, quote, rate, "--as-of",
                        "2024-01-01"], check=True, capture_output=True)
    draw = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(\"INSERT INTO run_dataset (run_id, dataset_id, epochs) "
            "SELECT 1, id, '1' FROM dataset\"); c.commit()")
    subprocess.run([PY, "-c", draw, str(db)], check=True)
    t_budget, _ = timed([*TRACKER, "--db", str(db), "budget", "bench", "--json"],
                        repeat=args.repeat)
    rows.append((f"budget of a run drawing {n:,} datasets", f"{t_budget:.2f} s", "",
                 "under 2 s at 10k"))
    t_report, _ = timed([*TRACKER, "--db", str(db), "report", "audit", "bench", "-o",
                         str(work / "audit.html")], repeat=args.repeat)
    rows.append(("audit report of that run", f"{t_report:.2f} s", "", "under 5 s at 10k"))
    t_list, _ = timed([*TRACKER, "--db", str(db), "dataset", "list", "--limit", "50"],
                      repeat=args.repeat)
    t_show, _ = timed([*TRACKER, "--db", str(db), "dataset", "show", "ds-0000042"],
                      repeat=args.repeat)
    rows.append(("`dataset list --limit 50` / `dataset show`", f"{t_list:.2f} s / {t_show:.2f} s",
                 "", "under 0.5 s"))
    t_version, _ = timed([*TRACKER, "--version"], repeat=5)
    t_pass, _ = timed([PY, "-c", "pass"], repeat=5)
    rows.append(("start-up: `tracker --version`", f"{t_version:.2f} s",
                 f"`python -c pass` {t_pass:.2f} s", "under 0.3 s"))
    # The growth of effective terms: the same at a tenth of the size.
    db_small = work / "small.db"
    subprocess.run([*TRACKER, "--db", str(db_small), "import", "table", str(small)], check=True,
                   capture_output=True)
    out = subprocess.run([PY, "-c", code.replace(str(db), str(db_small))], capture_output=True,
                         text=True, check=True)
    t_eff_small = float(out.stdout.strip().splitlines()[-1])
    rows.append((f"effective terms, {n // 10:,} vs {n:,} datasets",
                 f"{t_eff_small:.2f} s vs {t_eff:.2f} s",
                 f"{t_eff / t_eff_small:.1f}x the time for 10x the datasets", "at most 12x"))

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    lines = ["# Benchmarks", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {machine}; medians of "
             f"{args.repeat} runs where repeated, each in a fresh process.", "",
             "Reproduce: `pip install '.[bench]' && python bench/run.py "
             f"--datasets {n} --domains {args.domains}`.", "",
             "| measurement | result | side by side | target |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Run every measurement side by side and write the results table of docs/benchmarks.md.

    python bench/run.py --datasets 100000 --domains 1000000
    python bench/run.py --datasets 100000 --domains 1000000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Each timing is the median of --repeat runs of a fresh process; peak memory is the
child's maximum resident set size. Only the text between the bench markers of the
output file is replaced. Needs `pip install '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import dpi_collection, write_datasets, write_domains, write_signals  # noqa: E402

PY = sys.executable
TRACKER = [PY, "-m", "tracker"]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
Row = tuple[str, str, str, str]


def timed(cmd: list[str], *, repeat: int = 1, before: Callable[[], object] | None = None
          ) -> tuple[float, float]:
    """(median seconds, peak MB) of a command run in a fresh process `repeat` times.

    The peak is read through a wrapper process, so each measurement has its own."""
    times, peaks = [], []
    wrapper = [PY, "-c", "import resource, subprocess, sys; "
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
               "sys.exit(code)"]
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        proc = subprocess.run([*wrapper, *cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
        peaks.append(int(proc.stderr.strip().splitlines()[-1]) / 1024)
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


def rows_floor(registry: Path, copy: Path) -> float:
    """Seconds to write every row the import wrote (the audit log included) into an empty
    copy of the schema with bare executemany: the floor for this much data, with no
    parsing, validation or hashing."""
    src = sqlite3.connect(registry)
    schema = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
        "ORDER BY type = 'index', rowid")]
    tables = [name for (name,) in src.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    dst = sqlite3.connect(copy, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    dst.execute("PRAGMA cache_size = -131072")  # as the import has
    for sql in schema:
        dst.execute(sql)
    start = time.perf_counter()
    dst.execute("BEGIN")
    for table, rows in data.items():
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            dst.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    dst.execute("COMMIT")
    return time.perf_counter() - start


def effective_seconds(big: str, small: str, repeat: int = 1) -> tuple[float, float, float]:
    """Median seconds for each registry and the median of the rounds' ratios, each round
    timing both, one after the other, in fresh processes."""
    rounds = [(_effective_once(big), _effective_once(small)) for _ in range(repeat)]
    return (statistics.median(b for b, _ in rounds), statistics.median(s for _, s in rounds),
            statistics.median(b / s for b, s in rounds))


def inventory_seconds(db: str, repeat: int = 1) -> tuple[float, float, float]:
    """Median seconds of the licence inventory and of effective terms alone on one registry,
    and the median of the rounds' ratios, each round timing both in fresh processes."""
    rounds = [(_inventory_once(db), _effective_once(db)) for _ in range(repeat)]
    return (statistics.median(i for i, _ in rounds), statistics.median(e for _, e in rounds),
            statistics.median(i / e for i, e in rounds))


def _effective_once(db: str) -> float:
    return _after_snapshot(db, "from tracker.assess.provenance import effective_all",
                           "effective_all(snap)")


def _inventory_once(db: str) -> float:
    """Every row made, as the command's output takes them (the rows are made as read)."""
    return _after_snapshot(db, "from tracker.assess.inventory import inventory",
                           "for _ in inventory(snap): pass")


def _after_snapshot(db: str, imports: str, work: str) -> float:
    """Seconds of `work` on the registry's snapshot, loaded first, in a fresh process."""
    code = ("from tracker.registry import Registry; from tracker.db import resolve_url; "
            f"from tracker.service.snapshots import registry_snapshot; {imports}; import time; "
            f"r = Registry(resolve_url({db!r}));\n"
            "with r.reading() as s: snap = registry_snapshot(s)\n"
            f"t = time.perf_counter()\n{work}\nprint(time.perf_counter() - t)")
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def tracker(db: str, *args: str) -> None:
    subprocess.run([*TRACKER, "--db", db, *args], check=True, capture_output=True)


# Setup outside the timings: several commands in one process, which pays start-up once.
_STEPS = ("import json, sys\n"
          "from tracker.cli.main import cli\n"
          "for args in json.loads(sys.argv[2]):\n"
          "    code = cli.main(['--db', sys.argv[1], *args], prog_name='tracker',"
          " standalone_mode=False)\n"
          "    if isinstance(code, int) and code:\n"
          "        sys.exit(f'tracker {\" \".join(args)} exited {code}')\n")


def tracker_steps(db: str, *commands: list[str], then: str = "") -> None:
    """`tracker` commands in order in one process (an error stops it and fails the run),
    then the Python code `then`, given the registry's URL as `url`."""
    code = _STEPS + ("from tracker.db import resolve_url\nurl = resolve_url(sys.argv[1])\n"
                     + then if then else "")
    subprocess.run([PY, "-c", code, db, json.dumps(commands)], check=True,
                   capture_output=True)


def draw_all(db: str) -> None:
    """A run drawing every dataset of the registry, with the rates its fees need."""
    rates = [["fx", "set", base, quote, rate, "--as-of", "2024-01-01"]
             for base, quote, rate in (("EUR", "USD", "1.1"), ("GBP", "USD", "1.3"),
                                       ("JPY", "USD", "0.0068"))]
    tracker_steps(db, ["run", "create", "bench", "--model", "m", "--start", "2025-01-01",
                       "--end", "2025-12-31"], *rates, then=(
        "from sqlalchemy import create_engine, text\n"
        "with create_engine(url).begin() as c:\n"
        "    c.execute(text(\"INSERT INTO run_dataset (run_id, dataset_id, epochs) "
        "SELECT 1, id, '1' FROM dataset\"))\n"))


class Databases:
    """Fresh registries: SQLite files in a folder, or databases on one PostgreSQL server."""

    def __init__(self, work: Path, postgres: str | None) -> None:
        self.work = work
        self.postgres = postgres

    def fresh(self, name: str) -> str:
        if self.postgres is None:
            for path in self.work.glob(f"{name}.db*"):
                path.unlink()
            return str(self.work / f"{name}.db")
        from sqlalchemy import create_engine, text

        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS bench_{name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE bench_{name}"))
        engine.dispose()
        return self.postgres.rsplit("/", 1)[0] + f"/bench_{name}"

    def settle(self, db: str) -> None:
        """After a bulk load, outside the timings: on PostgreSQL, the vacuum and statistics
        autovacuum would otherwise gather while the next measurements run."""
        if self.postgres is None:
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(db, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()


def measure(args: argparse.Namespace, work: Path) -> list[Row]:
    rows: list[Row] = []
    n, small_n = args.datasets, args.datasets // 10
    dbs = Databases(work, args.postgres)
    jsonl, small = work / "datasets.jsonl", work / "small.jsonl"
    with jsonl.open("w") as out:
        write_datasets(n, out)
    with small.open("w") as out:
        write_datasets(small_n, out)

    def fresh_registry(name: str) -> Callable[[], str]:
        def make() -> str:
            db = dbs.fresh(name)
            tracker(db, "dataset", "list")  # schema and knowledge base, outside the timing
            return db
        return make

    fresh_big = fresh_registry("big")
    sqlite_utils = shutil.which("sqlite-utils") or str(Path(PY).parent / "sqlite-utils")
    compare = args.postgres is None and Path(sqlite_utils).exists()
    raw = work / "raw.db"
    imports, peaks, su_times, raw_times = [], [], [], []
    # Side by side: each round times the import and then the others on the same file, so
    # all see the same phase of a machine whose speed drifts; the ratio is the median of the
    # rounds' ratios.
    for _ in range(args.import_repeat):
        db = fresh_big()
        t_imp, m_imp = timed([*TRACKER, "--db", db, "import", "table", str(jsonl)])
        imports.append(t_imp)
        peaks.append(m_imp)
        if compare:
            su_times.append(timed(
                [sqlite_utils, "insert", str(work / "su.db"), "datasets", str(jsonl), "--nl"],
                before=lambda: [p.unlink() for p in work.glob("su.db*")])[0])
            raw_times.append(timed(
                [PY, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                 "from run import flat_executemany; from pathlib import Path; "
                 f"flat_executemany(Path({str(jsonl)!r}), Path({str(raw)!r}))"],
                before=lambda: [p.unlink() for p in work.glob("raw.db*")])[0])
    dbs.settle(db)
    t_imp, m_imp = statistics.median(imports), max(peaks)
    if compare:
        ratios = sorted(i / su for i, su in zip(imports, su_times, strict=True))
        t_su, t_raw = statistics.median(su_times), statistics.median(raw_times)
        t_floor = rows_floor(Path(db), work / "floor.db")
        side = (f"**{statistics.median(ratios):.2f}x** sqlite-utils ({t_su:.2f} s; the "
                f"rounds: {', '.join(f'{r:.2f}x' for r in ratios)}), "
                f"{t_imp / t_raw:.1f}x bare executemany of the flat file ({t_raw:.2f} s); "
                f"bare executemany of the rows and events the import wrote: {t_floor:.2f} s "
                f"({t_floor / t_su:.2f}x sqlite-utils); peak {m_imp:.0f} MB")
    else:
        side = f"peak {m_imp:.0f} MB" + ("" if args.postgres else
                                         " (sqlite-utils not installed: no comparison)")
    rows.append((f"import {n:,} datasets (JSONL: validated, about 7 rows and 1 audit event each)",
                 f"{t_imp:.1f} s", side, "within 2x sqlite-utils"))

    domains = work / "domains.csv"
    with domains.open("w") as out:
        write_domains(args.domains, out)
    tracker(db, "source", "add", "bench-crawl", "--name", "Crawl", "--kind", "domain")
    t_dom, m_dom = timed([*TRACKER, "--db", db, "source", "domains", "import", str(domains),
                          "--source", "bench-crawl"])
    dbs.settle(db)
    rows.append((f"import {args.domains:,} crawl domains", f"{t_dom:.1f} s",
                 f"peak {m_dom:.0f} MB", "under 15 s and 300 MB"))
    rows.append(signals_row(db, work, max(1, args.domains // 10)))

    t_list, m_list = timed([*TRACKER, "--db", db, "dataset", "list", "--limit", "50"],
                           repeat=args.repeat)
    rows.append((f"`dataset list --limit 50` on {n:,} datasets", f"{t_list:.2f} s",
                 f"peak {m_list:.0f} MB", "under 0.5 s"))
    t_show, _ = timed([*TRACKER, "--db", db, "dataset", "show", "ds-0000042"],
                      repeat=args.repeat)
    rows.append((f"`dataset show` on {n:,} datasets", f"{t_show:.2f} s", "", ""))

    small_db = dbs.fresh("small")
    tracker(small_db, "import", "table", str(small))  # migrates the new registry first
    dbs.settle(small_db)
    t_eff, t_eff_small, growth = effective_seconds(db, small_db, args.repeat)
    rows.append((f"effective terms for all {n:,} datasets", f"{t_eff:.2f} s",
                 f"{small_n:,} datasets: {t_eff_small:.2f} s, so 10x the datasets cost "
                 f"**{growth:.2f}x** the time (median of the rounds' ratios)",
                 "under 3 s; at most 12x"))
    t_inv, t_inv_eff, share = inventory_seconds(db, args.repeat)
    t_cmd, m_cmd = timed([*TRACKER, "--db", db, "license", "resolve", "--all", "--json"],
                         repeat=args.repeat)
    rows.append((f"licence inventory (`license resolve --all`) for all {n:,} datasets",
                 f"{t_inv:.2f} s",
                 f"effective terms alone, in the same rounds: {t_inv_eff:.2f} s, so the "
                 f"inventory costs **{share:.2f}x** (median of the rounds' ratios); the whole "
                 f"command with `--json` (snapshot load and output included): {t_cmd:.2f} s, "
                 f"peak {m_cmd:.0f} MB", "under 2 s"))
    t_filter, m_filter = timed([*TRACKER, "--db", db, "dataset", "list", "--commercial", "no",
                                "--limit", "50"], repeat=args.repeat)
    rows.append((f"`dataset list --commercial no --limit 50` on {n:,} datasets",
                 f"{t_filter:.2f} s",
                 f"the plain first page above: {t_list:.2f} s; this filter reads the whole "
                 f"snapshot; peak {m_filter:.0f} MB", ""))

    draw_all(small_db)
    t_budget, m_budget = timed([*TRACKER, "--db", small_db, "budget", "bench"],
                               repeat=args.repeat)
    t_json, _ = timed([*TRACKER, "--db", small_db, "budget", "bench", "--json"],
                      repeat=args.repeat)
    rows.append((f"`budget` of a run drawing {small_n:,} datasets", f"{t_budget:.2f} s",
                 f"with `--json` (indented): {t_json:.2f} s; peak {m_budget:.0f} MB",
                 "under 2 s"))
    report = work / "audit.html"
    t_report, m_report = timed([*TRACKER, "--db", small_db, "report", "audit", "bench", "-o",
                                str(report)], repeat=args.repeat)
    rows.append(("`report audit` of that run", f"{t_report:.2f} s",
                 f"{report.stat().st_size / 1e6:.1f} MB of HTML; peak {m_report:.0f} MB",
                 "under 5 s"))

    rows.append(dpi_collection_row(dbs, work, args.dpi_files))

    t_version, _ = timed([*TRACKER, "--version"], repeat=args.startup_repeat)
    t_pass, _ = timed([PY, "-c", "pass"], repeat=args.startup_repeat)
    rows.append(("start-up: `tracker --version`", f"{t_version:.2f} s",
                 f"`python -c pass` {t_pass:.2f} s", "under 0.3 s"))
    return rows


def signals_row(db: str, work: Path, count: int) -> Row:
    """Opt-out signals read from a crawl's saved files (robots.txt through protego, TDMRep,
    ai.txt, home pages, headers), stored with each file's SHA-256, beside hashing the same
    files alone."""
    folder = work / "signals"
    shutil.rmtree(folder, ignore_errors=True)
    write_signals(count, folder)
    files = [p for p in folder.rglob("*") if p.is_file()]
    t_sig, m_sig = timed([*TRACKER, "--db", db, "source", "domains", "signals", str(folder),
                          "--source", "bench-crawl"])
    t_hash, _ = timed([PY, "-c", "import hashlib, sys, pathlib; "
                       "[hashlib.sha256(p.read_bytes()).digest() for p in "
                       "pathlib.Path(sys.argv[1]).rglob('*') if p.is_file()]", str(folder)])
    return (f"read opt-out signals of {count:,} crawl domains", f"{t_sig:.1f} s",
            f"{len(files):,} files; reading and hashing them alone: {t_hash:.1f} s; "
            f"peak {m_sig:.0f} MB", "under 60 s")


def dpi_collection_row(dbs: Databases, work: Path, files: int) -> Row:
    """A collection shaped as the Data Provenance Collection, imported in one command, then
    again (nothing changes), beside plain `json.load` of the same files."""
    folder = work / "dpi"
    dpi_collection(folder, files)
    paths = [str(p) for p in sorted(folder.glob("*.json"))]
    db = dbs.fresh("dpi")
    tracker(db, "dataset", "list")  # schema and knowledge base, outside the timing
    t_first, m_first = timed([*TRACKER, "--db", db, "import", "dpi", *paths])
    t_again, _ = timed([*TRACKER, "--db", db, "import", "dpi", *paths])
    t_read, _ = timed([PY, "-c", "import json, sys; [json.load(open(p)) for p in sys.argv[1:]]",
                       *paths])
    records = sum(len(json.loads(Path(p).read_text())) for p in paths)
    return (f"import a DPI-shaped collection of {files} files ({records:,} records) in one "
            "command", f"{t_first:.1f} s",
            f"again, changing nothing: {t_again:.1f} s; `json.load` of the files alone: "
            f"{t_read:.2f} s; peak {m_first:.0f} MB", "under 10 s, no failed file")


def write(out: Path, rows: list[Row], args: argparse.Namespace) -> str:
    backend = "PostgreSQL " + _pg_version(args.postgres) if args.postgres else \
        f"SQLite {sqlite3.sqlite_version}"
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, {backend}")
    command = (f"python bench/run.py --datasets {args.datasets} --domains {args.domains}"
               + (" --postgres URL" if args.postgres else ""))
    lines = [f"### {backend.split()[0]}", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {machine}; medians of {args.repeat} "
             f"runs where repeated (the import: {args.import_repeat}), each in a fresh "
             "process. Ratios are medians of rounds that time both sides one right after "
             "the other.", "",
             f"Reproduce: `pip install '.[bench]' && {command}`.", "",
             "| measurement | result | side by side | target |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    table = "\n".join(lines) + "\n"
    marker_start = START.replace("start", f"start {backend.split()[0].lower()}")
    marker_end = END.replace("end", f"end {backend.split()[0].lower()}")
    text = out.read_text() if out.exists() else "# Benchmarks\n"
    block = f"{marker_start}\n{table}{marker_end}"
    pattern = re.compile(re.escape(marker_start) + ".*?" + re.escape(marker_end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else \
        text.rstrip("\n") + "\n\n" + block + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return table


def _pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return str(version).split()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--domains", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dpi-files", type=int, default=300)
    parser.add_argument("--startup-repeat", type=int, default=5,
                        help="Runs of `tracker --version` and `python -c pass` (start-up is "
                             "short, so it takes more runs than the rest for a stable median).")
    parser.add_argument("--import-repeat", type=int, default=5,
                        help="Rounds of the import, each followed by sqlite-utils.")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="An admin URL: measure against databases on this server.")
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    try:
        rows = measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(write(Path(args.out), rows, args))


if __name__ == "__main__":
    main()

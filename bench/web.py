"""The review desk under load: page and API latencies, then many clients at once.

    python bench/web.py --datasets 100000
    python bench/web.py --datasets 100000 --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

Builds a registry of generated datasets (or takes --db), starts `tracker serve` on a free
loopback port, times single requests (p95 of --samples), then runs --clients concurrent
clients for --seconds (reads, with --write-share of review writes through the API),
checks that every accepted review is in the audit log and that `verify` passes, and runs
the same clients against a bare FastAPI endpoint on the same machine for the ratio.
Traffic stays on loopback and stops at --seconds or --max-requests, whichever is first.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write_datasets  # noqa: E402

PY = sys.executable
TRACKER = [PY, "-m", "tracker"]
PASSWORD = "bench password, long enough"
BARE_APP = '''
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
def ping() -> dict:
    return {"ok": True}
'''


def tracker(db: str, *args: str, stdin: str | None = None) -> str:
    return subprocess.run([*TRACKER, "--db", db, "--as", "bench", *args], check=True,
                          capture_output=True, text=True, input=stdin).stdout


def build(db: str, count: int, work: Path) -> None:
    jsonl = work / "datasets.jsonl"
    with jsonl.open("w") as out:
        write_datasets(count, out)
    tracker(db, "import", "table", str(jsonl))


def postgres_database(admin: str, *, create: bool) -> str:
    """This run's own database on the server (created fresh, or dropped)."""
    from sqlalchemy import create_engine, text

    name = f"bench_web_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        if create:
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], url: str, cwd: Path | None = None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{' '.join(cmd)} did not start")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95 + 0.5) - 1)]


def latencies(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    """(first request, p95 of the rest) in milliseconds."""
    times = []
    for path in paths:
        start_at = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start_at) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:200]}")
    return times[0], p95(times[1:])


async def load(base: str, headers: dict[str, str], slugs: list[str], *, clients: int,
               seconds: float, max_requests: int, write_share: float, bare: bool
               ) -> dict[str, float]:
    """Concurrent clients until the time or the request budget runs out."""
    stats = {"requests": 0, "errors": 0, "reviews": 0, "refused": 0}
    deadline = time.monotonic() + seconds
    rng = random.Random(5)

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline and stats["requests"] < max_requests:
            stats["requests"] += 1
            try:
                if bare:
                    ok = (await http.get("/ping")).status_code == 200
                elif rng.random() < write_share:
                    ok = await review(http, rng.choice(slugs), stats)
                elif rng.random() < 0.5:
                    ok = (await http.get(f"/api/v1/datasets/{rng.choice(slugs)}")).status_code \
                        == 200
                else:
                    offset = rng.randrange(0, max(1, len(slugs) - 50))
                    ok = (await http.get(f"/api/v1/datasets?limit=50&offset={offset}")
                          ).status_code == 200
            except httpx.HTTPError:
                ok = False
            stats["errors"] += not ok

    started = time.monotonic()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600,
                                 limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    stats["seconds"] = time.monotonic() - started
    return stats


async def review(http: httpx.AsyncClient, slug: str, stats: dict[str, float]) -> bool:
    shown = await http.get(f"/api/v1/datasets/{slug}")
    if shown.status_code != 200:
        return False
    answer = await http.post(f"/api/v1/datasets/{slug}/reviews", json={
        "decision": "approved", "note": "bench review",
        "digest": shown.headers["x-record-digest"]})
    if answer.status_code == 201:
        stats["reviews"] += 1
        return True
    # Refused because the record moved on meanwhile: the client is told, nothing is lost.
    stats["refused"] += answer.status_code == 409
    return answer.status_code == 409


def run(args: argparse.Namespace, work: Path) -> list[tuple[str, str]]:
    if args.db:
        db = args.db
    else:
        db = postgres_database(args.postgres, create=True) if args.postgres \
            else str(work / "web.db")
        build(db, args.datasets, work)
    tracker(db, "user", "add", "bench-reviewer", "--role", "reviewer", "--password-stdin",
            stdin=PASSWORD + "\n")
    token = tracker(db, "user", "token", "bench-reviewer").strip()
    reviews_before = len(json.loads(tracker(db, "log", "--entity", "review", "--json")))
    slugs = [row["slug"] for row in json.loads(tracker(db, "dataset", "list", "--json"))]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [*TRACKER, "--db", db, "serve", "--port", str(port), "--workers", str(args.workers)]
    rows = []
    headers = {"Authorization": f"Bearer {token}"}
    proc = start(serve, base + "/healthz")
    try:
        rng = random.Random(3)
        sample = [rng.choice(slugs) for _ in range(args.samples)]
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            # The desk judges the whole registry once when it starts (in the background);
            # the queue needs that judgement, so its first answer comes when it is done.
            judged = time.perf_counter()
            if client.get("/queue").status_code != 200:
                raise SystemExit("GET /queue failed")
            rows.append(("start-up: the registry judged, first review queue",
                         f"{time.perf_counter() - judged:.1f} s after the desk answered"))
            for label, paths in (
                ("dataset page", [f"/datasets/{s}" for s in sample]),
                ("GET /api/v1/datasets/{slug}", [f"/api/v1/datasets/{s}" for s in sample]),
                ("registry, first page, filter source_category=crawled",
                 ["/datasets?source_category=crawled"] * args.samples),
                ("registry, first page, filter consent=unknown",
                 ["/datasets?consent=unknown"] * args.samples),
                ("review queue", ["/queue"] * args.samples),
            ):
                first, high = latencies(client, paths)
                rows.append((label, f"p95 {high:.0f} ms (first {first:.0f} ms)"))
        desk = asyncio.run(load(base, headers, slugs, clients=args.clients,
                                seconds=args.seconds, max_requests=args.max_requests,
                                write_share=args.write_share, bare=False))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    logged = len(json.loads(tracker(db, "log", "--entity", "review", "--json"))) - reviews_before
    verify = subprocess.run([*TRACKER, "--db", db, "verify"], capture_output=True, text=True)
    (work / "bare.py").write_text(BARE_APP)
    bare_port = free_port()
    bare_proc = start([PY, "-m", "uvicorn", "bare:app", "--port", str(bare_port),
                       "--log-level", "warning"], f"http://127.0.0.1:{bare_port}/ping", work)
    try:
        bare = asyncio.run(load(f"http://127.0.0.1:{bare_port}", {}, slugs,
                                clients=args.clients, seconds=args.seconds,
                                max_requests=args.max_requests, write_share=0, bare=True))
    finally:
        bare_proc.terminate()
        bare_proc.wait(timeout=60)
    rps, bare_rps = desk["requests"] / desk["seconds"], bare["requests"] / bare["seconds"]
    rows += [
        (f"{args.clients} clients, {desk['seconds']:.0f} s, {args.write_share:.0%} review "
         "writes",
         f"{desk['requests']:.0f} requests, {desk['errors']:.0f} errors, {rps:.1f} req/s; "
         f"{desk['reviews']:.0f} reviews accepted, {desk['refused']:.0f} refused as stale"),
        ("accepted reviews in the audit log",
         f"{logged} of {desk['reviews']:.0f} "
         f"({'none lost' if logged == desk['reviews'] else 'LOST'})"),
        ("`tracker verify` afterwards", "passes" if verify.returncode == 0 else
         f"FAILS: {verify.stderr.strip()}"),
        ("bare FastAPI endpoint, same clients", f"{bare_rps:.0f} req/s; the desk does "
                                                f"{rps / bare_rps:.4f}x of that"),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--db", default=None, help="Use this registry instead of building one.")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="An admin URL: the registry is a fresh database on that server.")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--write-share", type=float, default=0.10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracker-web-bench-") as folder:
        try:
            rows = run(args, Path(folder))
        finally:
            if args.postgres and not args.db:
                postgres_database(args.postgres, create=False)
    backend = "PostgreSQL" if args.postgres or (args.db or "").startswith("postgres") \
        else "SQLite"
    print(f"### Review desk, {backend}\n")
    print("| measurement | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()

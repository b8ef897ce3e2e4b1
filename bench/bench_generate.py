"""Benchmark: generate and load the medium/large data sets into SQLite.

For each scale and run: a fresh migrated database in a temporary directory, then
``core.datagen.generate``; prints rows/s and peak resident memory per table set, and the
sales-line rate against a baseline measured in the same run: raw ``sqlite3``
``executemany`` of the same lines as pre-built tuples into the same schema (same
indexes, same pragmas as the loader), i.e. the cost of SQLite alone.

    .venv/bin/python bench/bench_generate.py --scale medium --runs 1
    .venv/bin/python bench/bench_generate.py --scale medium --scale large

Output goes to stdout and to --out (default /tmp/salesdesk-bench-generate.txt).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.datagen import generate  # noqa: E402
from core.datagen.load import COMMIT_EVERY, SQLITE_CACHE_KIB  # noqa: E402
from core.datagen.sales import SALES_COLUMNS, chunk_tuples, sales_chunks  # noqa: E402
from core.datagen.scales import get_scale  # noqa: E402
from core.datagen.world import build_world  # noqa: E402
from core.runtime import open_runtime  # noqa: E402

REFERENCE = dt.date(2026, 11, 30)
TABLE_SETS = {
    "master": ("region", "channel", "product", "sd_user", "customer", "contact"),
    "pipeline": ("opportunity", "stage_change", "activity", "sales_target"),
    "sales_line": ("sales_line",),
}


class RssSampler:
    """Peak resident memory per phase, sampled from /proc every 10 ms."""

    def __init__(self) -> None:
        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            rss = self.rss()
            if rss > self.peaks.get(self.phase, 0):
                self.peaks[self.phase] = rss

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def set_of(table: str) -> str:
    return next((name for name, tables in TABLE_SETS.items() if table in tables), table)


def run_generate(scale: str, seed: int, folder: Path) -> dict:
    path = folder / f"gen-{scale}.db"
    runtime = open_runtime(f"sqlite:///{path}", load_plugins=False)
    runtime.upgrade()
    with RssSampler() as sampler:

        def progress(table: str, _done: int, _expected: int) -> None:
            sampler.phase = set_of(table)

        started = time.perf_counter()
        result = generate(runtime.db, scale, seed, reference=REFERENCE, progress=progress)
        sampler.phase = "summaries"
        total = time.perf_counter() - started
    runtime.db.dispose()
    sets = {}
    for name, tables in TABLE_SETS.items():
        rows = sum(result.counts.get(t, 0) for t in tables)
        seconds = sum(result.seconds.get(t, 0.0) for t in tables)
        sets[name] = {"rows": rows, "seconds": seconds, "peak": sampler.peaks.get(name, 0)}
    sets["summaries"] = {
        "rows": 0,
        "seconds": result.seconds.get("summaries", 0.0),
        "peak": sampler.peaks.get("summaries", 0),
    }
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "total": total,
        "sets": sets,
        "refreshed": result.summaries_refreshed,
        "cents": result.sales_cents,
    }


def run_baseline(scale: str, seed: int, folder: Path) -> float:
    """Raw sqlite3 executemany of the same lines, same schema and pragmas; rows/s.

    The tuples of each chunk are built before its clock starts (building all 5,000,000
    up front would not fit in memory), so only SQLite's own work is timed.
    """
    path = folder / f"base-{scale}.db"
    runtime = open_runtime(f"sqlite:///{path}", load_plugins=False)
    runtime.upgrade()
    runtime.db.dispose()
    world = build_world(get_scale(scale), seed, REFERENCE)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode = WAL",
        "synchronous = NORMAL",
        "foreign_keys = OFF",
        f"cache_size = -{SQLITE_CACHE_KIB}",
    ):
        conn.execute(f"PRAGMA {pragma}")
    sql = (
        f"INSERT INTO sales_line ({', '.join(SALES_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(SALES_COLUMNS))})"
    )
    seconds = 0.0
    done = pending = 0
    conn.execute("BEGIN IMMEDIATE")
    for chunk in sales_chunks(world):
        rows = chunk_tuples(world, chunk, sqlite=True)
        started = time.perf_counter()
        conn.executemany(sql, rows)
        done += len(rows)
        pending += len(rows)
        if pending >= COMMIT_EVERY:
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            pending = 0
        seconds += time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("COMMIT")
    seconds += time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=("small", "medium", "large"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/salesdesk-bench-generate.txt"))
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    say(
        f"bench_generate {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, SQLite "
        f"{sqlite3.sqlite_version}, Python {sys.version.split()[0]}, runs={args.runs}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="sd-bench-gen-", dir="/tmp") as tmp:
        for scale in args.scale or ["medium"]:
            runs = [run_generate(scale, args.seed, Path(tmp)) for _ in range(args.runs)]
            baseline = statistics.median(
                run_baseline(scale, args.seed, Path(tmp)) for _ in range(args.runs)
            )
            say(
                f"\n== {scale} (median of {args.runs}; total "
                f"{statistics.median(r['total'] for r in runs):.1f} s, summaries refreshed: "
                f"{runs[0]['refreshed']})"
            )
            say(f"{'table set':<12} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9}")
            for name in (*TABLE_SETS, "summaries"):
                rows = runs[0]["sets"][name]["rows"]
                secs = statistics.median(r["sets"][name]["seconds"] for r in runs)
                peak = max(r["sets"][name]["peak"] for r in runs) / 2**20
                rate = f"{rows / secs:>10,.0f}" if rows and secs else f"{'-':>10}"
                say(f"{name:<12} {rows:>10,} {secs:>8.2f} {rate} {peak:>9.0f}")
            sales = statistics.median(
                r["sets"]["sales_line"]["rows"] / r["sets"]["sales_line"]["seconds"] for r in runs
            )
            say(
                f"baseline: raw sqlite3 executemany of the same pre-built tuples "
                f"{baseline:,.0f} rows/s;"
                f" generator+loader {sales:,.0f} rows/s = {sales / baseline:.2f}x baseline"
            )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()

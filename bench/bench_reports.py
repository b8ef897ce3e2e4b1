"""Benchmark: Q1-Q3 of docs/performance.md as salesdesk reports vs DuckDB in-memory.

    .venv/bin/python bench/bench_reports.py [--scale large|medium|small] [--runs 3]
        [--seed 1] [--pg-url postgresql://postgres@127.0.0.1/postgres] [--no-pg]

The data set is generated once with ``core.datagen.generate`` into a SQLite file under
/tmp (reused by later runs), copied into a PostgreSQL database of its own with COPY
(reused while its line count matches), and loaded into DuckDB in-memory tables (not
timed). Each query then runs ``--runs`` times per engine; the medians and the ratio of
each salesdesk engine to DuckDB are printed (goal: within 5x, docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(tempfile.gettempdir()) / "sd_reports_bench"
REFERENCE = dt.date(2026, 6, 15)  # "today" of the generated data: sales end on it
ADMIN = "bench_admin"
# Bumped when ``core.datagen`` makes different data for the same scale and seed, so a
# cached file from an older generator is never reused (2: key accounts booked at the
# areas and the country, so every product x region cut has sales).
DATA_VERSION = 2
GOAL = 5.0


# -- data ----------------------------------------------------------------------------------


def ensure_sqlite(scale: str, seed: int) -> Path:
    """The generated SQLite file for (scale, seed), generating it on first use."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{scale}_s{seed}_{REFERENCE:%Y%m%d}_v{DATA_VERSION}.db"
    done = path.with_suffix(".ok")
    if path.exists() and done.exists():
        return path
    from core.datagen import generate
    from core.runtime import open_runtime
    from core.services.bootstrap import create_first_admin

    for stale in (path, done, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    print(f"generating {scale} (seed {seed}) into {path} ...", flush=True)
    started = time.perf_counter()
    runtime = open_runtime(f"sqlite:///{path}")
    runtime.upgrade()
    admin = create_first_admin(runtime, ADMIN, "Benchmark admin")
    result = generate(
        runtime.db, scale, seed, reference=REFERENCE, actor_login=ADMIN, actor_id=admin.id
    )
    runtime.db.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")
    print(
        f"generated {result.counts.get('sales_line', 0):,} sales lines in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    done.write_text("ok\n")
    return path


def ensure_postgres(sqlite_path: Path, server_url: str) -> str:
    """A PostgreSQL copy of the SQLite data set (made with COPY, reused when complete)."""
    import psycopg
    import sqlalchemy as sa

    name = "sd_reports_bench_" + sqlite_path.stem.lower()
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with sqlite3.connect(sqlite_path) as src:
        lines = src.execute("SELECT count(*) FROM sales_line").fetchone()[0]
    with psycopg.connect(server_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            try:
                with psycopg.connect(_libpq(url)) as conn:
                    if conn.execute("SELECT count(*) FROM sales_line").fetchone()[0] == lines:
                        return url
            except psycopg.Error:
                pass
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"copying the data set into PostgreSQL database {name} ...", flush=True)
    started = time.perf_counter()
    from core.runtime import open_runtime

    runtime = open_runtime(url)
    runtime.upgrade()
    runtime.db.dispose()
    _copy_tables(sqlite_path, url)
    print(f"copied in {time.perf_counter() - started:.0f} s", flush=True)
    return url


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _copy_tables(sqlite_path: Path, url: str) -> None:
    import psycopg
    from sqlmodel import SQLModel

    import core.models  # noqa: F401  (registers every core table)

    src = sqlite3.connect(sqlite_path)
    present = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    with psycopg.connect(_libpq(url)) as dst:
        # The rows come from a consistent database: skip foreign-key triggers (5M queued
        # checks at the end of a COPY take longer than the COPY).
        dst.execute("SET session_replication_role = replica")
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in present:
                continue
            names = [c.name for c in table.columns]
            cols = ", ".join(f'"{n}"' for n in names)
            with dst.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {cols} FROM "{table.name}"'):
                    copy.write_row(row)
            if "id" in names:
                dst.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'coalesce(max(id), 0) + 1, false) FROM "{table.name}"'
                )
        dst.commit()
        dst.autocommit = True
        dst.execute("VACUUM ANALYZE")
    src.close()


def load_duckdb(sqlite_path: Path) -> Any:
    """An in-memory DuckDB holding the tables the queries read (loaded via CSV)."""
    import duckdb

    con = duckdb.connect()
    tables = {
        "sales_line": "id, date, customer_id, product_id, rep_id, region_id, quantity, amount",
        "sales_target": "month, dimension, key_id, amount",
        "customer": "id, code, name, region_id",
        "product": "id, code, name",
        "region": "id, code, name",
        "sd_user": "id, login, display_name",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for table, cols in tables.items():
            csv = Path(tmp) / f"{table}.csv"
            subprocess.run(
                ["sqlite3", "-csv", "-header", str(sqlite_path), f"SELECT {cols} FROM {table}"],
                stdout=csv.open("w"),
                check=True,
            )
            con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv_auto('{csv}', header=true)"
            )
    con.execute("ALTER TABLE sales_line ALTER amount TYPE DECIMAL(16,2)")
    con.execute("ALTER TABLE sales_line ALTER date TYPE DATE")
    con.execute("ALTER TABLE sales_target ALTER month TYPE DATE")
    return con


# -- DuckDB versions of Q1-Q3 ----------------------------------------------------------------


def duck_q1(con: Any, day: dt.date) -> list[tuple]:
    from plugins.sales_reports.reports.benchmark import period_ranges

    p = period_ranges(day)
    sums = ", ".join(
        f"sum(amount) FILTER (WHERE date BETWEEN DATE '{a}' AND DATE '{b}') AS {name}"
        for name, (a, b) in p.items()
    )
    targets = ", ".join(
        f"sum(amount) FILTER (WHERE month >= DATE '{p[name][0]:%Y-%m-01}') AS {name}_t"
        for name in ("mtd", "qtd", "ytd")
    )
    return con.execute(f"""
        WITH a AS (SELECT rep_id, {sums} FROM sales_line
                   WHERE date BETWEEN DATE '{p["ytd_ly"][0]}' AND DATE '{day}' GROUP BY rep_id),
             t AS (SELECT key_id AS rep_id, {targets} FROM sales_target
                   WHERE dimension = 'rep' AND month BETWEEN DATE '{p["ytd"][0]}'
                   AND DATE '{day:%Y-%m-01}' GROUP BY key_id)
        SELECT u.login, u.display_name, a.*, t.*, a.mtd / t.mtd_t, a.qtd / t.qtd_t,
               a.ytd / t.ytd_t
        FROM a FULL JOIN t USING (rep_id) LEFT JOIN sd_user u ON u.id = rep_id
        ORDER BY u.login""").fetchall()


def duck_q2(con: Any, day: dt.date, months: int = 36) -> list[tuple]:
    from core.summaries import add_months, month_start

    first = add_months(month_start(day), 1 - months)
    # The bare aggregate fetched by id (names are cheap lookups): the stricter baseline.
    return con.execute(f"""
        SELECT date_trunc('month', date) AS month, product_id, region_id, count(*),
               sum(quantity), sum(amount)
        FROM sales_line WHERE date BETWEEN DATE '{first}' AND DATE '{day}'
        GROUP BY ALL ORDER BY 1, 2, 3""").fetchall()


def duck_q3(con: Any, day: dt.date, top: int = 20) -> list[tuple]:
    from core.periods import clamp

    ly = clamp(day.year - 1, day.month, day.day)  # 29 February falls back to the 28th
    return con.execute(f"""
        WITH y AS (SELECT customer_id, sum(amount) AS ytd FROM sales_line
                   WHERE date BETWEEN DATE '{day.year}-01-01' AND DATE '{day}'
                   GROUP BY customer_id ORDER BY ytd DESC, customer_id LIMIT {top}),
             l AS (SELECT customer_id, sum(amount) AS ly FROM sales_line
                   WHERE customer_id IN (SELECT customer_id FROM y)
                   AND date BETWEEN DATE '{ly.year}-01-01' AND DATE '{ly}'
                   GROUP BY customer_id)
        SELECT c.code, c.name, y.ytd, l.ly, (y.ytd - l.ly) / l.ly
        FROM y JOIN customer c ON c.id = y.customer_id LEFT JOIN l USING (customer_id)
        ORDER BY y.ytd DESC, y.customer_id""").fetchall()


# -- timing --------------------------------------------------------------------------------------


def median_time(func: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], func()  # warm-up run, not timed
    for _ in range(runs):
        started = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


QUERIES = (
    ("Q1", "rep_periods", {}),
    ("Q2", "product_region_months", {}),
    ("Q3", "top_customers", {}),
)


def salesdesk_times(url: str, runs: int, day: dt.date) -> dict[str, tuple[float, Any]]:
    from core.reports import run_report
    from core.runtime import open_runtime

    runtime = open_runtime(url)
    ctx = runtime.context_for(ADMIN)
    out = {}
    for label, report_id, extra in QUERIES:
        params = {"as_of": str(day), **extra}

        def once(report_id: str = report_id, params: dict = params) -> Any:
            result = run_report(ctx, report_id, params)
            for table in result.tables:
                table.materialize()  # consume the rows: a report is read to the end
            return result

        out[label] = median_time(once, runs)
    runtime.db.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true", help="Skip PostgreSQL.")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="Generate (and copy) the data set, time nothing.",
    )
    args = parser.parse_args()
    path = ensure_sqlite(args.scale, args.seed)
    pg_url = None if args.no_pg else ensure_postgres(path, args.pg_url)
    if args.prepare_only:
        return
    day = REFERENCE
    con = load_duckdb(path)
    duck = {
        "Q1": median_time(lambda: duck_q1(con, day), args.runs),
        "Q2": median_time(lambda: duck_q2(con, day), args.runs),
        "Q3": median_time(lambda: duck_q3(con, day), args.runs),
    }
    engines = {"SQLite": salesdesk_times(f"sqlite:///{path}", args.runs, day)}
    if pg_url:
        engines["PostgreSQL"] = salesdesk_times(pg_url, args.runs, day)
    with sqlite3.connect(path) as conn:
        lines = conn.execute("SELECT count(*) FROM sales_line").fetchone()[0]
    print(
        f"\nQ1-Q3 on '{args.scale}' ({lines:,} sales lines), as of {day}, "
        f"median of {args.runs} runs (seconds)"
    )
    print(f"{'engine':<22}{'Q1':>10}{'Q2':>10}{'Q3':>10}")
    print(f"{'DuckDB in-memory':<22}" + "".join(f"{duck[q][0]:>10.3f}" for q in duck))
    failed = False
    for name, times in engines.items():
        print(f"{'salesdesk ' + name:<22}" + "".join(f"{times[q][0]:>10.3f}" for q in duck))
        ratios = {q: times[q][0] / max(duck[q][0], 1e-9) for q in duck}
        failed |= any(r > GOAL for r in ratios.values())
        print(f"{'  ratio to DuckDB':<22}" + "".join(f"{ratios[q]:>9.1f}x" for q in duck))
    _check_same(engines, duck)
    print(f"goal: each within {GOAL:.0f}x of DuckDB: {'NOT MET' if failed else 'met'}")


def _check_same(engines: dict[str, dict[str, tuple[float, Any]]], duck: dict) -> None:
    """The engines must agree on the figures, or the timings mean nothing."""
    for name, times in engines.items():
        q1 = times["Q1"][1].tables[0].totals
        q1_duck = sum((r[5] or 0) for r in duck["Q1"][1])  # the ytd column
        q2 = times["Q2"][1].tables[0].totals[-1]
        q2_duck = sum(r[5] for r in duck["Q2"][1])
        q3 = [r[1] for r in times["Q3"][1].tables[0].rows]
        q3_duck = [r[0] for r in duck["Q3"][1]]
        ok = (
            abs(float(q1[12]) - float(q1_duck)) < 0.01
            and abs(float(q2) - float(q2_duck)) < 0.01
            and q3 == q3_duck
        )
        print(
            f"{name}: figures {'agree with' if ok else 'DIFFER from'} DuckDB "
            f"(Q1 YTD {q1[12]} vs {q1_duck}, Q2 {q2} vs {q2_duck})"
        )


if __name__ == "__main__":
    main()

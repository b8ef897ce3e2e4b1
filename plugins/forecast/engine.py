"""Forecast many series at once, in worker processes, and reconcile the cut.

Pure computation (no database): ``forecast_many`` takes arrays by series key and returns
a :class:`SeriesResult` per key. Series are sent to a ``ProcessPoolExecutor`` in chunks
(one pickling round trip per chunk, not per series); ``progress(done, total)`` is called
as chunks finish; if it raises, the chunks not yet started are dropped and the error
propagates (how a run is cancelled). ``reconcile`` makes the cut's forecasts add up to
the company forecast.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

import numpy as np

from plugins.forecast.calendar import CALENDAR_NAMES, monthly_features
from plugins.forecast.methods import Forecast
from plugins.forecast.select import DEFAULT_CANDIDATES, Choice, auto_forecast, short_series

Progress = Callable[[int, int], None]
CHUNK = 40
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_METHODS: dict[str, Any] = {}


@dataclass
class SeriesResult:
    key: Any
    choice: Choice


@dataclass(frozen=True)
class Job:
    method: str  # a method id or "auto"
    horizon: int
    season: int
    level: float = 0.8
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    unit: str = "months"
    # The first month of every series: set, the holiday adjustment is tried (monthly only).
    first: dt.date | None = None


@lru_cache(maxsize=8)
def _calendar(first: dt.date, count: int) -> np.ndarray:
    return monthly_features(first, count)


def _features(y: np.ndarray, job: Job, extra: Any) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """The holiday calendar (when the job asks) and the outside drivers' columns."""
    cols, names = [], []
    if job.first is not None and job.season == 12:
        cols.append(_calendar(job.first, len(y) + job.horizon))
        names += CALENDAR_NAMES
    if extra is not None:
        cols.append(extra[0])
        names += extra[1]
    return (np.column_stack(cols) if cols else None), tuple(names)


def forecast_one(y: Any, job: Job, methods: dict[str, Any]) -> Choice:
    """One series; ``y`` may be ``(history, drivers)`` where drivers cover the horizon
    (for methods that take drivers), or ``(history, drivers, (columns, names))`` adding
    outside drivers the automatic choice may adjust for."""
    drivers = extra = None
    if isinstance(y, tuple):
        y, drivers, *rest = y
        extra = rest[0] if rest else None
    calendar, names = _features(y, job, extra)
    if job.method == "auto":
        return auto_forecast(
            y,
            job.horizon,
            methods,
            season=job.season,
            level=job.level,
            candidates=job.candidates,
            unit=job.unit,
            drivers=drivers,
            calendar=calendar,
            feature_names=names,
        )
    method = methods[job.method]
    if len(y) < int(getattr(method, "min_history", 1)):
        return short_series(y, job.horizon, methods, job.season, job.level, job.unit)
    return auto_forecast(
        y,
        job.horizon,
        methods,
        season=job.season,
        level=job.level,
        unit=job.unit,
        force=job.method,
        drivers=drivers,
        calendar=calendar,
        feature_names=names,
    )


def _init_worker(methods: list[Any]) -> None:
    _METHODS.clear()
    _METHODS.update({m.id: m for m in methods})
    if any(not getattr(m, "fast", False) for m in methods):
        # Import statsmodels now, while the parent still reads the history (a worker
        # spends a second or two of a core on it: docs/performance.md, "Forecasting `large`").
        import statsmodels.tsa.holtwinters  # noqa: F401


def _ready() -> bool:
    return True


def start_pool(methods: Sequence[Any], processes: int | None = None) -> ProcessPoolExecutor | None:
    """Worker processes started (and their imports under way) before the series are
    known, so the start overlaps reading the history; hand it to ``forecast_many`` and
    shut it down after. None for one process."""
    processes = processes or min(os.cpu_count() or 1, 8)
    if processes <= 1:
        return None
    with single_threaded_blas():
        pool = ProcessPoolExecutor(
            processes,
            mp_context=get_context("spawn"),
            initializer=_init_worker,
            initargs=(list(methods),),
        )
        for _ in range(processes):
            pool.submit(_ready)  # spawns the workers now, with one BLAS thread each
    return pool


def _run_chunk(items: list[tuple[Any, np.ndarray]], job: Job) -> list[SeriesResult]:
    return [SeriesResult(key, forecast_one(y, job, _METHODS)) for key, y in items]


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Workers inherit the environment when spawned: one BLAS thread each, or N workers x
    N BLAS threads fight over the cores (statsmodels' many small matrix products slow
    down several-fold)."""
    saved = {k: os.environ.get(k) for k in BLAS_THREADS}
    os.environ.update(dict.fromkeys(BLAS_THREADS, "1"))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def in_workers(total: int, job: Job, methods: Sequence[Any], processes: int | None) -> bool:
    """Whether ``forecast_many`` sends these series to worker processes."""
    processes = processes or min(os.cpu_count() or 1, 8)
    by_id = {m.id: m for m in methods}
    ids = job.candidates if job.method == "auto" else (job.method,)
    heavy = any(not getattr(by_id.get(i), "fast", False) for i in ids)
    return not (processes <= 1 or total <= 1 or (total <= CHUNK and not heavy))


def forecast_many(
    series: dict[Any, np.ndarray],
    job: Job,
    methods: Sequence[Any],
    *,
    processes: int | None = None,
    progress: Progress | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[Any, SeriesResult]:
    """Forecast every series; ``processes=1`` stays in this process (tests, tiny cuts).
    ``pool``: workers from ``start_pool`` (for ``methods``) to use instead of starting
    new ones; the caller shuts it down."""
    items = list(series.items())
    total = len(items)
    processes = processes or min(os.cpu_count() or 1, 8)
    by_id = {m.id: m for m in methods}
    if not in_workers(total, job, methods, processes):
        out = {}
        for done, (key, y) in enumerate(items, start=1):
            out[key] = SeriesResult(key, forecast_one(y, job, by_id))
            if progress:
                progress(done, total)
        return out
    # Several chunks per worker so the slow series of one chunk do not idle the others.
    size = max(1, min(CHUNK, -(-total // (processes * 4))))
    chunks = [items[i : i + size] for i in range(0, total, size)]
    out, done = {}, 0
    with ExitStack() as stack:
        if pool is None:
            stack.enter_context(single_threaded_blas())
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    processes,
                    mp_context=get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(list(methods),),
                )
            )
        futures = [pool.submit(_run_chunk, chunk, job) for chunk in chunks]
        try:
            for future in as_completed(futures):
                for result in future.result():
                    out[result.key] = result
                done += len(out) - done
                if progress:
                    progress(done, total)  # may raise to stop the run (a cancel)
        except BaseException:
            # Leaving the pool waits for its work: drop the chunks not started yet,
            # so a cancel or an error stops after the running ones, not all of them.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return {key: out[key] for key, _ in items}


def reconcile(company: Forecast, parts: dict[Any, Forecast], how: str) -> dict[Any, Forecast]:
    """Make the parts add up to the company total, per period.

    ``bottom_up``: the company forecast becomes the sum of the parts (returned under the
    key ``None``). ``top_down``: the company forecast stands and each part is scaled by
    its share of the parts' sum in that period (equal shares where the sum is zero).
    """
    keys = list(parts)
    if not keys:
        return {None: company}
    stack = np.array([parts[k].mean for k in keys])
    if how == "bottom_up":
        mean = stack.sum(axis=0)
        half_sq = np.array([(parts[k].upper - parts[k].lower) / 2 for k in keys]) ** 2
        half = np.sqrt(half_sq.sum(axis=0))  # independent errors add in quadrature
        out = dict(parts)
        out[None] = Forecast(mean, mean - half, mean + half, "bottom_up", company.level)
        return out
    clipped = np.clip(stack, 0, None)
    sums = clipped.sum(axis=0)
    share = np.where(sums > 0, clipped / np.where(sums > 0, sums, 1), 1 / len(keys))
    out = {None: company}
    for i, k in enumerate(keys):
        f = parts[k]
        scale = np.divide(
            share[i] * company.mean, f.mean, out=np.ones(len(f.mean)), where=f.mean != 0
        )
        mean = share[i] * company.mean
        out[k] = Forecast(mean, f.lower * scale, f.upper * scale, f.method, f.level)
    return out

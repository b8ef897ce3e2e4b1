"""Run forecasts for a cut and store them in the plugin's tables."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa

from core.access import require
from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, SalesdeskError, ValidationFailed
from core.i18n import current_lang, listed, translator
from core.services.base import UnitOfWork, write
from plugins.forecast.engine import (
    Job,
    Progress,
    SeriesResult,
    forecast_many,
    in_workers,
    reconcile,
    start_pool,
)
from plugins.forecast.methods import Forecast, shape_problems, z_value
from plugins.forecast.models import ForecastRun, ForecastSeries, ForecastValue
from plugins.forecast.select import DEFAULT_CANDIDATES, in_each_language, stored_explanation
from plugins.forecast.services.drivers import add_price_drivers
from plugins.forecast.services.drivers import collect as collect_drivers
from plugins.forecast.services.history import History, load_history, parse_cut, step

_ = translator(__file__)  # this plugin's words first

HOOK = "salesdesk_forecasting_methods"
RECONCILE_KEY = "forecast.reconcile"
CANDIDATES_KEY = "forecast.auto_candidates"  # method ids the automatic choice backtests
HOLIDAYS_KEY = "forecast.holidays"  # try the Spring Festival / working-day adjustment
RECONCILE = ("bottom_up", "top_down")
RUN_PERMISSIONS = ("forecast.run", "target.manage")
UNITS = {"month": "months", "week": "weeks"}


def method_registry(ctx_or_plugins: Any) -> dict[str, Any]:
    """Every valid forecasting method of the enabled plugins, by id."""
    plugins = getattr(ctx_or_plugins, "plugins", ctx_or_plugins)
    return plugins.keyed_contributions(HOOK, "forecasting method", shape_problems)


def require_any(ctx: Context, permissions: tuple[str, ...]) -> None:
    """Refuse unless the actor holds one of ``permissions`` (the first one is named)."""
    if not any(ctx.grant.has(name) for name in permissions):
        require(ctx, permissions[0])


class ForecastCancelled(SalesdeskError):
    """The run was cancelled before it was stored: nothing was written."""

    def __init__(self) -> None:
        super().__init__(_("forecast cancelled; nothing was stored"))


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ForecastCancelled()


def _ticker(cancel: threading.Event | None, progress: Progress | None) -> Progress:
    """The engine's progress callback, which also stops the run between series (or
    chunks) once ``cancel`` is set: the engine knows nothing of cancelling."""

    def tick(done: int, total: int) -> None:
        _check_cancel(cancel)
        if progress is not None:
            progress(done, total)

    return tick


@dataclass
class RunSummary:
    run_id: int
    series: int
    seconds: float
    methods: dict[str, int]
    short: int


def run_forecast(
    ctx: Context,
    by: str = "company",
    *,
    horizon: int = 12,
    method: str = "auto",
    freq: str = "month",
    processes: int | None = None,
    progress: Progress | None = None,
    reconcile_how: str | None = None,
    level: float = 0.8,
    cancel: threading.Event | None = None,
) -> RunSummary:
    """Forecast the company and every series of the cut; store the run; return a summary.

    Once ``cancel`` is set the run stops at the next series (or chunk of series) and
    raises :class:`ForecastCancelled`; a run is stored only if it was not set before the
    store began."""
    started = time.perf_counter()
    require_any(ctx, RUN_PERMISSIONS)
    _check_cancel(cancel)
    cut = parse_cut(by)
    methods = method_registry(ctx)
    _check_args(method, methods, horizon, level)
    how = reconcile_how or _setting(ctx, RECONCILE_KEY, "bottom_up")
    if how not in RECONCILE:
        raise ValidationFailed(
            [FieldProblem("reconcile", how, "bottom-up or top-down")], "forecast"
        )
    history = load_history(ctx, cut, freq)
    if not history.periods:
        raise ValidationFailed([FieldProblem("history", "", "sales lines you may see")], "forecast")
    holidays = freq == "month" and bool(_setting(ctx, HOLIDAYS_KEY, True))
    job = Job(
        method,
        horizon,
        history.season,
        level,
        unit=UNITS[freq],
        candidates=tuple(_setting(ctx, CANDIDATES_KEY, DEFAULT_CANDIDATES)),
        first=history.periods[0] if holidays else None,
    )
    series: dict[Any, Any] = dict(history.series) if cut else {}
    series[None] = history.company()
    # The workers start before the drivers are read, so their start overlaps it.
    workers = list(methods.values())
    pool = (
        start_pool(workers, processes) if in_workers(len(series), job, workers, processes) else None
    )
    try:
        results = _forecast(
            ctx, history, series, job, method, methods, processes, pool, cancel, progress
        )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    final = _reconciled(results, how)
    seconds = time.perf_counter() - started
    run_id = _store(ctx, history, job, how, results, final, seconds, cancel)
    used: dict[str, int] = {}
    for r in results.values():
        used[r.choice.method] = used.get(r.choice.method, 0) + 1
    return RunSummary(
        run_id, len(results), seconds, used, sum(r.choice.short for r in results.values())
    )


def _forecast(
    ctx: Context,
    history: History,
    series: dict[Any, Any],
    job: Job,
    method: str,
    methods: dict[str, Any],
    processes: int | None,
    pool: Any,
    cancel: threading.Event | None,
    progress: Progress | None,
) -> dict[Any, SeriesResult]:
    horizon = job.horizon
    prices = _uses_drivers(method, job, methods)
    outside = collect_drivers(ctx, history, horizon)
    add_price_drivers(history, horizon, outside)
    if prices or outside:
        series = {
            k: (
                y,
                history.price_drivers(k, horizon) if prices else None,
                outside.get("" if k is None else history.codes.get(k, "")),
            )
            for k, y in series.items()
        }
    return forecast_many(
        series,
        job,
        list(methods.values()),
        processes=processes,
        progress=_ticker(cancel, progress),
        pool=pool,
    )


def _uses_drivers(method: str, job: Job, methods: dict[str, Any]) -> bool:
    ids = job.candidates if method == "auto" else (method,)
    return any(getattr(methods.get(i), "uses_drivers", False) for i in ids)


def _check_args(method: str, methods: dict[str, Any], horizon: int, level: float) -> None:
    problems = []
    if method != "auto" and method not in methods:
        problems.append(
            FieldProblem(
                "method",
                method,
                "auto or one of {methods}",
                args={"methods": listed(sorted(methods))},
            )
        )
    if not 1 <= horizon <= 120:
        problems.append(FieldProblem("horizon", horizon, "1 to 120 periods"))
    if not 0.5 <= level < 1:
        problems.append(FieldProblem("level", level, "a fraction from 0.5 to 0.99"))
    if problems:
        raise ValidationFailed(problems, "forecast")


def default_reconcile(ctx: Context) -> str:
    """How the cut adds up when the caller does not say (setting, else bottom-up)."""
    how = _setting(ctx, RECONCILE_KEY, "bottom_up")
    return how if how in RECONCILE else "bottom_up"


def _setting(ctx: Context, key: str, default: Any) -> Any:
    with ctx.reading() as session:
        return get_setting(session, key, default)


def _reconciled(results: dict[Any, SeriesResult], how: str) -> dict[Any, Forecast]:
    company = results[None].choice.forecast
    parts = {k: r.choice.forecast for k, r in results.items() if k is not None}
    return reconcile(company, parts, how)


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))) if np.isfinite(value) else Decimal(0)


def _store(
    ctx: Context,
    history: History,
    job: Job,
    how: str,
    results: dict[Any, SeriesResult],
    final: dict[Any, Forecast],
    seconds: float,
    cancel: threading.Event | None = None,
) -> int:
    def work(uow: UnitOfWork) -> int:
        require_any(ctx, RUN_PERMISSIONS)
        _check_cancel(cancel)  # the last chance: raising here rolls the transaction back
        run = ForecastRun(
            created_at=ctx.now(),
            created_by_id=ctx.actor.id,
            cut=",".join(history.cut) or "company",
            freq=history.freq,
            horizon=job.horizon,
            method=job.method,
            reconcile=how,
            level=job.level,
            series_count=len(results),
            history_start=history.periods[0],
            history_end=history.periods[-1],
            seconds=round(seconds, 3),
        )
        uow.session.add(run)
        uow.audit_created(run)
        uow.session.flush()
        # Every series in one statement and every value in another (one statement per
        # series cost more than the forecasts' own storing: docs/performance.md).
        keys = list(results)
        ids = uow.session.scalars(
            sa.insert(ForecastSeries).returning(ForecastSeries.id, sort_by_parameter_order=True),
            [_series_row(run.id, history, k, results[k], final[k]) for k in keys],
        ).all()
        values = [
            row
            for series_id, key in zip(ids, keys, strict=True)
            for row in _value_rows(series_id, history, key, final[key])
        ]
        uow.session.execute(sa.insert(ForecastValue), values)
        return int(run.id)

    return write(ctx, work)


def _series_row(
    run_id: int, history: History, key: Any, result: SeriesResult, forecast: Forecast
) -> dict[str, Any]:
    c = result.choice
    texts = dict(c.explanations) or {current_lang(): c.explanation}
    if forecast.method == "bottom_up":
        prefix = in_each_language(
            lambda: _(
                "The company forecast is the sum of the cut's forecasts "
                "(bottom-up), so the cut adds up to it."
            )
        )
        texts = {lang: f"{prefix[lang]} {text}" for lang, text in texts.items()}
    return {
        "run_id": run_id,
        "series_key": "" if key is None else history.codes.get(key, str(key)),
        "label": "" if key is None else history.labels.get(key, ""),
        "method": forecast.method if forecast.method == "bottom_up" else c.method,
        "smape": _clean(c.smape),
        "mase": _clean(c.mase),
        "naive_smape": _clean(c.naive_smape),
        "naive_mase": _clean(c.naive_mase),
        "short": c.short,
        "explanation": stored_explanation(texts, 2000),
    }


def _value_rows(
    series_id: int, history: History, key: Any, forecast: Forecast
) -> list[dict[str, Any]]:
    """The series' history and forecast periods, as rows of ``forecast_value``."""
    y = history.company() if key is None else history.series[key]
    values = [
        {
            "series_id": series_id,
            "period": p,
            "kind": "history",
            "amount": _money(v),
            "lower": None,
            "upper": None,
            "lower95": None,
            "upper95": None,
        }
        for p, v in zip(history.periods, y, strict=True)
    ]
    last = history.periods[-1]
    lower95, upper95 = outer_band(forecast)
    values += [
        {
            "series_id": series_id,
            "period": step(history.freq, last, i + 1),
            "kind": "forecast",
            "amount": _money(m),
            "lower": _money(lo),
            "upper": _money(hi),
            "lower95": _money(lo95),
            "upper95": _money(hi95),
        }
        for i, (m, lo, hi, lo95, hi95) in enumerate(
            zip(forecast.mean, forecast.lower, forecast.upper, lower95, upper95, strict=True)
        )
    ]
    return values


def outer_band(forecast: Forecast, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % bounds from the run's interval: every interval here is normal around the
    forecast (the calibration scales its width), so the wider one is the same shape."""
    half = (forecast.upper - forecast.lower) / 2 * z_value(level) / z_value(forecast.level)
    return forecast.mean - half, forecast.mean + half


def _clean(value: float | None) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None

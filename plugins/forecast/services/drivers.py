"""Outside drivers of a forecast from other plugins (``salesdesk_forecast_drivers``):
promotions and the like, by series, for the history and the horizon. The forecast plugin
knows nothing of where they come from (it never imports another plugin)."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.context import Context
from plugins.forecast.services.history import History, step

HOOK = "salesdesk_forecast_drivers"


def series_codes(history: History) -> dict[str, dict[str, str]]:
    """Each series' code and its code per dimension; ``""`` is the company."""
    out: dict[str, dict[str, str]] = {"": {}}
    for key in history.series:
        code = history.codes.get(key, "")
        out[code] = dict(zip(history.cut, code.split(" / "), strict=False))
    return out


Columns = tuple[np.ndarray, tuple[str, ...]]


def collect(ctx: Context, history: History, horizon: int) -> dict[str, Columns]:
    """Series code -> (one column per driver touching it, ``len(periods) + horizon``
    rows; the drivers' titles). A driver that is the same every month is left out: it
    cannot be told apart from the level."""
    if history.freq != "month" or not history.periods:
        return {}
    last = history.periods[-1]
    months = history.periods + [step("month", last, i + 1) for i in range(horizon)]
    rows = len(months)
    found: dict[str, list[tuple[str, np.ndarray]]] = {}
    for _plugin, driver in ctx.plugins.contributions(
        HOOK, ctx=ctx, cut=list(history.cut), months=months, series=series_codes(history)
    ):
        title, values = _shape(driver, rows)
        for code, column in values.items():
            if np.ptp(column[: len(history.periods)]) > 0:
                found.setdefault(code, []).append((title, column))
    return {
        code: (np.column_stack([c for _, c in cols]), tuple(t for t, _ in cols))
        for code, cols in found.items()
    }


def _shape(driver: Any, rows: int) -> tuple[str, dict[str, np.ndarray]]:
    title = str(driver.get("title") or driver.get("id") or "driver")
    values = {}
    for code, column in (driver.get("values") or {}).items():
        arr = np.asarray(column, dtype=float).ravel()
        if len(arr) == rows and np.all(np.isfinite(arr)):
            values[str(code)] = arr
    return title, values

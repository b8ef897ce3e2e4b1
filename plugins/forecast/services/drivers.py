"""Outside drivers of a forecast from other plugins (``salesdesk_forecast_drivers``):
promotions and the like, by series, for the history and the horizon. The forecast plugin
knows nothing of where they come from (it never imports another plugin)."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.context import Context
from plugins.forecast.holiday import PRICE_DRIVER
from plugins.forecast.services.history import History, step

HOOK = "salesdesk_forecast_drivers"
# A series' price is offered as a driver only when some month's average price stood this
# far (in logs, about 5 %) from its usual level: the discounts of ordinary selling move
# a monthly average price by a percent or two, which is noise, not a price change.
PRICE_MIN_CHANGE = 0.05
PRICE_MIN_MONTHS = 24  # months with a quantity sold, to know a usual price at all


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


def price_driver(amount: np.ndarray, quantity: np.ndarray, horizon: int) -> np.ndarray | None:
    """The price driver's column for one series (``len(amount) + horizon`` rows): the
    log of each month's average price (sales over quantity) over its usual level (the
    median of the 13 months around it), months without a quantity filled from their
    neighbours. The horizon is 0: prices are planned outside salesdesk, so the forecast
    assumes the usual price. None when the price never moved by ``PRICE_MIN_CHANGE``."""
    amount, quantity = np.asarray(amount, float), np.asarray(quantity, float)
    sold = (quantity > 0) & (amount > 0)
    if int(sold.sum()) < PRICE_MIN_MONTHS or np.ptp(quantity[sold]) == 0:
        return None  # a quantity that never moves says nothing about price
    known = np.flatnonzero(sold)
    logp = np.interp(np.arange(len(amount)), known, np.log(amount[known] / quantity[known]))
    column = logp - _usual(logp)
    if np.max(np.abs(column)) < PRICE_MIN_CHANGE:
        return None
    return np.concatenate([column, np.zeros(horizon)])


def add_price_drivers(history: History, horizon: int, found: dict[str, Columns]) -> None:
    """Add each series' own price changes to ``found`` (series code -> columns), for a
    cut by product only: elsewhere a month's average price mixes products, and moves
    with what was sold rather than with a price."""
    if "product" not in history.cut or history.freq != "month":
        return
    for key, amount in history.series.items():
        quantity = history.quantity.get(key)
        column = None if quantity is None else price_driver(amount, quantity, horizon)
        if column is None:
            continue
        code = history.codes.get(key, "")
        if code in found:
            cols, names = found[code]
            if _entangled(column, cols, len(amount)):
                continue  # the month's price moved with a campaign: the campaign explains
            found[code] = (np.column_stack([cols, column]), (*names, PRICE_DRIVER))
        else:
            found[code] = (column[:, None], (PRICE_DRIVER,))


def _entangled(column: np.ndarray, others: np.ndarray, known: int) -> bool:
    """Whether the price column moves with one of the other drivers over the history
    (|correlation| over 0.9): the two could not be told apart."""
    x = column[:known]
    for other in np.asarray(others, float).reshape(len(column), -1).T:
        o = other[:known]
        if np.std(o) > 0 and np.std(x) > 0 and abs(np.corrcoef(x, o)[0, 1]) > 0.9:
            return True
    return False


def _usual(values: np.ndarray, half: int = 6) -> np.ndarray:
    """The median of the ``2 * half + 1`` values around each (fewer at the ends)."""
    n = len(values)
    out = np.empty(n)
    if n > 2 * half:
        windows = np.lib.stride_tricks.sliding_window_view(values, 2 * half + 1)
        out[half : n - half] = np.median(windows, axis=1)
    for i in [*range(min(half, n)), *range(max(half, n - half), n)]:
        out[i] = np.median(values[max(0, i - half) : i + half + 1])
    return out

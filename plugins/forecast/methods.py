"""Forecasting methods and their contract.

A method (contributed through ``salesdesk_forecasting_methods``) is any object with

* ``id``: short lower-case name (``"theta"``), unique across plugins;
* ``title``: English title shown to people;
* ``min_history``: the fewest observations it needs (fewer: the auto choice skips it);
* ``fit_predict(history, horizon, *, season=12, level=0.8, drivers=None) -> Forecast``.

``history`` is a 1-D float array (or a pandas Series, whose values are used) of equally
spaced observations, oldest first; ``season`` is the number of observations per year (12
monthly, 52 weekly, 1 for none). ``Forecast`` holds ``horizon`` point forecasts and the
lower/upper bounds of a ``level`` prediction interval. Methods are plain picklable objects
so forecasts can run in worker processes.

Fast methods (numpy only, on seasonally adjusted data, as the M3 Theta entry did) carry
``fast = True``; the automatic choice backtests those by default because every backtest
is several fits per series and 1,500 series must finish in a minute on 2 cores. The
statsmodels methods (Holt-Winters, SARIMA, Theta) are always available by name.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any, Protocol, runtime_checkable

import numpy as np

Array = np.ndarray


@dataclass
class Forecast:
    """Point forecasts and a prediction interval, each ``horizon`` long."""

    mean: Array
    lower: Array
    upper: Array
    method: str
    level: float = 0.8


@runtime_checkable
class ForecastingMethod(Protocol):
    id: str
    title: str
    min_history: int

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast: ...


def as_array(history: Any) -> Array:
    values = getattr(history, "to_numpy", None)
    arr = np.asarray(values() if callable(values) else history, dtype=float)
    return np.nan_to_num(arr.ravel(), nan=0.0)


def z_value(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def _finish(mean: Array, sd: Array, level: float, method: str) -> Forecast:
    mean = np.asarray(mean, dtype=float)
    half = z_value(level) * np.asarray(sd, dtype=float)
    return Forecast(mean, mean - half, mean + half, method, level)


# ---------------------------------------------------------------------------------------
# Seasonal adjustment (classical multiplicative decomposition, as the M3 Theta method)
# ---------------------------------------------------------------------------------------


def is_seasonal(y: Array, season: int) -> bool:
    """90 % test on the autocorrelation at the seasonal lag (Assimakopoulos & Nikolopoulos);
    two whole seasons are enough to try (sales histories are often only 2-3 years)."""
    n = len(y)
    if season <= 1 or n < 2 * season:
        return False
    x = y - y.mean()
    denom = float(x @ x)
    if denom == 0:
        return False
    acf = np.array([float(x[k:] @ x[:-k]) / denom for k in range(1, season + 1)])
    limit = 1.645 * math.sqrt((1 + 2 * float(acf[:-1] @ acf[:-1])) / n)
    return abs(acf[-1]) > limit


def seasonal_indices(y: Array, season: int) -> Array | None:
    """Multiplicative indices (one per position in the year, mean 1) or None when the
    series is not seasonal, too short or not positive."""
    if not is_seasonal(y, season) or y.min() <= 0:
        return None
    n = len(y)
    kernel = np.ones(season + 1) / season
    if season % 2 == 0:
        kernel[0] = kernel[-1] = 0.5 / season
    else:
        kernel = np.ones(season) / season
    trend = np.convolve(y, kernel, mode="valid")
    offset = (len(kernel) - 1) // 2
    ratios = y[offset : offset + len(trend)] / trend
    positions = (np.arange(len(trend)) + offset) % season
    idx = np.array([ratios[positions == p].mean() for p in range(season)])
    if not np.all(np.isfinite(idx)) or idx.min() <= 0:
        return None
    del n
    return idx / idx.mean()


class _Adjusted:
    """Seasonally adjust, forecast the adjusted series, put the season back."""

    def __init__(self, y: Array, season: int) -> None:
        self.season = season
        self.idx = seasonal_indices(y, season) if season > 1 else None
        self.n = len(y)
        self.adjusted = y / self.factors(0, self.n) if self.idx is not None else y

    def factors(self, start: int, count: int) -> Array:
        if self.idx is None:
            return np.ones(count)
        return self.idx[(np.arange(start, start + count)) % self.season]

    def restore(self, values: Array) -> Array:
        return values * self.factors(self.n, len(values))


# ---------------------------------------------------------------------------------------
# Simple methods
# ---------------------------------------------------------------------------------------


class SeasonalNaive:
    """Each future period repeats the same period of the last year (naive when no season
    fits in the history)."""

    id = "snaive"
    title = "Seasonal naive"
    min_history = 1
    fast = True

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        m = season if season > 1 and len(y) >= season else 1
        steps = np.arange(horizon)
        mean = y[len(y) - m + steps % m]
        resid = y[m:] - y[:-m] if len(y) > m else np.zeros(1)
        sd = _rms(resid) * np.sqrt(steps // m + 1)
        return _finish(mean, sd, level, self.id)


class MovingAverage:
    """The mean of the last ``window`` observations (a year by default), held flat."""

    id = "moving_average"
    title = "Moving average"
    min_history = 1
    fast = True

    def __init__(self, window: int | None = None) -> None:
        self.window = window

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        w = max(1, min(len(y), self.window or max(season, 3)))
        mean = np.full(horizon, y[-w:].mean())
        if len(y) > w:
            windows = np.lib.stride_tricks.sliding_window_view(y[:-1], w).mean(axis=1)
            resid = y[w:] - windows
        else:
            resid = y - y.mean()
        sd = np.full(horizon, _rms(resid) * math.sqrt(1 + 1 / w))
        return _finish(mean, sd, level, self.id)


def _rms(values: Array) -> float:
    values = values[np.isfinite(values)]
    return float(np.sqrt(np.mean(values**2))) if len(values) else 0.0


# ---------------------------------------------------------------------------------------
# Exponential smoothing, fast: every parameter on a grid at once (vectorised in numpy)
# ---------------------------------------------------------------------------------------

_ALPHAS = np.array([0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95])
_BETAS = np.array([0.005, 0.02, 0.05, 0.1, 0.2])
_PHIS = np.array([0.85, 0.9, 0.94, 0.97, 0.99])


def _holt_grid(y: Array, alpha: Array, beta: Array, phi: Array) -> tuple[Array, Array, Array]:
    """Run damped Holt for every (alpha, beta, phi) on the grid; return the final levels,
    trends and the sum of squared one-step errors per grid point. The start is a line
    fitted to the first observations (a single first point makes a noisy start)."""
    k = min(len(y), 10)
    slope, intercept = np.polyfit(np.arange(k), y[:k], 1) if k > 2 else (0.0, y[0])
    trending = beta > 0
    level = np.where(trending, intercept - slope, float(np.mean(y[:k])))
    trend = np.full(alpha.shape, slope) * trending
    sse = np.zeros(alpha.shape)
    for value in y:
        pred = level + phi * trend
        err = value - pred
        sse += err * err
        new_level = pred + alpha * err
        trend = phi * trend + alpha * beta * err
        level = new_level
    return level, trend, sse


@lru_cache(maxsize=2)
def _grid(damped: bool) -> tuple[Array, Array, Array]:
    """The (alpha, beta, phi) grid, made once per process (read only)."""
    if not damped:
        out = _ALPHAS, np.zeros_like(_ALPHAS), np.ones_like(_ALPHAS)
    else:
        a, b, p = np.meshgrid(_ALPHAS, _BETAS, _PHIS, indexing="ij")
        out = a.ravel(), b.ravel(), p.ravel()
    for arr in out:
        arr.flags.writeable = False
    return out


class _SmoothingBase:
    min_history = 3
    fast = True
    damped = False

    def grid(self) -> tuple[Array, Array, Array]:
        return _grid(self.damped)

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        adj = _Adjusted(y, season)
        alpha, beta, phi = self.grid()
        lv, tr, sse = _holt_grid(adj.adjusted, alpha, beta, phi)
        best = int(np.argmin(sse))
        a, b, p = alpha[best], beta[best], phi[best]
        steps = np.arange(1, horizon + 1)
        damp = np.cumsum(p**steps) if b > 0 else np.zeros(horizon)
        mean = adj.restore(lv[best] + damp * tr[best])
        sigma = math.sqrt(sse[best] / max(1, len(y) - 1))
        # h-step variance of the linear innovations model: 1 + sum (a + a*b*damp_j)^2
        coef = a + a * b * np.concatenate(([0.0], damp[:-1]))
        var = 1 + np.concatenate(([0.0], np.cumsum(coef[:-1] ** 2)))
        sd = sigma * np.sqrt(var) * adj.factors(len(y), horizon)
        return _finish(mean, sd, level, self.id)


class SimpleSmoothing(_SmoothingBase):
    """Simple exponential smoothing of the seasonally adjusted series (ETS(A,N,N))."""

    id = "ses"
    title = "Exponential smoothing (simple)"


class DampedTrend(_SmoothingBase):
    """Holt's damped-trend smoothing of the seasonally adjusted series (ETS(A,Ad,N))."""

    id = "damped"
    title = "Exponential smoothing (damped trend)"
    min_history = 4
    damped = True


class FastTheta:
    """The Theta method of the M3 competition: SES with drift equal to half the slope of
    the linear trend, on the seasonally adjusted series."""

    id = "theta_fast"
    title = "Theta (fast)"
    min_history = 4
    fast = True

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        adj = _Adjusted(y, season)
        x = adj.adjusted
        n = len(x)
        t = np.arange(n)
        slope = np.polyfit(t, x, 1)[0] if n > 1 else 0.0
        alpha = _ALPHAS
        lv, _, sse = _holt_grid(x, alpha, np.zeros_like(alpha), np.ones_like(alpha))
        best = int(np.argmin(sse))
        a = alpha[best]
        steps = np.arange(1, horizon + 1)
        drift = 0.5 * slope * (steps - 1 + 1 / a - ((1 - a) ** n) / a)
        mean = adj.restore(lv[best] + drift)
        sigma = math.sqrt(sse[best] / max(1, n - 1))
        sd = sigma * np.sqrt(1 + (steps - 1) * a * a) * adj.factors(n, horizon)
        return _finish(mean, sd, level, self.id)


# ---------------------------------------------------------------------------------------
# Complex exponential smoothing (Svetunkov & Kourentzes), fast: a grid in numpy
# ---------------------------------------------------------------------------------------


def _ces_matrices(a0: Array, a1: Array) -> tuple[Array, Array, Array]:
    """Transition F, persistence g and D = F - g w' (w = (1, 0)) of CES with the complex
    smoothing parameter a0 + i a1, each shaped (2, 2, k) or (2, k) for k parameter pairs.
    States: the level l and its imaginary companion c; the one-step forecast is l;
    l_t = l - (1 - a1) c + (a0 - a1) e_t and c_t = l + (1 - a0) c + (a0 + a1) e_t."""
    one = np.ones_like(a0)
    f = np.array([[one, a1 - 1], [one, 1 - a0]])
    g = np.array([a0 - a1, a0 + a1])
    d = f.copy()
    d[0, 0] = f[0, 0] - g[0]
    d[1, 0] = f[1, 0] - g[1]
    return f, g, d


def _ces_admissible(a0: Array, a1: Array) -> Array:
    """Whether the errors forget the past (D's eigenvalues inside the unit circle, the
    admissibility condition of CES); only those pairs are fitted."""
    _, _, d = _ces_matrices(a0, a1)
    trace = d[0, 0] + d[1, 1]
    det = d[0, 0] * d[1, 1] - d[0, 1] * d[1, 0]
    return (np.abs(det) < 0.999) & (np.abs(trace) < 1 + det - 1e-3)


def _ces_grid(y: Array, a0: Array, a1: Array) -> tuple[Array, Array]:
    """Sum of squared one-step errors of CES at each (a0, a1), the two starting states
    chosen by least squares for each pair (the errors are linear in them: the run from
    zero states minus the two unit-state runs of the homogeneous recursion x_t = D
    x_{t-1}), and the final states (2, k) of that best start."""
    _, g, d = _ces_matrices(a0, a1)
    k = len(a0)
    # the three runs side by side: columns [zero start on the data | unit level | unit
    # companion], each with its own D per parameter pair
    d00, d01, d10, d11 = (np.tile(d[i, j], 3) for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)))
    lev = np.zeros(3 * k)
    com = np.zeros(3 * k)
    lev[k : 2 * k] = 1.0
    com[2 * k :] = 1.0
    gain = np.concatenate((g, np.zeros((2, 2 * k))), axis=1)
    forecasts = np.empty((len(y), 3 * k))
    for t, value in enumerate(y):
        forecasts[t] = lev
        lev, com = d00 * lev + d01 * com + gain[0] * value, d10 * lev + d11 * com + gain[1] * value
    e = y[:, None] - forecasts[:, :k]
    u, v = forecasts[:, k : 2 * k], forecasts[:, 2 * k :]
    s11, s12, s22 = (u * u).sum(0), (u * v).sum(0), (v * v).sum(0)
    b1, b2, ee = (u * e).sum(0), (v * e).sum(0), (e * e).sum(0)
    x = np.array([lev[:k], com[:k]])
    h1 = np.array([lev[k : 2 * k], com[k : 2 * k]])
    h2 = np.array([lev[2 * k :], com[2 * k :]])
    ridge = 1e-9 * (s11 + s22) + 1e-300
    det = (s11 + ridge) * (s22 + ridge) - s12 * s12
    l0 = ((s22 + ridge) * b1 - s12 * b2) / det
    c0 = ((s11 + ridge) * b2 - s12 * b1) / det
    sse = ee - 2 * (l0 * b1 + c0 * b2) + l0 * l0 * s11 + 2 * l0 * c0 * s12 + c0 * c0 * s22
    final = x + h1 * l0 + h2 * c0
    return np.maximum(sse, 0.0), final


# a1 decides the trend: a1 = 1 is a level (simple smoothing with alpha = a0 - 1), and a
# monthly growth of a fraction of a percent is a1 a few thousandths above 1, so the grid
# is dense near 1.
_CES_A1_STEPS = np.array([0.0, 0.001, 0.002, 0.004, 0.007, 0.012, 0.02, 0.035, 0.06, 0.1])
_CES_A1 = np.concatenate((1 - _CES_A1_STEPS[:0:-1], 1 + _CES_A1_STEPS, [0.8, 0.6, 0.4]))
_CES_A0 = np.linspace(0.6, 2.5, 20)


def _ces_pairs(a0: Array, a1: Array) -> tuple[Array, Array]:
    """Every admissible (a0, a1) of the two axes."""
    p0, p1 = np.meshgrid(a0, a1, indexing="ij")
    p0, p1 = p0.ravel(), p1.ravel()
    keep = _ces_admissible(p0, p1)
    return p0[keep], p1[keep]


def _around(axis: Array, value: float, points: int) -> Array:
    """``points`` values from the grid neighbour below ``value`` to the one above."""
    ordered = np.unique(axis)
    i = int(np.searchsorted(ordered, value))
    lo = ordered[max(0, i - 1)]
    hi = ordered[min(len(ordered) - 1, i + 1)]
    return np.linspace(lo, hi, points)


class ComplexSmoothing:
    """Complex exponential smoothing (CES, Svetunkov & Kourentzes 2016) of the seasonally
    adjusted series: one complex smoothing parameter a0 + i a1 decides between a level
    and a trend (a1 above 1 grows, below 1 decays), so it needs no choice of trend model.
    Fitted by least squares on a grid of admissible parameters, then a finer grid around
    the best; the starting states by least squares for each pair."""

    id = "ces"
    title = "Complex exponential smoothing"
    min_history = 6
    fast = True

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        adj = _Adjusted(y, season)
        x = adj.adjusted
        scale = float(np.mean(np.abs(x))) or 1.0
        z = x / scale
        a0, a1 = _ces_pairs(_CES_A0, _CES_A1)
        sse, _ = _ces_grid(z, a0, a1)
        best = int(np.argmin(sse))
        a0, a1 = _ces_pairs(_around(_CES_A0, a0[best], 9), _around(_CES_A1, a1[best], 9))
        sse, final = _ces_grid(z, a0, a1)
        best = int(np.argmin(sse))
        f, g, _ = _ces_matrices(a0[best : best + 1], a1[best : best + 1])
        f, g = f[:, :, 0], g[:, 0]
        state = final[:, best]
        mean = np.empty(horizon)
        psi = np.empty(horizon)  # w' F^(j-1) g: the weight of an error j steps back
        gain = g.copy()
        for j in range(horizon):
            mean[j] = state[0]
            psi[j] = gain[0]
            state = f @ state
            gain = f @ gain
        sigma = math.sqrt(sse[best] / max(1, len(z) - 2)) * scale
        var = 1 + np.concatenate(([0.0], np.cumsum(psi[:-1] ** 2)))
        sd = sigma * np.sqrt(var) * adj.factors(len(y), horizon)
        return _finish(adj.restore(mean * scale), sd, level, self.id)


# ---------------------------------------------------------------------------------------
# statsmodels methods
# ---------------------------------------------------------------------------------------


def _quiet() -> Any:
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


class HoltWinters:
    """statsmodels Holt-Winters (additive damped trend, multiplicative season when the
    series is positive and holds two years, else additive or none)."""

    id = "holt_winters"
    title = "Holt-Winters (statsmodels)"
    min_history = 4
    fast = False

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing

        y = as_array(history)
        seasonal = None
        if season > 1 and len(y) >= 2 * season:
            seasonal = "mul" if y.min() > 0 else "add"
        quiet = _quiet()
        try:
            model = ExponentialSmoothing(
                y,
                trend="add",
                damped_trend=True,
                seasonal=seasonal,
                seasonal_periods=season if seasonal else None,
                initialization_method="estimated",
            )
            jac = hw_gradient(model)
            fit = model.fit(
                start_params=hw_start_params(model, y),
                minimize_kwargs={"jac": jac} if jac is not None else None,
            )
            mean = np.asarray(fit.forecast(horizon), dtype=float)
            resid = y - np.asarray(fit.fittedvalues, dtype=float)
        finally:
            quiet.__exit__(None, None, None)
        alpha = float(fit.params.get("smoothing_level", 0.5) or 0.5)
        steps = np.arange(horizon)
        sd = _rms(resid) * np.sqrt(1 + steps * alpha * alpha)
        return _finish(mean, sd, level, self.id)


def hw_start_params(model: Any, y: Array) -> Array | None:
    """The start statsmodels' own grid search would pick for ``model.fit()``, found with
    every grid point at once in numpy instead of one Python call per point (the search
    was over half of a Holt-Winters fit: docs/performance.md, "Forecasting `large`"). The same
    grid, the same fixed initial states and the same first-lowest rule, so the optimiser
    starts where it would have and finds the same fit. None (statsmodels searches
    itself) for a model shape not mirrored here or if the private layout changed."""
    try:
        return _hw_start_params(model, y)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return None


def _hw_start_params(model: Any, y: Array) -> Array | None:
    seasonal, trend = model.seasonal, model.trend
    if trend != "add" or not model.damped_trend or seasonal not in (None, "add", "mul"):
        return None
    if model._fixed_parameters or model._bounds or model._use_boxcox:
        return None
    m = model.seasonal_periods or 0
    l0, b0, s0 = model.initial_values()
    alpha0 = 0.5 / max(m, 1)
    params = np.zeros(6 + m)
    params[:6] = [alpha0, 0.1 * alpha0, 0.05 * (1 - alpha0) if seasonal else 0.0, l0, b0, 0.99]
    if m:
        params[-m:] = s0
    grid_sel = np.array([True, True, seasonal is not None] + [False] * (3 + m))
    bounds = np.array(model._construct_bounds()[:3], dtype=float)
    points = _brute_grid(model, tuple(grid_sel[:3].tolist()), tuple(bounds.ravel()), alpha0)
    sse = _hw_sse(np.asarray(y, float), points, params, seasonal, m)
    sse = np.where(np.isfinite(sse), sse, np.inf)
    best = int(np.argmin(sse))  # statsmodels keeps the first point unless one is lower
    params[grid_sel] = points[best]
    sel = np.array([True, True, seasonal is not None, True, True, True] + [True] * m)
    return params[sel]


def hw_gradient(model: Any) -> Any:
    """The gradient L-BFGS-B would estimate for ``model.fit()``: the same forward
    differences (scipy's default absolute step of 1e-8, turned back at a bound) of the
    same statsmodels objective, without scipy's general finite-difference machinery,
    which cost more than the objective itself (docs/performance.md, "Forecasting `large`"). None
    when the model shape is not the one mirrored here."""
    try:
        from scipy.optimize._numdiff import _adjust_scheme_to_bounds
        from statsmodels.tsa.holtwinters.model import SMOOTHERS, opt_wrapper

        if model._fixed_parameters or model._bounds or model._use_boxcox:
            return None
        m = model.seasonal_periods or 0
        seasonal = model.seasonal is not None
        sel = np.array([True, True, seasonal, True, True, model.damped_trend] + [seasonal] * m)
        bounds = [(0.0, 1.0)] * 3 + list(model._construct_bounds()[3:])
        chosen = [b for b, keep in zip(bounds, sel, strict=True) if keep]
        lb = np.array([-np.inf if b[0] is None else b[0] for b in chosen], dtype=float)
        ub = np.array([np.inf if b[1] is None else b[1] for b in chosen], dtype=float)
        objective = opt_wrapper(SMOOTHERS[(model.seasonal, model.trend)])
    except (AttributeError, KeyError, ImportError, TypeError, ValueError):
        return None
    rel_step = np.finfo(float).eps ** 0.5

    def gradient(x: Array, hw_args: Any) -> Array:
        x0 = np.asarray(x, dtype=float)
        f0 = objective(x0, hw_args)
        sign = (x0 >= 0).astype(float) * 2 - 1
        h = np.full(len(x0), 1e-8)
        h = np.where((x0 + h) - x0 == 0, rel_step * sign * np.maximum(1.0, np.abs(x0)), h)
        h, _ = _adjust_scheme_to_bounds(x0, h, 1, "1-sided", lb, ub)
        grad = np.empty(len(x0))
        for i in range(len(x0)):
            x1 = np.copy(x0)
            x1[i] = x0[i] + h[i]
            grad[i] = (objective(x1, hw_args) - f0) / ((x0[i] + h[i]) - x0[i])
        return grad

    return gradient if len(lb) == int(sel.sum()) else None


_BRUTE_GRIDS: dict[tuple[Any, ...], Array] = {}


def _brute_grid(
    model: Any, sel: tuple[bool, ...], bounds: tuple[float, ...], alpha: float
) -> Array:
    """statsmodels' grid of start points, made once per shape (it depends only on which
    smoothing parameters are free, their bounds and the first alpha)."""
    key = (sel, bounds, alpha)
    if key not in _BRUTE_GRIDS:
        full = np.array([*sel, False, False, False], dtype=bool)
        points = model._setup_brute(full, np.array(bounds).reshape(3, 2), alpha)
        points.flags.writeable = False
        _BRUTE_GRIDS[key] = points
    return _BRUTE_GRIDS[key]


def _hw_sse(y: Array, points: Array, params: Array, seasonal: str | None, m: int) -> Array:
    """Sum of squared one-step errors of the damped additive-trend Holt-Winters
    recursions of statsmodels (``holtwinters._smoothers``) at every (alpha, beta[,
    gamma]) row of ``points`` with phi and the initial states of ``params``."""
    alpha, beta = points[:, 0], points[:, 1]
    gamma = points[:, 2] if seasonal else np.zeros(len(points))
    l0, b0, phi = params[3], params[4], params[5]
    n, k = len(y), len(points)
    lvl = np.full(k, l0)
    b = np.full(k, b0)
    s = np.empty((n + m, k)) if seasonal else None
    if s is not None:
        s[:m] = params[6:][:, None]
    fitted_base = lvl + phi * b
    sse = np.zeros(k)
    for i in range(n):
        if i:
            prev_l, prev_b = lvl, b
            damped = prev_l + phi * prev_b
            if seasonal == "mul":
                lvl = alpha * y[i - 1] / s[i - 1] + (1 - alpha) * damped
                s[i + m - 1] = gamma * y[i - 1] / damped + (1 - gamma) * s[i - 1]
            elif seasonal == "add":
                lvl = alpha * y[i - 1] - alpha * s[i - 1] + (1 - alpha) * damped
                s[i + m - 1] = gamma * y[i - 1] - gamma * damped + (1 - gamma) * s[i - 1]
            else:
                lvl = alpha * y[i - 1] + (1 - alpha) * damped
            b = beta * (lvl - prev_l) + (1 - beta) * phi * prev_b
            fitted_base = lvl + phi * b
        if seasonal == "mul":
            err = y[i] - fitted_base * s[i]
        elif seasonal == "add":
            err = y[i] - (fitted_base + s[i])
        else:
            err = y[i] - fitted_base
        sse += err * err
    return sse


class Sarima:
    """statsmodels SARIMAX, the airline model (0,1,1)(0,1,1)s when two seasons are known,
    else ARIMA(0,1,1) (Box-Jenkins)."""

    id = "arima"
    title = "ARIMA / SARIMA (statsmodels)"
    min_history = 6
    fast = False

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y = as_array(history)
        seasonal = (0, 1, 1, season) if season > 1 and len(y) >= 2 * season + 2 else (0, 0, 0, 0)
        quiet = _quiet()
        try:
            # Invertibility enforced: without it the M3 sMAPE was 21 % instead of 14 %.
            fit = SARIMAX(y, order=(0, 1, 1), seasonal_order=seasonal).fit(disp=False)
            pred = fit.get_forecast(horizon)
            mean = np.asarray(pred.predicted_mean, dtype=float)
            bounds = np.asarray(pred.conf_int(alpha=1 - level), dtype=float)
        finally:
            quiet.__exit__(None, None, None)
        return Forecast(mean, bounds[:, 0], bounds[:, 1], self.id, level)


class Airline:
    """The airline model (0,1,1)(0,1,1)s of :class:`Sarima`, fitted in numpy and scipy by
    conditional least squares: the two MA parameters minimise the sum of squared one-step
    errors of the doubly differenced series, the error recursion run by ``lfilter``. A few
    milliseconds a fit instead of statsmodels' exact likelihood (80 ms), so it can be
    backtested and join the combination on 1,500 series; ``Sarima`` stays the reference
    (tests compare the forecasts). ARIMA(0,1,1) when fewer than two seasons and two
    months are known, as ``Sarima``.

    The errors before the first observation are backcast (Box and Jenkins: the same
    model run backwards in time forecasts the values before the start) and the
    parameters refined on that sum of squares: with zero starting errors a seasonal MA
    near -1 (a stable season) carries its bad start through every later year. M3
    monthly, every 4th series, this model alone: MASE 0.873 -> 0.847, MACRO (every
    2nd) 0.957 -> 0.914; about twice the fitting time. Only on three years or more of
    differenced data (``_BACKCAST_MIN``): on less the backcast is as many values as
    a fifth of the data and wanders (a 30-month series: seasonal MA -0.81 against
    statsmodels' -0.48), so a short history keeps conditional least squares."""

    id = "airline"
    title = "Airline model (fast SARIMA)"
    min_history = 6
    fast = True

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        s = season if season > 1 and len(y) >= 2 * season + 2 else 0
        w = np.diff(y)
        if s:
            w = w[s:] - w[:-s]
        params = _css_fit(w, s)
        backcast = len(w) >= _BACKCAST_MIN
        if backcast:
            params = _backcast_fit(w, s, params)
        ma = _airline_ma(params, s)
        errors = _backcast_residuals(w, ma) if backcast else _ma_residuals(w, ma)
        resid = errors[len(errors) - len(w) :]
        w_future = _lfilter(ma, [1.0], np.concatenate((errors, np.zeros(horizon))))[len(errors) :]
        diff = _airline_ar(s)
        ext = np.concatenate((y, np.zeros(horizon)))
        for t in range(len(y), len(y) + horizon):
            # y_t = w_t - (diff[1] y_{t-1} + ... ): undo both differences
            ext[t] = w_future[t - len(y)] - float(diff[1:] @ ext[t - 1 : t - len(diff) : -1])
        impulse = np.zeros(horizon)
        impulse[0] = 1.0
        psi = _lfilter(ma, diff, impulse)
        sigma = math.sqrt(float(resid @ resid) / max(1, len(w) - len(params)))
        return _finish(ext[len(y) :], sigma * np.sqrt(np.cumsum(psi**2)), level, self.id)


def _lfilter(b: Any, a: Any, x: Array) -> Array:
    from scipy.signal import lfilter

    return np.asarray(lfilter(b, a, x), dtype=float)


def _airline_ma(params: Array, s: int) -> Array:
    """(1 + theta B)(1 + Theta B^s) as polynomial coefficients in B."""
    ma = np.zeros(s + 2 if s else 2)
    ma[0], ma[1] = 1.0, params[0]
    if s:
        ma[s], ma[s + 1] = params[1], params[0] * params[1]
    return ma


def _airline_ar(s: int) -> Array:
    """(1 - B)(1 - B^s): the two differences as polynomial coefficients in B."""
    seasonal = np.zeros(s + 1)
    seasonal[0] = 1.0
    if s:
        seasonal[s] = -1.0
    return np.convolve([1.0, -1.0], seasonal)


def _ma_residuals(w: Array, ma: Array) -> Array:
    """One-step errors e_t = w_t - sum_k ma_k e_{t-k}, the errors before the start 0."""
    return _lfilter([1.0], ma, w)


_AIRLINE_BOUND = 0.98  # invertible, as statsmodels enforces
_BACKCAST_MIN = 36  # differenced values needed to backcast the starting errors


def _backcast_residuals(w: Array, ma: Array) -> Array:
    """One-step errors of ``w`` preceded by its backcast: the model run on the reversed
    series forecasts the ``len(ma) - 1`` values before the start (Box-Jenkins
    backforecasting), so the first errors no longer assume zeros before the data."""
    q = len(ma) - 1
    back = _lfilter([1.0], ma, w[::-1])
    before = _lfilter(ma, [1.0], np.concatenate((back, np.zeros(q))))[len(w) :]
    return _lfilter([1.0], ma, np.concatenate((before[::-1], w)))


def _backcast_fit(w: Array, s: int, start: Array) -> Array:
    """The MA parameters minimising the backcast sum of squared errors, refined from the
    conditional least-squares ``start`` within the invertible box (two parameters:
    L-BFGS-B's own finite differences are cheap enough)."""
    from scipy.optimize import minimize

    if len(w) <= len(start) + 1 or not np.any(w):
        return start

    def sse(params: Array) -> float:
        e = _backcast_residuals(w, _airline_ma(params, s))
        value = float(e @ e)
        return value if math.isfinite(value) else 1e300

    bounds = [(-_AIRLINE_BOUND, _AIRLINE_BOUND)] * len(start)
    result = minimize(sse, start, method="L-BFGS-B", bounds=bounds)
    return np.asarray(result.x if result.fun <= sse(start) else start, dtype=float)


def _css_fit(w: Array, s: int) -> Array:
    """The MA parameters minimising the conditional sum of squares: the best of a few
    starts, then L-BFGS-B within the invertible box with the exact gradient (the error's
    derivative is itself a filter of the errors: de/dtheta = -B e / (1 + theta B),
    de/dTheta = -B^s e / (1 + Theta B^s)), so no finite differences."""
    from scipy.optimize import minimize

    k = 2 if s else 1
    if len(w) <= k + 1 or not np.any(w):
        return np.zeros(k)

    def sse(params: Array) -> tuple[float, Array]:
        e = _ma_residuals(w, _airline_ma(params, s))
        value = float(e @ e)
        if not math.isfinite(value):
            return 1e300, np.zeros(k)
        lag1 = np.zeros(2)
        lag1[1] = 1.0
        grad = [-2 * float(e @ _lfilter(lag1, [1.0, params[0]], e))]
        if s:
            lag_s, seasonal = np.zeros(s + 1), np.zeros(s + 1)
            lag_s[s], seasonal[0], seasonal[s] = 1.0, 1.0, params[1]
            grad.append(-2 * float(e @ _lfilter(lag_s, seasonal, e)))
        return value, np.array(grad)

    starts = [np.array(p[:k]) for p in ((-0.4, -0.6), (-0.8, -0.8), (0.2, -0.3))]
    x0 = min(starts, key=lambda p: sse(p)[0])
    bounds = [(-_AIRLINE_BOUND, _AIRLINE_BOUND)] * k
    result = minimize(sse, x0, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(result.x if result.fun <= sse(x0)[0] else x0, dtype=float)


class Theta:
    """statsmodels ThetaModel (deseasonalised when the series tests seasonal)."""

    id = "theta"
    title = "Theta (statsmodels)"
    min_history = 4
    fast = False

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        y = as_array(history)
        positive = y.min() > 0
        deseason = season > 1 and len(y) >= 2 * season and positive
        quiet = _quiet()
        try:
            fit = ThetaModel(y, period=season if deseason else 1, deseasonalize=deseason).fit()
            mean = np.asarray(fit.forecast(horizon), dtype=float)
            bounds = np.asarray(fit.prediction_intervals(horizon, alpha=1 - level), dtype=float)
        finally:
            quiet.__exit__(None, None, None)
        return Forecast(mean, bounds[:, 0], bounds[:, 1], self.id, level)


class Regression:
    """Least squares on a linear trend, month-of-year dummies and outside drivers (price,
    promotion flags: ``drivers`` is a 2-D array of ``len(history) + horizon`` rows, the
    future rows being the planned values)."""

    id = "regression"
    title = "Regression on trend, season and drivers"
    min_history = 6
    fast = False
    uses_drivers = True

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        y = as_array(history)
        n = len(y)
        design = self.design(n + horizon, season if n >= 2 * season else 1, drivers)
        x_hist, x_future = design[:n], design[n:]
        coef, *_ = np.linalg.lstsq(x_hist, y, rcond=None)
        resid = y - x_hist @ coef
        dof = max(1, n - x_hist.shape[1])
        sigma = math.sqrt(float(resid @ resid) / dof)
        mean = x_future @ coef
        xtx_inv = np.linalg.pinv(x_hist.T @ x_hist)
        leverage = np.einsum("ij,jk,ik->i", x_future, xtx_inv, x_future)
        return _finish(mean, sigma * np.sqrt(1 + leverage), level, self.id)

    @staticmethod
    def design(rows: int, season: int, drivers: Any) -> Array:
        t = np.arange(rows, dtype=float)
        cols = [np.ones(rows), t]
        cols += [(t % season == p).astype(float) for p in range(1, season)]
        if drivers is not None:
            d = np.asarray(drivers, dtype=float).reshape(rows, -1)
            cols += list(d.T)
        return np.column_stack(cols)


BUILTIN_METHODS: tuple[Any, ...] = (
    SeasonalNaive(),
    MovingAverage(),
    SimpleSmoothing(),
    DampedTrend(),
    FastTheta(),
    HoltWinters(),
    Sarima(),
    Airline(),
    ComplexSmoothing(),
    Theta(),
    Regression(),
)


def shape_problems(method: object) -> list[str]:
    """Why ``method`` does not honour the contract (empty when it does)."""
    problems = [
        f"missing '{name}'"
        for name in ("id", "title")
        if not isinstance(getattr(method, name, None), str) or not getattr(method, name)
    ]
    if not callable(getattr(method, "fit_predict", None)):
        problems.append("'fit_predict' must be callable")
    return problems

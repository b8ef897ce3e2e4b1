"""Each forecasting method on a known series, the backtest choice, the short-series
fallback, reconciliation and the parallel engine (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.forecast.engine import Job, forecast_many, reconcile
from plugins.forecast.methods import BUILTIN_METHODS, Forecast, shape_problems
from plugins.forecast.select import auto_forecast, mase, smape

METHODS = {m.id: m for m in BUILTIN_METHODS}
PATTERN = np.array([80, 90, 100, 110, 120, 100, 90, 80, 100, 110, 120, 100], float)


def seasonal(years: int = 4) -> np.ndarray:
    return np.tile(PATTERN, years)


def test_every_builtin_method_honours_the_contract() -> None:
    y = seasonal() + np.arange(48)
    for method in BUILTIN_METHODS:
        assert shape_problems(method) == []
        f = method.fit_predict(y, 6, season=12, level=0.8)
        assert len(f.mean) == len(f.lower) == len(f.upper) == 6, method.id
        assert np.all(f.lower <= f.mean + 1e-9) and np.all(f.mean <= f.upper + 1e-9), method.id
        assert np.all(np.isfinite(f.mean)), method.id


def test_seasonal_naive_repeats_last_year_exactly() -> None:
    f = METHODS["snaive"].fit_predict(seasonal(3), 15, season=12)
    assert f.mean.tolist() == [*PATTERN.tolist(), 80, 90, 100]
    assert np.allclose(f.lower, f.mean) and np.allclose(f.upper, f.mean)  # no error ever


def test_seasonal_naive_interval_widens_each_year() -> None:
    y = seasonal(3) + np.tile([0, 5], 18)
    f = METHODS["snaive"].fit_predict(y, 24, season=12)
    half = (f.upper - f.lower) / 2
    assert half[12] == pytest.approx(half[0] * np.sqrt(2))


def test_moving_average_is_the_mean_of_the_last_season() -> None:
    y = np.concatenate([np.zeros(12), np.arange(1, 13, dtype=float)])
    f = METHODS["moving_average"].fit_predict(y, 3, season=12)
    assert f.mean.tolist() == [6.5, 6.5, 6.5]


def test_smoothing_and_theta_follow_a_straight_line() -> None:
    y = 100 + 2.0 * np.arange(40)
    for mid in ("damped", "theta_fast", "holt_winters", "arima", "theta", "regression"):
        f = METHODS[mid].fit_predict(y, 3, season=1)
        assert f.mean[0] == pytest.approx(180, abs=2.5), mid
    assert METHODS["ses"].fit_predict(y, 2, season=1).mean[0] == pytest.approx(178, abs=3)


def test_regression_uses_drivers() -> None:
    rng = np.random.default_rng(1)
    price = rng.uniform(8, 12, 30)
    y = 500 - 20 * price[:24]
    f = METHODS["regression"].fit_predict(y, 6, season=1, drivers=price)
    assert np.allclose(f.mean, 500 - 20 * price[24:], atol=1e-6)


def test_seasonally_adjusted_methods_keep_the_season() -> None:
    y = seasonal(5) * np.linspace(1, 1.2, 60)
    for mid in ("damped", "theta_fast", "holt_winters"):
        f = METHODS[mid].fit_predict(y, 12, season=12)
        assert np.argmax(f.mean) in (4, 10) and np.argmin(f.mean) in (0, 7), mid


def test_measures() -> None:
    actual, pred = np.array([100.0, 200.0]), np.array([110.0, 180.0])
    assert smape(actual, pred) == pytest.approx(100 * (10 / 210 + 20 / 380))
    train = np.array([1.0, 2, 3, 5])
    assert mase(actual, pred, train, 1) == pytest.approx(15 / (4 / 3))


def test_backtest_picks_seasonal_naive_on_a_pure_season() -> None:
    choice = auto_forecast(seasonal(4), 12, METHODS, season=12)
    assert choice.method == "snaive"
    assert choice.mase == 0 and choice.smape == 0
    assert choice.forecast.mean.tolist() == PATTERN.tolist()
    assert "Seasonal naive" in choice.explanation and "0.0%" in choice.explanation


def test_backtest_avoids_seasonal_naive_on_a_trend_without_season() -> None:
    rng = np.random.default_rng(3)
    y = 1000 + 15 * np.arange(48) + rng.normal(0, 3, 48)
    choice = auto_forecast(y, 12, METHODS, season=12)
    assert choice.method in ("damped", "theta_fast", "combination")
    assert choice.mase < choice.naive_mase / 3
    assert "Repeating last year" in choice.explanation


def test_short_series_falls_back_and_says_so() -> None:
    choice = auto_forecast(np.array([10.0, 12, 11, 13, 12]), 6, METHODS, season=12)
    assert choice.short and choice.method == "ses"
    assert "fewer than two seasons" in choice.explanation
    assert len(choice.forecast.mean) == 6 and np.all(np.isfinite(choice.forecast.mean))
    one = auto_forecast(np.array([7.0]), 3, METHODS, season=12)
    assert one.short and one.forecast.mean.tolist() == [7.0, 7.0, 7.0]
    none = auto_forecast(np.array([]), 2, METHODS, season=12)
    assert none.method == "none" and none.forecast.mean.tolist() == [0.0, 0.0]


def _f(values: list[float]) -> Forecast:
    v = np.array(values)
    return Forecast(v, v - 1, v + 1, "x")


def test_bottom_up_sums_the_parts() -> None:
    out = reconcile(_f([100, 100]), {"a": _f([30, 50]), "b": _f([40, 60])}, "bottom_up")
    assert out[None].mean.tolist() == [70, 110]


def test_top_down_scales_the_parts_to_the_company() -> None:
    out = reconcile(_f([140, 110]), {"a": _f([30, 50]), "b": _f([40, 60])}, "top_down")
    assert np.allclose(out["a"].mean, [60, 50]) and np.allclose(out["b"].mean, [80, 60])
    assert np.allclose(out["a"].mean + out["b"].mean, out[None].mean)


def test_parallel_processes_give_the_same_forecasts() -> None:
    rng = np.random.default_rng(5)
    series = {i: seasonal(3) * rng.uniform(0.5, 2) + rng.normal(0, 2, 36) for i in range(90)}
    job = Job("auto", 6, 12)
    seen: list[int] = []
    one = forecast_many(series, job, BUILTIN_METHODS, processes=1)
    two = forecast_many(
        series, job, BUILTIN_METHODS, processes=2, progress=lambda done, total: seen.append(done)
    )
    assert list(two) == list(series) and seen[-1] == 90
    for key in series:
        assert np.allclose(one[key].choice.forecast.mean, two[key].choice.forecast.mean)


def test_explanation_says_why_the_average_stays_when_naive_backtested_better() -> None:
    from plugins.forecast.select import COMBINATION_ID, Choice, explain

    base = auto_forecast(seasonal(4), 12, METHODS, season=12)
    choice = Choice(
        base.forecast,
        COMBINATION_ID,
        ("damped", "theta_fast"),
        smape=16.1,
        mase=0.68,
        naive_smape=9.8,
        naive_mase=0.48,
        origins=3,
    )
    text = explain(choice, METHODS, 6, "months")
    assert "Repeating last year would have been off by 9.8%" in text
    assert "at least 50% lower error than the combination to be chosen alone" in text
    choice.naive_mase = 0.9  # the average won the backtest: nothing to excuse
    assert "lower error than the combination" not in explain(choice, METHODS, 6, "months")


def test_an_error_in_progress_stops_the_parallel_run() -> None:
    """How a cancel stops the worker processes: the error propagates at once and the
    chunks not yet started are dropped (the run does not wait for all of them)."""
    rng = np.random.default_rng(5)
    series = {i: seasonal(3) * rng.uniform(0.5, 2) + rng.normal(0, 2, 36) for i in range(90)}
    calls: list[int] = []

    def stop(done: int, total: int) -> None:
        calls.append(done)
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        forecast_many(series, Job("auto", 6, 12), BUILTIN_METHODS, processes=2, progress=stop)
    assert len(calls) == 1


def test_a_clearly_better_single_method_is_blended_half_and_half() -> None:
    from plugins.forecast.select import BLEND_ID, COMBINATION_ID

    fast = {k: m for k, m in METHODS.items() if getattr(m, "fast", False)}
    y = seasonal(4) + np.random.default_rng(0).normal(0, 6, 48)
    choice = auto_forecast(y, 12, fast, season=12)
    # Seasonal naive's backtest MASE is 0.53 of the combination's: between the margins.
    ratio = choice.scores["snaive"][1] / choice.scores[COMBINATION_ID][1]
    assert 0.5 < ratio <= 0.7
    members = ("damped", "theta_fast", "airline", "ces")  # CES: the final forecast only
    assert choice.method == BLEND_ID and choice.members == ("snaive", *members)
    single = fast["snaive"].fit_predict(y, 12, season=12).mean
    parts = [fast[m].fit_predict(y, 12, season=12).mean for m in members[:3]]
    # CES, final-only, is fitted on the logarithm of the (positive) series
    assert np.all(y > 0)
    parts.append(np.exp(fast["ces"].fit_predict(np.log(y), 12, season=12).mean))
    combo = np.median(parts, axis=0)
    assert np.allclose(choice.forecast.mean, (single + combo) / 2)
    assert "carries half the weight" in choice.explanation
    # Not clearly better (0.72 of it): the combination alone.
    other = auto_forecast(
        seasonal(4) + np.random.default_rng(2).normal(0, 6, 48), 12, fast, season=12
    )
    assert other.method == COMBINATION_ID

"""What was done for the speed of the large run must not change a forecast: the
Holt-Winters start found in numpy is the one statsmodels' own grid search picks, and the
gradient handed to the optimiser is the one scipy would have estimated."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from plugins.forecast.methods import hw_gradient, hw_start_params


def _series(kind: str) -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(40 if kind != "short" else 20)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    y = (500 + 4 * t) * season + rng.normal(0, 25, len(t))
    return y - 700 if kind == "signed" else y


@pytest.mark.parametrize(
    ("kind", "seasonal"), [("positive", "mul"), ("signed", "add"), ("short", None)]
)
def test_holt_winters_start_is_statsmodels_own(kind: str, seasonal: str | None) -> None:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _series(kind)

    def model() -> ExponentialSmoothing:
        return ExponentialSmoothing(
            y,
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=12 if seasonal else None,
            initialization_method="estimated",
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stock = model().fit()
        ours = model()
        start = hw_start_params(ours, y)
        assert start is not None
        jac = hw_gradient(ours)
        assert jac is not None
        fast = ours.fit(start_params=start, minimize_kwargs={"jac": jac})
    assert np.allclose(fast.params["smoothing_level"], stock.params["smoothing_level"])
    assert np.allclose(np.asarray(fast.forecast(12)), np.asarray(stock.forecast(12)), rtol=1e-9)
    assert np.allclose(fast.params["damping_trend"], stock.params["damping_trend"])

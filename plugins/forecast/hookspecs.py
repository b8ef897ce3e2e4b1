"""Hooks the forecast plugin offers to other plugins.

Only the forecast plugin calls them, so they are declared here rather than in
``core.hookspecs``: they exist while the forecast plugin is installed (switched on or off).
A plugin that implements one and should also load where the forecast plugin is not
installed marks its implementation ``@hookimpl(optionalhook=True)``, as the marketing
plugin does.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.context import Context
    from plugins.forecast.methods import ForecastingMethod


@hookspec
def salesdesk_forecasting_methods() -> list[ForecastingMethod] | None:
    """Contribute forecasting methods.

    :returns: a list of objects implementing
        :class:`plugins.forecast.methods.ForecastingMethod`: an id, a title, the fewest
        observations it needs and ``fit_predict(history, horizon)`` returning point
        forecasts with a prediction interval.
    """


@hookspec
def salesdesk_forecast_drivers(
    ctx: Context, cut: list[str], months: list[dt.date], series: dict[str, dict[str, str]]
) -> list[dict[str, Any]] | None:
    """Contribute outside drivers of monthly sales forecasts (promotions, price changes).

    :param ctx: the context of the person running the forecast (read what they may see).
    :param cut: the dimensions of the forecast's series, e.g. ``["product", "region"]``
        (empty for the company alone).
    :param months: the first day of each month of the history and then of the horizon.
    :param series: each series' code (``"P01 / R03"``; ``""`` is the company) mapped to
        its code in each dimension of the cut.
    :returns: a list of drivers, each a dict with ``id``, ``title`` (the words a planner
        reads) and ``values``: series code -> one number per month of ``months`` (e.g.
        the share of the month under a campaign). Series not named are not touched; the
        forecast uses a driver only where it improves the series' backtest.
    """

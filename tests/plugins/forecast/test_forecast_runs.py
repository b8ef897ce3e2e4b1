"""Forecasts by cut from the sales lines: stored, reconciled, under record rules."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa
from forecast_world import BASE, MONTHS, SEASON

from core.errors import PermissionDenied, ValidationFailed
from core.reports import run_report
from plugins.forecast.models import ForecastRun, ForecastSeries, ForecastValue
from plugins.forecast.select import explanation_text
from plugins.forecast.services.forecasting import ForecastCancelled, run_forecast
from plugins.forecast.services.history import load_history


def _values(ctx, run_id: int) -> dict[str, dict[dt.date, Decimal]]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(ForecastSeries.series_key, ForecastValue.period, ForecastValue.amount)
            .join(ForecastValue, ForecastValue.series_id == ForecastSeries.id)
            .where(ForecastSeries.run_id == run_id, ForecastValue.kind == "forecast")
        ).all()
    out: dict[str, dict[dt.date, Decimal]] = {}
    for key, period, amount in rows:
        out.setdefault(key, {})[period] = amount
    return out


def test_history_per_cut_matches_the_lines(sales) -> None:
    h = load_history(sales.mgr, ("product", "region"))
    assert len(h.periods) == MONTHS and h.periods[-1] == dt.date(2026, 2, 1)
    key = (sales.ids["A"], sales.ids["N"])
    assert h.codes[key] == "A / N" and h.labels[key] == "Alpha / N"
    assert h.series[key][0] == float(BASE[("A", "N")] * SEASON[2])  # March 2023
    weekly = load_history(sales.mgr, ("channel",), "week")
    assert weekly.periods[0].weekday() == 0
    # Weeks run to the last whole week before the clock (2026-03-09..15): March's lines too.
    assert weekly.periods[-1] == dt.date(2026, 3, 9)
    assert weekly.company().sum() == pytest.approx(h.company().sum() + 600)


def test_run_by_product_region_is_stored_and_adds_up(sales) -> None:
    summary = run_forecast(sales.mgr, "product,region", horizon=6, processes=1)
    assert summary.series == 5 and summary.short == 0
    values = _values(sales.mgr, summary.run_id)
    parts = [k for k in values if k]
    assert sorted(parts) == ["A / N", "A / S", "B / N", "B / S"]
    for period, total in values[""].items():
        assert abs(sum(values[k][period] for k in parts) - total) <= Decimal("0.02")
    # A perfectly seasonal history: seasonal naive wins and repeats last year exactly.
    assert values["A / N"][dt.date(2026, 3, 1)] == Decimal("1000.00")
    with sales.mgr.reading() as session:
        run = session.get(ForecastRun, summary.run_id)
        why = session.scalar(
            sa.select(ForecastSeries.explanation).where(
                ForecastSeries.run_id == run.id, ForecastSeries.series_key == "A / N"
            )
        )
    assert run.cut == "product,region" and run.horizon == 6 and run.history_end.month == 2
    assert explanation_text(why).startswith("Chose Seasonal naive")


def test_top_down_keeps_the_company_forecast(sales) -> None:
    summary = run_forecast(sales.mgr, "region", horizon=3, processes=1, reconcile_how="top_down")
    values = _values(sales.mgr, summary.run_id)
    for period, total in values[""].items():
        assert abs(values["N"][period] + values["S"][period] - total) <= Decimal("0.02")


def test_a_rep_forecasts_only_what_they_may_see(sales) -> None:
    with pytest.raises(PermissionDenied):
        run_forecast(sales.rep_n, "region", horizon=3, processes=1)
    h = load_history(sales.rep_n, ("region",))  # reading is allowed; own lines only
    assert list(h.series) == [(sales.ids["N"],)]


def test_bad_arguments_name_the_field(sales) -> None:
    with pytest.raises(ValidationFailed) as err:
        run_forecast(sales.mgr, "product,colour", processes=1)
    assert "Cut: got 'product,colour'" in str(err.value)
    with pytest.raises(ValidationFailed) as err:
        run_forecast(sales.mgr, "region", method="crystal_ball", horizon=0, processes=1)
    assert "Method:" in str(err.value) and "Horizon:" in str(err.value)


def test_forecast_report_has_history_forecast_interval_and_chart(sales) -> None:
    summary = run_forecast(sales.planner, "product", horizon=4, method="damped", processes=1)
    result = run_report(sales.planner, "forecast", {"run": summary.run_id, "series": "A"})
    table = result.table("values")
    rows = table.materialize()
    assert len(rows) == MONTHS + 4
    last = rows[-1]
    assert last[1] is None and last[4] <= last[2] <= last[5]
    assert last[6] < last[4] and last[7] > last[5]  # the 95 % band outside the 80 % one
    assert result.charts[0].value_columns == ("value", "lower", "upper", "lower95", "upper95")
    series = result.table("series").materialize()
    assert {r[0] for r in series} == {"(company)", "A", "B"}
    assert np.isfinite(float(series[0][3]))


def test_regression_gets_the_average_price_as_driver(sales) -> None:
    h = load_history(sales.mgr, ("product", "region"))
    key = (sales.ids["A"], sales.ids["N"])
    drivers = h.price_drivers(key, 3)
    assert np.allclose(drivers[:MONTHS], h.series[key])  # one unit a line: price = amount
    assert np.allclose(drivers[MONTHS:], (1000 + 800 + 900) / 3)  # Dec, Jan, Feb held
    summary = run_forecast(sales.mgr, "product,region", horizon=3, method="regression", processes=1)
    assert summary.methods == {"regression": 5}


def _run_count(ctx) -> int:
    with ctx.reading() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ForecastRun))


def test_a_cancel_before_the_start_stores_nothing(sales) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ForecastCancelled, match="nothing was stored"):
        run_forecast(sales.mgr, "region", horizon=3, processes=1, cancel=cancel)
    assert _run_count(sales.mgr) == 0


def test_a_cancel_between_series_stops_the_run_and_stores_nothing(sales) -> None:
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()  # as the cancel key would, after the first series

    with pytest.raises(ForecastCancelled):
        run_forecast(
            sales.mgr, "product,region", horizon=3, processes=1, progress=progress, cancel=cancel
        )
    assert seen == [1]  # the next series was not forecast
    assert _run_count(sales.mgr) == 0
    # an unset cancel changes nothing
    summary = run_forecast(sales.mgr, "region", horizon=3, processes=1, cancel=threading.Event())
    assert summary.series == 3 and _run_count(sales.mgr) == 1


def test_why_reads_in_the_readers_language(sales) -> None:
    """#22: a run made in English showed its English "why" on a Chinese screen; a run
    keeps its explanations in both languages and the report shows the reader's."""
    import re

    from core.i18n import set_lang

    set_lang("en")
    summary = run_forecast(sales.planner, "product", horizon=4, processes=1)
    english = result_why(sales, summary.run_id)
    assert all(why and not re.search(r"[\u4e00-\u9fff]", why) for why in english)
    set_lang("zh_CN")
    try:
        chinese = result_why(sales, summary.run_id)
    finally:
        set_lang("en")
    assert len(chinese) == len(english)
    for why in chinese:
        assert re.search(r"[\u4e00-\u9fff]", why), why
        assert "Chose" not in why and "backtest" not in why and "{" not in why


def result_why(sales, run_id: int) -> list[str]:
    result = run_report(sales.planner, "forecast", {"run": run_id, "series": "A"})
    return [row[-1] for row in result.table("series").materialize()]

"""Outside drivers through the hook: a marketing campaign with a known lift enters the
forecast of the series it touches (the forecast plugin never imports marketing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa

from core.summaries import add_months
from plugins.forecast.models import ForecastSeries, ForecastValue
from plugins.forecast.select import explanation_text
from plugins.forecast.services.forecasting import run_forecast

FIRST = dt.date(2021, 3, 1)
MONTHS = 60  # to 2026-02; the clock stands at 2026-03-16
PROMOTED = {
    dt.date(2021, 6, 1),
    dt.date(2022, 9, 1),
    dt.date(2023, 4, 1),
    dt.date(2024, 11, 1),
    dt.date(2025, 7, 1),
}
PLANNED = dt.date(2026, 5, 1)
LIFT = 0.3  # a month under the campaign sells 30 % more
SEASON = [0.8, 0.9, 1.0, 1.1, 1.2, 1.0, 0.9, 0.8, 1.0, 1.1, 1.2, 1.0]


def _build(world) -> dict[str, int]:
    from plugins.marketing.models import Campaign

    mgr = world.user("mgr", "sales_manager", region="N")
    rep = world.user("rep_n", "sales_rep", region="N", manager=mgr)
    ids = {"N": world.region_id("N"), "S": world.region_id("S")}
    ids["A"] = world.product("A", "10.00", name="Alpha").id
    ids["B"] = world.product("B", "10.00", name="Beta").id
    channel = world.channel("CH", "Direct")
    customer = world.customer(rep, "N", code="CUST", name="Cust").id
    rng = np.random.default_rng(5)
    rows = []
    for i in range(MONTHS):
        month = add_months(FIRST, i)
        for product in ("A", "B"):
            lift = 1 + LIFT if product == "A" and month in PROMOTED else 1
            value = 1000 * SEASON[month.month - 1] * lift * rng.lognormal(0, 0.02)
            rows.append(
                {
                    "date": month.replace(day=10),
                    "customer": customer,
                    "product": ids[product],
                    "channel": channel,
                    "amount": Decimal(str(round(value, 2))),
                }
            )
    world.sales_lines(rows)
    for n, month in enumerate(sorted(PROMOTED | {PLANNED})):
        end = add_months(month, 1) - dt.timedelta(days=1)
        world.insert(
            Campaign(
                code=f"C{n}",
                name=f"Promotion {n}",
                kind="promotion",
                start=month,
                end=end,
                products=["A"],
                channels=[],
            )
        )
    return ids


def _series(ctx, run_id: int, key: str) -> tuple[str, dict[dt.date, Decimal]]:
    with ctx.reading() as session:
        row = session.scalar(
            sa.select(ForecastSeries).where(
                ForecastSeries.run_id == run_id, ForecastSeries.series_key == key
            )
        )
        values = dict(
            session.execute(
                sa.select(ForecastValue.period, ForecastValue.amount).where(
                    ForecastValue.series_id == row.id, ForecastValue.kind == "forecast"
                )
            ).all()
        )
    return explanation_text(row.explanation), values


def test_a_promotion_enters_the_forecast_of_the_series_it_touches(salesdesk_world) -> None:
    assert salesdesk_world.runtime.plugins.pm.get_plugin("marketing") is not None
    _build(salesdesk_world)
    run = run_forecast(salesdesk_world.admin, "product", horizon=6, processes=1).run_id
    why_a, a = _series(salesdesk_world.admin, run, "A")
    why_b, b = _series(salesdesk_world.admin, run, "B")
    assert "Promotion campaigns" in why_a and "Promotion campaigns" not in why_b
    pct = float(
        why_a.split("Promotion campaigns: a month fully under it sells ")[1][:4].rstrip("%.")
    )
    assert pct == pytest.approx(100 * LIFT, abs=8)  # the known lift, estimated
    # The planned May campaign lifts May against the same season in B (no campaign).
    ratio_may = float(a[PLANNED] / b[PLANNED])
    ratio_june = float(a[dt.date(2026, 6, 1)] / b[dt.date(2026, 6, 1)])
    assert ratio_may == pytest.approx(ratio_june * (1 + LIFT), rel=0.1)

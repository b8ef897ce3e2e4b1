"""Price changes as a driver of the forecast: a series whose quantity answers a price cut
by a known amount gets the driver, and the explanation gives the lift back; a series at
a constant price does not get it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from plugins.forecast.engine import Job, forecast_one
from plugins.forecast.holiday import PRICE_DRIVER
from plugins.forecast.methods import BUILTIN_METHODS
from plugins.forecast.select import Choice
from plugins.forecast.services.drivers import price_driver

METHODS = {m.id: m for m in BUILTIN_METHODS}
SEASON = np.array([0.8, 0.9, 1.0, 1.1, 1.2, 1.0, 0.9, 0.8, 1.0, 1.1, 1.2, 1.0])
MONTHS = 48
CUT_MONTHS = [5, 14, 23, 29, 33, 38, 41, 45]  # a price 20 % lower in these months
CUT = 0.2
ELASTICITY = -2.0  # quantity x 0.8^-2 = +56.25 % in a month at the cut price
JOB = Job("auto", 12, 12, first=dt.date(2022, 6, 1))


def _series(price_cut: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    t = np.arange(MONTHS)
    price = np.full(MONTHS, 100.0)
    if price_cut:
        price[CUT_MONTHS] *= 1 - CUT
    quantity = (
        50
        * (1 + 0.005 * t)
        * SEASON[t % 12]
        * (price / 100) ** ELASTICITY
        * rng.lognormal(0, 0.02, MONTHS)
    )
    return price * quantity, quantity


def _forecast(amount: np.ndarray, quantity: np.ndarray) -> tuple[np.ndarray | None, Choice]:
    column = price_driver(amount, quantity, JOB.horizon)
    extra = None if column is None else (column[:, None], (PRICE_DRIVER,))
    return column, forecast_one((amount, None, extra), JOB, METHODS)


def test_a_price_cut_with_a_known_lift_is_used_and_the_lift_recovered() -> None:
    amount, quantity = _series(price_cut=True)
    column, choice = _forecast(amount, quantity)
    assert column is not None and len(column) == MONTHS + JOB.horizon
    assert np.allclose(column[MONTHS:], 0)  # the forecast assumes the usual price
    assert choice.holiday is not None and PRICE_DRIVER in choice.holiday.names
    before, after = choice.holiday_gain
    assert after < 0.97 * before
    qty_lift, sales_lift = choice.holiday.price_lift(CUT)
    known = 100 * ((1 - CUT) ** ELASTICITY - 1)  # +56.25 %
    assert abs(qty_lift - known) < 8, (qty_lift, known)
    assert abs(sales_lift - 100 * ((1 - CUT) ** (ELASTICITY + 1) - 1)) < 8
    assert "Price changes" in choice.explanation
    assert "below the usual level" in choice.explanation


def test_a_constant_price_is_not_a_driver() -> None:
    amount, quantity = _series(price_cut=False)
    column, choice = _forecast(amount, quantity)
    assert column is None
    assert choice.holiday is None or PRICE_DRIVER not in choice.holiday.names
    assert "Price changes" not in choice.explanation


def test_small_moves_of_the_average_price_are_not_offered() -> None:
    amount, quantity = _series(price_cut=False)
    wobble = 1 + 0.01 * np.sin(np.arange(MONTHS))  # discounts mix: +/- 1 %
    assert price_driver(amount * wobble, quantity, 12) is None


def test_run_forecast_takes_the_price_from_the_sales_lines(salesdesk_world) -> None:
    """Through the service: product A sold at a 20 % lower price in some months (the
    quantity answering with the known elasticity), B always at its price; only A's
    explanation tells of price changes, with the lift."""
    from decimal import Decimal

    import sqlalchemy as sa

    from core.models import SalesLine
    from core.summaries import add_months, refresh_sales_summaries
    from plugins.forecast.models import ForecastSeries
    from plugins.forecast.services.forecasting import run_forecast

    world = salesdesk_world
    first = dt.date(2022, 3, 1)  # 48 months to 2026-02; the clock stands at 2026-03-16
    mgr = world.user("mgr", "sales_manager", region="N")
    rep = world.user("rep_n", "sales_rep", region="N", manager=mgr)
    region = world.region_id("N")
    products = {p: world.product(p, "100.00", name=p).id for p in ("A", "B")}
    channel = world.channel("CH", "Direct").id
    customer = world.customer(rep, "N", code="CUST", name="Cust").id
    rows = []
    for code, cut in (("A", True), ("B", False)):
        amount, quantity = _series(price_cut=cut)
        for i in range(MONTHS):
            rows.append(
                {
                    "date": add_months(first, i).replace(day=10),
                    "customer_id": customer,
                    "product_id": products[code],
                    "rep_id": rep.actor.id,
                    "region_id": region,
                    "channel_id": channel,
                    "quantity": Decimal(str(round(quantity[i], 2))),
                    "amount": Decimal(str(round(amount[i], 2))),
                }
            )
    with world.runtime.db.write_session() as session, session.begin():
        session.execute(sa.insert(SalesLine), rows)
        refresh_sales_summaries(session, first, add_months(first, MONTHS - 1))
    run = run_forecast(world.admin, "product", horizon=6, processes=1).run_id
    with world.admin.reading() as session:
        why = dict(
            session.execute(
                sa.select(ForecastSeries.series_key, ForecastSeries.explanation).where(
                    ForecastSeries.run_id == run
                )
            ).all()
        )
    assert "price changes" in why["A"] and "price changes" not in why["B"]
    qty = float(why["A"].split("below the usual level sold ")[1].split("%")[0])
    assert qty == pytest.approx(100 * ((1 - 0.1) ** ELASTICITY - 1), abs=6)  # +23 % at -10 %

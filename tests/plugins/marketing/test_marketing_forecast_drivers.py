"""Marketing's answer to the forecast plugin's ``salesdesk_forecast_drivers`` hook: the
share of each month under a promotion, for the series the campaign touches. Written with
the fixtures salesdesk ships to plugin authors (core/testing/pytest_plugin.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plugins.marketing.models import Campaign

MONTHS = [dt.date(2026, m, 1) for m in (3, 4, 5, 6)]


def test_a_promotion_is_a_driver_of_the_products_it_names(salesdesk_world: Any) -> None:
    world = salesdesk_world
    world.insert(
        Campaign(
            code="SPRING",
            name="Spring promotion",
            kind="promotion",
            start=dt.date(2026, 4, 16),
            end=dt.date(2026, 5, 31),
            products=["A"],
            channels=[],
        )
    )
    world.insert(
        Campaign(
            code="EXPO",
            name="Trade fair",
            kind="exhibition",
            start=dt.date(2026, 3, 1),
            end=dt.date(2026, 3, 31),
            products=[],
            channels=[],
        )
    )
    series = {"": {}, "A": {"product": "A"}, "B": {"product": "B"}}
    answers = world.runtime.plugins.contributions(
        "salesdesk_forecast_drivers", ctx=world.admin, cut=["product"], months=MONTHS, series=series
    )
    ((plugin, driver),) = answers
    assert plugin == "marketing" and driver["title"] == "Promotion campaigns"
    assert driver["values"]["A"] == [0.0, 0.5, 1.0, 0.0]  # half of April, all of May
    assert driver["values"][""] == [0.0, 0.5, 1.0, 0.0]  # the company is touched too
    assert "B" not in driver["values"]  # not among the campaign's products


def test_no_campaign_no_driver(salesdesk_world: Any) -> None:
    world = salesdesk_world
    answers = world.runtime.plugins.contributions(
        "salesdesk_forecast_drivers", ctx=world.admin, cut=[], months=MONTHS, series={"": {}}
    )
    assert answers == []

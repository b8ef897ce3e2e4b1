"""The allocation screen: +/- adjusts the selected key by 5 % and the totals stay put."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from core.i18n import set_lang
from plugins.forecast.services import targets as svc


def _app(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard",
                        load_dashboard=False)


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the screen, not the SQL
def test_plus_and_minus_rebalance_live_and_approve(sales) -> None:
    from plugins.forecast.views import AllocationScreen

    set_lang("en")
    view = svc.create_allocation(sales.mgr, period_kind="year", period_start=dt.date(2026, 1, 1),
                                 dimension="region", total="10000", basis="ytd")

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            await _settle(pilot)
            app.push_screen(AllocationScreen())
            await _settle(pilot)
            screen = app.screen
            assert isinstance(screen, AllocationScreen)
            assert "6,775.00" in str(screen.query_one("#alloc-lines").get_row_at(0))
            await pilot.press("plus")  # N +5 %: 7113.75, S takes the rest
            await _settle(pilot)
            amounts = {ln.code: ln.amount for ln in screen.view.lines}
            assert amounts == {"N": D("7113.75"), "S": D("2886.25")}
            assert "Total 10,000.00 of target 10,000.00" in str(
                screen.query_one("#alloc-total").render())
            await pilot.press("minus", "minus")  # back to 0, then -5 %
            await _settle(pilot)
            amounts = {ln.code: ln.amount for ln in screen.view.lines}
            assert amounts == {"N": D("6436.25"), "S": D("3563.75")}
            await pilot.press("a")  # the requester may not approve: told, not crashed
            await _settle(pilot)
            assert screen.view.allocation.status == "draft"

    try:
        asyncio.run(run())
    finally:
        set_lang(None)
    assert svc.get_allocation(sales.mgr, view.allocation.id).allocation.status == "draft"

"""Target allocation in the TUI: a planner drafts a new allocation there (``c``), and
starting a new revision (``r``) asks first, saying what happens to the current one."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from core.i18n import set_lang
from plugins.forecast.services import targets as svc


def _app(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


@pytest.mark.salesdesk_sqlite_only
def test_new_allocation_from_the_screen(sales: Any) -> None:
    from tui_helpers import settle

    from plugins.forecast.views import AllocationScreen
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    set_lang("en")

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            app.push_screen(AllocationScreen())
            await settle(pilot)
            screen = app.screen
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog)
            form = app.screen.query_one(FormFields)
            values = form.values()
            values.update(
                {
                    "period": "year",
                    "start": "2026-01-01",
                    "by": "region",
                    "total": "10000",
                    "basis": "ytd",
                }
            )
            form.set_values(values)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert screen.view is not None and screen.view.allocation.total == 10000

    try:
        asyncio.run(run())
    finally:
        set_lang(None)
    (made,) = svc.list_allocations(sales.mgr)
    assert (made.dimension, made.period_start) == ("region", dt.date(2026, 1, 1))


@pytest.mark.salesdesk_sqlite_only
def test_revise_asks_first(sales: Any) -> None:
    from tui_helpers import settle

    from plugins.forecast.views import AllocationScreen
    from tui.screens.dialogs import ConfirmDialog

    set_lang("en")
    svc.create_allocation(
        sales.mgr,
        period_kind="year",
        period_start=dt.date(2026, 1, 1),
        dimension="region",
        total="10000",
        basis="ytd",
    )

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            app.push_screen(AllocationScreen())
            await settle(pilot)
            screen = app.screen
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            question = str(app.screen.query_one("#confirm-question").render())
            assert "revision 2" in question and "10,000.00" in question
            await pilot.press("enter")  # Cancel has the focus
            await settle(pilot)
            assert app.screen is screen and len(svc.list_allocations(sales.mgr)) == 1
            await pilot.press("r", "right", "enter")
            await settle(pilot)
            assert len(svc.list_allocations(sales.mgr)) == 2

    try:
        asyncio.run(run())
    finally:
        set_lang(None)


async def _run_on_defaults(app: Any, report_id: str) -> Any:
    """Open the report from Reports, run it with the parameters as offered; the result."""
    from textual.widgets import OptionList
    from tui_helpers import settle

    from tui.screens.report_view import ReportView
    from tui.screens.reports import ReportsScreen

    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.open_report(report_id)
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("ctrl+r")
        await settle(pilot, rounds=5)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        shown = app.screen
        if not isinstance(shown, ReportView):  # not run: the focus is not left stuck
            assert isinstance(app.focused, OptionList) or app.focused is not None
        return shown, errors


@pytest.mark.salesdesk_sqlite_only
def test_forecast_and_allocation_reports_run_on_their_defaults(sales: Any) -> None:
    from plugins.forecast.services.forecasting import run_forecast
    from tui.screens.report_view import ReportView

    set_lang("en")
    run_forecast(sales.admin, "region", horizon=3, processes=1)
    svc.create_allocation(
        sales.mgr,
        period_kind="year",
        period_start=dt.date(2026, 1, 1),
        dimension="region",
        total="10000",
        basis="ytd",
    )
    try:
        for report_id in ("forecast", "target_allocation"):
            shown, errors = asyncio.run(_run_on_defaults(_app(sales.mgr), report_id))
            assert not errors, (report_id, errors)
            assert isinstance(shown, ReportView), report_id
            assert shown.result.tables[0].rows, report_id
    finally:
        set_lang(None)

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

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


async def _settle(pilot: Any) -> None:
    from tui_helpers import settle  # a worker cancelled by a newer one is no error

    await settle(pilot)


@pytest.mark.salesdesk_sqlite_only  # the screen, not the SQL
def test_plus_and_minus_rebalance_live_and_approve(sales) -> None:
    from plugins.forecast.views import AllocationScreen
    from tui.screens.dialogs import ConfirmDialog

    set_lang("en")
    view = svc.create_allocation(
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
                screen.query_one("#alloc-total").render()
            )
            await pilot.press("minus", "minus")  # back to 0, then -5 %
            await _settle(pilot)
            amounts = {ln.code: ln.amount for ln in screen.view.lines}
            assert amounts == {"N": D("6436.25"), "S": D("3563.75")}
            await pilot.press("a")  # asks first, naming the targets and listing them
            await _settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog)
            question = str(dialog.query_one("#confirm-question").render())
            assert "year targets from 2026-01-01 by region" in question
            assert "10,000.00" in question
            assert dialog.query_one("#confirm-rows").row_count == 2
            await pilot.press("enter")  # Cancel has the focus
            await _settle(pilot)
            assert app.screen is screen and screen.view.allocation.status == "draft"
            await pilot.press("a", "right", "enter")
            await _settle(pilot)  # the requester may not approve: told, not crashed
            assert app.screen is screen and screen.view.allocation.status == "draft"

    try:
        asyncio.run(run())
    finally:
        set_lang(None)
    assert svc.get_allocation(sales.mgr, view.allocation.id).allocation.status == "draft"


def _runs(ctx: Any) -> list[Any]:
    import sqlalchemy as sa

    from plugins.forecast.models import ForecastRun

    with ctx.reading() as session:
        return list(session.scalars(sa.select(ForecastRun)))


async def _open_forecast(pilot: Any, cut: str, horizon: str) -> Any:
    """Press f (the view's key), fill the form; in-process forecasting (no pool)."""
    from textual.widgets import Input

    from plugins.forecast.views import ForecastScreen

    await _settle(pilot)
    await pilot.press("f")
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ForecastScreen)
    screen.processes = 1
    screen.query_one("#fc-cut", Input).value = cut
    screen.query_one("#fc-horizon", Input).value = horizon
    return screen


def _text(screen: Any, widget_id: str) -> str:
    return str(screen.query_one(widget_id).render())


def _shown(screen: Any) -> set[str]:
    return {a.binding.action for a in screen.active_bindings.values()}


@pytest.mark.salesdesk_sqlite_only
def test_forecast_screen_runs_stores_and_opens_the_run(sales) -> None:
    from textual.widgets import ProgressBar

    from tui.screens.report_view import ReportView

    set_lang("en")

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_forecast(pilot, "region", "3")
            assert "open_run" not in _shown(screen)  # nothing to open yet
            await pilot.press("ctrl+r")
            await _settle(pilot)
            bar = screen.query_one("#fc-progress", ProgressBar)
            assert bar.total == 3 and bar.progress == 3  # the company, N and S
            [stored] = _runs(sales.mgr)
            assert stored.cut == "region" and stored.horizon == 3
            status = _text(screen, "#fc-status")
            assert status.startswith(f"Run {stored.id}: 3 series in ")
            assert "Seasonal naive 3" in status and "o opens it" in status
            assert "open_run" in _shown(screen) and "cancel_run" not in _shown(screen)
            await pilot.press("o")
            await _settle(pilot)
            assert isinstance(app.screen, ReportView)
            assert app.screen.report_id == "forecast"
            assert app.screen.result.params["run"] == stored.id

    try:
        asyncio.run(run())
    finally:
        set_lang(None)


@pytest.mark.salesdesk_sqlite_only
def test_forecast_screen_cancel_key_stores_nothing(sales, monkeypatch) -> None:
    """The first series waits on a gate; k is pressed while it runs, then the gate opens:
    the run stops before the next series and nothing is stored."""
    import threading

    from plugins.forecast import engine

    gate, started = threading.Event(), threading.Event()
    real = engine.forecast_one

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "forecast_one", slow)
    set_lang("en")

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_forecast(pilot, "product,region", "3")
            await pilot.press("ctrl+r")
            for _ in range(100):  # until the worker is inside the first series
                if started.is_set():
                    break
                await asyncio.sleep(0.05)
            await pilot.pause()
            assert screen.running and "cancel_run" in _shown(screen)
            await pilot.press("k")
            assert _text(screen, "#fc-status") == "Cancelling…"
            gate.set()
            await _settle(pilot)
            assert not screen.running and screen.run_id is None
            assert _text(screen, "#fc-status") == "forecast cancelled; nothing was stored"
            assert "open_run" not in _shown(screen)

    try:
        asyncio.run(run())
    finally:
        gate.set()
        set_lang(None)
    assert _runs(sales.mgr) == []


@pytest.mark.salesdesk_sqlite_only
def test_forecast_screen_shows_bad_input_and_refusals(sales) -> None:
    from plugins.forecast.services.forecasting import RUN_PERMISSIONS
    from plugins.forecast.views import RUN_PERMISSIONS as VIEW_PERMISSIONS
    from plugins.forecast.views import ForecastScreen

    assert VIEW_PERMISSIONS == RUN_PERMISSIONS
    set_lang("en")

    async def run() -> None:
        app = _app(sales.mgr)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_forecast(pilot, "region,colour", "3")
            await pilot.press("ctrl+r")
            await _settle(pilot)
            assert "Cut: got 'region,colour'" in _text(screen, "#fc-status")
            screen.query_one("#fc-cut").value = "region"
            screen.query_one("#fc-horizon").value = "0"
            await pilot.press("ctrl+r")
            await _settle(pilot)
            assert "Horizon: got 0, expected 1 to 120 periods" in _text(screen, "#fc-status")
            assert not screen.running and "start" in _shown(screen)
        app = _app(sales.rep_n)  # a rep may not run forecasts: not offered the view
        assert "view:forecast:forecast" not in [sid for sid, _k, _t in app.sections()]
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("f")
            await _settle(pilot)
            assert not isinstance(pilot.app.screen, ForecastScreen)
            pilot.app.push_screen(ForecastScreen())  # reached anyway: told, not crashed
            await _settle(pilot)
            screen = pilot.app.screen
            assert "needs the forecast permission" in _text(screen, "#fc-status")
            await pilot.press("ctrl+r")
            await _settle(pilot)
            assert "may not run" in _text(screen, "#fc-status")

    try:
        asyncio.run(run())
    finally:
        set_lang(None)
    assert _runs(sales.mgr) == []


@pytest.mark.salesdesk_sqlite_only
def test_forecast_screen_offers_only_methods_the_service_runs(sales) -> None:
    """Every method the form lists is one the service accepts: the average of methods is
    a result the automatic choice reaches, not something to ask for (it was listed, then
    refused)."""
    from textual.widgets import Select

    from plugins.forecast.services import forecasting as fc

    set_lang("en")

    async def run() -> list[str]:
        app = _app(sales.mgr)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_forecast(pilot, "region", "3")
            select = screen.query_one("#fc-method", Select)
            return [str(value) for _label, value in select._options if value != Select.BLANK]

    try:
        offered = asyncio.run(run())
    finally:
        set_lang(None)
    methods = fc.method_registry(sales.mgr)
    assert "auto" in offered and "damped" in offered
    for method in offered:
        fc._check_args(method, methods, 3, 0.8)  # raises for a method it refuses


@pytest.mark.salesdesk_sqlite_only
def test_forecast_screen_lists_its_methods_in_its_first_frame(sales) -> None:
    """The methods come from the plugins (no database): the method Select has them from
    the screen's first frame (they were put in after a worker, a restyle and a second
    layout later); the company's way to reconcile, a setting, is still read in a worker
    and shown when it comes."""
    from textual.app import App
    from textual.widgets import Select

    from core.services.company import set_setting
    from plugins.forecast.services.forecasting import RECONCILE_KEY
    from plugins.forecast.views import ForecastScreen

    set_setting(sales.admin, RECONCILE_KEY, "top_down")
    first: list[int] = []
    display = App._display

    def seen(self: App, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is not None and not first and isinstance(screen, ForecastScreen):
            first.append(len(screen.query_one("#fc-method", Select)._options))

    async def run() -> str:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            await _settle(pilot)
            await pilot.press("f")
            await _settle(pilot)
            await pilot.pause(0.1)
            return str(app.screen.query_one("#fc-reconcile", Select).value)

    App._display = display  # type: ignore[method-assign]
    try:
        App._display = seen  # type: ignore[method-assign]
        reconcile = asyncio.run(run())
    finally:
        App._display = display  # type: ignore[method-assign]
    assert first and first[0] > 2, first  # "auto" and the methods
    assert reconcile == "top_down"


@pytest.mark.salesdesk_sqlite_only
def test_forecast_progress_bar_is_not_measured_as_the_screen_opens(sales, monkeypatch) -> None:
    """The progress bar spans the line either way; sized by its content (Textual's
    ``width: auto``) it was measured through its children at every layout, 4 ms of CPU
    a layout on a loaded machine, two layouts as the screen opened."""
    from textual.widgets import ProgressBar

    measured: list[object] = []
    width = ProgressBar.get_content_width

    def counted(self: ProgressBar, *args: Any) -> int:
        measured.append(self)
        return width(self, *args)

    monkeypatch.setattr(ProgressBar, "get_content_width", counted)

    async def run() -> tuple[int, int]:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            await _settle(pilot)
            await pilot.press("f")
            await _settle(pilot)
            bar = app.screen.query_one("#fc-progress", ProgressBar)
            return bar.outer_size.width, app.screen.size.width

    bar_width, screen_width = asyncio.run(run())
    assert measured == []
    assert bar_width == screen_width


@pytest.mark.salesdesk_sqlite_only  # the screen, not the SQL
def test_a_new_allocations_dimension_is_not_labelled_added_by_in_chinese(sales) -> None:
    """The dialog's "By" (the cut the total is shared out over: region, product, ...) read
    添加人, the core's "added by"; it is 分摊维度 beside 分摊依据."""
    from textual.widgets import Label

    from plugins.forecast.views import AllocationScreen
    from tui.screens.dialogs import FormDialog

    async def run() -> list[str]:
        app = _app(sales.mgr)
        async with app.run_test(size=(100, 30)) as pilot:
            await _settle(pilot)
            app.push_screen(AllocationScreen())
            await _settle(pilot)
            app.screen.action_new()
            await _settle(pilot)
            assert isinstance(app.screen, FormDialog)
            return [str(label.render()) for label in app.screen.query(Label)]

    set_lang("zh_CN")
    try:
        labels = asyncio.run(run())
    finally:
        set_lang(None)
    assert "分摊维度" in labels and "分摊依据" in labels, labels
    assert "添加人" not in labels, labels

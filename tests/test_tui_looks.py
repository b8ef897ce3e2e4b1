"""Looks (issue 22 item 8): the focused field stands out, a status reads without colour,
a checkbox shows its state, chart axes print readable numbers."""

from __future__ import annotations

from typing import Any

from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


def _distance(a: Any, b: Any) -> float:
    return sum((x - y) ** 2 for x, y in zip(a.rgb, b.rgb, strict=True)) ** 0.5


@aio
async def test_focused_field_stands_out(tui_world: dict[str, Any]) -> None:
    """A compact field's focus was a 5% tint (background 234 against 235): now clearly
    another colour, for an Input and a Select alike."""
    from textual.widgets import Input, Select

    from tui.screens.customer_form import CustomerForm

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.push_screen(CustomerForm(None))
        await settle(pilot)
        name, industry = (
            app.screen.query_one("#f-name", Input),
            app.screen.query_one("#f-industry", Input),
        )
        name.focus()
        await pilot.pause()
        assert _distance(name.background_colors[1], industry.background_colors[1]) > 40
        size = app.screen.query_one("#f-size", Select)
        plain = size.query_one("SelectCurrent").background_colors[1]
        size.focus()
        await pilot.pause()
        focused = size.query_one("SelectCurrent").background_colors[1]
        assert _distance(focused, plain) > 40


def test_sales_control_statuses_read_without_colour() -> None:
    """With NO_COLOR the board's colours are greys: each status also has its own mark."""
    from plugins.real_estate.views import STATUS_STYLE, unit_cell

    plain = {unit_cell("101", status).plain for status in STATUS_STYLE}
    assert len(plain) == len(STATUS_STYLE)  # every status reads differently as text


@aio
async def test_check_only_box_shows_its_state(tui_world: dict[str, Any]) -> None:
    """The Import screen's "Check only" showed ▐X▌ ticked or not."""
    from textual.widgets import Checkbox

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        await settle(pilot)
        box = app.screen.query_one("#import-check", Checkbox)
        shown = {}
        for value in (False, True):
            box.value = value
            await pilot.pause()
            shown[value] = box.render().plain
        assert "✓" in shown[True] and "✓" not in shown[False] and "X" not in shown[False]


def test_chart_axes_print_readable_amounts() -> None:
    """plotext labelled a value axis 4474032.2; now round ticks people read."""
    from core.i18n import set_lang
    from tui.screens.report_view import axis_ticks

    ticks, words = axis_ticks([4474032.2, 1200000.0])
    assert ticks == [0, 2_000_000, 4_000_000, 6_000_000]
    assert words == ["0", "2,000,000", "4,000,000", "6,000,000"]
    set_lang("zh_CN")
    try:
        assert axis_ticks([4474032.2])[1] == ["0", "200万", "400万", "600万"]
        assert axis_ticks([3.5e8])[1][-1] == "4亿"
    finally:
        set_lang("en")


@aio
async def test_a_list_of_choices_marks_only_the_ticked(tui_world: dict[str, Any]) -> None:
    """A user's roles (and the handover's new owners) showed ▐X▌ on every line, ticked
    or not: only the colour told them apart."""
    from textual.app import App, ComposeResult

    from tui.widgets.tickbox import TickList

    class Roles(App[None]):
        def compose(self) -> ComposeResult:
            yield TickList(("Sales rep", "rep", True), ("Finance", "finance", False))

    app = Roles()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        ticks = app.query_one(TickList)
        lines = [ticks.render_line(y).text for y in range(2)]
        assert "✓" in lines[0] and "Sales rep" in lines[0]
        assert "✓" not in lines[1] and "X" not in lines[1] and "Finance" in lines[1]
        ticks.toggle("finance")
        await pilot.pause()
        assert "✓" in ticks.render_line(1).text

"""The shared dialogs show the user's text as typed: a name with square brackets is a
name, never Rich markup (which would restyle it or stop the dialog from drawing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tui_helpers import aio, settle

HOSTILE = ["[bold]x", "[/]", "[red]Acme[/red] [/b]"]


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard")


def shown(screen: Any) -> str:
    """Every text the dialog draws, as drawn (markup applied)."""
    from textual.widgets import DataTable, Label, Static

    parts = [str(w.render()) for w in screen.query(Static) if not isinstance(w, DataTable)]
    parts += [str(w.render()) for w in screen.query(Label)]
    for table in screen.query(DataTable):
        for row in range(table.row_count):
            parts += [str(getattr(c, "plain", c)) for c in table.get_row_at(row)]
            parts += [
                table._get_row_renderables(row).cells[i].plain  # type: ignore[attr-defined]
                for i in range(len(table.columns))
            ]
    return "\n".join(parts)


@aio
async def test_prompt_dialog_shows_brackets_as_typed(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import PromptDialog

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in HOSTILE:
            app.push_screen(PromptDialog(name, f"Rename {name}?", name))
            await settle(pilot)
            assert isinstance(app.screen, PromptDialog)
            text = shown(app.screen)
            assert name in text and f"Rename {name}?" in text
            await pilot.press("escape")
            await settle(pilot)


@aio
async def test_table_dialog_shows_brackets_as_typed(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import TableDialog

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in HOSTILE:
            app.push_screen(TableDialog(name, ["Customer", "Owner"], [(name, "li")]))
            await settle(pilot)
            assert isinstance(app.screen, TableDialog)
            text = shown(app.screen)
            assert text.count(name) >= 2  # the title and the cell
            await pilot.press("escape")
            await settle(pilot)


@aio
async def test_conflict_dialog_shows_brackets_as_typed(tui_world: dict[str, Any]) -> None:
    from core.errors import Conflict
    from tui.screens.dialogs import ConflictDialog

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for name in HOSTILE:
            conflict = Conflict("customer", 1, name, dt.datetime(2026, 3, 16, 9, 30))
            app.push_screen(ConflictDialog(conflict))
            await settle(pilot)
            assert isinstance(app.screen, ConflictDialog)
            assert name in shown(app.screen)
            await pilot.press("escape")
            await settle(pilot)


@aio
async def test_report_view_shows_parameters_as_typed(tui_world: dict[str, Any]) -> None:
    from core.reports import Column, ReportResult, Table
    from tui.screens.report_view import ReportView

    table = Table("t", "Rows", "行", [Column("name", "Name", "名称")], [("[/]",)])
    result = ReportResult("x", "[bold]Title", "[bold]Title", {"customer": "[/]"}, [table])
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ReportView("x", {"customer": "[/]"}, result))
        await settle(pilot)
        head = str(app.screen.query_one("#result-head").render())
        assert "[bold]Title" in head and "Customer [/]" in head


@aio
async def test_lists_show_a_bracketed_customer_name_as_typed(tui_world: dict[str, Any]) -> None:
    from tui.widgets.paged_table import PagedTable

    world = tui_world["world"]
    for name in HOSTILE:
        world.customer(owner=tui_world["rep"], name=name)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        names = [
            table._get_row_renderables(i).cells[1].plain  # type: ignore[attr-defined]
            for i in range(table.row_count)
        ]
        for name in HOSTILE:
            assert name in names


@aio
async def test_a_notification_shows_brackets_as_written(tui_world: dict[str, Any]) -> None:
    """A refusal quoting what was typed (pydantic's "[type=..., input_value='X']") once
    ended the app as broken markup when its toast was drawn."""
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for text in [*HOSTILE, "got 'x' [type=string_too_long, input_value='MFG_DELIVE']"]:
            app.notify(text)
        await pilot.pause(0.3)  # the toasts are drawn: broken markup raised here
        await settle(pilot)
        assert app.is_running and app.return_code is None
        shown = list(app._notifications)  # type: ignore[attr-defined]
        assert len(shown) == len(HOSTILE) + 1
        assert not any(n.markup for n in shown)  # read as written, never as markup

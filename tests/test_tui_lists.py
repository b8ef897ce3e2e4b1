"""The customers list kept fast: built ahead while Home is read, shown again without
rebuilding, reloads that redraw only what changed, and a theme change still applied."""

from __future__ import annotations

from typing import Any

from tui_helpers import aio, settle


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


async def built_ahead(pilot: Any) -> Any:
    from tui.widgets.paged_table import PagedTable

    for _ in range(50):
        await settle(pilot)
        app = pilot.app
        if app.is_screen_installed("customers"):
            screen = app.get_screen("customers")
            if screen.is_mounted and screen.query_one(PagedTable).loads:
                return screen
        await pilot.pause(0.05)
    raise AssertionError("the customers list was not built ahead")


def _rename(world: Any, customer: Any, name: str) -> None:
    with world.runtime.db.write_session() as session, session.begin():
        session.get(type(customer), customer.id).name = name


@aio
async def test_list_built_ahead_then_kept(tui_world: dict[str, Any]) -> None:
    from textual.geometry import Region

    from tui.screens.home import HomeScreen
    from tui.widgets.paged_table import PagedTable

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await built_ahead(pilot)
        assert isinstance(app.screen, HomeScreen)  # built off screen, Home still shown
        table = screen.query_one(PagedTable)
        assert table.row_count == 8  # the first page is already read
        # read again off screen with a longer name: drawn ahead once the column widened
        acme = next(c for c in tui_world["customers"] if c.name == "Acme Trading")
        _rename(tui_world["world"], acme, "Acme Trading Worldwide Holdings Group")
        table.reload()
        await settle(pilot)
        await pilot.pause(0.2)
        await pilot.press("2")
        assert app.screen is screen and table.row_count == 8  # shown with its rows
        drawn = [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]
        assert any("Acme Trading Worldwide Holdings Group" in line for line in drawn), drawn
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        assert app.screen is screen
        await settle(pilot)
        assert table.total == 8
        assert table.get_row_at(0)[1] == "Acme Trading Worldwide Holdings Group"


@aio
async def test_reload_redraws_only_what_changed(tui_world: dict[str, Any]) -> None:
    from tui.widgets.paged_table import PagedTable

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await built_ahead(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(PagedTable)
        cleared = []
        original = table.clear
        table.clear = lambda *a, **k: (cleared.append(1), original(*a, **k))[1]
        table.reload()
        await settle(pilot)
        assert not cleared and table.row_count == 8  # the same rows: nothing redrawn
        acme = next(c for c in tui_world["customers"] if c.name == "Acme Trading")
        _rename(tui_world["world"], acme, "Acme [/] Trading")  # not markup: shown as typed
        table.reload()
        await settle(pilot)
        assert cleared
        assert str(table.get_row_at(0)[1]) == "Acme [/] Trading"
        await pilot.pause()  # drawn without a markup error


@aio
async def test_theme_change_reaches_a_kept_screen(tui_world: dict[str, Any]) -> None:
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await built_ahead(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        before = screen.styles.background
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is screen
        assert screen.styles.background != before
        assert screen.styles.background == app.screen_stack[-2].styles.background


@aio
async def test_choices_timer_after_the_list_was_closed_is_harmless(
    tui_world: dict[str, Any],
) -> None:
    """The filter choices are filled by a timer; when the list built ahead is closed first
    (its widgets gone), the late timer must not end the app with an error."""
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await built_ahead(pilot)
        await screen.remove_children()
        screen._fill_choices()  # what the timer does once the widgets are gone
        await settle(pilot)
        assert app.is_running and app.return_code is None


@aio
async def test_a_first_page_read_ahead_is_in_the_tables_first_frame() -> None:
    """A page read ahead (``read_ahead``) and there when the table gets its source is
    put in the table at once, before its first frame, not read again through a worker
    (whose page came a frame later); the count is read after, and the page is cut to
    the table's height when it is laid out."""
    from textual.app import App, ComposeResult

    from tui.widgets.paged_table import PagedTable, Source, read_ahead

    calls: list[tuple[int, int, int | None]] = []

    def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
        calls.append((offset, limit, total))
        return [(f"k{i}", [f"row {i}"]) for i in range(offset, min(offset + limit, 50))]

    ahead = read_ahead(fetch, 30)  # max(20, the terminal's 30 rows)
    ahead.page.result()  # type: ignore[attr-defined]
    at_mount: list[int] = []

    class Lists(App[None]):
        def compose(self) -> ComposeResult:
            yield PagedTable()

        def on_mount(self) -> None:
            table = self.query_one(PagedTable)
            table.add_column("Name")
            table.set_source(Source(lambda: 50, ahead))
            at_mount.append(table.row_count)

    app = Lists()
    async with app.run_test(size=(40, 30)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert at_mount == [30] and calls == [(0, 30, None)]
        assert table.total == 50 and 5 < table.row_count == table.page_size < 30
        await pilot.press("pagedown")
        await settle(pilot)
        assert len(calls) == 2 and calls[1][1:] == (table.page_size, 50)  # the table's own

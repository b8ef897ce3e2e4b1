"""A served session pays for every redraw in CPU, fifty sessions at once: screens redraw
only what changed (bench/profile_session.py measures the CPU per key press)."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


@aio
async def test_the_footer_is_rebuilt_only_when_its_keys_change(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.base import KeysFooter

    built: list[str] = []
    compose = KeysFooter.compose

    def counting(self: KeysFooter) -> Any:
        built.append(type(self.screen).__name__)
        return compose(self)

    monkeypatch.setattr(KeysFooter, "compose", counting)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        built.clear()
        for key in ("down", "tab", "down", "tab"):  # focus moves, the keys stay the same
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)
        assert built == []
        await pilot.press("2")  # another screen: its own keys
        await settle(pilot)
        footer = app.screen.query_one(KeysFooter)
        keys = {k.key for k in footer.query("FooterKey")}  # type: ignore[attr-defined]
        assert "escape" in keys and "q" not in keys


@aio
async def test_home_redraws_only_the_figures_that_changed(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import DataTable

    from tui.screens.home import HomeScreen

    updated: list[str] = []
    update_cell = DataTable.update_cell

    def counting(self: Any, row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
        updated.append(str(row_key))
        update_cell(self, row_key, column_key, value, **kw)

    monkeypatch.setattr(DataTable, "update_cell", counting)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(updated) >= 10  # "…" became each figure
        updated.clear()
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("escape")  # Home reads its figures again: none changed
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert updated == []


@aio
async def test_opportunities_coming_back_unchanged_keep_their_table(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import DataTable

    from tui.screens.opportunities import OpportunitiesScreen

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        table = screen.query_one("#list", DataTable)
        rows = table.row_count
        assert rows == len(tui_world["deals"])
        cleared: list[bool] = []
        clear = table.clear
        monkeypatch.setattr(table, "clear", lambda *a, **k: cleared.append(True) or clear(*a, **k))
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")  # the same deals: the table stays as it was
        await settle(pilot)
        assert app.screen is screen and cleared == [] and table.row_count == rows


@aio
async def test_a_served_session_has_no_blinking_cursor(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each blink is a redraw sent over SSH twice a second: an idle served session with
    the filter focused cost the server 7 times an idle one on Home. Locally it blinks."""
    from textual.widgets import Input

    import core.served

    for served in (False, True):
        monkeypatch.setattr(core.served, "_bound_user_id", 1 if served else None)
        app = app_for(tui_world["admin"], load_dashboard=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            await pilot.press("slash")
            await settle(pilot)
            field = app.focused
            assert isinstance(field, Input)
            assert field.cursor_blink is not served


@aio
async def test_home_reads_its_figures_again_only_when_something_changed(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Coming back to Home read every figure again (the dearest key of a served session):
    now only after a write (anyone's, in any session: the audit trail grows) or when the
    figures are older than a short age; the check is made off the UI thread."""
    import threading

    from core.services import dashboard
    from core.services.opportunities import move_stage
    from tui.base import Freshness
    from tui.screens.home import HomeScreen

    computed: list[bool] = []  # True: on the UI thread
    compute = dashboard.compute

    def counting(ctx: Any) -> Any:
        computed.append(threading.current_thread() is threading.main_thread())
        return compute(ctx)

    monkeypatch.setattr(dashboard, "compute", counting)
    app = app_for(tui_world["admin"])

    async def round_trip(pilot: Any) -> None:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(computed) == 1
        await round_trip(pilot)
        assert len(computed) == 1  # nothing changed: the figures shown still hold
        move_stage(tui_world["manager"], tui_world["deals"][0].id, "proposal")
        await round_trip(pilot)
        assert len(computed) == 2  # a deal moved: read again
        monkeypatch.setattr(Freshness, "FRESH_FOR", 0.0)
        await round_trip(pilot)
        assert len(computed) == 3  # too old to trust: read again
        await pilot.press("f5")
        await settle(pilot)
        assert len(computed) == 4  # F5 always reads
    assert not any(computed)


@aio
async def test_a_new_screens_footer_keys_are_styled_once(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each footer key is styled as it mounts, and not again: Textual's footer binds each
    key's ``compact`` to its own, which restyled every key twice more (with its two
    component classes) each time a screen was opened (docs/performance.md)."""
    from textual.dom import DOMNode
    from textual.widgets._footer import FooterKey

    restyled: list[str] = []
    update = DOMNode.update_node_styles

    def counting(self: DOMNode, animate: bool = True) -> None:
        if isinstance(self, FooterKey):
            restyled.append(self.key)
        update(self, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", counting)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for section in ("3", "9"):
            restyled.clear()
            await pilot.press(section)
            await settle(pilot)
            keys = list(app.screen.query(FooterKey))
            assert len(keys) > 3
            assert restyled == []
            assert not any(k.has_class("-compact") for k in keys if k.key != "ctrl+p")
            await pilot.press("escape")
            await settle(pilot)


@aio
async def test_table_cells_drawn_fast_are_drawn_as_textual_draws_them() -> None:
    """tui.base draws plain one-line cells itself (Rich's general path cost about 150 us
    a cell): every cell, under the cursor or not, fixed or not, must come out exactly as
    Textual's own ``_render_cell`` makes it; other cells are left to Textual."""
    from decimal import Decimal

    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    import tui.base  # noqa: F401  (installs the fast path)

    fast = DataTable._render_cell
    textual_own = fast.textual  # type: ignore[attr-defined]
    cells = [
        "Zhang Wei",
        "",
        "a name far too long for its column, cut",
        "张伟 上海华东区域销售有限公司",
        "trailing   ",
        "[b]not markup[/b]",
        12345,
        Decimal("279968.00"),
        3.14159,
        Text("1,200.00", justify="right"),
        Text("a long amount 1,234,567.89", justify="right"),
        Text("mid", justify="center"),
        Text("左", justify="left"),
        Text("ellipsis wanted here, long", overflow="ellipsis"),
        Text("crop me, this is long", overflow="crop", justify="right"),
        Text("styled", style="bold red"),  # Textual's
        Text.assemble(("two", "green"), " parts"),  # Textual's
        Text("wraps when it may, long text", no_wrap=False),  # Textual's when too long
        "全角文字が列の幅を超える",
    ]

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(zebra_stripes=True, fixed_columns=1)
            yield DataTable(cursor_type="row", cell_padding=0)

    app = Tables()
    async with app.run_test(size=(100, 30)) as pilot:
        for table in app.query(DataTable):
            table.add_column("key")
            table.add_column("narrow", width=7)
            table.add_column("auto")
            for index, cell in enumerate(cells):
                table.add_row(index, cell, cell, key=str(index))
        await pilot.pause()
        compared = 0
        for table in app.query(DataTable):
            table.focus()
            await pilot.pause()
            for row in range(len(cells)):
                for column, col in enumerate(table.ordered_columns):
                    width = col.get_render_width(table)
                    for cursor, hover in ((False, False), (True, False), (False, True)):
                        for style in (
                            table.rich_style,
                            table.get_component_rich_style("datatable--even-row"),
                        ):
                            table._cell_render_cache.clear()
                            ours = fast(table, row, column, style, width, cursor, hover)
                            table._cell_render_cache.clear()
                            theirs = textual_own(table, row, column, style, width, cursor, hover)
                            assert ours == theirs, (cells[row], width, cursor, hover)
                            compared += 1
        assert compared > 300


def test_table_cells_are_measured_as_textual_measures_them() -> None:
    """tui.base measures plain one-line cells by their length: the same widths as Rich's
    measurement, which DataTable uses for its automatic column widths."""
    from rich.console import Console
    from rich.text import Text
    from textual.widgets import _data_table

    import tui.base  # noqa: F401  (installs the fast measure)

    fast = _data_table.measure
    textual_own = fast.textual  # type: ignore[attr-defined]
    console = Console(width=80)
    texts = [
        "",
        "Zhang Wei",
        "张伟 上海",
        "trailing  ",
        " lead",
        "a\nb",
        "tab\there",
        "x\u2028y",
        "a much longer line\nshort",
    ]
    cells = [Text(t) for t in texts] + [Text(t, justify="right") for t in texts]
    cells += [Text.assemble(("two", "green"), " parts"), "plain str", 12345]
    for cell in cells:
        assert fast(console, cell, 1) == textual_own(console, cell, 1), repr(cell)


@aio
async def test_a_cursor_key_restyles_nothing(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving the cursor in a list redraws two rows; a restyle (a class or pseudo-class
    change on the table, the screen or the footer) would restyle the node and all below it
    and drop the table's drawn cells: a served session pays for every key."""
    from textual.dom import DOMNode

    restyled: list[str] = []
    update = DOMNode.update_node_styles

    def counting(self: DOMNode, animate: bool = True) -> None:
        restyled.append(type(self).__name__)
        update(self, animate)

    monkeypatch.setattr(DOMNode, "update_node_styles", counting)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for section in ("2", "3", None):  # Customers, Opportunities, Home's navigation
            if section:
                await pilot.press(section)
                await settle(pilot)
            restyled.clear()
            for key in ("down", "down", "up"):
                await pilot.press(key)
                await pilot.pause()
            await settle(pilot)
            assert restyled == [], (section, type(app.focused).__name__)
            if section:
                await pilot.press("escape")
                await settle(pilot)


@aio
@pytest.mark.parametrize("key", ["0", "9"])
async def test_a_new_screens_footer_is_built_with_its_keys_once(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """A new screen's bindings change two or three times (its resume, the focus given to
    its list) before the footer's rebuild asked for by the first has run: each asked for
    one more, showing the same keys (Admin, Users: 4-7 ms of the UI thread each)."""
    from tui.base import KeysFooter

    built: list[bool] = []
    compose = KeysFooter.compose

    def counting(self: KeysFooter) -> Any:
        built.append(bool(self._bindings_ready))
        return compose(self)

    monkeypatch.setattr(KeysFooter, "compose", counting)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        built.clear()
        await pilot.press(key)
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert built.count(True) == 1, built  # (and the empty one as it mounts)
        footer = app.screen.query_one(KeysFooter)
        assert {k.key for k in footer.query("FooterKey")} >= {"escape", "n"}  # type: ignore[attr-defined]


@aio
async def test_a_table_works_out_its_styles_once_a_drawing_and_draws_as_textual_draws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tui.base has a DataTable work out its own style and its rows' styles once each time
    it draws (Textual walked every ancestor for each of them on every line: some 100
    walks a screenful); the lines drawn, focused or not, zebra, fixed rows and columns,
    cursor anywhere, must be exactly Textual's."""
    from textual.app import App, ComposeResult
    from textual.dom import DOMNode
    from textual.geometry import Region
    from textual.widgets import DataTable

    import tui.base  # noqa: F401  (installs the patch)

    textual_lines, textual_styles, base = DataTable.render_lines.textual  # type: ignore[attr-defined]
    walks: list[str] = []

    def counted(self: DOMNode) -> Any:
        walks.append(type(self).__name__)
        return base.fget(self)

    class Tables(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(zebra_stripes=True, fixed_columns=1, fixed_rows=1, id="a")
            yield DataTable(cursor_type="row", id="b")

    def drawn(table: DataTable[Any]) -> list[list[tuple[str, Any]]]:
        table._row_render_cache.clear()
        table._cell_render_cache.clear()
        table._line_cache.clear()
        table._styles_cache.clear()
        lines = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        return [[(s.text, s.style) for s in line] for line in lines]

    app = Tables()
    async with app.run_test(size=(100, 40)) as pilot:
        for table in app.query(DataTable):
            table.add_columns("Code", "Name", "State")
            for i in range(25):
                table.add_row(f"R{i:02}", f"Region {i} 区域", "active", key=str(i))
        await pilot.pause()
        seen = 0
        for table_id in ("a", "b"):
            table = app.query_one(f"#{table_id}", DataTable)
            for focused, row in ((False, 0), (True, 3), (True, 12)):
                if focused:
                    table.focus()
                else:
                    app.set_focus(None)
                table.move_cursor(row=row)
                await pilot.pause()
                monkeypatch.setattr(DOMNode, "rich_style", property(counted))
                walks.clear()
                ours = drawn(table)
                ours_walks = len(walks)
                monkeypatch.setattr(DataTable, "render_lines", textual_lines)
                monkeypatch.setattr(DataTable, "get_component_styles", textual_styles)
                monkeypatch.setattr(DataTable, "rich_style", property(counted))
                walks.clear()
                theirs = drawn(table)
                monkeypatch.undo()
                assert ours == theirs, (table_id, focused, row)
                assert ours_walks <= 6 < len(walks), (ours_walks, len(walks))
                seen += 1
        assert seen == 6

"""What a section costs the UI thread as it opens (issue 22: each section by its key in
under 100 ms on the large data set): not timed tests, they count the work the UI thread
is given (widgets mounted, lists measured again), which does not depend on the load of
the machine the tests run on."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


@aio
@pytest.mark.parametrize("section", ["reports", "forms"])
async def test_a_list_of_reports_or_forms_is_filled_in_one_go(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    """Reports and Forms list what was read with one call: each ``add_option`` asks for
    a new layout, sizes the list's lines and scroll range again and redraws it; about 60
    reports and headings added one by one took 0.1 s of the UI thread's CPU as Reports
    opened on large."""
    from textual.widgets import OptionList

    calls: list[int] = []
    add_options = OptionList.add_options

    def counted(self: OptionList, options: Any) -> Any:
        options = list(options)
        if self.id == f"{section[:-1]}-list" and options:  # not the empty first
            calls.append(self.option_count)
        return add_options(self, options)

    monkeypatch.setattr(OptionList, "add_options", counted)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section(section)
        await settle(pilot)
        listing = app.screen.query_one(OptionList)
        assert listing.option_count > 1
        assert calls == [0], calls


def _tracked(obj: object) -> bool:
    """Whether the garbage collector still checks ``obj`` (frozen objects it does not)."""
    import gc

    return any(o is obj for o in gc.get_objects())


@pytest.mark.manage_gc
@aio
async def test_home_and_a_kept_section_are_frozen_once_left(tui_world: dict[str, Any]) -> None:
    """Home and the kept sections live as long as the app: once built and left they
    are out of the collector's reach, so its full collections (0.1-0.2 s of the UI
    thread on large with four kept sections, every few screens) check only the rest."""
    from tui.screens.home import HomeScreen
    from tui.screens.opportunities import OpportunitiesScreen

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.press("3")
        await settle(pilot)
        kept = app.screen
        assert isinstance(kept, OpportunitiesScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is home
        assert not _tracked(home) and not _tracked(kept)


@pytest.mark.manage_gc
@aio
async def test_a_closed_section_is_collected_as_it_closes(tui_world: dict[str, Any]) -> None:
    """A section that is not kept is garbage once closed (its widgets hold one another):
    a full collection runs then, in a step of its own, rather than the closed screens
    piling up until one long collection in the middle of a later key."""
    import gc

    from tui.screens.admin import AdminScreen

    full: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(info["collected"])

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        gc.callbacks.append(seen)
        try:
            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause(0.1)
        finally:
            gc.callbacks.remove(seen)
        assert not isinstance(app.screen, AdminScreen)
        assert full and max(full) > 1000, full  # the screen's widgets, styles, caches


@aio
async def test_a_closed_sections_drawn_lines_are_let_go(tui_world: dict[str, Any]) -> None:
    """Textual cached each widget's background styles by its StylesCache (which holds the
    lines last drawn): the closed screens' lines stayed in memory, the last 1,024 widgets'
    worth, and every full collection checked them (the collection after a screen closed
    grew from 35 to over 100 ms in three rounds of the sections on large). Cached by the
    colours (tui.textual_patches), a closed screen's drawing goes with it."""
    import gc
    import weakref

    from tui.screens.admin import AdminScreen

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("9", "escape")  # Home left once (frozen then, and what was
        await settle(pilot)  # made by then with it: see freeze_kept)
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        drawn = [w._styles_cache for w in screen.walk_children() if w._styles_cache._cache]
        assert len(drawn) > 5  # the widgets drew their lines
        caches = [weakref.ref(c) for c in drawn]
        del drawn, screen
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(0.1)
        gc.collect()
        kept = [ref for ref in caches if ref() is not None]
        assert not kept, f"{len(kept)} of {len(caches)} closed widgets' drawings kept"


@aio
@pytest.mark.parametrize(
    ("key", "module", "name"),
    [
        ("4", "core.services.activities", "visits_on"),
        ("b", "plugins.funnel.services.analytics", "board"),
    ],
)
async def test_a_section_reads_its_data_once_as_it_opens(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, key: str, module: str, name: str
) -> None:
    """The daily report and the pipeline board read their data once when first opened:
    both read it on mount and again as the screen was first shown (the day was drawn
    twice; the board's two reads shared the CPU and the first was dropped). Coming back
    reads it again."""
    import importlib

    mod = importlib.import_module(module)
    calls: list[str] = []
    fn = getattr(mod, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return fn(*args, **kwargs)

    monkeypatch.setattr(mod, name, counted)
    app = app_for(tui_world["manager"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        first = len(calls)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
    per_read = 2 if key == "4" else 1  # the day: the rep's visits and the team's
    assert first == per_read, calls
    assert len(calls) == 2 * per_read, calls


@aio
@pytest.mark.parametrize("section", ["daily", "reports"])
async def test_compact_fields_are_not_styled_before_they_are_mounted(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    """The daily report's and a form's fields are compact, and none was run through the
    stylesheet before it was mounted (Textual's ``compact=True`` did, in the field's
    constructor, work thrown away as the field mounts: 0.3 ms of CPU a field)."""
    from textual.app import App
    from textual.widgets import Input, Select

    early: list[str] = []
    update_styles = App.update_styles

    def watched(self: App, node: Any, animate: bool = True) -> None:
        ours = str(node.id).startswith(("e-", "f-"))  # the day's and the form's fields
        if isinstance(node, (Input, Select)) and not node.is_attached and ours:
            early.append(str(node.id))
        update_styles(self, node, animate)

    monkeypatch.setattr(App, "update_styles", watched)
    app = app_for(tui_world["manager"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section(section)
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        fields = list(app.screen.query(Input)) + list(app.screen.query(Select))
        fields = [f for f in fields if f.id and f.id.startswith(("e-", "f-"))]
        assert fields and all(f.compact and f.has_class("-textual-compact") for f in fields)
    assert early == [], early


@aio
@pytest.mark.parametrize("section", ["admin", "users", "daily"])
async def test_a_section_is_laid_out_once_as_it_opens_and_home_not_again(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    """A new screen's first layout sends the screen a Resize to the size it was just laid
    out at; Textual's handler laid it out and drew it in full again, and laid Home out
    again under it (15-25 ms of the UI thread per opening on large). A real change of
    the terminal's size still lays out every screen of the stack."""
    from textual.screen import Screen

    from tui.app import SalesdeskApp
    from tui.screens.home import HomeScreen

    laid_out: list[str] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[Any], size: Any = None, scroll: bool = False) -> None:
        if size is not None:  # for a size given: not a later change inside the screen
            laid_out.append(type(self).__name__)
        refresh_layout(self, size, scroll)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    monkeypatch.setattr(SalesdeskApp, "_served", staticmethod(lambda: True))  # the day
    app = app_for(tui_world["admin"], load_dashboard=False)  # not built ahead: opened cold
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        laid_out.clear()
        app.action_section(section)
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        opened = type(app.screen).__name__
        assert opened != "HomeScreen"
        assert laid_out == [opened], laid_out
        assert "HomeScreen" not in laid_out, laid_out
        laid_out.clear()
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert opened in laid_out and "HomeScreen" in laid_out, laid_out
        home = next(s for s in app.screen_stack if isinstance(s, HomeScreen))
        assert home._compositor.size == (100, 30)


async def _day_built_ahead(pilot: Any) -> Any:
    """The day, once the app has built it ahead and laid it out with its data."""
    from tui_helpers import until

    app = pilot.app

    def built() -> bool:
        if not app.is_screen_installed("daily"):
            return False
        screen = app.get_screen("daily")
        return screen.is_mounted and screen.data is not None

    assert await until(pilot, built)
    await pilot.pause(0.2)
    await settle(pilot)
    return app.get_screen("daily")


@pytest.mark.build_ahead
@aio
async def test_the_day_is_built_ahead_and_opens_without_reading_or_laying_out_again(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the user reads Home the app builds the day (its first opening composed, laid
    out and drew some 100 widgets: 0.2-0.25 s of the UI thread on large) and lays it
    out again once its data is drawn; pressing 4 then only draws it, without reading
    the day again (nothing was written since)."""
    from textual.screen import Screen

    from core.services import activities
    from tui.screens.daily import DailyScreen

    rep = tui_world["rep"]
    activities.log_visit(rep, {"date": rep.today(), "customer_id": tui_world["customers"][0].id})
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        day = await _day_built_ahead(pilot)
        assert day.query_one("#today").row_count == 1  # the rep's visit of the day
        assert not day._layout_required
        reads: list[Any] = []
        laid_out: list[Any] = []
        visits_on = activities.visits_on
        refresh_layout = Screen._refresh_layout
        monkeypatch.setattr(
            activities, "visits_on", lambda *a, **k: reads.append(a) or visits_on(*a, **k)
        )
        monkeypatch.setattr(
            Screen,
            "_refresh_layout",
            lambda self, *a, **k: laid_out.append(self) or refresh_layout(self, *a, **k),
        )
        await pilot.press("4")
        await settle(pilot)
        assert app.screen is day and isinstance(day, DailyScreen)
        assert app.focused is day.query_one("#e-customer")  # typing lands in the form
        assert reads == [] and laid_out == [], (reads, laid_out)


@pytest.mark.build_ahead
@aio
async def test_the_day_built_ahead_is_read_again_when_something_was_written(
    tui_world: dict[str, Any],
) -> None:
    from core.services.activities import log_visit

    rep = tui_world["rep"]
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        day = await _day_built_ahead(pilot)
        before = day.query_one("#today").row_count
        log_visit(rep, {"date": rep.today(), "customer_id": tui_world["customers"][2].id})
        await pilot.press("4")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        assert app.screen is day
        assert day.query_one("#today").row_count == before + 1


@pytest.mark.build_ahead
@aio
async def test_a_served_session_builds_the_two_lists_ahead_but_not_the_day(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty served sessions share the server's cores, and most never open the day; the
    customers and the deals, where a rep's day starts, are built while Home is read
    (the deals' first opening was the slowest key of fifty served sessions)."""
    from tui.app import SalesdeskApp
    from tui.screens.opportunities import OpportunitiesScreen

    monkeypatch.setattr(SalesdeskApp, "_served", staticmethod(lambda: True))
    app = app_for(tui_world["rep"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert app.is_screen_installed("customers")  # the warming up went on
        assert not app.is_screen_installed("daily")
        assert app.is_screen_installed("opportunities")
        deals = app.get_screen("opportunities")
        assert isinstance(deals, OpportunitiesScreen) and deals.is_mounted
        await pilot.press("3")
        await settle(pilot)
        assert app.screen is deals


@aio
@pytest.mark.parametrize(
    ("section", "listing", "box"),
    [("report", "#report-list", "#params"), ("forms", "#form-list", "#entry")],
)
async def test_reports_and_forms_read_ahead_show_in_the_first_frame(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, section: str, listing: str, box: str
) -> None:
    """The app reads the reports and the forms while Home is shown; opened after that,
    Reports (here a new one, as the palette opens it) and Forms are composed with their
    list and the first entry's fields, so their first frame shows them: no "Loading…"
    frame, no worker, no second layout. The fields are made once: not the first
    entry's, then the wanted one's."""
    from textual.app import App
    from textual.widgets import Input, OptionList

    from tui.screens.forms import FormsScreen
    from tui.screens.reports import ReportsScreen
    from tui.widgets.form import FormFields

    first: list[tuple[int, int]] = []
    made: list[object] = []
    display, init = App._display, FormFields.__init__

    def counted(self: FormFields, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    def seen(self: App, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is not None and not first and isinstance(screen, ReportsScreen | FormsScreen):
            options = screen.query_one(listing, OptionList).option_count
            first.append((options, len(screen.query_one(box).query(Input))))

    monkeypatch.setattr(FormFields, "__init__", counted)
    monkeypatch.setattr(App, "_display", seen)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.known_reports and app.known_forms  # read while Home was shown
        app.last_report = app.known_reports[-1].id  # Reports opens at the last one run
        made.clear()
        if section == "report":
            app.open_report("")
        else:
            await pilot.press("7")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        assert len(made) == 1, made
        options = app.screen.query_one(listing, OptionList)
        assert options.highlighted is not None
        shown = options.get_option_at_index(options.highlighted)
        assert not shown.disabled
        if section == "report":
            assert shown.id == app.last_report == app.screen.report_id
    assert first and first[0][0] > 1 and first[0][1] > 0, first


@pytest.mark.build_ahead
@aio
async def test_reports_are_built_ahead_once_read(tui_world: dict[str, Any]) -> None:
    """Reports is a kept section: once the app has read the reports (while Home is
    shown) it is built off screen with its list and the first report's fields, and 5
    only shows it (on large: 125 -> about 70 ms from the key to the frame)."""
    from textual.widgets import Input, OptionList

    from tui.screens.home import HomeScreen
    from tui.screens.reports import ReportsScreen

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.is_screen_installed("reports")
        built = app.get_screen("reports")
        assert isinstance(built, ReportsScreen) and built.is_mounted
        assert built.query_one("#report-list", OptionList).option_count > 1
        assert built.query_one("#params").query(Input)
        await pilot.press("5")
        await settle(pilot)
        assert app.screen is built
        assert app.screen.focused is built.query_one("#report-list", OptionList)


@pytest.mark.build_ahead
@aio
async def test_a_section_built_ahead_is_drawn_ahead(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reports, built off screen, is also drawn there into its widgets' line caches: its
    first showing makes the frame from them. Only what the showing changes (the list,
    focused now) is drawn again."""
    from textual.widget import Widget

    drawn: list[str] = []
    render_line = Widget.render_line

    def counted(self: Widget, y: int) -> Any:
        if self.id == "report-about":
            drawn.append(f"{self.id}:{y}")
        return render_line(self, y)

    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.is_screen_installed("reports")
        monkeypatch.setattr(Widget, "render_line", counted)
        await pilot.press("5")
        await settle(pilot)
        await pilot.pause(0.1)
        assert app.screen is app.get_screen("reports")
    assert drawn == [], drawn

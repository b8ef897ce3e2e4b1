"""Start-up of the TUI: Home is drawn before the database opens (in a thread), keys typed
meanwhile are kept, and a refusal while opening ends the app with its message."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tui_helpers import aio, settle, until

ROOT = Path(__file__).resolve().parent.parent


def _nav_ids(app: Any) -> list[str]:
    from textual.widgets import OptionList

    nav = app.screen.query_one("#nav", OptionList)
    return [nav.get_option_at_index(i).id for i in range(nav.option_count)]


@aio
async def test_home_first_then_the_database(tui_world: dict[str, Any]) -> None:
    from tui.app import SalesdeskApp
    from tui.screens.customers import CustomersScreen
    from tui.screens.home import HomeScreen
    from tui.widgets.infobar import InfoBar
    from tui.widgets.paged_table import PagedTable

    release = threading.Event()

    def opener() -> Any:
        assert release.wait(10)
        return tui_world["admin"]

    app = SalesdeskApp(opener=opener, database_label="test.db", profile="standard")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and not app.ready
        assert "plugins" not in _nav_ids(app)  # needs the user's permissions: later
        bar = str(app.screen.query_one(InfoBar).render())
        assert "test.db" in bar and "…" in bar
        assert str(app.screen.query_one("#figures").get_cell("target", "value")) == "…"
        await pilot.press("ctrl+p", *"Zen")  # the palette finds screens meanwhile
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.press("3", "1")  # changed their mind: stays on Home
        await pilot.press("2", "2")  # typed before the database is open: kept, once
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        release.set()
        await settle(pilot, rounds=4)
        assert app.ready and isinstance(app.screen, CustomersScreen)
        assert len(app.screen_stack) == 3 and isinstance(app.focused, PagedTable)
        assert app.screen.query_one("#filter-text").value == ""
        assert "Group admin" in str(app.screen.query_one(InfoBar).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "plugins" in _nav_ids(app)
        assert "60,000.00" in str(app.screen.query_one("#figures").get_cell("target", "value"))


@aio
async def test_refusal_while_opening_ends_the_app(tui_world: dict[str, Any]) -> None:
    from core.errors import UnknownUser
    from tui.app import SalesdeskApp

    def opener() -> Any:
        raise UnknownUser("nobody")

    app = SalesdeskApp(opener=opener, database_label="test.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    assert app.return_code == 1
    assert app.startup_error and "salesdesk users add nobody" in app.startup_error


def test_app_modules_do_not_load_the_database_layer() -> None:
    """What the first frame needs must not import SQLAlchemy, pydantic or the models
    (about 1 s on a busy machine); they load in the opening thread."""
    code = (
        "import sys, tui.cli, tui.app, tui.screens.home, tui.widgets.infobar; "
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'core.models', "
        "'core.runtime') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_the_first_frame_does_not_load_the_database_layer() -> None:
    """Drawing Home (mounting it, focusing its navigation) must not import SQLAlchemy or
    the models either: the first frame waited about 1 s of CPU for them when the app's
    focus handler imported ``core.served`` (which imports the models) to ask whether the
    process is a served session."""
    code = (
        "import sys\n"
        "from tui.app import SalesdeskApp\n"
        "def opener():\n"  # called in a thread once Home's first frame is drawn
        "    print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'core.models', "
        "'core.served') if m in sys.modules), flush=True)\n"
        "    raise RuntimeError('seen')\n"
        "app = SalesdeskApp(opener=opener, database_label='x.db')\n"
        "app.run(headless=True, size=(100, 30))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert out.stdout.strip().splitlines()[:1] == ["[]"], out.stdout + out.stderr[-2000:]


@aio
async def test_a_plugin_section_key_typed_before_the_views_arrive_opens_it(
    tui_world: dict[str, Any], monkeypatch: Any
) -> None:
    """The plugins' sections (Contracts on 8, the due list on u) are bound once their views
    are read, after Home's figures: a key for one typed at start-up did nothing. It is
    kept until they come, then opens its section; a key the screen already knows is
    not held back."""
    import tui.views
    from plugins.contracts.views import ContractsScreen
    from tui.app import SalesdeskApp
    from tui.screens.customers import CustomersScreen

    views_read = threading.Event()
    collect = tui.views.collect_views

    def late_views(ctx: Any) -> Any:
        assert views_read.wait(10)
        return collect(ctx)

    monkeypatch.setattr(tui.views, "collect_views", late_views)
    app = SalesdeskApp(
        opener=lambda: tui_world["admin"], database_label="test.db", load_dashboard=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        # (not settle: it waits for the opening thread, held here until the views come)
        assert await until_paused(pilot, lambda: app.ready)
        assert app._views_coming
        await pilot.press("8")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ContractsScreen)  # not bound yet: kept
        views_read.set()
        assert await until(pilot, lambda: isinstance(app.screen, ContractsScreen))
        await pilot.press("escape")
        await settle(pilot)

    views_read.clear()
    app = SalesdeskApp(
        opener=lambda: tui_world["admin"], database_label="test.db", load_dashboard=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert await until_paused(pilot, lambda: app.ready)
        await pilot.press("2")  # a core section: opens while the views are still read
        assert await until_paused(pilot, lambda: isinstance(app.screen, CustomersScreen))
        assert app._views_coming
        views_read.set()
        await settle(pilot)


async def until_paused(pilot: Any, condition: Any, timeout: float = 5.0) -> bool:
    """Pause until ``condition()`` holds, without waiting for the workers to end."""
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return bool(condition())

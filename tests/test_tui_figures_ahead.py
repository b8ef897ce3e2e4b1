"""Home's figures read ahead by a forked child (tui.figures_ahead): they arrive exact and
are drawn, a failing, hanging or late child leaves the app to read them itself, no child
outlives the app, and a process that has the database layer loaded (a served session's
zygote, this test process) never forks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import aio, settle, until

ROOT = Path(__file__).resolve().parent.parent


class FakeAhead:
    """Stands in for the child: hands over ``figures`` (or None: the child failed) when
    ``release`` is set."""

    def __init__(self, figures: Any) -> None:
        self.figures, self.release = figures, threading.Event()
        self.stopped = 0

    def receive(self, timeout: float = 30.0, on_figures: Any = None) -> Any:
        assert self.release.wait(timeout)
        if self.figures is not None and on_figures is not None:
            on_figures(self.figures)
        return self.figures

    def stop(self) -> None:
        self.stopped += 1
        self.release.set()


def _wired(ctx: Any) -> tuple[Any, list[str]]:
    """What the child sends for ``ctx``: dashboard.compute's figures through the pipe's form."""
    from core.dashboard_figures import from_wire, stage_titles, to_wire
    from core.services import dashboard

    board = dashboard.compute(ctx)
    return from_wire(
        json.loads(json.dumps(to_wire(board, stage_titles(ctx.plugins.funnels, board))))
    )


def _cells(app: Any) -> dict[str, str]:
    from tui.screens.home import FIGURE_TITLES, HomeScreen

    home = next(s for s in app.screen_stack if isinstance(s, HomeScreen))
    table = home.query_one("#figures")
    return {fid: str(table.get_cell(fid, "value")) for fid, _t in FIGURE_TITLES}


def test_the_figures_cross_the_pipe_exact(tui_world: dict[str, Any]) -> None:
    from core.services import dashboard

    ctx = tui_world["admin"]
    board = dashboard.compute(ctx)
    board.pipeline += Decimal("0.001")  # an odd digit stays itself (no float on the way)
    from core.dashboard_figures import from_wire, stage_titles, to_wire

    titles = stage_titles(ctx.plugins.funnels, board)
    again, titles_again = from_wire(json.loads(json.dumps(to_wire(board, titles))))
    assert again == board and titles_again == titles and board.stages
    assert str(again.pipeline) == str(board.pipeline)


@aio
async def test_figures_read_ahead_are_drawn_before_the_context_is_open(
    tui_world: dict[str, Any], monkeypatch: Any
) -> None:
    from core.services import dashboard
    from tui.app import SalesdeskApp

    ctx = tui_world["admin"]
    ahead = FakeAhead(_wired(ctx))
    computed = []
    compute = dashboard.compute
    monkeypatch.setattr(dashboard, "compute", lambda c: computed.append(1) or compute(c))
    opened = threading.Event()

    def opener() -> Any:
        assert opened.wait(10)
        return ctx

    app = SalesdeskApp(opener=opener, figures_ahead=ahead)  # type: ignore[arg-type]
    async with app.run_test(size=(160, 48)) as pilot:
        ahead.release.set()
        assert await until(pilot, app.figures_shown.is_set)
        assert not app.ready  # drawn while the app's own context is still opening
        early = _cells(app)
        opened.set()
        assert await until(pilot, lambda: app.ready)
        await settle(pilot)
        assert _cells(app) == early
        assert computed == []  # the app did not read them again
    assert "60,000.00" in early["target"]
    assert ahead.stopped  # no child outlives the app


@aio
async def test_a_failed_child_leaves_the_app_to_read_the_same_figures(
    tui_world: dict[str, Any],
) -> None:
    from tui.app import SalesdeskApp

    ctx = tui_world["admin"]
    expected = FakeAhead(_wired(ctx))
    app = SalesdeskApp(opener=lambda: ctx, figures_ahead=expected)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        expected.release.set()
        assert await until(pilot, app.figures_shown.is_set)
        await settle(pilot)
        read_ahead = _cells(app)
    failed = FakeAhead(None)
    failed.release.set()
    app = SalesdeskApp(opener=lambda: ctx, figures_ahead=failed)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        assert await until(pilot, app.figures_shown.is_set)
        await settle(pilot)
        assert _cells(app) == read_ahead and "…" not in read_ahead.values()


def test_a_process_with_the_database_layer_loaded_never_forks(monkeypatch: Any) -> None:
    """A served session is forked from a zygote that has SQLAlchemy and the models loaded
    (and maybe a pool): it must not fork again. So must not this test process."""
    import sqlalchemy  # noqa: F401

    from tui import figures_ahead

    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    assert figures_ahead.start(lambda: None, when_busy=True) is None  # type: ignore[arg-type,return-value]


def _run(script: str, *args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout.split()


OPENER = """
import os, sys, time
def opener():
    from core.runtime import open_runtime
    import tui.hookspecs
    return open_runtime(sys.argv[1], extra_specs=[tui.hookspecs]).context_for(sys.argv[2])
from tui import figures_ahead
"""


def test_the_child_reads_what_dashboard_compute_reads(tui_world: dict[str, Any]) -> None:
    ctx = tui_world["admin"]
    script = (
        OPENER
        + """
ahead = figures_ahead.start(opener, when_busy=True)
assert ahead is not None and ahead.pid != os.getpid()
got = ahead.receive()
from core.dashboard_figures import stage_titles
from core.services import dashboard
mine = opener()
board = dashboard.compute(mine)
print("SAME" if got == (board, stage_titles(mine.plugins.funnels, board)) else got)
try:
    os.waitpid(ahead.pid, os.WNOHANG)
except ChildProcessError:
    print("REAPED")
"""
    )
    assert _run(script, ctx.db.url, ctx.actor.login) == ["SAME", "REAPED"]


@pytest.mark.parametrize("fault", ["raise", "hang"])
def test_a_crashed_or_hung_child_is_reaped_and_gives_nothing(
    tui_world: dict[str, Any], fault: str
) -> None:
    script = """
import os, sys, time
from tui import figures_ahead
def opener():
    if sys.argv[1] == "raise":
        raise RuntimeError("no database")
    time.sleep(600)
started = time.monotonic()
ahead = figures_ahead.start(opener, when_busy=True)
print(ahead.receive(timeout=2.0), time.monotonic() - started < 10)
try:
    os.waitpid(ahead.pid, os.WNOHANG)
except ChildProcessError:
    print("REAPED", os.path.exists(f"/proc/{ahead.pid}"))
"""
    assert _run(script, fault) == ["None", "True", "REAPED", "False"]


def test_no_child_outlives_the_app(tui_world: dict[str, Any]) -> None:
    """The app quits while the child still reads (here: hangs): the child is killed and
    reaped, not left as a zombie or an orphan."""
    ctx = tui_world["admin"]
    script = (
        OPENER
        + """
def hang():
    time.sleep(600)
ahead = figures_ahead.start(hang, when_busy=True)
from tui.app import SalesdeskApp
class Quick(SalesdeskApp):
    def _opened(self, *args):
        super()._opened(*args)
        self.call_after_refresh(self.exit)
app = Quick(opener=opener, figures_ahead=ahead)
app.run(headless=True, size=(100, 30))
print(app.figures_shown.is_set())
try:
    os.waitpid(ahead.pid, os.WNOHANG)
except ChildProcessError:
    print("REAPED", os.path.exists(f"/proc/{ahead.pid}"))
"""
    )
    assert _run(script, ctx.db.url, ctx.actor.login) == ["True", "REAPED", "False"]


def test_the_figures_need_only_the_dashboards_services() -> None:
    """After the context (runtime, models), Home's figures import core.services.dashboard
    alone: the package imported every service and the pydantic schemas with it (about
    0.1 s of CPU before the figures, in the child and in the app)."""
    code = (
        "import sys, core.runtime, core.context\n"
        "from core.services import dashboard\n"
        "print(sorted(m for m in ('core.schemas', 'core.services.activities', "
        "'core.services.customers', 'core.services.opportunities') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]


@aio
async def test_an_app_that_does_not_show_the_figures_stops_the_child_at_once(
    tui_world: dict[str, Any],
) -> None:
    from tui.app import SalesdeskApp

    ahead = FakeAhead(None)
    app = SalesdeskApp(
        opener=lambda: tui_world["admin"],
        load_dashboard=False,
        figures_ahead=ahead,  # type: ignore[arg-type]
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert ahead.stopped  # not when the app ends: its core is wanted now


def test_the_fork_comes_before_modules_only_the_app_needs() -> None:
    """Importing tui.figures_ahead (all a process loads before it forks the child) loads
    no logging, json, select, signal or typing: 10 ms of start-up the child waited for."""
    code = (
        "import sys, tui.figures_ahead\n"
        "print(sorted(m for m in ('json', 'logging', 'select', 'signal', 'typing') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]


def test_the_figures_of_a_named_database_do_not_load_the_settings_file_reader(
    tui_world: dict[str, Any],
) -> None:
    """The child's opener given a database URL (--database, or the bench's) reads no
    settings file: pydantic-settings (about 20 ms of the child's CPU) is not loaded."""
    ctx = tui_world["admin"]
    code = (
        "import sys\n"
        "from tui.cli import open_runtime, tui_specs\n"
        "ctx = open_runtime(sys.argv[1], extra_specs=tui_specs()).context_for(sys.argv[2])\n"
        "from core.services import dashboard\n"
        "dashboard.compute(ctx)\n"
        "print(sorted(m for m in ('core.settings', 'pydantic_settings') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, ctx.db.url, ctx.actor.login],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]


def test_the_figures_count_once_complete_not_when_the_child_has_exited(
    tui_world: dict[str, Any],
) -> None:
    """The figures are in as soon as their end mark is: a child still exiting (freeing
    its memory took 10-20 ms; here it hangs) does not hold them back; it is killed and
    reaped. The app waited for the pipe to close and took the exit status."""
    ctx = tui_world["admin"]
    script = (
        OPENER
        + """
real_exit = os._exit
def hang_then_exit(code):  # the child calls it once its figures are written
    time.sleep(600)
    real_exit(code)
os._exit = hang_then_exit
ahead = figures_ahead.start(opener, when_busy=True)
os._exit = real_exit
got = ahead.receive(timeout=20.0)
from core.dashboard_figures import stage_titles
from core.services import dashboard
mine = opener()
board = dashboard.compute(mine)
print("SAME" if got == (board, stage_titles(mine.plugins.funnels, board)) else got)
try:
    os.waitpid(ahead.pid, os.WNOHANG)
except ChildProcessError:
    print("REAPED", os.path.exists(f"/proc/{ahead.pid}"))
"""
    )
    assert _run(script, ctx.db.url, ctx.actor.login) == ["SAME", "REAPED", "False"]


def test_salesdesk_leaves_the_schema_check_to_the_app(monkeypatch: Any) -> None:
    """``salesdesk`` opens the database twice as it starts: the read-ahead child's opener
    does not check the schema (alembic reading every migration, 0.4 s of CPU on top of
    the figures' 0.5 s), the app's does and refuses an out-of-date database; both find
    the user the same way (runtime_from, then context_for() with no login)."""
    from click.testing import CliRunner

    import tui.app
    import tui.cli
    from tui import figures_ahead

    calls: list[dict[str, Any]] = []
    logins: list[Any] = []

    class Opened:
        def context_for(self, login: Any = None) -> str:
            logins.append(login)
            return "ctx"

    def runtime_from(click_ctx: Any, **kwargs: Any) -> Opened:
        calls.append(kwargs)
        return Opened()

    openers: dict[str, Any] = {}
    monkeypatch.setattr(tui.cli, "runtime_from", runtime_from)
    monkeypatch.setattr(figures_ahead, "start", lambda opener: openers.setdefault("child", opener))
    monkeypatch.setattr(
        tui.app, "run_app", lambda **kwargs: openers.setdefault("app", kwargs["open_runtime"])
    )
    result = CliRunner().invoke(tui.cli.cli, [])
    assert result.exit_code == 0, result.output
    assert openers["child"]() == "ctx"
    openers["app"]().context_for()
    child, app = calls
    assert app.get("require_current", True) is True
    assert child == {**app, "require_current": False}
    assert logins == [None, None]


@aio
async def test_the_ui_thread_gets_the_lock_back_from_a_worker_within_a_millisecond(
    tui_world: dict[str, Any],
) -> None:
    """While the app runs, a busy thread (the opening one imports the database layer as
    Home's figures are drawn) gives the interpreter lock back to the UI thread within
    1 ms when asked, not Python's 5; the process's own setting is back when it ends."""
    from tui.app import SalesdeskApp

    before = sys.getswitchinterval()
    app = SalesdeskApp(opener=lambda: tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert sys.getswitchinterval() <= 0.001
    assert sys.getswitchinterval() == before

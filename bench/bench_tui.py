"""Benchmark: the TUI's start-up, Home's figures, every section's opening, the customers
list's key-to-render latency and the longest the UI thread is kept busy.

    .venv/bin/python bench/bench_tui.py [--scale large|medium|small] [--runs 5] [--seed 1]
        [--only start,sections,customers] [--sections 5,7,f]

1. Time from process start to the first usable screen (Home drawn, navigation
   focused; the database opens in a thread meanwhile, as ``salesdesk`` does), for
   ``salesdesk`` on the data set and for a bare Textual app in the same run (the
   baseline), interleaved. Each in a fresh process, headless, median of ``--runs``.
   Also shown: when Home's figures are read and drawn.
2. Key-to-render latency on the customers list (open, next page, last page, filter by
   name, open again after Escape): from the key press until the new page is drawn,
   median of ``--runs``, with the main thread's CPU time (the app's own work; wall
   time on a loaded machine is mostly waiting for a core). "open" is pressed once the
   list has been built ahead (the app does that while Home is read); "open at once",
   pressed as soon as Home shows, is the cold path, for reference.

3. Every section of the navigation (the lists, the plugin views), opened by its key
   from Home (or as the navigation opens it, when it has none): from the key until the
   first frame showing the section with its data (no loading worker of the screen left
   running; a paged table with its first page), median of ``--runs`` fresh apps.
4. The UI thread: every step of the event loop (one uninterrupted stretch of work on the
   thread that reads keys and draws) is timed while 2 and 3 run; the longest step of each
   run, median of ``--runs``, with what it was handling. A key typed meanwhile waits at
   least that long.

Goals (docs/performance.md): first usable screen under 1.0 s and under 4x the bare
app; Home's figures under 300 ms after the first frame; each section open and each key
under 100 ms; no step of the UI thread over 50 ms. Each figure is also given as a ratio
to the bare app's first frame in the same run. The data set is the one
``bench_reports.py`` generates (SQLite under $TMPDIR/sd_reports_bench, made on first
use).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

START_GOAL, RATIO_GOAL, KEY_GOAL = 1.0, 4.0, 0.100
FIGURES_GOAL, STEP_GOAL = 0.300, 0.050

BARE_APP = """
import sys, time
from textual.app import App
from textual.widgets import Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header(); yield Static("hello"); yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.ready)
    def ready(self):
        print("READY", time.time(), flush=True); self.exit()
Bare().run(headless=True, size=(120, 40))
"""

# As ``salesdesk`` starts (tui.cli -> run_app): a child forked before Textual loads reads
# Home's figures (tui.figures_ahead) while the app draws Home and opens the database in a
# thread. READY: the first frame, Home with its navigation focused; FILLED: the figures
# read and drawn. Without tui.figures_ahead (older trees, for an A/B) the app reads them.
SALESDESK_APP = """
import sys, time
def opener():
    from tui.cli import open_runtime, tui_specs
    runtime = open_runtime(sys.argv[1], extra_specs=tui_specs())  # the schema check (about
    # 0.4 s, alembic) is left out: the generated data set lags new plugin migrations
    return runtime.context_for(sys.argv[2])
try:
    from tui import figures_ahead
    ahead = {"figures_ahead": figures_ahead.start(opener)}
except ImportError:
    ahead = {}
from textual.widgets import OptionList
from tui.app import SalesdeskApp
from tui.screens.home import HomeScreen
show = HomeScreen.show
def show_and_exit(self, *args):
    show(self, *args)
    self.call_after_refresh(lambda: (print("FILLED", time.time(), flush=True),
                                     self.app.exit()))
HomeScreen.show = show_and_exit
class Timed(SalesdeskApp):
    def on_mount(self):  # Textual calls SalesdeskApp.on_mount too (each class's handler):
        self.call_after_refresh(self.first_frame)  # calling it here opened the database twice
    def first_frame(self):
        assert isinstance(self.focused, OptionList), self.focused
        print("READY", time.time(), flush=True)
Timed(opener=opener, database_label=sys.argv[1], **ahead).run(headless=True, size=(120, 40))
"""


def time_to_ready(code: str, *args: str) -> dict[str, float]:
    """Seconds from process start to each mark the app prints (READY, FILLED)."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    marks = {
        line.split()[0]: float(line.split()[1]) - started
        for line in out.stdout.splitlines()
        if line.startswith(("READY", "FILLED"))
    }
    if "READY" not in marks or out.returncode:
        raise RuntimeError(f"the app did not start:\n{out.stdout}\n{out.stderr[-3000:]}")
    return marks


async def key_latencies(
    url: str,
    login: str,
    runs: int,
    monitor: StepMonitor,
    worst: list[tuple[float, float, str]],
) -> dict[str, list[tuple[float, float]]]:
    """Key press -> the new page drawn, not when the test pilot returns (it waits for
    idle too). Opening the list: the clock stops at the first frame that shows the
    customers screen with rows in its table (opening it again shows the rows it kept,
    then reads the page again). A page key or the filter: at the first refresh after
    the table has its new rows. Each as (wall seconds, main-thread CPU seconds): the
    CPU figure tells the app's own work from waiting on a loaded machine."""
    from textual.app import App
    from textual.widgets import Input

    from core.runtime import open_runtime
    from tui.app import SalesdeskApp
    from tui.cli import tui_specs
    from tui.screens.customers import CustomersScreen
    from tui.widgets.paged_table import PagedTable

    drawn: list[tuple[float, float]] = []
    frames: list[tuple[float, float]] = []
    original = PagedTable._show
    original_display = App._display

    def show_and_mark(self: PagedTable, *args: object) -> None:
        original(self, *args)
        self.call_after_refresh(lambda: drawn.append((time.perf_counter(), time.thread_time())))

    def display_and_mark(self: App, screen: object, renderable: object) -> None:
        original_display(self, screen, renderable)  # headless: composed, not written
        if (
            renderable is not None
            and not self._batch_count
            and isinstance(screen, CustomersScreen)
            and screen.query_one(PagedTable).row_count
        ):
            frames.append((time.perf_counter(), time.thread_time()))

    PagedTable._show = show_and_mark  # type: ignore[method-assign]
    App._display = display_and_mark  # type: ignore[method-assign]
    runtime = open_runtime(url, extra_specs=tui_specs())
    ctx = runtime.context_for(login)
    needle = _name_fragment(runtime)
    results: dict[str, list[tuple[float, float]]] = {
        "open": [],
        "next page": [],
        "last page": [],
        "filter by name": [],
        "open again": [],
    }
    for _run in range(runs):
        app = SalesdeskApp(ctx, load_dashboard=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)  # a person reads Home before the first key; on a
            await _workers_done(app)  # loaded machine, a little longer:
            await _built_ahead(app)  # until the list is built, as in a second or so
            monitor.reset()
            steps = [
                ("open", "2"),
                ("next page", "pagedown"),
                ("last page", "end"),
                ("filter by name", None),
            ]
            for label, key in steps:
                drawn.clear()
                frames.clear()
                started, cpu = time.perf_counter(), time.thread_time()
                if key is None:
                    app.screen.query_one("#filter-text", Input).value = needle
                else:
                    await pilot.press(key)
                marks = frames if label == "open" else drawn
                while not marks:
                    await asyncio.sleep(0.0005)
                results[label].append((marks[0][0] - started, marks[0][1] - cpu))
                await pilot.pause()
                await _workers_done(app)  # the count, before the next key
            await pilot.press("escape")  # back to Home; the list is kept
            await _workers_done(app)
            await pilot.pause(0.2)
            frames.clear()
            started, cpu = time.perf_counter(), time.thread_time()
            await pilot.press("2")
            while not frames:
                await asyncio.sleep(0.0005)
            results["open again"].append((frames[0][0] - started, frames[0][1] - cpu))
            await _workers_done(app)
            worst.append(monitor.worst)
            monitor.reset(active=False)
    runtime.db.dispose()
    PagedTable._show = original  # type: ignore[method-assign]
    App._display = original_display  # type: ignore[method-assign]
    return results


async def _built_ahead(app: Any, timeout: float = 10.0) -> None:
    """Wait until the customers screen has been built off screen with its first page."""
    from tui.widgets.paged_table import PagedTable

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if app.is_screen_installed("customers"):
            screen = app.get_screen("customers")
            tables = screen.query(PagedTable) if screen.is_mounted else []
            if tables and tables.first().loads:
                return
        await asyncio.sleep(0.01)
    raise RuntimeError("the customers list was not built ahead")


async def cold_open(url: str, login: str, runs: int) -> list[tuple[float, float]]:
    """Opening the list right after Home is drawn, before it was built ahead."""
    from textual.app import App

    from core.runtime import open_runtime
    from tui.app import SalesdeskApp
    from tui.cli import tui_specs
    from tui.screens.customers import CustomersScreen
    from tui.widgets.paged_table import PagedTable

    frames: list[tuple[float, float]] = []
    original_display = App._display

    def display_and_mark(self: App, screen: object, renderable: object) -> None:
        original_display(self, screen, renderable)
        if (
            renderable is not None
            and not self._batch_count
            and isinstance(screen, CustomersScreen)
            and screen.query_one(PagedTable).row_count
        ):
            frames.append((time.perf_counter(), time.thread_time()))

    App._display = display_and_mark  # type: ignore[method-assign]
    runtime = open_runtime(url, extra_specs=tui_specs())
    ctx = runtime.context_for(login)
    results = []
    for _run in range(runs):
        app = SalesdeskApp(ctx, load_dashboard=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            frames.clear()
            started, cpu = time.perf_counter(), time.thread_time()
            await pilot.press("2")
            while not frames:
                await asyncio.sleep(0.0005)
            results.append((frames[0][0] - started, frames[0][1] - cpu))
            await _workers_done(app)
    runtime.db.dispose()
    App._display = original_display  # type: ignore[method-assign]
    return results


class StepMonitor:
    """Times every step of the asyncio loop on the UI thread (``Handle._run``: one
    uninterrupted stretch of the thread's work) and names it by the first Textual
    message it dispatched. ``worst`` is the longest since ``reset``."""

    def __init__(self) -> None:
        self.worst: tuple[float, float, str] = (0.0, 0.0, "")
        self.slow: dict[str, tuple[float, float]] = {}  # label -> the longest (wall, CPU)
        self._labels: list[str] = []
        self._active = False

    def __enter__(self) -> StepMonitor:
        from asyncio import events

        from textual.message_pump import MessagePump

        self._run, self._dispatch = events.Handle._run, MessagePump._dispatch_message
        monitor = self

        def run(handle: Any) -> None:
            if not monitor._active:
                monitor._run(handle)
                return
            monitor._labels = []
            started, cpu = time.perf_counter(), time.thread_time()
            monitor._run(handle)
            wall = time.perf_counter() - started
            if wall > min(monitor.worst[0], STEP_GOAL):
                label = monitor._labels[0] if monitor._labels else _callback_name(handle)
                spent = time.thread_time() - cpu
                if wall > monitor.worst[0]:
                    monitor.worst = (wall, spent, label)
                if wall > STEP_GOAL and wall > monitor.slow.get(label, (0.0, 0.0))[0]:
                    monitor.slow[label] = (wall, spent)

        async def dispatch(pump: Any, message: Any) -> None:
            if monitor._active:
                key = f" {message.key!r}" if hasattr(message, "key") else ""
                monitor._labels.append(f"{type(pump).__name__} <- {type(message).__name__}{key}")
            await monitor._dispatch(pump, message)

        events.Handle._run = run  # type: ignore[method-assign]
        MessagePump._dispatch_message = dispatch  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        from asyncio import events

        from textual.message_pump import MessagePump

        events.Handle._run = self._run  # type: ignore[method-assign]
        MessagePump._dispatch_message = self._dispatch  # type: ignore[method-assign]

    def reset(self, active: bool = True) -> None:
        self.worst, self._active = (0.0, 0.0, ""), active


def _callback_name(handle: Any) -> str:
    """What a step ran that dispatched no message: a timer's callback, else the task."""
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    coro = owner.get_coro() if hasattr(owner, "get_coro") else None
    frame = getattr(coro, "cr_frame", None)
    timer = frame.f_locals.get("self") if frame is not None else None
    inner = getattr(timer, "_callback", None)
    if inner is not None:
        return f"timer -> {getattr(inner, '__qualname__', repr(inner))}"
    return getattr(coro, "__qualname__", None) or getattr(callback, "__qualname__", "?")


def _data_shown(app: Any, screen: Any) -> bool:
    """The section shows its data: no worker of its own still loading (a paged table's
    count, read after its first page is drawn, is not waited for), every paged table
    with a page."""
    from textual.app import App
    from textual.worker import WorkerState

    from tui.widgets.paged_table import PagedTable

    tables = list(screen.query(PagedTable))
    if any(not table.loads for table in tables):
        return False
    for worker in app.workers:
        if worker.state not in (WorkerState.PENDING, WorkerState.RUNNING):
            continue
        node = worker.node
        if isinstance(node, App) or (isinstance(node, PagedTable) and node.loads):
            continue  # the app's own (warming up), a table's count
        if node is screen or getattr(node, "screen", None) is screen:
            return False
    return True


async def section_opens(
    url: str, login: str, runs: int, monitor: StepMonitor, only: set[str] | None = None
) -> tuple[dict[str, list[tuple[float, float]]], list[tuple[float, float, str]]]:
    """Each section opened from Home (or those whose key or id is in ``only``): key ->
    first frame with its data. Returns the timings per section and the UI thread's
    longest step of each run."""
    from textual.app import App

    from core.runtime import open_runtime
    from tui.app import SalesdeskApp
    from tui.cli import tui_specs

    frames: list[tuple[float, float]] = []
    watched: list[Any] = []
    original_display = App._display

    def display_and_mark(self: App, screen: object, renderable: object) -> None:
        original_display(self, screen, renderable)
        if (
            renderable is not None
            and not self._batch_count
            and watched
            and screen is self.screen
            and screen is not watched[0]
            and _data_shown(self, screen)
        ):
            frames.append((time.perf_counter(), time.thread_time()))

    App._display = display_and_mark  # type: ignore[method-assign]
    runtime = open_runtime(url, extra_specs=tui_specs())
    ctx = runtime.context_for(login)
    results: dict[str, list[tuple[float, float]]] = {}
    worst: list[tuple[float, float, str]] = []
    for _run in range(runs):
        app = SalesdeskApp(ctx, load_dashboard=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            await _workers_done(app)
            await _built_ahead(app)
            monitor.reset()
            for sid, key, title in app.sections():
                if sid == "home" or (only and key not in only and sid not in only):
                    continue
                home = app.screen
                watched[:] = [home]
                frames.clear()
                started, cpu = time.perf_counter(), time.thread_time()
                if key and len(key) == 1:
                    await pilot.press(key)
                else:
                    app.action_section(sid)
                deadline = started + 30
                while not frames and time.perf_counter() < deadline:
                    await asyncio.sleep(0.0005)
                if frames:
                    results.setdefault(f"{title} ({key or sid})", []).append(
                        (frames[0][0] - started, frames[0][1] - cpu)
                    )
                watched.clear()
                await _workers_done(app)
                await pilot.pause(0.1)
                await _back_home(app, pilot)
            worst.append(monitor.worst)
            monitor.reset(active=False)
    runtime.db.dispose()
    App._display = original_display  # type: ignore[method-assign]
    return results, worst


async def _back_home(app: Any, pilot: Any) -> None:
    """Escape (or the dialogs' Escape) back to Home, whatever opened."""
    from tui.screens.home import HomeScreen

    for _ in range(4):
        if isinstance(app.screen, HomeScreen):
            break
        await pilot.press("escape")
        await pilot.pause(0.05)
    if not isinstance(app.screen, HomeScreen):
        app.action_section("home")
    await _workers_done(app)
    await pilot.pause(0.1)


def _name_fragment(runtime) -> str:  # type: ignore[no-untyped-def]
    """A piece of a real customer name from the middle of the table."""
    import sqlalchemy as sa

    from core.models import Customer

    with runtime.db.read_session() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(Customer)) or 1
        name = (
            session.scalar(
                sa.select(Customer.name).order_by(Customer.id).offset(count // 2).limit(1)
            )
            or "a"
        )
    return name[1:4] if len(name) > 4 else name


async def _workers_done(app: Any) -> None:
    """Wait for the app's workers; a load superseded by a newer one is cancelled, which
    is normal, so wait again for what is left."""
    from textual.worker import WorkerCancelled

    for _ in range(20):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        default="start,sections,customers",
        help="comma-separated parts: start, sections, customers",
    )
    parser.add_argument(
        "--sections",
        default="",
        help="comma-separated keys or ids of the sections to open (default: all)",
    )
    args = parser.parse_args()
    sections = {name for name in args.sections.split(",") if name}
    parts = set(args.only.split(","))

    from bench_reports import ADMIN, ensure_sqlite

    path = ensure_sqlite(args.scale, args.seed)
    url = f"sqlite:///{path}"
    print(
        f"data set: {args.scale} ({path}), {args.runs} runs, medians; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    bare, app = [], []
    for _run in range(args.runs):  # interleaved: both see the same load
        bare.append(time_to_ready(BARE_APP)["READY"])
        if "start" in parts:
            app.append(time_to_ready(SALESDESK_APP, url, ADMIN))
    bare_s = statistics.median(bare)
    print(f"baseline: a bare Textual app's first frame {bare_s:.3f} s")
    if "start" in parts:
        _print_start(app, bare_s)
    monitor = StepMonitor()
    worst: list[tuple[float, float, str]] = []
    with monitor:
        if "sections" in parts:
            opens, worst = asyncio.run(section_opens(url, ADMIN, args.runs, monitor, sections))
            for label, measured in opens.items():
                _print_latency(f"open {label}", measured, bare_s)
        if "customers" in parts:
            cold = asyncio.run(cold_open(url, ADMIN, args.runs))  # first: its first run is cold
            latencies = asyncio.run(key_latencies(url, ADMIN, args.runs, monitor, worst))
            latencies["open at once"] = cold
            for label, measured in latencies.items():
                _print_latency(f"customers list, {label}", measured, bare_s)
    if worst:
        _print_worst_step(worst, bare_s)
        slow = sorted(monitor.slow.items(), key=lambda item: -item[1][1])
        for label, (wall, cpu) in slow[:10]:
            print(
                f"  over {STEP_GOAL * 1000:.0f} ms: {wall * 1000:6.1f} ms (CPU {cpu * 1000:.1f})"
                f"  {label}"
            )


def _print_start(app: list[dict[str, float]], bare_s: float) -> None:
    app_s = statistics.median(marks["READY"] for marks in app)
    filled_s = statistics.median(marks["FILLED"] for marks in app)
    after = statistics.median(marks["FILLED"] - marks["READY"] for marks in app)
    ratio = app_s / bare_s
    ok = app_s < START_GOAL and ratio < RATIO_GOAL
    print(
        f"first usable screen: salesdesk {app_s:.3f} s, ratio {ratio:.2f}x the bare app  "
        f"(goal < {START_GOAL:.1f} s and < {RATIO_GOAL:.0f}x: {'met' if ok else 'MISSED'})"
    )
    print(
        f"Home's figures after the first frame: {after * 1000:.0f} ms "
        f"({after / bare_s:.2f}x the bare app's first frame; drawn {filled_s:.3f} s after "
        f"start)  (goal < {FIGURES_GOAL * 1000:.0f} ms: "
        f"{'met' if after < FIGURES_GOAL else 'MISSED'})"
    )


def _print_latency(label: str, measured: list[tuple[float, float]], bare_s: float) -> None:
    values = [wall for wall, _cpu in measured]
    median = statistics.median(values)
    cpu = statistics.median(cpu for _wall, cpu in measured)
    print(
        f"{label:<40} {median * 1000:7.1f} ms {median / bare_s:5.2f}x  "
        f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f}; main-thread CPU "
        f"{cpu * 1000:.1f} ms; goal < {KEY_GOAL * 1000:.0f} ms: "
        f"{'met' if median < KEY_GOAL else 'MISSED'})"
    )


def _print_worst_step(worst: list[tuple[float, float, str]], bare_s: float) -> None:
    median = statistics.median(wall for wall, _cpu, _label in worst)
    cpu = statistics.median(cpu for _wall, cpu, _label in worst)
    top = max(worst)
    print(
        f"longest UI-thread step while keys were handled: {median * 1000:.1f} ms "
        f"({median / bare_s:.2f}x; main-thread CPU {cpu * 1000:.1f} ms; median of the "
        f"{len(worst)} runs' longest)  (goal < {STEP_GOAL * 1000:.0f} ms: "
        f"{'met' if median < STEP_GOAL else 'MISSED'})"
    )
    print(f"  the longest of all: {top[0] * 1000:.1f} ms, {top[2]}")


if __name__ == "__main__":
    main()

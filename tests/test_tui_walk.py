"""The language walk: every screen and dialog, on the demo data, in the reader's language.

The app is opened on the small demo (core and every built-in plugin) as the group admin.
Each place in the navigation is opened; on it, every key the screen teaches (its footer
and ``?`` list) is pressed and Enter on its first table row, one level further down on the
screens that opens. The rendered screen text is read after each step:

- in Chinese, a run of Latin letters fails unless it is a code (holds a digit), a name from
  the data, a key name or unit, or on ``ZH_ALLOWED`` below (with why);
- in English, a run of Chinese characters fails unless it is part of the data.

The walk is cut into parts (every ``PARTS``-th section of the navigation), each a test of
its own, so that pytest-xdist shares them between its workers (one walk per language took
about 100 s, which kept one core busy alone at the end of a run). Each part walks its
sections on a fresh app and a fresh copy of the demo, with its own memory of what it has
seen: together the parts visit every page the whole walk visited.

One demo database is built per run (about 10 s) and shared by the xdist workers; each
part walks its own copy.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import aio, settle, until

from core.i18n import set_lang

LOGIN = "boss"
SIZE = (120, 40)

# Latin words a Chinese screen may show, and why.
ZH_ALLOWED = {
    # the demo's numbering office codes (data, shown in the numbering dialog)
    "bj",
    "sh",
    # key names in the footer and the keys list (what is printed on the keyboard)
    "esc",
    "tab",
    "enter",
    "ctrl",
    "shift",
    "pgup",
    "pgdn",
    "home",
    "end",
    "del",
    "space",
    "up",
    "down",
    "left",
    "right",
    "backspace",
    "delete",
    "insert",
    # the program, its data file, formats and units
    "salesdesk",
    "demo",
    "db",
    "sqlite",
    "csv",
    "xlsx",
    "pdf",
    "html",
    "json",
    "ssh",
    "yyyy",
    "mm",
    "dd",
    "hh",
    "pcs",
    "kg",
    "vat",
    "id",
    "pub",
    "rfm",
    # the e-mail rule's example address (li.wei@example.com: addresses are Latin letters)
    "li",
    "wei",
    "example",
    "com",
    # currency codes (ISO 4217, what banks and invoices print)
    "cny",
    "usd",
    "eur",
    "hkd",
    # time zone names (IANA, typed as they are: Asia/Shanghai)
    "asia",
    "shanghai",
    # plugin names, as the admin types them (salesdesk plugin enable real_estate)
    "contracts",
    "exporters",
    "forecast",
    "funnel",
    "manufacturing",
    "marketing",
    "real",
    "estate",
    "sales",
    "reports",
    "b2b",
}
# Codes a page may show in a column headed as codes (the header is the key).
CODE_COLUMNS = {
    "阶段代码": {
        "preparation",
        "drafting",
        "submitted",
        "approved",
        "rejected",
        "signed",
        "planning",
        "in",
        "execution",
        "completed",
        "closed",
        "cancelled",
    },
    "阶段编码": {"lead", "qualified", "solution", "proposal", "negotiation", "won", "lost"},
}
# free-text columns: what people typed or named (codes are recognised by their digits)
DATA_COLUMNS = re.compile(
    r"(^|_)(name|title|result|notes?|comment|display_name|specs|competitors|reason|"
    r"description|label|summary|condition|terms|invoice_title|bank_name|billing_address|"
    r"contact|approval_note|cancel_reason|email|phone|login|code|number|unit_no|"
    r"contract_no|layout|orientation|view|reference|medium|category|competitor|action)$"
)
LATIN_CHUNK = re.compile(r"[A-Za-z0-9_.@/+'’&\-]*[A-Za-z][A-Za-z0-9_.@/+'’&\-]*")
WORD = re.compile(r"[A-Za-z]+")
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def _build_demo(path: Path) -> None:
    import tui.hookspecs
    from core.company import COMPANY_NAME_KEY
    from core.datagen import seed_demo
    from core.runtime import open_runtime
    from core.services.bootstrap import create_first_admin
    from core.services.company import mark_demo, set_setting
    from tui.cli_demo import DEMO_COMPANY

    runtime = open_runtime(f"sqlite:///{path}", extra_specs=[tui.hookspecs])
    try:
        runtime.upgrade()
        create_first_admin(runtime, LOGIN, "Boss Admin 总管")
        ctx = runtime.context_for(LOGIN)
        mark_demo(ctx)
        set_setting(ctx, COMPANY_NAME_KEY, DEMO_COMPANY)
        seed_demo(ctx, "small", 1)
    finally:
        runtime.db.dispose()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once per run: under pytest-xdist the first worker to need
    it builds it in the run's shared temporary directory while the others wait for it."""
    shared = os.environ.get("PYTEST_XDIST_WORKER") and sys.platform != "win32"
    if not shared:
        path = tmp_path_factory.mktemp("walk") / "demo.db"
        _build_demo_in_english(path)
        return path
    import fcntl

    folder = tmp_path_factory.getbasetemp().parent  # the same for every worker of the run
    path = folder / "walk-demo.db"
    with open(folder / "walk-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = folder / f"walk-demo-{os.getpid()}.db"
            _build_demo_in_english(building)
            building.replace(path)
    return path


def _build_demo_in_english(path: Path) -> None:
    set_lang("en")
    try:
        _build_demo(path)
    finally:
        set_lang(None)


def data_text(path: Path, lang: str) -> str:
    """Every free-text value in the database (what users typed or named), one per line.
    A column holding the other language's wording (``*_en`` on a Chinese screen) is left
    out: that is the program's text, not data."""
    other = "_en" if lang == "zh_CN" else "_zh"
    values: list[str] = []
    with sqlite3.connect(path) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for column in conn.execute(f"PRAGMA table_info('{table}')"):
                name, kind = column[1], (column[2] or "").upper()
                if name.endswith(other) or not DATA_COLUMNS.search(name):
                    continue
                if "CHAR" not in kind and "TEXT" not in kind:
                    continue
                values += [
                    str(v)
                    for (v,) in conn.execute(
                        f'SELECT DISTINCT "{name}" FROM \'{table}\' WHERE "{name}" IS NOT NULL'
                    )
                ]
    from tui.cli_demo import DEMO_COMPANY

    return "\n".join([*values, DEMO_COMPANY, "Boss Admin 总管"])


def screen_text(app: Any) -> str:
    """What the terminal shows now (the current screen over the ones behind it)."""
    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def latin_offences(text: str, vocabulary: set[str]) -> list[str]:
    """Runs of Latin letters on a Chinese screen that are neither codes nor data."""
    bad: list[str] = []
    codes = set().union(*(c for header, c in CODE_COLUMNS.items() if header in text))
    for chunk in LATIN_CHUNK.findall(text):
        if any(ch.isdigit() for ch in chunk):
            continue  # a code, a number, a date or a key such as f5
        for word in WORD.findall(chunk):
            low = word.lower()
            if len(word) == 1 or low in ZH_ALLOWED or low in vocabulary or low in codes:
                continue
            if len(low) >= 2 and any(v.startswith(low) for v in vocabulary):
                continue  # a name cut at the column's edge
            bad.append(word)
    return bad


def cjk_offences(text: str, data: str) -> list[str]:
    """Runs of Chinese on an English screen that are not (a cut part of) the data."""
    return [run for run in CJK_RUN.findall(text) if run not in data]


# -- the walk ---------------------------------------------------------------------------

SKIP_ACTIONS = {"back", "dismiss_none", "quit", "command_palette", "keys", "refresh"}
# cursor and page moves show the same words on other rows: not worth a step each
MOVE_KEYS = {"home", "end", "pageup", "pagedown", "left", "right", "up", "down", "tab", "shift+tab"}


def _taught(app: Any) -> list[tuple[Any, Any]]:
    """(node, binding) of every key the current screen teaches, except leaving keys."""
    found: list[tuple[Any, Any]] = []
    seen: set[str] = set()
    for active in app.screen.active_bindings.values():
        binding = active.binding
        name = binding.action.split("(")[0].rsplit(".", 1)[-1]
        if (
            not binding.description
            or not binding.id
            or binding.id.startswith("app.")
            or name in SKIP_ACTIONS
            or binding.action in seen
            or binding.key in MOVE_KEYS
        ):
            continue
        seen.add(binding.action)
        found.append((active.node, binding))
    return found


async def _back_to(pilot: Any, depth: int) -> None:
    app = pilot.app
    for _ in range(4):
        if len(app.screen_stack) <= depth:
            return
        await pilot.press("escape")
        await settle(pilot, rounds=2)
    while len(app.screen_stack) > depth:  # a dialog asking to discard, a stuck screen
        app.pop_screen()
        await pilot.pause()


class Walk:
    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.pages: dict[str, str] = {}
        self.done: set[tuple[str, str]] = set()

    def read(self, place: str) -> None:
        self.pages[place] = screen_text(self.pilot.app)

    async def step(self, place: str, act: Any, depth: int, level: int) -> None:
        app = self.pilot.app
        app.clear_notifications()
        try:
            await act()
        except Exception as exc:  # a crash is another test's business; note and go on
            self.pages[place] = f"[failed: {type(exc).__name__}]"
            return
        await settle(self.pilot, rounds=2)
        self.read(place)
        if level < 2 and len(app.screen_stack) > depth:
            await self.screen(place, level + 1)
        await _back_to(self.pilot, depth)

    async def screen(self, place: str, level: int = 0) -> None:
        """Every taught key of the current screen, and Enter on its first row."""
        app = self.pilot.app
        depth = len(app.screen_stack)
        origin = app.screen
        for node, binding in _taught(app):
            if app.screen is not origin:
                break  # the screen replaced itself (a wizard's next page): seen enough
            kind = (type(app.screen).__name__, binding.action)
            if kind in self.done:
                continue
            self.done.add(kind)

            async def act(node: Any = node, binding: Any = binding) -> None:
                await app.run_action(binding.action, node)

            await self.step(f"{place} › {binding.key}", act, depth, level)
        tables = [t for t in app.screen.query("DataTable") if t.row_count]
        kind = (type(app.screen).__name__, "enter")
        if tables and kind not in self.done:
            self.done.add(kind)

            async def enter() -> None:
                tables[0].focus()
                await self.pilot.press("enter")

            await self.step(f"{place} › enter", enter, depth, level)


# the walk's parts: each walks every PARTS-th section (part 0 Home too)
PARTS = 4
# pages a part reads at least per section walked (the whole walk read about 7.5 a section)
MIN_PAGES = 4


async def walk_app(
    path: Path, lang: str, part: int = 0, parts: int = 1
) -> tuple[dict[str, str], list[str]]:
    """The pages of the sections ``part``, ``part + parts``, ... of the navigation (and of
    Home in part 0), place -> screen text; and the places of the sections walked."""
    import tui.hookspecs
    from core.runtime import open_runtime
    from tui.app import SalesdeskApp

    set_lang(lang)
    runtime = open_runtime(f"sqlite:///{path}", extra_specs=[tui.hookspecs])
    try:
        app = SalesdeskApp(runtime.context_for(LOGIN), database_label="demo.db")
        app.crash_on_error = False  # a failing command shows its message, as to a user
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            walk = Walk(pilot)
            await settle(pilot)
            # the plugins' sections are read by a worker after Home is shown
            assert await until(pilot, lambda: app.ready and not app._views_coming)
            sections = [s for s in app.sections() if s[0] != "home"]
            assert len(sections) > 20, sections  # core's and the plugins' sections
            places = [f"{key or sid} {title}" for sid, key, title in sections[part::parts]]
            if part == 0:
                walk.read("home")
                await walk.screen("home")
            for (sid, _key, _title), place in zip(sections[part::parts], places, strict=True):
                app.action_section(sid)
                await settle(pilot, rounds=4)
                walk.read(place)
                await walk.screen(place)
                app.action_section("home")
                await settle(pilot, rounds=2)
            if os.environ.get("TUI_WALK_DUMP"):  # to read the pages: a JSON file per language
                Path(f"{os.environ['TUI_WALK_DUMP']}-{lang}-{part}.json").write_text(
                    json.dumps(walk.pages, ensure_ascii=False, indent=0)
                )
            return walk.pages, places
    finally:
        runtime.db.dispose()
        set_lang(None)


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "demo.db"
    shutil.copy(demo_db, path)
    yield path


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{place}: {sorted(set(words))}" for place, words in found.items())


def _reached(pages: dict[str, str], places: list[str]) -> None:
    """The part did reach its sections, and the screens and dialogs they open."""
    assert places, "no section in this part"
    for place in places:
        assert place in pages, (place, sorted(pages))
    assert len(pages) > MIN_PAGES * len(places), sorted(pages)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
@aio
async def test_chinese_walk_shows_no_english(demo_copy: Path, part: int) -> None:
    pages, places = await walk_app(demo_copy, "zh_CN", part, PARTS)
    _reached(pages, places)
    vocabulary = {w.lower() for w in WORD.findall(data_text(demo_copy, "zh_CN"))}
    found = {
        place: bad for place, text in pages.items() if (bad := latin_offences(text, vocabulary))
    }
    assert not found, "English on Chinese screens:\n" + _report(found)


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
@aio
async def test_english_walk_shows_no_chinese(demo_copy: Path, part: int) -> None:
    pages, places = await walk_app(demo_copy, "en", part, PARTS)
    _reached(pages, places)
    data = data_text(demo_copy, "en")
    found = {place: bad for place, text in pages.items() if (bad := cjk_offences(text, data))}
    assert not found, "Chinese on English screens:\n" + _report(found)


def test_the_checks_catch_what_they_should() -> None:
    """The filters themselves: English words and codes, Chinese runs and data."""
    vocabulary = {"acme", "trading"}
    assert latin_offences("客户 Acme Tradi C000123 esc 返回", vocabulary) == []
    assert latin_offences("阶段 proposal 应为 field required", vocabulary) == [
        "proposal",
        "field",
        "required",
    ]
    assert cjk_offences("Customer 上海精密 Stage 阶段", "上海精密锻造有限公司") == ["阶段"]

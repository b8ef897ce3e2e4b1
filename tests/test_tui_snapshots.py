"""Snapshots of the main screens at 80x24 and 120x40, in English and Chinese.

Fixed world (tests/tui_helpers.py) and fixed clock, so the pictures are stable.
Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tui_helpers import seed, settle

from core.i18n import set_lang
from core.testing.world import FixedClock, make_world


@pytest.fixture
def make_app(db_factory: Any) -> Iterator[Callable[..., Any]]:
    import tui.hookspecs
    from core.runtime import open_runtime

    runtimes = []

    def build(lang: str = "en", user: str = "admin", **kw: Any) -> Any:
        from tui.app import SalesdeskApp

        set_lang(lang)
        rt = open_runtime(db_factory.new("sqlite"), extra_specs=[tui.hookspecs])
        runtimes.append(rt)
        data = seed(make_world(rt, FixedClock()))
        return SalesdeskApp(data[user], database_label="demo.db", profile="standard", **kw)

    yield build
    set_lang(None)
    for rt in runtimes:
        rt.db.dispose()


async def settled(pilot: Any) -> None:
    await settle(pilot, rounds=4)
    for _ in range(3):  # timers fill choices after the first page; a loaded CI is slow
        await pilot.pause(0.4)
        await settle(pilot, rounds=2)
    await _home_figures_drawn(pilot)


async def _home_figures_drawn(pilot: Any, timeout: float = 15.0) -> None:
    """On Home, wait for its figures, then for the idle step in which the table widens
    its value column to them: a loaded CI took the picture between the two ("60,00")."""
    from tui.screens.home import HomeScreen

    if not isinstance(pilot.app.screen, HomeScreen):
        return
    from rich.text import Text
    from textual.widgets import DataTable

    table = pilot.app.screen.query_one("#figures", DataTable)
    value = table.columns[next(k for k in table.columns if k.value == "value")]

    def widened() -> bool:
        cells = [table.get_cell(row, value.key) for row in table.rows]
        shown = value.content_width if value.auto_width else value.width
        return shown >= max(Text(str(c)).cell_len for c in cells)

    for _ in range(int(timeout / 0.1)):
        if pilot.app.figures_shown.is_set() and widened():
            break
        await pilot.pause(0.1)
    await settle(pilot, rounds=2)


EN_80, ZH_120 = ("en", (80, 24)), ("zh_CN", (120, 40))


@pytest.mark.parametrize(
    ("lang", "size"), [EN_80, ZH_120, ("zh_CN", (80, 24)), ("en", (120, 40)), ("en", (160, 48))]
)
def test_home(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Home: target vs actual, sales to date, pipeline, follow-ups, stalled deals."""
    assert snap_compare(make_app(lang), terminal_size=size, run_before=settled)


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_customers(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Customers list with filters; Chinese names line up in the columns."""
    assert snap_compare(make_app(lang, start="customers"), terminal_size=size, run_before=settled)


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_customer_page(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """A customer's page, on its sales tab."""

    async def run_before(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press(
            "enter", "right_square_bracket", "right_square_bracket", "right_square_bracket"
        )
        await settled(pilot)

    assert snap_compare(
        make_app(lang, start="customers"), terminal_size=size, run_before=run_before
    )


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_pipeline_board(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Opportunities as a board: one column per open stage of the funnel."""
    assert snap_compare(
        make_app(lang, start="opportunities"), terminal_size=size, press=["b"], run_before=settled
    )


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_daily_report(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """The manager's team tab: the day's ranking and the team's visits."""

    async def run_before(pilot: Any) -> None:
        await settled(pilot)
        await pilot.press("ctrl+t")
        await settled(pilot)

    assert snap_compare(
        make_app(lang, user="manager", start="daily"), terminal_size=size, run_before=run_before
    )


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_reports(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """Reports: the list and the parameter form generated from the Params model."""
    assert snap_compare(
        make_app(lang, start="reports"),
        terminal_size=size,
        press=["down", "down"],
        run_before=settled,
    )


@pytest.mark.parametrize(("lang", "size"), [EN_80, ZH_120])
def test_keys_dialog(snap_compare: Any, make_app: Any, lang: str, size: tuple[int, int]) -> None:
    """? on the customers list: the keys of the current screen."""
    assert snap_compare(
        make_app(lang, start="customers"),
        terminal_size=size,
        press=["question_mark"],
        run_before=settled,
    )

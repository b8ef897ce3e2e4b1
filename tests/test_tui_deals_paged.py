"""Opportunities at the size of a real company: the list reads one page at a time (as
Customers does) and the board reads only the cards its columns show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tui_helpers import DAY, aio, settle, until

from tui.app import SalesdeskApp

MANY = 150  # open deals in the first stage, besides the seeded ones


def _many(data: dict[str, Any]) -> list[Any]:
    world, customer = data["world"], data["customers"][0]
    return [
        world.opportunity(
            customer,
            owner=data["rep"],
            title=f"Bulk {i:03d}",
            expected_close=DAY + dt.timedelta(days=100 + i),
        )
        for i in range(MANY)
    ]


def _keys(table: Any) -> list[int]:
    return [int(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)]


@aio
async def test_the_deals_list_reads_one_page_and_pages(tui_world: dict[str, Any]) -> None:
    from tui.screens.opportunities import OpportunitiesScreen

    bulk = _many(tui_world)
    total = MANY + len(tui_world["deals"])
    app = SalesdeskApp(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        table = screen.query_one("#list")
        status = screen.query_one("#status")
        assert await until(pilot, lambda: f"of {total}" in str(status.render()))
        first = _keys(table)
        assert 5 <= len(first) < 30  # a page, not every deal
        assert f"{total} open deals" in str(status.render())
        assert "! = stalled" in str(status.render())
        await pilot.press("pagedown")
        assert await until(pilot, lambda: _keys(table) and _keys(table)[0] != first[0])
        assert not set(_keys(table)) & set(first)  # the next page
        await pilot.press("pageup")
        assert await until(pilot, lambda: _keys(table) == first)
        await pilot.press("end")  # the last page ends with the last deal to close
        assert await until(pilot, lambda: _keys(table) and _keys(table)[-1] == bulk[-1].id)


@aio
async def test_a_deal_opened_from_elsewhere_is_on_the_page_shown(
    tui_world: dict[str, Any],
) -> None:
    bulk = _many(tui_world)
    wanted = bulk[120]
    app = SalesdeskApp(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_opportunity(wanted.id)
        assert await until(pilot, lambda: app.screen.selected_deal() == wanted.id)
        assert app.screen.query_one("#list").row_count < 30


@aio
async def test_the_board_reads_only_the_cards_it_shows(tui_world: dict[str, Any]) -> None:
    from tui.screens.opportunities import OpportunitiesScreen

    _many(tui_world)
    app = SalesdeskApp(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        assert await until(pilot, lambda: bool(screen.columns) and screen.columns[0].row_count)
        lead = screen.columns[0]
        # the first stage has the seeded two and the bulk: its title counts them all,
        # its column holds the cards that fit (two lines each), soonest to close first
        assert f"({MANY + 2})" in str(lead.border_title)
        assert lead.row_count <= lead.size.height // 2 + 1
        assert lead.coordinate_to_cell_key((0, 0)).row_key.value == str(tui_world["deals"][0].id)
        await pilot.press("b")  # and back to the list
        await settle(pilot)
        assert app.focused is screen.query_one("#list")


@aio
async def test_coming_back_to_the_deals_reads_them_only_when_something_changed(
    tui_world: dict[str, Any], monkeypatch: Any
) -> None:
    """Opportunities read the funnel's deals again on every return; now only after a
    write (in any session) or when what they show is older than a short age."""
    from core.services import lists
    from core.services.opportunities import move_stage
    from tui.base import Freshness

    reads: list[int] = []
    rows = lists.opportunity_rows

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return rows(*args, **kwargs)

    monkeypatch.setattr(lists, "opportunity_rows", counting)
    app = SalesdeskApp(tui_world["admin"], load_dashboard=False)

    async def round_trip(pilot: Any) -> int:
        before = len(reads)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        return len(reads) - before

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert reads
        assert await round_trip(pilot) == 0  # nothing changed
        move_stage(tui_world["manager"], tui_world["deals"][0].id, "proposal")
        assert await round_trip(pilot) > 0  # a deal moved
        monkeypatch.setattr(Freshness, "FRESH_FOR", 0.0)
        assert await round_trip(pilot) > 0  # too old to trust


@aio
async def test_a_board_column_pages_its_cards_and_the_footer_stays(
    tui_world: dict[str, Any], monkeypatch: Any
) -> None:
    """A column holds the cards it has room for: PgDn shows the stage's next ones (as in
    the list), so list and board teach the same keys and toggling between them does not
    rebuild the footer (a served session paid for that on every `b`)."""
    from tui.base import KeysFooter

    _many(tui_world)
    built: list[int] = []
    compose = KeysFooter.compose

    def counting(self: KeysFooter) -> Any:
        built.append(1)
        return compose(self)

    monkeypatch.setattr(KeysFooter, "compose", counting)
    app = SalesdeskApp(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert await until(pilot, lambda: bool(screen.columns) and screen.columns[0].row_count)
        lead = screen.columns[0]
        assert app.focused is lead
        first = [lead.coordinate_to_cell_key((i, 0)).row_key.value for i in range(lead.row_count)]
        await pilot.press("pagedown")
        assert await until(
            pilot, lambda: lead.coordinate_to_cell_key((0, 0)).row_key.value not in first
        )
        await pilot.press("pageup")
        assert await until(
            pilot, lambda: lead.coordinate_to_cell_key((0, 0)).row_key.value == first[0]
        )
        built.clear()
        for _ in range(2):
            await pilot.press("b")
            await settle(pilot)
        assert built == []

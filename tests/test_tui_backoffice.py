"""Issue #22, the TUI a back office lives in all day: no crash, no lost typing, no
irreversible step on one key (pilot tests on the fixed TUI world)."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle

from core.models import Opportunity


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


def _move_to_funnel(world: Any, deal: Any, funnel: str, stage: str) -> None:
    with world.runtime.db.write_session() as session, session.begin():
        row = session.get(Opportunity, deal.id)
        row.funnel, row.stage = funnel, stage


def _listed(screen: Any) -> set[int]:
    table = screen.query_one("#list")
    return {int(table.coordinate_to_cell_key((i, 0)).row_key.value)
            for i in range(table.row_count)}


# -- 1. the funnel key: board and list show the chosen funnel, no crash -------------------


@aio
async def test_board_switches_funnel(tui_world: dict[str, Any]) -> None:
    from tui.screens.opportunities import OpportunitiesScreen

    deal = tui_world["deals"][2]
    _move_to_funnel(tui_world["world"], deal, "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        await pilot.press("b")
        await settle(pilot)
        assert len(app.screen.query(".stage")) == 4  # basic: lead .. negotiation
        await pilot.press("f")  # used to raise DuplicateIds ('stage-lead')
        await settle(pilot)
        screen = app.screen
        assert screen.funnel.id == "b2b"
        columns = list(screen.query(".stage"))
        assert [c.name for c in columns] == [f"stage-{s.id}" for s in screen.funnel.open_stages]
        solution = next(c for c in columns if c.name == "stage-solution")
        assert solution.row_count == 1 and sum(c.row_count for c in columns) == 1
        await pilot.press("right")  # moving between the new columns still works
        await pilot.press("f")
        await settle(pilot)
        assert app.is_running and screen.funnel.id != "b2b"


@aio
async def test_list_filters_to_the_chosen_funnel(tui_world: dict[str, Any]) -> None:
    deals = tui_world["deals"]
    _move_to_funnel(tui_world["world"], deals[2], "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        basic = _listed(app.screen)
        assert deals[2].id not in basic and deals[0].id in basic
        await pilot.press("f")
        await settle(pilot)
        assert app.screen.funnel.id == "b2b"
        assert _listed(app.screen) == {deals[2].id}
        assert "1 open deals" in str(app.screen.query_one("#status").render())


@aio
async def test_opening_a_deal_shows_its_funnel(tui_world: dict[str, Any]) -> None:
    deal = tui_world["deals"][2]
    _move_to_funnel(tui_world["world"], deal, "b2b", "solution")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(120, 30)) as pilot:
        app.open_opportunity(deal.id)
        await settle(pilot)
        assert app.screen.funnel.id == "b2b" and _listed(app.screen) == {deal.id}


# -- 1. an unexpected error: a failed command is a message, a crash exits non-zero --------


@aio
async def test_failed_action_is_a_message(tui_world: dict[str, Any]) -> None:
    from tui.screens.home import HomeScreen

    app = app_for(tui_world["admin"])
    app.crash_on_error = False  # as a person runs it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def boom() -> None:
            raise RuntimeError("kaboom")

        app.screen.action_boom = boom  # type: ignore[attr-defined]
        await app.run_action("screen.boom")
        await pilot.pause()
        assert any("kaboom" in n.message for n in app._notifications)
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await pilot.press("2")  # and it still answers keys
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)


@aio
async def test_crash_ends_the_app_with_status_1(tui_world: dict[str, Any]) -> None:
    """An error outside an action stops Textual's message loop: the app must not carry on
    half dead, nor end with status 0."""
    app = app_for(tui_world["admin"])
    app.crash_on_error = False
    with pytest.raises(RuntimeError, match="kaboom"):
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)

            def boom() -> None:
                raise RuntimeError("kaboom")

            app.call_later(boom)
            await pilot.pause()
    assert app.return_code == 1


def test_run_app_exits_non_zero_after_a_crash(tui_world: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import SalesdeskApp, run_app

    def crashed(self: Any) -> None:
        self._return_code = 1  # what Textual leaves after an unhandled exception

    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    monkeypatch.setattr(SalesdeskApp, "run", crashed)
    with pytest.raises(SystemExit) as exit_info:
        run_app(tui_world["world"].runtime)
    assert exit_info.value.code == 1

"""No dead ends, no wrong turns (issue 22, item 6): Enter opens what is under the
cursor, Escape closes what it is in, and a user is offered only what they may do."""

from __future__ import annotations

from typing import Any

from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


@aio
async def test_enter_on_a_board_card_opens_the_deal(tui_world: dict[str, Any]) -> None:
    from tui.screens.opportunities import OpportunitiesScreen, OpportunityDetail

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, OpportunitiesScreen)
        column = app.focused
        assert column in board.columns and column.row_count
        wanted = board.selected_deal()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OpportunityDetail)
        assert app.screen.opportunity_id == wanted
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board and board.board

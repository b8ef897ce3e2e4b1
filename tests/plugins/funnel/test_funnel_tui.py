"""The funnel's screens driven as a user would (SQLite): the board with its chart, the
due list, claiming from the lead pool, and the handover wizard (preview, then confirm)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import Customer
from core.services import opportunities


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_board_due_list_and_pool_claim(tui_team: Any) -> None:
    from plugins.funnel.views import DueListScreen, LeadPoolScreen, PipelineBoard
    from tui.screens.dialogs import ConfirmDialog

    w = tui_team
    mine = w.customer(w.r1, "N", name="Mine Co")
    opportunities.create_opportunity(
        w.r1, {"customer_id": mine.id, "title": "Pumps", "amount": "1200", "funnel": "basic"}
    )
    w.clock.now += dt.timedelta(days=40)  # the deal is stalled (lead: 30 days)
    lead = w.customer(None, "N", name="Pool Lead Ltd")
    app = app_for(w.r1)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, PipelineBoard)
        chart = str(app.screen.query_one("#chart").render())
        assert "Lead" in chart and "1,200.00" in chart
        await pilot.press("escape")
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, DueListScreen)
        table = app.screen.query_one("#due")
        kinds = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        assert "Stalled deal" in kinds
        await pilot.press("escape")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LeadPoolScreen)
        assert app.screen.query_one("#pool").row_count == 1
        # a rep is taught only the key they may use
        shown = {a.binding.action for a in app.screen.active_bindings.values()}
        assert "claim" in shown and not shown & {"assign", "give", "reclaim"}
        assert str(app.screen.query_one("#hint").render()) == "c claims the lead under the cursor."
        pool_screen = app.screen
        await pilot.press("c")  # asks first, naming the lead
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Claim Pool Lead Ltd?" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("enter", "enter")  # Cancel has the focus: Enter twice claims nothing
        await settle(pilot)
        assert app.screen is pool_screen and pool_screen.query_one("#pool").row_count == 1
        await pilot.press("c", "right", "enter")
        await settle(pilot)
        assert app.screen.query_one("#pool").row_count == 0
    with w.runtime.db.read_session() as session:
        assert session.get(Customer, lead.id).owner_id == w.r1.actor.id


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_a_manager_is_shown_the_pool_keys(tui_team: Any) -> None:
    from plugins.funnel.views import LeadPoolScreen

    app = app_for(tui_team.mgr)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LeadPoolScreen)
        shown = {a.binding.action for a in app.screen.active_bindings.values()}
        assert {"claim", "assign", "give", "reclaim"} <= shown
        assert "a assigns the pool" in str(app.screen.query_one("#hint").render())


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_handover_wizard_previews_then_hands_over(tui_team: Any) -> None:
    from plugins.funnel.views import HandoverWizard
    from tui.screens.dialogs import ConfirmDialog

    w = tui_team
    for n in range(3):
        w.customer(w.r1, "N", name=f"Book {n}")
    app = app_for(w.mgr)
    async with app.run_test(size=(120, 32)) as pilot:
        await app.push_screen(HandoverWizard())
        await settle(pilot)
        app.screen.query_one("#leaving").value = "r1"
        app.screen.query_one("#successors").value = "r2"
        await pilot.press("ctrl+s")  # refused: no preview yet
        await settle(pilot)
        with w.runtime.db.read_session() as session:
            assert (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Customer)
                    .where(Customer.owner_id == w.r1.actor.id)
                )
                == 3
            )
        await pilot.press("f2")
        await settle(pilot)
        wizard = app.screen
        assert "Customers: 3" in str(wizard.query_one("#summary").render())
        table = wizard.query_one("#closing")  # each customer and its new owner, by name
        assert sorted(tuple(table.get_row_at(i)[1:3]) for i in range(table.row_count)) == [
            (f"Book {n}", "R2") for n in range(3)
        ]
        await pilot.press("ctrl+s")  # asks first, listing who gets which customer
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "Hand over R1's customers" in str(dialog.query_one(".title").render())
        moves = dialog.query_one("#confirm-rows")
        assert sorted(tuple(map(str, moves.get_row_at(i)[1:])) for i in range(moves.row_count)) == [
            (f"Book {n}", "R2") for n in range(3)
        ]
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert app.screen is wizard
        with w.runtime.db.read_session() as session:
            assert (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(Customer)
                    .where(Customer.owner_id == w.r1.actor.id)
                )
                == 3
            )
        await pilot.press("ctrl+s", "right", "enter")
        await settle(pilot)
    with w.runtime.db.read_session() as session:
        owners = session.scalars(sa.select(Customer.owner_id)).all()
    assert set(owners) == {w.r2.actor.id}

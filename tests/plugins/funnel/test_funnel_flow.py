"""The funnel's screens lead somewhere: Enter on a board card or a due-list row opens the
deal or the customer; the lead pool's bulk moves ask first, listing what will happen:
assign by rules (``a``) shows which lead goes to whom, reclaim now (``R``) which leads
leave their owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import Customer
from core.services import opportunities
from plugins.funnel.services import leads


def owner_of(w: Any, customer: Any) -> int | None:
    with w.runtime.db.read_session() as session:
        return session.scalar(sa.select(Customer.owner_id).where(Customer.id == customer.id))


async def open_pool(pilot: Any) -> Any:
    from plugins.funnel.views import LeadPoolScreen

    await pilot.press("l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LeadPoolScreen)
    return pilot.app.screen


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


def rows_of(dialog: Any) -> list[tuple[str, ...]]:
    table = dialog.query_one("#confirm-rows")
    return [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_assign_by_rules_asks_first(tui_team: Any) -> None:
    from tui.screens.dialogs import ConfirmDialog

    w = tui_team
    leads.set_rules(w.admin, [{"name": "all", "reps": ["r1"]}])
    lead = w.customer(None, "N", name="Pool Lead Ltd")
    async with app_for(w.mgr).run_test(size=(120, 32)) as pilot:
        screen = await open_pool(pilot)
        await pilot.press("a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert any("Pool Lead Ltd" in row and "R1" in row for row in rows_of(dialog))
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert pilot.app.screen is screen and owner_of(w, lead) is None
        await pilot.press("a", "right", "enter")
        await settle(pilot)
    assert owner_of(w, lead) == w.r1.actor.id


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_reclaim_now_asks_first(tui_team: Any) -> None:
    from tui.screens.dialogs import ConfirmDialog

    w = tui_team
    leads.set_reclaim_policy(w.admin, {"remind": 3, "manager": 5, "reclaim": 7})
    idle = w.customer(w.r1, "N", name="Idle Co")
    w.clock.now += dt.timedelta(days=30)
    async with app_for(w.mgr).run_test(size=(120, 32)) as pilot:
        screen = await open_pool(pilot)
        await pilot.press("R")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert any("Idle Co" in row for row in rows_of(dialog))
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert pilot.app.screen is screen and owner_of(w, idle) == w.r1.actor.id
        await pilot.press("R", "right", "enter")
        await settle(pilot)
    assert owner_of(w, idle) is None


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_enter_on_a_board_card_opens_the_deal(tui_team: Any) -> None:
    from plugins.funnel.views import PipelineBoard
    from tui.screens.opportunities import OpportunityDetail

    w = tui_team
    mine = w.customer(w.r1, "N", name="Mine Co")
    deal = opportunities.create_opportunity(
        w.r1, {"customer_id": mine.id, "title": "Pumps", "amount": "1200", "funnel": "basic"}
    )
    async with app_for(w.r1).run_test(size=(120, 32)) as pilot:
        await pilot.press("b")
        await settle(pilot)
        board = pilot.app.screen
        assert isinstance(board, PipelineBoard)
        await pilot.press("enter")  # the first stage's biggest deal
        await settle(pilot)
        assert isinstance(pilot.app.screen, OpportunityDetail)
        assert pilot.app.screen.opportunity_id == deal.id
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is board


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_enter_on_a_due_row_opens_it(tui_team: Any) -> None:
    from plugins.funnel.views import DueListScreen
    from tui.screens.customer_page import CustomerPage
    from tui.screens.opportunities import OpportunityDetail

    w = tui_team
    mine = w.customer(w.r1, "N", name="Mine Co")
    deal = opportunities.create_opportunity(
        w.r1, {"customer_id": mine.id, "title": "Pumps", "amount": "1200", "funnel": "basic"}
    )
    w.clock.now += dt.timedelta(days=40)  # stalled deal; the customer not visited
    async with app_for(w.r1).run_test(size=(120, 32)) as pilot:
        await pilot.press("u")
        await settle(pilot)
        due_list = pilot.app.screen
        assert isinstance(due_list, DueListScreen)
        table = due_list.query_one("#due")
        keys = [str(k.value) for k in table.rows]
        kinds = [k.split(":")[0] for k in keys]
        assert "stalled" in kinds and any(k != "stalled" for k in kinds)
        table.move_cursor(row=kinds.index("stalled"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OpportunityDetail)
        assert pilot.app.screen.opportunity_id == deal.id
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is due_list
        table.move_cursor(row=next(i for i, k in enumerate(kinds) if k != "stalled"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerPage)
        assert pilot.app.screen.customer_id == mine.id


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_the_handover_report_drills_into_what_moved(tui_team: Any) -> None:
    from plugins.funnel.services import handover
    from tui.screens.report_view import DrillView, ReportView

    w = tui_team
    moving = w.customer(w.r1, "N", name="Moving Co")
    opportunities.create_opportunity(
        w.r1, {"customer_id": moving.id, "title": "Valves", "amount": "900", "funnel": "basic"}
    )
    handover.hand_over(w.mgr, "r1", ["r2"])
    app = app_for(w.mgr)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        app.open_report("funnel.handover")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, ReportView)
        table = app.screen.query_one("#rt-handover")
        for column in ("customers", "deals"):
            table.move_cursor(row=0, column=table.table.index(column))
            await pilot.press("enter")
            await settle(pilot)
            errors = [n.message for n in app._notifications if n.severity == "error"]
            assert not errors, errors
            assert isinstance(app.screen, DrillView), column
            rows = list(app.screen.table.rows)
            assert len(rows) == 1 and any(
                "Moving Co" in str(v) or "Valves" in str(v) for v in rows[0]
            ), rows
            await pilot.press("escape")
            await settle(pilot)

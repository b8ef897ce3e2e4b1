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


@aio
async def test_enter_on_a_contact_edits_it(tui_world: dict[str, Any]) -> None:
    from core.services import customers
    from tui.screens.customer_page import CustomerPage
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    rep, cust = tui_world["rep"], tui_world["customers"][0]
    contact = customers.add_contact(rep, cust.id, {"name": "Zhang [b]Wei", "phone": "123"})
    app = app_for(rep)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(cust.id)
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CustomerPage)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        form = app.screen.query_one(FormFields)
        assert form.values()["name"] == "Zhang [b]Wei"
        form.widget_for("phone").value = "021 5555 0100"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is page
    (saved,) = customers.list_contacts(rep, cust.id)
    assert (saved.id, saved.phone) == (contact.id, "021 5555 0100")


@aio
async def test_a_manager_reassigns_a_customer(tui_world: dict[str, Any]) -> None:
    from core.services import customers
    from tui.screens.customer_page import CustomerPage
    from tui.screens.dialogs import ConfirmDialog, FormDialog
    from tui.widgets.form import FormFields

    manager, rep, rep2 = tui_world["manager"], tui_world["rep"], tui_world["rep2"]
    cust = tui_world["customers"][0]  # rep's
    app = app_for(manager)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(cust.id)
        await settle(pilot)
        page = app.screen
        assert isinstance(page, CustomerPage)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one(FormFields).widget_for("owner").value = rep2.actor.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert cust.name in question and "赵敏 Zhao Min" in question
        await pilot.press("right", "enter")
        await settle(pilot)
        assert app.screen is page
    assert customers.get_customer(manager, cust.id).owner_id == rep2.actor.id
    assert rep.actor.id != rep2.actor.id


@aio
async def test_a_rep_is_not_offered_reassignment(tui_world: dict[str, Any]) -> None:
    from tui.screens.customer_page import CustomerPage

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(tui_world["customers"][0].id)
        await settle(pilot)
        assert isinstance(app.screen, CustomerPage)
        shown = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "reassign" not in shown


@aio
async def test_escape_in_the_filter_closes_the_filter(tui_world: dict[str, Any]) -> None:
    from tui.screens.customers import CustomersScreen
    from tui.widgets.paged_table import PagedTable

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomersScreen)
        await pilot.press("slash", *"Acme")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen  # still on the list, not Home
        assert isinstance(app.focused, PagedTable)
        assert screen.query_one(PagedTable).total == 1  # the filter still applies
        await pilot.press("escape")  # from the list: back Home
        await settle(pilot)
        assert app.screen is not screen


@aio
async def test_escape_in_a_report_parameter_goes_back_to_the_list(
    tui_world: dict[str, Any],
) -> None:
    from textual.widgets import OptionList

    from tui.screens.reports import ReportsScreen

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await pilot.press("tab")  # into the parameters
        await settle(pilot)
        assert not isinstance(app.focused, OptionList)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and isinstance(app.focused, OptionList)


@aio
async def test_reports_reopen_at_the_report_last_used(tui_world: dict[str, Any]) -> None:
    from textual.widgets import OptionList

    from tui.screens.report_view import ReportView
    from tui.screens.reports import ReportsScreen

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        listing = app.screen.query_one("#report-list", OptionList)
        for _ in range(3):
            await pilot.press("down")
        await settle(pilot)
        used = app.screen.report_id
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        await pilot.press("escape", "escape")  # the result, then the reports: Home
        await settle(pilot)
        app.open_report("")  # as the palette or another screen would: no report named
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen) and app.screen.report_id == used
        listing = app.screen.query_one("#report-list", OptionList)
        assert listing.get_option_at_index(listing.highlighted or 0).id == used
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert app.screen.report_id == used


@aio
async def test_reports_are_grouped_under_headings(tui_world: dict[str, Any]) -> None:
    from textual.widgets import OptionList

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        listing = screen.query_one("#report-list", OptionList)
        options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
        headings = [str(o.prompt) for o in options if o.disabled]
        assert {"Daily work", "Funnel and pipeline", "Forecast and targets", "Contracts"} <= set(
            headings
        )
        assert len(headings) == len(set(headings))  # each area once
        assert options[0].disabled  # the list opens with a heading
        group = ""
        for option in options:  # every report sits under its area's heading
            if option.disabled:
                group = str(option.prompt)
                continue
            report = screen.reports[option.id]
            from tui.screens.reports import area_title

            assert area_title(report.category) == group
        assert not listing.get_option_at_index(listing.highlighted).disabled


@aio
async def test_home_target_drills_into_the_targets(tui_world: dict[str, Any]) -> None:
    from decimal import Decimal

    from tui.screens.records import RecordsScreen

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("tab")  # from the navigation to the figures: "Target this month"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordsScreen)
        drill = app.screen.drill
        assert drill is not None and drill.kind == "target"
        amounts = sorted(row[2] for row in drill.rows)
        assert amounts == [Decimal("25000"), Decimal("60000")]  # the rep's and the company's
        names = {row[1] for row in drill.rows}
        assert "李雷 Li Lei" in names


async def keys_listed(app: Any, pilot: Any) -> set[str]:
    from tui.screens.dialogs import KeysDialog

    await pilot.press("question_mark")
    await settle(pilot)
    assert isinstance(app.screen, KeysDialog)
    listed = {description for _key, description in app.screen.rows}
    await pilot.press("escape")
    await settle(pilot)
    return listed


@aio
async def test_keys_list_only_what_the_user_may_do(tui_world: dict[str, Any]) -> None:
    world = tui_world["world"]
    reader = world.user("exec1", "executive", region="EAST")  # reads, does not edit
    app = app_for(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        listed = await keys_listed(app, pilot)
        assert not {"Plugins", "Import", "Admin"} & listed  # sections they may not open
        await pilot.press("2")
        await settle(pilot)
        listed = await keys_listed(app, pilot)
        assert "Filter" in listed and not {"New", "Edit"} & listed
        app.open_customer(tui_world["customers"][0].id)
        await settle(pilot)
        listed = await keys_listed(app, pilot)
        assert not {"Edit", "Contact+", "Deal+", "Reassign"} & listed
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert {"Plugins", "Import", "Admin"} <= await keys_listed(app, pilot)


@aio
async def test_a_form_says_at_once_that_it_cannot_be_saved(tui_world: dict[str, Any]) -> None:
    from tui.screens.customer_form import CustomerForm

    world = tui_world["world"]
    reader = world.user("exec2", "executive", region="EAST")
    app = app_for(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(CustomerForm(tui_world["customers"][0].id))
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        message = str(app.screen.query_one("#form-message").render())
        assert "may not" in message  # said before anything is typed

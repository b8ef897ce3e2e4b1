"""The daily report screen by keyboard (issue #22): the day's weather once, visits with
start and end times and amounts, a plan for the next day, the refusal of an end before
the start, the question before quitting with a visit typed, the reps-only ranking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from tui_helpers import DAY, aio, settle, until

from core.models import Activity, DailyReport, VisitPlan


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard")


async def _open_daily(pilot: Any) -> Any:
    from tui.screens.daily import DailyScreen

    await pilot.press("4")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DailyScreen)
    return pilot.app.screen


@aio
async def test_a_rep_enters_the_days_report(tui_world: dict[str, Any]) -> None:
    from core.services import customers

    rep = tui_world["rep"]
    first = tui_world["customers"][0]
    tui_world["zhang"] = customers.add_contact(rep, first.id, {"name": "张伟 Zhang Wei"})
    customers.add_contact(rep, first.id, {"name": "刘洋 Liu Yang"})
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_daily(pilot)
        assert app.focused.id == "e-customer"  # typing never lands on a section key
        assert "Weather not entered" in str(screen.query_one("#day-title").render())
        await pilot.press(
            "shift+tab", "enter", "down", "down", "down", "down", "enter"
        )  # the header's weather, once a day: 雨 Rain
        await pilot.press(
            "tab",
            *"C00001",
            "tab",
            *"zhang",
            "tab",
            "tab",
            "tab",
            *"09:00",
            "tab",
            *"10:30",
            "tab",
            *"signed",
            "tab",
            "tab",
            *"12,000.50",
            "tab",
            *"300",
            "ctrl+s",
        )
        await settle(pilot)
        assert str(screen.query_one("#entry-error").render()) == ""
        assert screen.query_one("#today").row_count == 1
        assert app.focused.id == "e-customer"  # ready for the next visit
        assert "Weather not entered" not in str(screen.query_one("#day-title").render())
        await pilot.press("ctrl+l", *"C00003", "tab", "tab", "tab", *"bring samples", "ctrl+s")
        await settle(pilot)
        assert screen.query_one("#tomorrow").row_count == 1
        assert not screen.unsaved_input()
    with rep.reading() as session:
        header = session.scalars(sa.select(DailyReport)).one()
        visit = session.scalars(sa.select(Activity).where(Activity.date == DAY)).one()
        plan = session.scalars(sa.select(VisitPlan)).one()
    assert (header.rep_id, header.date, header.weather) == (rep.actor.id, DAY, "rain")
    assert (visit.visit_time, visit.end_time) == (dt.time(9, 0), dt.time(10, 30))
    assert (visit.order_amount, visit.collection_amount) == (Decimal("12000.50"), Decimal("300.00"))
    assert (plan.date, plan.notes) == (DAY + dt.timedelta(days=1), "bring samples")
    assert visit.contact_id == tui_world["zhang"].id


@aio
async def test_an_end_before_the_start_is_shown_and_nothing_saved(
    tui_world: dict[str, Any],
) -> None:
    rep = tui_world["rep"]
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_daily(pilot)
        await pilot.press(
            *"C00001", "tab", *"nobody", "tab", "tab", "tab", *"10:00", "tab", *"09:00", "enter"
        )
        await settle(pilot)
        assert "Person met: 'nobody'" in str(screen.query_one("#entry-error").render())
        assert app.focused.id == "e-contact"
        await pilot.press(*["backspace"] * 6, "enter")
        await settle(pilot)
        assert "End: '09:00'" in str(screen.query_one("#entry-error").render())
        assert app.focused.id == "e-end_time"
        assert screen.query_one("#today").row_count == 0


@aio
async def test_quitting_with_a_visit_typed_asks_first(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import ConfirmDialog

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_daily(pilot)
        screen.query_one("#e-order_amount").focus()
        await pilot.press(*"500")
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # stay
        screen.query_one("#e-order_amount").value = ""
        assert not screen.unsaved_input()
        screen.query_one("#e-weather").value = "snow"  # the header's weather, not saved
        assert screen.unsaved_input()


@aio
async def test_the_team_ranking_leaves_the_manager_out(tui_world: dict[str, Any]) -> None:
    from core.services.activities import log_visit

    log_visit(
        tui_world["rep2"],
        {"date": DAY, "customer_id": tui_world["customers"][1].id, "collection_amount": "50"},
    )
    app = app_for(tui_world["manager"])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_daily(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        ranking = screen.query_one("#ranking")
        names = [str(ranking.get_row_at(i)[1]) for i in range(ranking.row_count)]
        assert names == ["赵敏 Zhao Min", "李雷 Li Lei"]  # no "Wang": a manager is no rep
        await pilot.press("ctrl+o", "ctrl+o")  # by amount collected
        await settle(pilot)
        assert "collected" in str(screen.query_one("#rank-title").render())


@aio
async def test_the_printable_forms_open_from_the_day(tui_world: dict[str, Any]) -> None:
    """Ctrl+F: the day's form of the rep under the ranking's cursor; Ctrl+W: the week."""
    from core.services.activities import log_visit
    from tui.screens.report_view import ReportView

    log_visit(
        tui_world["rep2"],
        {
            "date": DAY,
            "customer_id": tui_world["customers"][1].id,
            "order_amount": "80",
            "visit_time": "08:00",
        },
    )
    app = app_for(tui_world["manager"])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_daily(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        assert app.screen.report_id == "daily_visit_form"
        assert app.screen.result.table("header").rows[0][1] == "zhao"
        assert app.screen.result.table("visits").rows[0][0] == "08:00"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+w")
        await settle(pilot)
        assert app.screen.report_id == "rep_weekly_visits"


@aio
async def test_the_days_region_is_chosen_among_the_reps_regions(tui_world: dict[str, Any]) -> None:
    world = tui_world["world"]
    city = world.region("EAST_SH", parent="EAST", name="Shanghai 上海")
    rep = world.context(tui_world["rep"].actor)  # its grant sees the new sub-region
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_daily(pilot)
        region = screen.query_one("#e-region")
        assert [str(text) for text, value in region._options if value != region.NULL] == [
            "East 华东",
            "Shanghai 上海",
        ]
        region.focus()
        await pilot.press("enter", "down", "enter")
        assert screen.unsaved_input()  # the dirty-form guard knows the region changed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.unsaved_input()
    header = daily_header(rep)
    assert header.region_id == city.id


def daily_header(ctx: Any) -> Any:
    with ctx.reading() as session:
        return session.scalars(sa.select(DailyReport)).one()


@aio
async def test_a_logged_visit_is_edited_and_deleted_from_its_row(tui_world: dict[str, Any]) -> None:
    from core.services.activities import log_visit, update_visit
    from tui.screens.dialogs import ConfirmDialog, ConflictDialog

    rep, first = tui_world["rep"], tui_world["customers"][0]
    visit = log_visit(
        rep,
        {
            "date": DAY,
            "customer_id": first.id,
            "visit_time": "09:00",
            "order_amount": "100",
            "result": "met",
        },
    )
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_daily(pilot)
        screen.query_one("#today").focus()
        await pilot.press("enter")  # the row into the form
        await settle(pilot)
        assert screen.query_one("#e-customer").value == "C00001"
        assert screen.query_one("#e-visit_time").value == "09:00"
        assert screen.query_one("#e-order_amount").value == "100.00"
        assert app.focused.id == "e-customer"
        assert not screen.unsaved_input()  # loaded, not yet changed
        screen.query_one("#e-end_time").focus()
        await pilot.press(*"10:15")
        assert screen.unsaved_input()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one("#today").row_count == 1  # changed, not logged again
        saved = _visit(rep, visit.id)
        assert (saved.end_time, saved.result) == (dt.time(10, 15), "met")
        # someone else changes it while it is open here: the conflict is asked about
        screen.query_one("#today").focus()
        await pilot.press("enter")
        await settle(pilot)
        update_visit(tui_world["manager"], visit.id, {"result": "the manager's"}, saved.version)
        screen.query_one("#e-collection_amount").focus()
        await pilot.press(*"50", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("k")  # keep mine, over theirs
        await settle(pilot)
        kept = _visit(rep, visit.id)
        assert (kept.collection_amount, kept.result) == (Decimal("50.00"), "the manager's")
        # deleting asks first
        screen.query_one("#today").focus()
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("right", "enter")
        assert await until(pilot, lambda: screen.query_one("#today").row_count == 0)
    assert _visit(rep, visit.id) is None


def _visit(ctx: Any, visit_id: int) -> Any:
    with ctx.reading() as session:
        return session.get(Activity, visit_id)


@aio
async def test_at_80x24_a_rep_sees_five_visits_and_their_essential_columns(
    tui_world: dict[str, Any],
) -> None:
    from core.i18n import _, set_lang
    from core.services.activities import log_visit

    rep = tui_world["rep"]
    for i in range(6):
        log_visit(
            rep,
            {
                "date": DAY,
                "customer_id": tui_world["customers"][2 * (i % 4)].id,
                "visit_time": f"0{i + 1}:00",
                "end_time": f"0{i + 1}:45",
                "result": "signed the yearly frame contract at last",
                "order_amount": "1234567.00",
                "collection_amount": "23456.00",
                "next_visit": "2026-03-20",
            },
        )
    for lang in ("en", "zh_CN"):
        set_lang(lang)
        app = app_for(rep)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _open_daily(pilot)
            table = screen.query_one("#today")
            await pilot.press(*"nobody", "enter")  # an error shown above the table
            await settle(pilot)
            visible_rows = table.scrollable_content_region.height - 1  # less the header
            assert visible_rows >= 5, (lang, visible_rows)
            keys = [str(c.label) for c in table.columns.values()]
            essential = 5
            assert keys[:essential] == [
                _(k) for k in ("Time", "Customer", "Purpose", "Ordered", "Collected")
            ]
            shown = sum(c.get_render_width(table) for c in list(table.columns.values())[:essential])
            assert shown <= table.scrollable_content_region.width, (lang, keys)
            assert app.screen is screen
    set_lang("en")


@aio
async def test_the_plans_and_team_tabs_are_made_when_first_shown(tui_world: dict[str, Any]) -> None:
    """The plans' and the team's tabs (a quarter of the day's widgets) are made the first
    time they are shown, not as the day opens: Ctrl+L shows the plan lines read with the
    day and takes the keys typed right after it into the plan's customer; Ctrl+T shows
    the ranking, focused."""
    from test_tui_typeahead import key_events

    from core.services import daily

    manager = tui_world["manager"]
    daily.plan_visit(
        manager,
        {"planned_on": DAY, "customer_id": tui_world["customers"][1].id},
    )
    app = app_for(manager)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open_daily(pilot)
        assert not screen.query("#tomorrow") and not screen.query("#ranking")  # not yet
        assert not screen.unsaved_input()
        for event in key_events(["ctrl+l", *"C00003"]):  # typed in one go
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(pilot, rounds=5)
        assert screen.query_one("#tomorrow").row_count == 1
        assert app.focused is screen.query_one("#e-p-customer")
        assert screen.query_one("#e-p-customer").value == "C00003"
        assert screen.unsaved_input()
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.focused is screen.query_one("#ranking")
        assert screen.query_one("#ranking").row_count >= 1
        assert screen.query_one("#tomorrow").row_count == 1  # made once

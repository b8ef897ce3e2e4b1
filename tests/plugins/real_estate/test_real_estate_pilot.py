"""A new user's walk through the sales office in the TUI, by keyboard: publish a price
list (operator drafts, senior manager signs off), reserve, subscribe and sign a unit,
take payments, settle the area difference, print the sales control summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from re_helpers import make_estate
from tui_helpers import aio, settle

from core.i18n import set_lang
from plugins.real_estate.models import Deal, Instalment, PriceList, Settlement, Unit

D = Decimal


@pytest.fixture
def office(salesdesk_world: Any) -> Iterator[Any]:
    """The sales office on SQLite, in English."""
    set_lang("en")
    yield make_estate(salesdesk_world, published=False)
    set_lang(None)


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="real_estate", load_dashboard=False)


async def fill(pilot: Any, values: dict[str, str]) -> None:
    """Type into the open FormDialog and save it with Ctrl+S."""
    from tui.widgets.form import FormFields

    form = pilot.app.screen.query_one(FormFields)
    for name, value in values.items():
        form.widget_for(name).value = value
    await pilot.press("ctrl+s")
    await settle(pilot)


async def prompt(pilot: Any, text: str) -> None:
    from textual.widgets import Input

    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


def unit_row(office: Any, no: str) -> Unit:
    with office.world.runtime.db.read_session() as session:
        return session.get(Unit, office.unit(no))


async def draft_and_submit(office: Any) -> None:
    from plugins.real_estate.views import PriceTableScreen

    app = app_for(office.operator)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:real_estate:prices")
        await settle(pilot)
        assert isinstance(app.screen, PriceTableScreen)
        await pilot.press("e")
        await prompt(pilot, "10000")
        for kind, key, amount, percent in [
            ("floor", "2", "200", ""),
            ("orientation", "S", "", "0.03"),
        ]:
            await pilot.press("f")
            await fill(pilot, {"kind": kind, "key": key, "amount": amount, "percent": percent})
        totals = str(app.screen.query_one("#totals").render())
        # 101 10300.00, 102 10000.00 x 80.5, 201 10506.00, 202 10200.00 x 80.5:
        # 1,030,000 + 805,000 + 1,050,600 + 821,100 = 3,706,700.00
        assert "3,706,700.00" in totals, totals
        app.screen.query_one("#prices").move_cursor(row=1)  # 202: a custom adjustment
        await pilot.press("c")
        await fill(pilot, {"amount": "50"})
        assert "3,710,725.00" in str(app.screen.query_one("#totals").render())  # + 50 x 80.5
        await pilot.press("w")
        await prompt(pilot, "12000")  # what-if only
        assert "What-if" in str(app.screen.query_one("#totals").render())
        await pilot.press("w")
        await prompt(pilot, "")
        await pilot.press("p")
        await settle(pilot)
    assert unit_row(office, "201").unit_price == D("9000.00")  # not yet signed off


async def sign_off(office: Any) -> None:
    from plugins.real_estate.views import SignOffScreen
    from tui.screens.dialogs import ConfirmDialog

    app = app_for(office.senior)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:real_estate:signoffs")
        await settle(pilot)
        assert isinstance(app.screen, SignOffScreen)
        assert app.screen.query_one("#pending").row_count == 1
        screen = app.screen
        await pilot.press("a")  # asks first, showing each unit's price now and after
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Publish price list no. 1" in str(app.screen.query_one("#confirm-question").render())
        changes = app.screen.query_one("#confirm-rows")
        row_201 = next(
            r
            for r in (changes.get_row_at(i) for i in range(changes.row_count))
            if str(r[0]) == "201"
        )
        assert (str(row_201[1]), str(row_201[2])) == ("9,000.00", "10,506.00")
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#pending").row_count == 1
        await pilot.press("a", "right", "enter")
        await settle(pilot)
        assert app.screen.query_one("#pending").row_count == 0
        decided = app.screen.query_one("#decided")  # the unit data and the price list
        assert decided.row_count == 2
        assert all(decided.get_row_at(i)[3:5] == ["op", "senior"] for i in range(2))
    assert unit_row(office, "201").unit_price == D("10506.00")
    with office.world.runtime.db.read_session() as session:
        plist = session.scalars(sa.select(PriceList)).one()
    assert (plist.status, plist.submitted_by, plist.decided_by) == (
        "published",
        office.operator.actor.id,
        office.senior.actor.id,
    )


async def on_board(ctx: Any, steps: Any) -> None:
    from plugins.real_estate.views import SalesControlBoard

    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:real_estate:board")
        await settle(pilot)
        assert isinstance(app.screen, SalesControlBoard)
        board = app.screen.query_one("#board")
        board.move_cursor(row=0, column=1)  # floor 2, first unit: 201
        await settle(pilot)
        assert app.screen.selected().unit_no == "201"
        await steps(pilot)


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_publish_sell_pay_settle_and_print(office: Any, tmp_path: Path) -> None:
    from tui.screens.dialogs import ConfirmDialog

    await draft_and_submit(office)
    await sign_off(office)

    async def sell(pilot: Any) -> None:
        await pilot.press("r")
        await fill(pilot, {"buyer_name": "张伟", "buyer_phone": "13800000000"})
        await pilot.press("s", "right", "enter")  # refused: reserved units are subscribed first
        await settle(pilot)
        assert unit_row(office, "201").status == "reserved"
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("s")  # asks first, naming the unit and the buyer
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        question = str(pilot.app.screen.query_one("#confirm-question").render())
        assert "unit 201 with 张伟" in question
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert unit_row(office, "201").status == "subscribed"
        await pilot.press("s", "right", "enter")
        await settle(pilot)
        assert "Signed" in str(pilot.app.screen.query_one("#legend").render())
        await pilot.press("i")  # the sales changes of the unit
        await settle(pilot)
        assert len(pilot.app.screen.rows) == 3  # reserved, subscribed, signed
        await pilot.press("escape")

    await on_board(office.control, sell)
    assert unit_row(office, "201").status == "signed"

    async def pay(pilot: Any) -> None:
        await pilot.press("l")
        await fill(pilot, {"deposit": "50000", "down_payment": "265180", "start": "2026-03-16"})
        for kind, amount in (("deposit", "50000"), ("mortgage", "1000600.00")):
            await pilot.press("p")
            await fill(pilot, {"kind": kind, "amount": amount, "paid_on": "2026-03-16"})
        detail = str(pilot.app.screen.query_one("#unit-detail").render())
        assert "outstanding 0.00" in detail, detail

    await on_board(office.finance, pay)

    async def settle_area(pilot: Any) -> None:
        await pilot.press("a")
        await fill(pilot, {"measured_area": "101.50"})

    await on_board(office.service, settle_area)
    with office.world.runtime.db.read_session() as session:
        plan = session.scalars(sa.select(Instalment).order_by(Instalment.seq)).all()
        deal = session.scalars(sa.select(Deal)).one()
    assert [i.amount for i in plan] == [D("50000.00"), D("265180.00"), D("735420.00")]
    with office.world.runtime.db.read_session() as session:
        settlement = session.scalars(sa.select(Settlement)).one()
    assert (deal.contract_no, settlement.amount) == ("GF2600001", D("15759.00"))

    await print_summary(office, tmp_path)


async def print_summary(office: Any, tmp_path: Path) -> None:
    from tui.screens.report_view import ExportDialog, ReportView
    from tui.widgets.report_table import ReportTable

    app = app_for(office.senior)
    target = tmp_path / "sales_control.xlsx"
    async with app.run_test(size=(140, 40)) as pilot:
        app.open_report("real_estate_sales_control")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        table = app.screen.query_one(ReportTable)
        assert table.row_count >= 1
        await pilot.press("x")
        await settle(pilot)  # the exporters are read in a worker
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#exporter").value = "xlsx"
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    import openpyxl

    sheet = openpyxl.load_workbook(target).worksheets[0]
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "A1" in values and 1050600 in [
        float(v) for v in values if isinstance(v, int | float | D)
    ]
    assert dt.date  # the summary printed on the fixed day


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_import_a_workbook_from_the_sign_off_screen(
    salesdesk_world: Any, tmp_path: Path
) -> None:
    from re_helpers import unit_rows
    from test_real_estate_signoff import write_workbook

    from plugins.real_estate.services import masterdata

    set_lang("en")
    operator = salesdesk_world.user("op", "business_operator")
    rows = unit_rows()
    good = write_workbook(tmp_path / "good.xlsx", rows)
    rows[1]["floor"] = "ground"
    bad = write_workbook(tmp_path / "bad.xlsx", rows)
    app = app_for(operator)
    messages: list[str] = []
    app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_section("view:real_estate:signoffs")
        await settle(pilot)
        await pilot.press("i")
        await prompt(pilot, str(bad))
        assert "row 3, column 'A1栋!楼层'" in messages[-1]
        await pilot.press("i")
        await prompt(pilot, str(good))
        assert "4 units waiting for sign-off" in messages[-1]
        assert app.screen.query_one("#pending").row_count == 1
    set_lang(None)
    assert len(masterdata.pending_changes(operator)) == 1


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_a_unit_taken_meanwhile_is_a_message_not_a_crash(office: Any) -> None:
    from plugins.real_estate.services import control
    from plugins.real_estate.views import SalesControlBoard

    app = app_for(office.control)
    messages: list[str] = []
    app.notify = lambda message, **kw: messages.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_section("view:real_estate:board")
        await settle(pilot)
        app.screen.query_one("#board").move_cursor(row=0, column=1)
        await settle(pilot)
        control.reserve(office.control2, office.unit("201"), "Faster buyer")  # meanwhile
        await pilot.press("r")
        await fill(pilot, {"buyer_name": "Slower buyer"})
        assert isinstance(app.screen, SalesControlBoard)
        assert "changed by Ctl2" in messages[-1]  # who took it, by name
        assert app.screen.selected().status == "reserved"  # the board reloaded


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_a_refused_step_is_not_also_reported_done(office: Any) -> None:
    """Signing a reserved unit, or approving without the right, says why it was not done
    and nothing else: no "signed"/"Approved" notice after the refusal."""
    from plugins.real_estate.services import control, prices

    control.reserve(office.control, office.unit("201"), "张伟")
    prices.set_base_price(office.operator, office.building_id, "10000")
    prices.submit_price_list(office.operator, office.building_id)
    for ctx, section, key in ((office.control, "board", "s"), (office.operator, "signoffs", "a")):
        app = app_for(ctx)
        messages: list[str] = []
        app.notify = lambda message, seen=messages, **kw: seen.append(str(message))  # type: ignore[method-assign]
        async with app.run_test(size=(100, 30)) as pilot:
            app.action_section(f"view:real_estate:{section}")
            await settle(pilot)
            if section == "board":
                app.screen.query_one("#board").move_cursor(row=0, column=1)  # 201
                await settle(pilot)
            await pilot.press(key, "right", "enter")  # asked, confirmed
            await settle(pilot)
        assert len(messages) == 1, messages
        assert "signed" not in messages[0].split(":")[0] and messages[0] != "Approved"
    assert unit_row(office, "201").status == "reserved"


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_call_register_shows_whole_dates_and_says_what_it_lists(office: Any) -> None:
    """The due date was cut to the header's width ("202") and the source was a code;
    a new call (due later) vanished without a word."""
    from plugins.real_estate.services import calls

    call = calls.log_call(
        office.control,
        office.project_id,
        {
            "caller_name": "李雷",
            "phone": "13912345678",
            "source": "tv",
            "grade": "A",
            "follow_up_on": "2026-01-05",
        },
    )
    app = app_for(office.control)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_section("view:real_estate:calls")
        await settle(pilot)
        table = app.screen.query_one("#calls")
        assert table.get_row_at(0)[:4] == ["2026-01-05", "李雷", "13912345678", "TV"]
        assert all(
            c.width >= len(str(v))
            for c, v in zip(table.columns.values(), table.get_row_at(0), strict=True)
        )
        caption = str(app.screen.query_one("#calls-caption").render())
        assert caption.startswith("Follow-ups due by ") and ": 1." in caption, caption
        await pilot.press("f")
        await settle(pilot)
        assert table.row_count == 0
        assert "No follow-up due" in str(app.screen.query_one("#calls-caption").render())
    assert calls.due_follow_ups(office.control) == [] and call.id


async def legend_at(ctx: Any, size: tuple[int, int], counts: dict[str, int]) -> list[str]:
    """The legend's lines as drawn at ``size``, for a building with these counts."""
    from dataclasses import replace

    from plugins.real_estate.views import SalesControlBoard

    app = app_for(ctx)
    async with app.run_test(size=size) as pilot:
        app.action_section("view:real_estate:board")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SalesControlBoard)
        one = next(iter(screen.cells.values()))
        units = [replace(one, status=s) for s, n in counts.items() for _i in range(n)]
        screen._legend(units)
        await settle(pilot)
        legend = screen.query_one("#legend")
        lines = [s.text for s in legend.render_lines(legend.region.reset_offset)]
        return [line for line in lines if line.strip()]


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_legend_fits_80_columns(office: Any, lang: str) -> None:
    """#22: at 80x24 the legend was one line and "Sold" fell off its end. Every status
    is shown with its count, whatever the counts' widths, in both languages."""
    import asyncio

    from plugins.real_estate.views import STATUS_TITLES, status_title

    counts = dict(zip(STATUS_TITLES, [128, 7, 15, 23, 41, 356], strict=True))
    set_lang(lang)
    try:
        lines = asyncio.run(legend_at(office.control, (80, 24), counts))
        shown = "\n".join(lines)
        for status, n in counts.items():
            assert f"{status_title(status)} {n}" in shown, (status, shown)
    finally:
        set_lang("en")
    assert all(len(line.rstrip()) <= 80 for line in lines)


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_a_refused_payment_plan_reads_chinese(salesdesk_world: Any) -> None:
    """The payment plan dialog's refusals were English code-words on a Chinese screen
    ("deposit + down payment of at most the price ..."); each now reads in business
    Chinese under its field."""
    from plugins.real_estate.services import control

    estate = make_estate(salesdesk_world)  # the price list published
    control.reserve(estate.control, estate.unit("201"), "陈静", subscribe=True)
    control.sign(estate.control, estate.unit("201"), "HT-TEST-1")
    set_lang("zh_CN")
    try:

        async def plan(pilot: Any) -> None:
            from tui.widgets.form import FormFields

            await pilot.press("l")
            await fill(pilot, {"deposit": "50000", "down_payment": "1000601"})
            form = pilot.app.screen.query_one(FormFields)
            under = str(form.query_one("#err-down_payment").render())
            assert under == "应为：定金与首付款合计不超过房价 1,050,600.00", under
            await fill(pilot, {"down_payment": "265180", "start": "三月"})
            under = str(form.query_one("#err-start").render())
            assert under == "应为：YYYY-MM-DD 格式的日期", under

        await on_board(estate.finance, plan)
    finally:
        set_lang("en")
    with salesdesk_world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Instalment)) == 0


@aio
async def test_the_unit_form_names_areas_as_it_labels_them(salesdesk_world: Any) -> None:
    """The unit form refused unequal areas with "building_area ... suite_area + shared_area";
    it now says it under Shared area (公摊面积) in the form's own words."""
    from re_helpers import unit_rows
    from textual.widgets import Static

    from tui.screens.forms import FormsScreen
    from tui.widgets.form import FormFields

    row = {k: str(v) for k, v in unit_rows()[0].items()}
    set_lang("zh_CN")
    try:
        app = app_for(salesdesk_world.user("op", "business_operator"))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.action_section("forms")
            await settle(pilot)
            assert isinstance(app.screen, FormsScreen)
            app.screen._show_form("real_estate_unit")
            await settle(pilot)
            form = app.screen.query_one(FormFields)
            for name, value in {**row, "shared_area": "30"}.items():
                form.widget_for(name).value = value
            await pilot.press("ctrl+s")
            await settle(pilot)
            error = str(app.screen.query_one("#err-shared_area", Static).render())
            assert error == "应为：建筑面积 100.00 等于套内面积与公摊面积之和（110.00）", error
    finally:
        set_lang("en")
    with salesdesk_world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0

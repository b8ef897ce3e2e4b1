"""Issue #17.4: the guided first set-up on a new database, by keyboard at 80x24, in English
and Chinese, through to a first daily report and a standard report."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import Activity, Channel, Product, Region, User
from core.testing.world import FixedClock, make_world


@pytest.fixture
def fresh(db_factory: Any) -> Iterator[Any]:
    """A database as ``salesdesk init`` leaves it: the schema and one group admin."""
    import tui.hookspecs
    from core.i18n import set_lang
    from core.runtime import open_runtime

    set_lang("en")
    rt = open_runtime(db_factory.new("sqlite"), extra_specs=[tui.hookspecs])
    yield make_world(rt, FixedClock())
    set_lang(None)
    rt.db.dispose()


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="new.db", profile="standard")


def count(ctx: Any, model: Any) -> int:
    with ctx.reading() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def step_of(app: Any) -> str:
    from tui.screens.setup import SetupScreen

    return app.screen.step if isinstance(app.screen, SetupScreen) else ""


async def pick(pilot: Any, field: str, index: int) -> None:
    """Open a select field and move ``index`` choices down from its value, by keyboard."""
    pilot.app.screen.query_one(f"#f-{field}").focus()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*["down"] * index, "enter")
    await pilot.pause()


WORDS = {
    "en": {
        "company": "Fuzhou Precision",
        "region": "East China",
        "office": "Shanghai",
        "channel": "Direct sales",
        "product": "Forged flange",
        "user": "Li Lei",
        "customer": "Acme Trading",
    },
    "zh_CN": {
        "company": "福州精密",
        "region": "华东",
        "office": "上海",
        "channel": "直销",
        "product": "锻造法兰",
        "user": "李雷",
        "customer": "上海精密锻造",
    },
}


async def walk_the_guide(pilot: Any, words: dict[str, str]) -> None:
    """Company → regions (a region and an office under it) → a channel → a product →
    a first user → done, keys only."""
    app = pilot.app
    assert step_of(app) == "company"
    # Tab selects what a field holds: typing replaces the default
    await pilot.press(*words["company"], "tab", *"cny", "tab", "4", "tab", *"0.09", "ctrl+s")
    await settle(pilot)
    assert step_of(app) == "regions"
    await pilot.press(*"EAST", "tab", *words["region"], "ctrl+s")
    await settle(pilot)
    await pilot.press(*"SH", "tab", *words["office"])
    await pick(pilot, "kind", 1)  # office, the one below the default region
    await pick(pilot, "parent", 1)  # under EAST
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert app.screen.query_one("#setup-list").row_count == 2
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert step_of(app) == "channels"
    await pilot.press(*"DIRECT", "tab", *words["channel"], "ctrl+s")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert step_of(app) == "products"
    await pilot.press(*"P0001", "tab", *words["product"], "tab", "tab", *"120.50", "ctrl+s")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert step_of(app) == "users"
    await pilot.press(*"lilei", "tab", *words["user"])
    await pick(pilot, "region", 2)  # SH
    await pilot.press("ctrl+s")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert step_of(app) == "done"


async def first_visit_and_report(pilot: Any, words: dict[str, str]) -> None:
    """After the guide: a customer, a visit in the daily report, a standard report."""
    from plugins.sales_reports.reports import all_reports
    from tui.screens.customer_form import CustomerForm
    from tui.screens.daily import DailyScreen
    from tui.screens.report_view import ReportView
    from tui.screens.reports import ReportsScreen

    app = pilot.app
    await pilot.press("enter")  # leave the finished guide: Home
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(app.screen, CustomerForm)
    await pilot.press(*words["customer"], "ctrl+s")
    await settle(pilot)
    assert not isinstance(app.screen, CustomerForm)
    await pilot.press("4")
    await settle(pilot)
    assert isinstance(app.screen, DailyScreen)
    await pilot.press(*words["customer"], "tab", "tab", "tab", "tab", *"09:30", "ctrl+s")
    await settle(pilot)
    assert app.screen.query_one("#today").row_count == 1
    await pilot.press("escape", "5")
    await settle(pilot)
    assert isinstance(app.screen, ReportsScreen)
    listing = app.screen.query_one("#report-list")
    options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
    at = [o.id for o in options if not o.disabled]  # the area headings are passed over
    await pilot.press(*["down"] * at.index("activity_stats"), "enter")  # default parameters
    await settle(pilot, rounds=5)
    assert isinstance(app.screen, ReportView)
    assert app.screen.report_id == "activity_stats"
    assert "activity_stats" in {r.id for r in all_reports()}  # a standard report
    assert app.screen.result.tables and app.screen.result.company_name
    assert not [n for n in app._notifications if n.severity == "error"]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_the_guide_on_a_new_database_ends_with_a_usable_company(
    fresh: Any, lang: str
) -> None:
    from core.i18n import set_lang
    from core.services.organisation import company_settings
    from core.services.setup import setup_state

    set_lang(lang)
    admin = fresh.admin
    words = WORDS[lang]
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await walk_the_guide(pilot, words)
        await first_visit_and_report(pilot, words)
    settings = company_settings(admin)
    assert (
        settings.name,
        settings.currency,
        settings.fiscal_year_start,
        str(settings.vat_rate),
    ) == (words["company"], "CNY", 4, "0.09")
    with admin.reading() as session:
        sh = session.scalars(sa.select(Region).where(Region.code == "SH")).one()
        east = session.scalars(sa.select(Region).where(Region.code == "EAST")).one()
        user = session.scalars(sa.select(User).where(User.login == "lilei")).one()
        product = session.scalars(sa.select(Product)).one()
    assert (sh.parent_id, sh.kind, sh.name) == (east.id, "office", words["office"])
    assert (user.display_name, user.roles, user.region_id) == (words["user"], ["sales_rep"], sh.id)
    assert (product.list_price, product.vat_rate) == (Decimal("120.50"), Decimal("0.09"))
    assert count(admin, Channel) == 1 and count(admin, Activity) == 1
    state = setup_state(admin)
    assert state.finished and not state.pending


@aio
async def test_quitting_half_way_resumes_at_the_first_open_step(fresh: Any) -> None:
    from tui.screens.dialogs import ConfirmDialog
    from tui.screens.home import HomeScreen

    admin = fresh.admin
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"Fuzhou Precision", "ctrl+s")
        await settle(pilot)
        assert step_of(app) == "regions"
        await pilot.press(*"EAST", "tab", *"East China", "ctrl+s")
        await settle(pilot)
        await pilot.press(*"NOR")  # typed, not saved: leaving asks first
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("right", "enter")  # discard
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    # opened again: the regions are there, so the guide goes on with the channels
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert step_of(app) == "channels"
    assert count(admin, Region) == 1


@aio
async def test_escape_skips_a_step_and_asks_before_dropping_typing(fresh: Any) -> None:
    from core.services.setup import setup_state
    from tui.screens.dialogs import ConfirmDialog

    admin = fresh.admin
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: the company step is skipped at once
        await settle(pilot)
        assert step_of(app) == "regions"
        await pilot.press(*"EAST", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # Cancel has the focus: back to the typing
        await settle(pilot)
        assert step_of(app) == "regions"
        assert app.screen.query_one("#f-code").value == "EAST"
        await pilot.press("escape", "right", "enter")
        await settle(pilot)
        assert step_of(app) == "channels"
        for _step in ("channels", "products", "users"):
            await pilot.press("escape")
            await settle(pilot)
        assert step_of(app) == "done"
    state = setup_state(admin)
    assert state.steps == {s: "skipped" for s in state.steps} and state.finished
    assert count(admin, Region) == 0
    # finished: it no longer opens by itself; Admin's w (Company tab) opens it again,
    # skipped steps too
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert step_of(app) == ""
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("shift+tab", "right", "right", "w")  # on the Company tab
        await settle(pilot)
        assert step_of(app) == "company"


@aio
async def test_others_are_told_the_admin_has_not_finished(fresh: Any) -> None:
    rep = fresh.user("li", "sales_rep")
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert step_of(app) == ""
        notes = [n.message for n in app._notifications]
    assert any("has not finished setting up" in m for m in notes)


@aio
async def test_a_database_in_use_gets_no_guide(tui_world: dict[str, Any]) -> None:
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert step_of(app) == ""


@aio
async def test_products_imported_from_a_file_in_the_guide(fresh: Any, tmp_path: Any) -> None:
    from tui.screens.dialogs import TableDialog

    good, bad = tmp_path / "products.csv", tmp_path / "bad.csv"
    good.write_text("code,name,unit,list_price\nP1,Flange,pcs,10.50\nP2,Valve,pcs,99\n")
    bad.write_text("code,name,list_price\nP3,Gasket,cheap\n")
    app = app_for(fresh.admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _step in ("company", "regions", "channels"):
            await pilot.press("escape")
            await settle(pilot)
        assert step_of(app) == "products"
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*str(bad), "enter")
        await settle(pilot, rounds=5)
        assert isinstance(app.screen, TableDialog)  # every bad row, nothing imported
        assert app.screen.rows[0][:3] == ("2", "List price", "cheap")
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*str(good), "enter")
        await settle(pilot, rounds=5)
        assert app.screen.query_one("#setup-list").row_count == 2
    with fresh.admin.reading() as session:
        assert list(session.scalars(sa.select(Product.code).order_by(Product.code))) == ["P1", "P2"]


@pytest.mark.parametrize("who", ["admin", "rep"])
def test_setup_state_is_read_from_the_data_and_one_setting(world: Any, who: str) -> None:
    """Service level, on SQLite and PostgreSQL: steps done by their data, skipped or
    finished by the record; only the group admin may record."""
    from core.errors import PermissionDenied
    from core.services import setup as guide

    admin = world.admin
    state = guide.setup_state(admin)
    assert state.pending and state.current == "company" and not state.started
    world.region("EAST")
    state = guide.setup_state(admin)
    assert state.steps["regions"] == "done" and not state.fresh and not state.pending
    if who == "rep":
        rep = world.user("li", "sales_rep")
        assert not guide.may_set_up(rep)
        with pytest.raises(PermissionDenied):
            guide.skip_step(rep, "company")
        return
    guide.skip_step(admin, "company")
    state = guide.setup_state(admin)
    assert state.started and state.pending and state.current == "channels"
    guide.finish_setup(admin)
    assert not guide.setup_state(admin).pending
    guide.reopen_setup(admin)
    state = guide.setup_state(admin)
    assert state.pending and state.current == "company"  # skipped steps offered again

"""Tried as a new user would in the TUI (SQLite): plan a campaign for a segment, have it
approved and started, record costs, import its leads into the pool, win a deal, read the
effect report and export it; the segment's call list opens from the Segments view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import aio, settle

from core.i18n import set_lang
from core.services import customers, opportunities
from core.testing.world import World
from plugins.marketing.services import campaigns, leads, segments


@pytest.fixture
def tui_world(salesdesk_world: World, mk: dict[str, Any]) -> Iterator[dict[str, Any]]:
    world = salesdesk_world
    set_lang("en")
    a = world.customer(owner=mk["rep1"], region="north", industry="machinery", name="A")
    world.sales_line(a, world.product(code="P1"), "1200", dt.date(2026, 3, 2))
    segments.create_segment(
        mk["planner"],
        {"code": "MACH", "name": "Machinery north", "industry": "machinery", "region": "north"},
    )
    yield {"world": world, **mk}
    set_lang(None)


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


async def fill_and_save(pilot: Any, values: dict[str, Any]) -> None:
    from tui.widgets.form import FormFields

    pilot.app.screen.query_one(FormFields).set_values(values)
    await pilot.press("ctrl+s")
    await settle(pilot)


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_plan_approve_cost_leads_win_effect_export(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    from plugins.marketing.views import CampaignDetail, CampaignsScreen
    from tui.screens.forms import FormsScreen
    from tui.screens.report_view import ReportView

    planner, boss, rep1 = tui_world["planner"], tui_world["boss"], tui_world["rep1"]
    app = app_for(planner)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, CampaignsScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormsScreen)
        await fill_and_save(
            pilot,
            {
                "name": "Spring",
                "code": "SPRING",
                "start": "2026-03-01",
                "end": "2026-03-31",
                "budget": "3000",
                "segment": "MACH",
                "kind": "promotion",
            },
        )
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CampaignDetail)
        await pilot.press("t")  # start without an approved budget: refused, told why
        await settle(pilot)
        assert campaigns.find_campaign(planner, "SPRING").status == "planned"
        await pilot.press("s")  # submit the budget
        await settle(pilot)
        await pilot.press("a")  # the requester may not approve: told, nothing changes
        await settle(pilot)
        assert campaigns.find_campaign(planner, "SPRING").budget_status == "submitted"

    app = app_for(boss)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("a", "right", "enter")  # asks first
        await settle(pilot)
        await pilot.press("t")  # planned -> running
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await fill_and_save(
            pilot,
            {
                "campaign": "SPRING",
                "date": "2026-03-02",
                "category": "advertising",
                "medium": "print",
                "budget": "1000",
                "actual": "1500",
            },
        )
        row = campaigns.find_campaign(boss, "SPRING")
        assert (row.status, row.budget_status) == ("running", "approved")

        # Meanwhile the leads of the fair come in and a rep wins one of them.
        csv_file = tmp_path / "fair.csv"
        csv_file.write_text(
            "code,name,industry,region_code\nL1,Lead one,machinery,north\n"
            "L2,Lead two,machinery,north\nL3,Lead three,retail,north\n",
            encoding="utf-8",
        )
        assert leads.import_leads(planner, "SPRING", csv_file).rows == 3
        lead = customers.get_customer(boss, _id(boss, "L1"))
        assert (lead.owner_id, lead.source) == (None, "SPRING")  # in the pool
        customers.assign_customer(boss, lead.id, rep1.actor.id)
        deal = opportunities.create_opportunity(
            rep1, {"customer_id": lead.id, "title": "Pumps", "amount": "6000"}
        )
        opportunities.win(rep1, deal.id)

        await pilot.press("escape")  # back from the form to the campaign, costs reloaded
        await settle(pilot)
        assert isinstance(app.screen, CampaignDetail)
        assert app.screen.query_one("#costs").row_count == 1
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        (effect,) = app.screen.result.table("effect").rows
        # 3 leads, 1 deal won for 6000, cost 1500: 500 a lead, ROI (6000-1500)/1500 = 3
        assert effect[2:10] == (
            3,
            1,
            1,
            Decimal("6000.00"),
            Decimal("1500.00"),
            Decimal("500.00"),
            Decimal("1500.00"),
            Decimal("3.0000"),
        )
        await pilot.press("x")
        await settle(pilot)
        from textual.widgets import Input, Select

        dialog = app.screen
        dialog.query_one("#exporter", Select).value = "csv"
        await settle(pilot)
        path_input = dialog.query_one("#path", Input)
        path_input.value = str(tmp_path / "effect.csv")
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot, rounds=6)
    written = (tmp_path / "effect.csv").read_text(encoding="utf-8-sig")
    assert "SPRING" in written and "Cost per lead" in written


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_segments_view_opens_call_list(tui_world: dict[str, Any]) -> None:
    from tui.screens.report_view import ReportView

    app = app_for(tui_world["planner"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("7")  # Forms exist: the marketing forms are offered
        await settle(pilot)
        await pilot.press("escape")
        app.action_section("view:marketing:segments")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        rows = app.screen.result.table("call_list").rows
        assert [r[1] for r in rows] == ["A"]


def _id(ctx: Any, code: str) -> int:
    import sqlalchemy as sa

    from core.models import Customer

    with ctx.reading() as session:
        return session.scalar(sa.select(Customer.id).where(Customer.code == code))


def _shown(screen: Any, *actions: str) -> list[str]:
    return [a for a in actions if screen.check_action(a, ()) is not False]


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_keys_follow_role_and_budget_state(tui_world: dict[str, Any]) -> None:
    """A rep is not offered planning keys (n used to open another form), the approver
    sees a/r only for a submitted budget, and an empty or hidden cost table says why."""
    from textual.widgets import DataTable, Static

    from plugins.marketing.views import CampaignDetail, CampaignsScreen, open_form

    planner, boss, rep1 = tui_world["planner"], tui_world["boss"], tui_world["rep1"]
    row = campaigns.create_campaign(
        planner,
        {
            "name": "Spring",
            "code": "SPRING",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "budget": "3000",
            "segment": "MACH",
        },
    )
    actions = ("submit", "approve", "reject", "advance", "cost", "lead")
    async with app_for(rep1).run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("n")  # not theirs: stays on the list
        await settle(pilot)
        assert isinstance(pilot.app.screen, CampaignsScreen)
        assert "n plans" not in str(pilot.app.screen.query_one("#hint", Static).render())
        open_form(pilot.app.screen, "marketing.cost")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CampaignsScreen)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CampaignDetail)
        assert _shown(screen, *actions) == ["lead"]
        assert not screen.query_one(DataTable).display
        assert "marketing staff" in str(screen.query_one("#cost-note", Static).render())

    async with app_for(planner).run_test(size=(80, 24)) as pilot:
        pilot.app.push_screen(CampaignDetail(row.id))
        await settle(pilot)
        assert _shown(pilot.app.screen, *actions) == ["submit", "cost", "lead"]
        assert "c records one" in str(pilot.app.screen.query_one("#cost-note", Static).render())
        await pilot.press("s")
        await settle(pilot)
        assert _shown(pilot.app.screen, *actions) == ["cost", "lead"]

    async with app_for(boss).run_test(size=(80, 24)) as pilot:
        pilot.app.push_screen(CampaignDetail(row.id))
        await settle(pilot)
        assert _shown(pilot.app.screen, *actions) == ["approve", "reject"]
        await pilot.press("a", "right", "enter")  # asks first
        await settle(pilot)
        assert _shown(pilot.app.screen, *actions) == ["advance", "cost", "lead"]


def test_cost_media_read_as_titles() -> None:
    """The cost table names a medium as a person says it, in the reader's language."""
    from plugins.marketing.views import title

    try:
        assert [title(m) for m in ("print", "online", "direct_mail")] == [
            "Print",
            "Online",
            "Direct mail",
        ]
        set_lang("zh_CN")
        assert [title(m) for m in ("print", "tv", "phone")] == ["平面媒体", "电视", "电话"]
    finally:
        set_lang(None)


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_campaign_list_shows_status_and_budget_at_80_columns(
    tui_world: dict[str, Any],
) -> None:
    """Status, approval and budget come right after the name, inside 80 columns."""
    from textual.widgets import DataTable

    async with app_for(tui_world["boss"]).run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        table = pilot.app.screen.query_one(DataTable)
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert keys[:5] == ["code", "name", "status", "budget_status", "budget"]
        widths = sum(c.get_render_width(table) for c in table.ordered_columns[:5])
        assert widths <= 78


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_campaign_list_fits_80_columns(tui_world: dict[str, Any], lang: str) -> None:
    """#22: at 80 columns the campaigns list ran off the right edge, its end date cut to
    "2". There the start and the type (both on the campaign's page) are left out and
    every other column fits; a wide terminal shows them all."""
    from textual.widgets import DataTable

    from plugins.marketing.views import CampaignsScreen

    campaigns.create_campaign(
        tui_world["planner"],
        {
            "name": "Call the best customers before the year ends",
            "code": "DEMO-PROMO",
            "kind": "promotion",
            "start": "2026-12-26",
            "end": "2027-01-24",
            "budget": "25000",
        },
    )
    set_lang(lang)
    try:
        for size, columns in (((80, 24), 6), ((120, 30), 8)):
            async with app_for(tui_world["boss"]).run_test(size=size) as pilot:
                await pilot.press("m")
                await settle(pilot)
                assert isinstance(pilot.app.screen, CampaignsScreen)
                table = pilot.app.screen.query_one(DataTable)
                used = sum(c.get_render_width(table) for c in table.columns.values())
                assert len(table.columns) == columns and used <= table.size.width, size
                row = [str(c) for c in table.get_row_at(0)]
                assert "2027-01-24" in row and "DEMO-PROMO" in row
                end = next(c for c in table.columns.values() if c.key.value == "end")
                assert end.width >= 10
    finally:
        set_lang("en")

"""Approving a campaign's budget (``a``) asks first, naming the campaign and the amount:
one key never releases a budget by accident."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tui_helpers import aio, settle

from core.i18n import set_lang
from core.testing.world import World
from plugins.marketing.services import campaigns, segments


@pytest.fixture
def tui_world(salesdesk_world: World, mk: dict[str, Any]) -> Iterator[dict[str, Any]]:
    set_lang("en")
    segments.create_segment(
        mk["planner"],
        {"code": "MACH", "name": "Machinery north", "industry": "machinery", "region": "north"},
    )
    yield {"world": salesdesk_world, **mk}
    set_lang(None)


@pytest.mark.salesdesk_sqlite_only  # screens, not SQL
@aio
async def test_budget_approval_asks_first(tui_world: dict[str, Any]) -> None:
    from plugins.marketing.views import CampaignDetail
    from tui.app import SalesdeskApp
    from tui.screens.dialogs import ConfirmDialog

    planner, boss = tui_world["planner"], tui_world["boss"]
    row = campaigns.create_campaign(
        planner,
        {
            "name": "Spring fair",
            "code": "SPRING",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "budget": "3000",
            "segment": "MACH",
        },
    )
    campaigns.submit_budget(planner, row.id, row.version)
    app = SalesdeskApp(boss, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(CampaignDetail(row.id))
        await settle(pilot)
        page = app.screen
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert "Spring fair" in question and "3,000.00" in question
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert app.screen is page
        assert campaigns.find_campaign(boss, "SPRING").budget_status == "submitted"
        await pilot.press("a", "right", "enter")
        await settle(pilot)
        assert campaigns.find_campaign(boss, "SPRING").budget_status == "approved"

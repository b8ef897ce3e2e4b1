"""Snapshots of the marketing screens (fixed world and clock). Update after an intended
change with ``pytest tests/plugins/marketing/test_marketing_snapshots.py --snapshot-update``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from marketing_helpers import approved_campaign
from tui_helpers import settle

from core.i18n import set_lang
from plugins.marketing.services import campaigns, segments


@pytest.fixture
def make_app(mk: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    team = mk

    def build(lang: str) -> Any:
        from tui.app import SalesdeskApp

        set_lang(lang)
        segments.create_segment(
            team["planner"], {"code": "MACH", "name": "机械行业 north", "industry": "machinery"}
        )
        row = approved_campaign(team, name="春季促销 Spring", segment="MACH")
        campaigns.set_status(team["planner"], row.id, "running")
        campaigns.add_cost(
            team["planner"],
            row.id,
            {
                "date": "2026-03-02",
                "category": "advertising",
                "medium": "print",
                "description": "行业杂志 magazine",
                "budget": "1200",
                "actual": "1000",
            },
        )
        campaigns.create_campaign(
            team["planner"],
            {
                "name": "Expo",
                "code": "EXPO",
                "kind": "exhibition",
                "start": "2026-04-01",
                "end": "2026-04-03",
                "budget": "5000",
            },
        )
        return SalesdeskApp(
            team["boss"], database_label="demo.db", profile="standard", load_dashboard=False
        )

    yield build
    set_lang(None)


async def open_campaigns(pilot: Any) -> None:
    await settle(pilot, rounds=3)
    await pilot.press("m")
    await settle(pilot, rounds=3)
    await pilot.pause(0.3)


async def open_detail(pilot: Any) -> None:
    await open_campaigns(pilot)
    await pilot.press("down", "enter")
    await settle(pilot, rounds=3)
    await pilot.pause(0.3)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"], indirect=True)  # screens, not SQL
def test_campaign_list_zh(snap_compare: Any, make_app: Any) -> None:
    """Campaigns in Chinese at 120x40: status, budget approval and budget per campaign."""
    assert snap_compare(make_app("zh_CN"), terminal_size=(120, 40), run_before=open_campaigns)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"], indirect=True)  # screens, not SQL
def test_campaign_detail_en(snap_compare: Any, make_app: Any) -> None:
    """A running campaign at 80x24: its plan, target, approval and cost lines."""
    assert snap_compare(make_app("en"), terminal_size=(80, 24), run_before=open_detail)

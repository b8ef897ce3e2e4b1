"""What a refused marketing value should have been reads in Chinese and in business words:
a campaign's status by its title, the campaign by the code people type, a user by their
user name; no English left and no login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from marketing_helpers import approved_campaign

from core.errors import ValidationFailed
from plugins.marketing.services import campaigns, leads, negative


def refused(call: Any, *absent: str) -> str:
    """The message of the refusal ``call`` raises, checked free of English and ``absent``."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    text = str(caught.value)
    for word in (*absent, "expected", "campaign", "status", "from planned", " or ", "one of"):
        assert word not in text, text
    return text


def test_campaign_refusals_in_chinese(mk: dict[str, Any], chinese: None) -> None:
    planner = mk["planner"]
    row = approved_campaign(mk)
    text = refused(lambda: campaigns.set_status(planner, row.id, "finished"))
    assert "应为 计划中之后的状态：running" in text
    text = refused(lambda: campaigns.create_campaign(planner, {**_plan(), "code": "SPRING"}))
    assert "其他活动未使用的编码" in text
    text = refused(
        lambda: campaigns.update_campaign(planner, row.id, {"end": "2026-02-01"}, row.version)
    )
    assert "不早于开始日期（2026-03-01）的日期" in text
    for step in ("running", "finished", "evaluated"):
        row = campaigns.set_status(planner, row.id, step)
    text = refused(lambda: campaigns.set_status(planner, row.id, "running"))
    assert "无后续状态：此活动已是已评估" in text
    text = refused(lambda: campaigns.advance(planner, row.id))
    assert "尚未评估的活动" in text


def test_lead_sources_and_lost_deals_in_chinese(
    mk: dict[str, Any], salesdesk_world: Any, tmp_path: Path, chinese: None
) -> None:
    approved_campaign(mk)
    file = tmp_path / "leads.csv"
    file.write_text("code,name,region_code,source\nF1,Fair lead,north,TV\n", encoding="utf-8")
    text = refused(lambda: leads.import_leads(mk["planner"], "SPRING", file), "blank")
    assert "应为 留空或 SPRING" in text
    rep = mk["rep1"]
    customer = salesdesk_world.customer(owner=rep, region="north")
    deal = salesdesk_world.opportunity(customer, owner=rep)
    text = refused(lambda: negative.record_lost_deal(rep, deal.id, "price"), "lost deal")
    assert "已标记为失败的商机" in text
    text = refused(lambda: negative.record_lost_deal(rep, deal.id, "weather"))
    assert "以下之一：price、quality、delivery" in text


def _plan() -> dict[str, Any]:
    return {
        "name": "Another promotion",
        "kind": "promotion",
        "start": "2026-05-01",
        "end": "2026-05-10",
        "budget": "100.00",
    }

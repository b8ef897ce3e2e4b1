"""Marketing refusals read in Chinese and in business words: the actor is 您, a campaign
or segment by the code the user typed, a file by its name; never a login or English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from marketing_helpers import PLAN

from core.errors import NotFound, PermissionDenied, SalesdeskError, ValidationFailed
from core.reports import run_report
from plugins.marketing.services import campaigns, leads, negative


def refusal(exc: pytest.ExceptionInfo[Any], *logins: str) -> str:
    text = str(exc.value)
    for word in (*logins, "may not", "campaign", "there is no", "segment", "cannot"):
        assert word not in text, text
    return text


def test_budget_and_money_refusals_in_chinese(mk: dict[str, Any], chinese: None) -> None:
    row = campaigns.create_campaign(mk["boss"], PLAN)
    campaigns.submit_budget(mk["boss"], row.id)
    with pytest.raises(PermissionDenied) as own:
        campaigns.decide_budget(mk["boss"], row.id, True)
    assert refusal(own, "boss") == "活动 EXPO26 的预算由您提交，您不能审批；须由另一位经理审批。"
    with pytest.raises(PermissionDenied) as money:
        campaigns.list_costs(mk["rep1"], row.id)
    assert refusal(money, "rep1") == (
        "您无权查看活动预算与费用：预算与费用仅对市场人员和管理层显示。"
    )
    with pytest.raises(NotFound) as gone:
        campaigns.get_campaign(mk["boss"], 987654)
    assert refusal(gone) == "该活动已不存在，可能已被删除。请重新打开列表。"


def test_unknown_codes_in_chinese(mk: dict[str, Any], chinese: None) -> None:
    with pytest.raises(NotFound) as typed:
        campaigns.find_campaign(mk["boss"], "NOPE26")
    assert refusal(typed) == "没有编码为“NOPE26”的活动。"
    with pytest.raises(NotFound) as report:
        run_report(mk["boss"], "marketing_campaign_effect", {"campaign": "NOPE26"})
    assert refusal(report) == "没有编码为“NOPE26”的活动。"
    with pytest.raises(NotFound) as segment:
        run_report(mk["boss"], "marketing_call_list", {"segment": "NOSEG"})
    assert refusal(segment) == "没有编码为“NOSEG”的客户细分。"


def test_read_only_owner_may_not_close_in_chinese(
    salesdesk_world: Any, mk: dict[str, Any], chinese: None
) -> None:
    owner = salesdesk_world.user("zz_exec01", "executive")  # read-only
    move = negative.record_negative(
        mk["rep1"],
        {
            "kind": "competitor",
            "date": "2026-03-05",
            "reason": "price",
            "region": "north",
            "competitor": "Acme",
            "description": "Acme cut prices 10%",
        },
    )
    row = negative.assign_action(
        mk["boss"], move.id, {"action": "Price review", "owner": "zz_exec01", "due": "2026-04-01"}
    )
    reader = salesdesk_world.user("zz_exec02", "executive")
    with pytest.raises(PermissionDenied):
        negative.close_action(reader, row.id)  # not the owner: the core's own refusal
    with pytest.raises(PermissionDenied) as closed:
        negative.close_action(owner, row.id)
    assert refusal(closed, "zz_exec01") == "您无权关闭此改善措施：您的权限为只读。"


def test_lead_file_refusals_in_chinese(mk: dict[str, Any], tmp_path: Path, chinese: None) -> None:
    campaigns.create_campaign(mk["boss"], PLAN)
    text = tmp_path / "leads.txt"
    text.write_text("code,name\n", encoding="utf-8")
    with pytest.raises(SalesdeskError) as suffix:
        leads.import_leads(mk["boss"], "EXPO26", text)
    assert refusal(suffix) == "leads.txt：活动线索须从 CSV 文件导入；请将其另存为 CSV UTF-8。"
    gbk = tmp_path / "leads.csv"
    gbk.write_bytes("code,name\nC1,上海精密锻造\n".encode("gbk"))
    with pytest.raises(SalesdeskError) as encoding:
        leads.import_leads(mk["boss"], "EXPO26", gbk)
    assert refusal(encoding) == ("leads.csv 并非全部为 UTF-8 文本；请将整个文件另存为 CSV UTF-8。")


def test_unknown_product_and_channel_codes_in_chinese(mk: dict[str, Any], chinese: None) -> None:
    with pytest.raises(ValidationFailed) as err:
        campaigns.create_campaign(mk["boss"], {**PLAN, "products": ["NOPR"], "channels": ["NOCH"]})
    text = str(err.value)
    assert "一个存在的产品编码" in text and "一个存在的渠道编码" in text, text
    assert "existing" not in text

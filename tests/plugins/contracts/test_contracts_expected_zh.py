"""What a refused contract value should have been reads in Chinese: the lifecycle's stages
by their titles, the customer by name, and the administrator's lifecycle and approval
chains (``set_machine``, ``set_approval_chains``) in the catalogue's words; no English
left, no login, no stage id where a title is known."""

from __future__ import annotations

from typing import Any

import pytest
from contracts_helpers import at_stage, draft

from core.errors import ValidationFailed
from plugins.contracts import services


def refused(call: Any, *absent: str) -> str:
    """The message of the refusal ``call`` raises, checked free of ``absent`` words."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    text = str(caught.value)
    for word in (*absent, "expected", "allowed from", "comes after", "a list", "an object"):
        assert word not in text, text
    return text


@pytest.mark.salesdesk_sqlite_only
def test_moves_name_the_stages_by_title(team: dict[str, Any], chinese: None) -> None:
    contract = at_stage(team, "preparation")
    text = refused(lambda: services.sign(team["rep"], contract.id), "rep")
    assert "从准备可转到的阶段：制作（drafting）、已取消（cancelled）" in text
    assert "签订在制作 -> 送审 -> 批准之后：请先将合同转到制作" in text
    closed = at_stage(team, "closed")
    text = refused(lambda: services.transition(team["rep"], closed.id, "drafting"))
    assert "从关闭可转到的阶段：无，这是最终阶段" in text


@pytest.mark.salesdesk_sqlite_only
def test_a_control_node_and_milestones_in_chinese(team: dict[str, Any], chinese: None) -> None:
    contract = at_stage(team, "planning", end_date=None)
    text = refused(lambda: services.transition(team["rep"], contract.id, "in_execution"))
    assert "离开组织规划前须由销售经理确认“实施计划确认”" in text
    text = refused(lambda: services.sign_off(team["mgr"], contract.id, "kickoff"), "end_date")
    assert "确认“实施计划确认”前须填写这些字段" in text
    fresh = draft(team)
    text = refused(
        lambda: services.update_contract(team["rep"], fresh.id, {"amount": "1.00"}, fresh.version)
    )
    assert "各收款节点金额之和等于合同金额 1.00" in text


@pytest.mark.salesdesk_sqlite_only
def test_a_deal_of_another_customer_names_the_customer(team: dict[str, Any], chinese: None) -> None:
    world = team["world"]
    other = world.customer(owner=team["rep"], region="EAST", name="Beta Works")
    deal = world.opportunity(other, owner=team["rep"], title="Beta gears")
    text = refused(
        lambda: draft(team, opportunity_id=deal.id), str(team["customer"].id), "a deal of"
    )
    assert "合同客户 Acme Trading 的商机" in text and "Beta gears" in text


@pytest.mark.salesdesk_sqlite_only
def test_the_administrators_definitions_in_chinese(team: dict[str, Any], chinese: None) -> None:
    admin = team["admin"]
    bad_machine = {
        "stages": [{"id": "draft"}, {"id": "draft"}, {}],
        "transitions": [["draft", "nowhere"], "x"],
        "roles": {"initial": "draft"},
        "control_nodes": [{"id": "n", "stage": "draft", "role": "no_such_role"}],
    }
    text = refused(lambda: services.set_machine(admin, bad_machine), "stage ids", "defined")
    for words in (
        "不重复的阶段 id",
        "带 id 的阶段",
        "以下阶段 id 之中的值：draft",
        "一个 [from, to] 对",
        "以下阶段 id 之一：draft",
        "已定义的角色",
    ):
        assert words in text, words
    text = refused(lambda: services.set_machine(admin, []))
    assert "包含 stages、transitions 和 roles 的对象" in text
    text = refused(
        lambda: services.set_approval_chains(
            admin, [{"min_amount": "lots", "steps": ["finance"]}, {"steps": []}, "x"]
        )
    )
    for words in ("一个金额", "至少含一个角色的列表", "包含 type、min_amount 和 steps 的规则"):
        assert words in text, words
    text = refused(lambda: services.set_approval_chains(admin, [{"steps": ["pope"]}]))
    assert "已定义的角色" in text

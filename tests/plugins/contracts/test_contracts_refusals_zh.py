"""Contract refusals read in Chinese and in business words: the actor is 您, roles by their
titles, a contract by its number; never a login, a role code or English."""

from __future__ import annotations

from typing import Any

import pytest
from contracts_helpers import at_stage, draft

from core.errors import NotFound, PermissionDenied
from plugins.contracts import services


def refusal(exc: pytest.ExceptionInfo[Any], *logins: str) -> str:
    """The message, checked free of logins, role codes and English words."""
    text = str(exc.value)
    for word in (*logins, "sales_manager", "sales_rep", "finance", "may not", "contract"):
        assert word not in text, text
    return text


@pytest.mark.salesdesk_sqlite_only
def test_approver_refusals_in_chinese(
    team: dict[str, Any], salesdesk_world: Any, chinese: None
) -> None:
    contract = at_stage(team, "submitted", amount="300000.00")
    with pytest.raises(PermissionDenied) as own:
        services.approve(team["rep"], contract.id)
    assert refusal(own, "rep") == (
        f"合同 {contract.number} 由您创建、提交或负责，您不能审批或驳回；须由其他审批人决定。"
    )
    with pytest.raises(PermissionDenied) as role:
        services.approve(team["fin"], contract.id)
    assert refusal(role, "fin") == (
        f"合同 {contract.number} 的第 1 步须由销售经理审批；您（财务）不能审批此步。"
    )
    both = salesdesk_world.user("zz_both01", ["sales_manager", "finance"], region="EAST")
    services.approve(both, contract.id, "as manager")
    with pytest.raises(PermissionDenied) as twice:
        services.approve(both, contract.id, "as finance too")
    assert refusal(twice, "zz_both01") == (
        f"您已审批合同 {contract.number} 的第 1 步；第 2 步须由其他人审批。"
    )


@pytest.mark.salesdesk_sqlite_only
def test_writer_refusals_in_chinese(team: dict[str, Any], chinese: None) -> None:
    contract = draft(team)
    with pytest.raises(PermissionDenied) as writer:
        services.transition(team["fin"], contract.id, "drafting")
    assert refusal(writer, "fin") == "您（财务）无权新建或修改合同。"
    with pytest.raises(PermissionDenied) as outside:
        services.transition(team["rep2"], contract.id, "drafting")
    assert refusal(outside, "rep2") == (
        f"您无权修改合同 {contract.number}：它不在您的客户和团队范围内。"
    )
    with pytest.raises(NotFound) as hidden:
        services.get_contract(team["rep2"], contract.id)
    assert refusal(hidden, "rep2") == (
        f"合同 {contract.id} 不存在，或不在您可查看的客户和团队范围内。"
    )
    with pytest.raises(NotFound) as missing:
        services.transition(team["rep"], 987654, "drafting")
    assert refusal(missing, "rep") == "合同 987654 不存在。"


@pytest.mark.salesdesk_sqlite_only
def test_sign_off_refusal_in_chinese(team: dict[str, Any], chinese: None) -> None:
    contract = at_stage(team, "planning", end_date=None)
    with pytest.raises(PermissionDenied) as node:
        services.sign_off(team["rep"], contract.id, "kickoff")
    text = refusal(node, "rep")
    assert text.endswith("须由销售经理签核；您（业务员）不能签核。"), text
    assert text.startswith("“") and "Execution plan agreed" not in text

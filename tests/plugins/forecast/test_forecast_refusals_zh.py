"""Target and forecast refusals read in Chinese and in business words: the actor is 您,
roles by their titles, an allocation by its period, cut and revision as the screens show
it; never a login, a role code, a database id the user did not type, or English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.errors import NotFound, PermissionDenied
from core.reports import run_report
from core.services.company import set_setting
from plugins.forecast.services import targets as svc


def refusal(exc: pytest.ExceptionInfo[Any], *logins: str) -> str:
    text = str(exc.value)
    for word in (*logins, "sales_manager", "group_admin", "may not", "allocation", "run", "target"):
        assert word not in text, text
    return text


def _draft(who: Any) -> Any:
    return svc.create_allocation(
        who,
        period_kind="year",
        period_start=dt.date(2026, 1, 1),
        dimension="region",
        total="10000",
        basis="ytd",
    )


def test_approval_refusals_in_chinese(sales: Any, chinese: None) -> None:
    a = _draft(sales.mgr).allocation
    with pytest.raises(PermissionDenied) as drafter:
        svc.approve_allocation(sales.mgr, a.id, a.version)
    assert refusal(drafter, sales.mgr.actor.login) == (
        "自 2026-01-01 起按区域分解的年指标（第 1 版）由您起草，您不能审批；须由另一位经理审批。"
    )
    set_setting(sales.world.admin, svc.APPROVER_ROLES_KEY, ["group_admin", "sales_rep"])
    with pytest.raises(PermissionDenied) as role:
        svc.approve_allocation(sales.mgr2, a.id, a.version)
    assert refusal(role, sales.mgr2.actor.login, "sales_rep") == (
        "您无权审批指标：须具备以下角色之一：集团管理员、业务员。"
    )


def test_reading_refusals_in_chinese(sales: Any, chinese: None) -> None:
    a = _draft(sales.planner).allocation
    with pytest.raises(PermissionDenied) as rep:
        svc.get_allocation(sales.rep_n, a.id)
    assert refusal(rep, sales.rep_n.actor.login) == (
        "您无权查看指标分摊；请联系计划员或您的销售经理。"
    )
    with pytest.raises(NotFound) as missing:
        svc.get_allocation(sales.mgr, 987654)
    assert refusal(missing) == "指标分摊 987654 不存在。"
    north = sales.world.user("zz_north01", ["sales_manager", "regional_admin"], region="N")
    with pytest.raises(PermissionDenied) as partial:
        _draft(north)
    assert refusal(partial, "zz_north01") == (
        "按区域分摊会设定全公司的指标，但您看不到 S 的销售；请由能看到所有区域的计划员起草。"
    )


def test_forecast_report_refusals_in_chinese(sales: Any, chinese: None) -> None:
    with pytest.raises(NotFound) as none_yet:
        run_report(sales.mgr, "forecast", {})
    assert refusal(none_yet).startswith("尚未运行过预测：请在“销售预测”界面")
    with pytest.raises(NotFound) as missing:
        run_report(sales.mgr, "forecast", {"run": 987654})
    assert refusal(missing) == "没有预测批次 987654。"

"""The sales office's refusals read in the reader's language and in business words: the
reader is "您" (never their login), a unit by its building and number, a vanished record
without its database id."""

from __future__ import annotations

from typing import Any

from refusal_helpers import refused

from core.errors import NotFound, PermissionDenied
from core.i18n import set_lang
from core.reports import run_report
from plugins.real_estate.services import control, masterdata, prices
from plugins.real_estate.services.common import Refused

GONE = 987654  # an id no record has


def test_the_reader_is_you_not_a_login(salesdesk_world: Any, chinese: None) -> None:
    from re_helpers import unit_rows

    both = salesdesk_world.user("both", ["business_operator", "re_senior_marketing"])
    change = masterdata.submit_units(both, unit_rows())
    text = refused(PermissionDenied, lambda: masterdata.approve_change(both, change.id))
    assert text == "此房间资料变更由您提交，您不能再审批：须由另一位市场营销部高级经理批准。"
    rep = salesdesk_world.user("rep_x", "sales_rep")
    text = refused(PermissionDenied, lambda: run_report(rep, "real_estate_receivables", {}))
    assert text == "您无权查看收款与应收（财务数据）。"
    assert "rep_x" not in text


def test_vanished_records_are_not_named_by_their_ids(estate: Any, chinese: None) -> None:
    text = refused(NotFound, lambda: prices.what_if(estate.operator, GONE))
    assert text == "该楼栋已不存在，请另选楼栋。"
    text = refused(NotFound, lambda: prices.get_price_list(estate.senior, GONE))
    assert text == "该价目表已不存在，请刷新审批列表。"
    text = refused(NotFound, lambda: control.hold(estate.control, GONE, "viewing"))
    assert text == "该房间已不存在，请刷新销控表。"
    # the change's number is what the sign-off list and the CLI show
    text = refused(NotFound, lambda: masterdata.get_change(estate.senior, GONE))
    assert text == f"变更 {GONE} 不存在，请刷新审批列表。"


def test_a_cancelled_deal_is_named_by_its_unit(estate: Any, chinese: None) -> None:
    unit = estate.unit("202")
    deal = control.reserve(estate.control, unit, "李娜")
    control.cancel(estate.control, unit, "buyer changed their mind")
    text = refused(Refused, lambda: control.change_buyer(estate.control, deal.id, "刘洋", "更名"))
    assert text == "房间 A1-202 的成交当前为「已取消」：只有有效的成交才能更名。"
    assert str(deal.id) not in text.replace("A1-202", "")


def test_the_same_refusals_in_english(estate: Any) -> None:
    set_lang("en")
    text = refused(
        PermissionDenied, lambda: run_report(estate.control, "real_estate_receivables", {})
    )
    assert text == "You may not read payments and receivables (finance data)."
    assert estate.control.actor.login not in text

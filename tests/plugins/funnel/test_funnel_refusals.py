"""The funnel's refusals read in the reader's language and in business words: an unknown
owner is a salesperson (not a "user with login"), missing customers are not named by
their database ids."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import NotFound
from core.i18n import set_lang
from core.reports import drill_report, run_report
from plugins.funnel.services import leads, pool


def _refusal(call: Any) -> str:
    with pytest.raises(NotFound) as refused:
        call()
    return str(refused.value)


def test_an_unknown_owner_is_a_salesperson_in_chinese(team: Any, chinese: None) -> None:
    for report in ("funnel.stages", "funnel.prospects"):
        text = _refusal(lambda r=report: run_report(team.mgr, r, {"owner": "nobody"}))
        assert text == "没有在职的业务员“nobody”。"
        assert "login" not in text and "user" not in text


def test_the_prospect_drill_asks_for_a_row_in_chinese(team: Any, chinese: None) -> None:
    text = _refusal(
        lambda: drill_report(team.mgr, "funnel.prospects", {}, "prospects", None, "deals")
    )
    assert text == "请选择一行客户，查看其明细。"


def test_missing_customers_are_not_named_by_their_ids(team: Any, chinese: None) -> None:
    mine = team.customer(team.r1, "N")
    gone = mine.id + 1000
    text = _refusal(lambda: pool.reassign(team.mgr, [mine.id, gone], "r2"))
    assert text == "所选客户中有些已不存在，请刷新列表后重新选择。"
    assert str(gone) not in text
    text = _refusal(lambda: pool.lead_history(team.r1, gone))
    assert text == "该客户已不存在，或您无权查看。"
    assert not any(c.isascii() and c.isalpha() for c in text), text


def test_unknown_lead_codes_are_listed_in_chinese(team: Any, chinese: None) -> None:
    mine = team.customer(team.r1, "N")
    text = _refusal(lambda: leads.ids_for_codes(team.r1, [mine.code, "NOPE1", "NOPE2"]))
    assert text == "您可查看的客户中没有以下编码：NOPE1、NOPE2。"


def test_the_same_refusals_in_english(team: Any) -> None:
    set_lang("en")
    text = _refusal(lambda: run_report(team.mgr, "funnel.stages", {"owner": "nobody"}))
    assert text == "There is no active salesperson 'nobody'."

"""A drilled row whose record went away since the report ran is refused in the reader's
language and in business words: the kind's noun (客户, 产品), never a class name; a
salesperson never by their login."""

from __future__ import annotations

from typing import Any

import pytest
from reports_helpers import AS_OF, build

from core.errors import NotFound
from core.i18n import set_lang
from core.reports import drill_report

PARAMS = {"as_of": str(AS_OF)}


@pytest.fixture
def sw(salesdesk_world: Any) -> Any:
    return build(salesdesk_world)


def _refusal(call: Any) -> str:
    with pytest.raises(NotFound) as refused:
        call()
    return str(refused.value)


def test_a_vanished_customer_or_product_by_its_noun(sw: Any, chinese: None) -> None:
    row = (1, "C-GONE", "Gone Ltd")
    text = _refusal(
        lambda: drill_report(sw.admin, "top_customers", PARAMS, "customers", row, "ytd")
    )
    assert text == "编码为 C-GONE 的客户已不存在，请重新运行报表。"
    row = ("2026-03", "P-GONE", "Gone", "N1")
    text = _refusal(
        lambda: drill_report(sw.admin, "product_region_months", PARAMS, "cells", row, "amount")
    )
    assert text == "编码为 P-GONE 的产品已不存在，请重新运行报表。"
    assert "product" not in text.lower()


def test_a_vanished_salesperson_without_a_login(sw: Any, chinese: None) -> None:
    row = ("ghost_login", "Ghost")
    text = _refusal(lambda: drill_report(sw.admin, "rep_periods", PARAMS, "reps", row, "ytd"))
    assert text == "该行的业务员已不存在，请重新运行报表。"
    assert "ghost_login" not in text


def test_the_same_refusal_in_english(sw: Any) -> None:
    set_lang("en")
    row = (1, "C-GONE", "Gone Ltd")
    text = _refusal(
        lambda: drill_report(sw.admin, "top_customers", PARAMS, "customers", row, "ytd")
    )
    assert text == "No customer has the code C-GONE any more: run the report again."

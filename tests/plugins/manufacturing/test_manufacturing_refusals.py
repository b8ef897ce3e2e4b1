"""Order-to-cash refusals read in the reader's language and in business words: the credit
refusal and its reason in Chinese, a typed document number quoted, a vanished document
without its database id."""

from __future__ import annotations

from typing import Any

import pytest
from refusal_helpers import refused

from core.errors import NotFound, PermissionDenied
from core.i18n import set_lang
from core.services import customers
from plugins.manufacturing.services import posting, queries

GONE = 987654  # an id no document has


def test_the_credit_refusal_and_its_reason_in_chinese(shop: Any, chinese: None) -> None:
    customers.update_customer(
        shop.finance, shop.customer.id, {"credit_limit": "1000.00", "credit_rating": "A"}, None
    )
    shop.order((shop.flange, "5", "120.00"))  # 600 of 1000
    big = shop.order((shop.flange, "4", "120.00"), submit=False)  # 600 + 480 > 1000
    text = refused(PermissionDenied, lambda: posting.submit(shop.sales, big.id))
    assert text == (
        f"销售订单 {big.number} 需经财务审批：未收应收款及未开票订单共 600.00，"
        f"加上本订单 480.00，超过上海精密锻造有限公司的信用额度 1000.00。请联系财务审批其信用。"
    )


def test_vanished_documents_are_not_named_by_their_ids(shop: Any, chinese: None) -> None:
    text = refused(NotFound, lambda: queries.document_lines(shop.sales, GONE))
    assert text == "该单据已不存在，或您无权查看。"
    text = refused(NotFound, lambda: queries.receipt_for(shop.finance, GONE))
    assert text == "该发票已不存在，或您无权查看。"


@pytest.mark.salesdesk_sqlite_only
def test_a_typed_document_number_is_quoted(shop: Any, salesdesk_run: Any, chinese: None) -> None:
    refused = salesdesk_run.cli("mfg", "submit", "SO-NOPE", user="eng")
    assert refused.exit_code == 1
    assert "没有单号为 SO-NOPE 的单据。" in refused.output
    assert "Traceback" not in refused.output


def test_the_same_refusal_in_english(shop: Any) -> None:
    set_lang("en")
    text = refused(NotFound, lambda: queries.document_lines(shop.sales, GONE))
    assert text == "This document no longer exists or you may not see it."

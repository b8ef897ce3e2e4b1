"""What a manufacturing field expects reads in Chinese through the catalogue: the
over-delivery tolerance an administrator types, the quantities a screen reads, and the
order-to-cash refusals, which name a line by its product, never by its database id."""

from __future__ import annotations

from typing import Any

import pytest
from mfg_helpers import line_ids

from core.errors import ValidationFailed
from plugins.manufacturing.services import documents, queries
from plugins.manufacturing.views import decimals


@pytest.mark.salesdesk_sqlite_only
def test_the_tolerance_expects_a_fraction_in_chinese(
    shop: Any, salesdesk_run: Any, chinese: None
) -> None:
    refused = salesdesk_run.cli("mfg", "tolerance", "5", user="admin")
    assert refused.exit_code == 1, refused.output
    assert "应为 0 到 1 之间的小数，如 0.05 表示 5%" in refused.output, refused.output
    assert "between" not in refused.output and "expected" not in refused.output


def test_a_list_of_quantities_expects_numbers_in_chinese(shop: Any, chinese: None) -> None:
    # ``shop`` loads the plugins, as the app has before a form is read: the words are in
    # the plugin's catalogue (alone in a worker, this test read them in English)
    with pytest.raises(ValidationFailed) as refused:
        decimals("3, lots", "quantity")
    text = str(refused.value)
    assert "应为 以逗号分隔的数字" in text and "separated" not in text, text


def _refused(call: Any) -> str:
    with pytest.raises(ValidationFailed) as refused:
        call()
    return str(refused.value)


def test_order_to_cash_refusals_expect_in_chinese(shop: Any, chinese: None) -> None:
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120.00"))
    (line,) = line_ids(shop.sales, order)
    shop.deliver((line, "8"))
    text = _refused(lambda: shop.deliver((line, "3")))
    assert "Forged flange 所在订单行最多 2（订购 10，已发 8；" in text, text
    assert f"line {line}" not in text and "order line" not in text, text
    draft = shop.order((shop.flange, "1", "120.00"), submit=False)
    (draft_line,) = line_ids(shop.sales, draft)
    text = _refused(lambda: shop.deliver((draft_line, "1")))
    assert "已提交的销售订单；该单据仍是草稿" in text and "draft" not in text, text
    quote = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "lines": [{"product_id": shop.flange.id, "quantity": "1", "unit_price": "120"}],
        },
    )
    text = _refused(lambda: queries.deliver_orders(shop.shipping, [quote.id]))
    assert "您可查看的销售订单" in text and "visible" not in text, text

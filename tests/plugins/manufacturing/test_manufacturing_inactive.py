"""A deactivated product (#17: something in use is deactivated, never deleted) stays on
the documents that carry it, but no new quote, order or direct invoice offers it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.services.masterdata import set_product_active
from plugins.manufacturing.services import documents, posting


def test_a_deactivated_product_is_refused_on_new_lines_only(shop: Any) -> None:
    quote = posting.submit(
        shop.sales,
        documents.create_quote(
            shop.sales,
            {
                "customer_id": shop.customer.id,
                "lines": [{"product_id": shop.ring.id, "quantity": "2", "unit_price": "300"}],
            },
        ).id,
    )
    set_product_active(shop.world.admin, shop.ring.id, False)
    line = {"product_id": shop.ring.id, "quantity": "1", "unit_price": "300"}
    for create in (documents.create_quote, documents.create_order):
        with pytest.raises(ValidationFailed) as info:
            create(shop.sales, {"customer_id": shop.customer.id, "lines": [line]})
        (problem,) = info.value.problems
        assert problem.field == "lines.0.product_id" and "RG-200 is deactivated" in problem.expected
    with pytest.raises(ValidationFailed):
        documents.create_invoice(
            shop.finance, {"customer_id": shop.customer.id, "direct_lines": [line]}
        )
    # what was quoted before goes on: the order copies the quote's lines
    order = documents.order_from_quote(shop.sales, quote.id)
    assert order.amount == Decimal("600.00")

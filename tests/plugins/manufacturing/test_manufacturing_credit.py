"""Credit control: an order past the credit limit, or for a customer with overdue
receivables, needs a finance approval; the rep may not give it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from mfg_helpers import line_ids

from core.errors import PermissionDenied
from core.services import customers
from core.services.company import set_setting
from plugins.manufacturing.models import DocStatus
from plugins.manufacturing.services import documents, posting

D = Decimal


def limit(shop: Any, amount: str) -> None:
    customers.update_customer(
        shop.finance, shop.customer.id, {"credit_limit": amount, "credit_rating": "A"}, None
    )


def test_order_past_the_limit_needs_finance_approval(shop: Any) -> None:
    limit(shop, "1000.00")
    shop.order((shop.flange, "5", "120.00"))  # 600 of 1000
    big = shop.order((shop.flange, "4", "120.00"), submit=False)  # 600 + 480 > 1000
    with pytest.raises(PermissionDenied, match=r"finance approval.*credit limit of 1000\.00"):
        posting.submit(shop.sales, big.id)
    with pytest.raises(PermissionDenied):
        posting.approve_credit(shop.sales, big.id)  # the rep cannot approve
    approved = posting.approve_credit(shop.finance, big.id)
    assert approved.credit_approved_by_id == shop.finance.actor.id
    changed = documents.set_quantities(shop.sales, big.id, [D("6")])  # more than approved
    assert changed.credit_approved_by_id is None
    with pytest.raises(PermissionDenied, match="finance approval"):
        posting.submit(shop.sales, big.id)
    posting.approve_credit(shop.finance, big.id)
    assert posting.submit(shop.sales, big.id).status == DocStatus.SUBMITTED


def test_receipts_free_the_limit_again(shop: Any) -> None:
    limit(shop, "1000.00")
    shop.stock_up()
    order = shop.order((shop.flange, "8", "120.00"))  # 960
    (line,) = line_ids(shop.sales, order)
    delivery = shop.deliver((line, "8"))
    invoice = posting.submit(
        shop.finance, documents.invoice_deliveries(shop.finance, [delivery.id]).id
    )
    nxt = shop.order((shop.flange, "1", "120.00"), submit=False)
    with pytest.raises(PermissionDenied, match=r"960\.00"):  # invoiced, still unpaid
        posting.submit(shop.sales, nxt.id)
    posting.submit(
        shop.finance,
        documents.create_receipt(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "amount": "960.00",
                "allocations": [{"invoice_id": invoice.id, "amount": "960.00"}],
            },
        ).id,
    )
    assert posting.submit(shop.sales, nxt.id).status == DocStatus.SUBMITTED


def test_overdue_receivables_block_new_orders_by_setting(shop: Any) -> None:
    today = shop.world.clock().date()
    posting.submit(
        shop.finance,
        documents.create_invoice(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "doc_date": today - dt.timedelta(days=60),
                "due_date": today - dt.timedelta(days=30),
                "direct_lines": [
                    {"product_id": shop.ring.id, "quantity": "1", "unit_price": "300.00"}
                ],
            },
        ).id,
    )
    draft = shop.order((shop.flange, "1", "120.00"), submit=False)
    with pytest.raises(PermissionDenied, match=r"overdue receivables of 300\.00"):
        posting.submit(shop.sales, draft.id)
    set_setting(shop.world.admin, "manufacturing.block_overdue", False)
    assert posting.submit(shop.sales, draft.id).status == DocStatus.SUBMITTED


def test_no_limit_set_means_no_limit_check(shop: Any) -> None:
    assert shop.order((shop.ring, "100", "300.00")).status == DocStatus.SUBMITTED

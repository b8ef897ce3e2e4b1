"""A quote reads Ordered once a sales order made from it is submitted (Partly ordered
while some of it is still open), in the documents list the TUI shows."""

from __future__ import annotations

from typing import Any

from plugins.manufacturing.services import documents, posting, queries


def status_of(ctx: Any, doc_id: int) -> str:
    return next(r.status for r in queries.list_documents(ctx, "quote") if r.id == doc_id)


def test_a_quote_becomes_ordered(shop: Any) -> None:
    quote = documents.create_quote(shop.sales, {
        "customer_id": shop.customer.id,
        "lines": [{"product_id": shop.flange.id, "quantity": "10", "unit_price": "120"},
                  {"product_id": shop.ring.id, "quantity": "5", "unit_price": "300"}]})
    posting.submit(shop.sales, quote.id)
    assert status_of(shop.sales, quote.id) == "submitted"
    order = documents.order_from_quote(shop.sales, quote.id)
    posting.submit(shop.sales, order.id)
    assert status_of(shop.sales, quote.id) == "ordered"


def test_a_quote_partly_ordered(shop: Any) -> None:
    from decimal import Decimal

    quote = documents.create_quote(shop.sales, {
        "customer_id": shop.customer.id,
        "lines": [{"product_id": shop.flange.id, "quantity": "10", "unit_price": "120"}]})
    posting.submit(shop.sales, quote.id)
    part = documents.order_from_quote(shop.sales, quote.id)
    part = documents.set_quantities(shop.sales, part.id, [Decimal("4")], part.version)
    posting.submit(shop.sales, part.id)
    assert status_of(shop.sales, quote.id) == "partly_ordered"

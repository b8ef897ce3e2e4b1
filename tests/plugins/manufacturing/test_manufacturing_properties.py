"""Any sequence of deliveries, invoices, receipts and reversals keeps the books
consistent: what is shipped, billed and owed always equals the sum of what counts, never
more than was ordered or delivered, and stock moves with every delivery and never goes
below zero (the order is for more than is in stock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mfg_helpers import line_ids

from core.errors import ValidationFailed
from plugins.manufacturing.models import COUNTED, DocKind, Document, Line, Stock
from plugins.manufacturing.services import balances, documents, posting, tenders

D = Decimal
ORDERED = D("10")
OPENING = D("8")  # stock on hand before each example: less than the order

step = st.one_of(
    st.tuples(st.just("deliver"), st.integers(1, 6)),
    st.tuples(st.just("invoice"), st.just(0)),
    st.tuples(st.just("receive"), st.integers(1, 900)),
    st.tuples(
        st.sampled_from(["reverse_delivery", "reverse_invoice", "reverse_receipt"]),
        st.integers(0, 3),
    ),
)


def latest(ctx: Any, kind: str, index: int) -> int | None:
    with ctx.reading() as session:
        ids = list(
            session.scalars(
                sa.select(Document.id)
                .where(Document.kind == kind, Document.status == "submitted")
                .order_by(Document.id)
            )
        )
    return ids[index % len(ids)] if ids else None


def apply(shop: Any, line: int, op: str, arg: int) -> None:
    try:
        if op == "deliver":
            shop.deliver((line, str(arg)))
        elif op == "invoice":
            delivery = latest(shop.sales, DocKind.DELIVERY, -1)
            if delivery is not None:
                posting.submit(
                    shop.finance, documents.invoice_deliveries(shop.finance, [delivery]).id
                )
        elif op == "receive":
            posting.submit(
                shop.finance,
                documents.create_receipt(
                    shop.finance, {"customer_id": shop.customer.id, "amount": str(arg)}
                ).id,
            )
        else:
            doc = latest(shop.sales, op.removeprefix("reverse_"), arg)
            if doc is not None:
                posting.reverse(shop.finance, doc)
    except ValidationFailed:
        pass  # refused (over-delivery, nothing to bill, used by a later document): fine


def check(shop: Any, line: int) -> None:
    with shop.sales.reading() as session:
        shipped = balances.shipped(session, [line]).get(line, D(0))
        deliveries = session.scalars(
            sa.select(Line)
            .join(Document)
            .where(Document.kind == DocKind.DELIVERY, Document.status.in_(COUNTED))
        ).all()
        assert shipped == sum((ln.quantity for ln in deliveries), D(0))
        assert D(0) <= shipped <= ORDERED
        billed = balances.billed(session, [ln.id for ln in deliveries])
        for ln in deliveries:
            if ln.quantity > 0 and ln.source_line_id == line:
                assert D(0) <= billed.get(ln.id, D(0)) <= ln.quantity
        for invoice, owed in balances.open_invoices(session, shop.customer.id):
            assert D(0) <= owed <= invoice.amount
        stock = session.get(Stock, shop.flange.id)
        assert stock.on_hand == OPENING - shipped >= 0


@pytest.mark.salesdesk_sqlite_only
def test_any_sequence_keeps_the_books(shop: Any) -> None:
    tenders.receive_stock(shop.shipping, shop.flange.id, OPENING)

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(step, min_size=1, max_size=10))
    def run(ops: list[tuple[str, int]]) -> None:
        order = shop.order((shop.flange, str(ORDERED), "120.00"))
        (line,) = line_ids(shop.sales, order)
        for op, arg in ops:
            apply(shop, line, op, arg)
            check(shop, line)
        _unwind(shop)

    run()


def _unwind(shop: Any) -> None:
    """Reverse everything of the example, newest first, so the next starts empty."""
    for kind in (DocKind.RECEIPT, DocKind.INVOICE, DocKind.DELIVERY, DocKind.ORDER):
        while (doc := latest(shop.sales, kind, -1)) is not None:
            posting.reverse(shop.finance, doc)

"""Helpers of the manufacturing tests: the Shop world and line lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins.manufacturing.services import documents, posting


@dataclass
class Shop:
    world: Any
    sales: Any
    shipping: Any
    finance: Any
    manager: Any
    customer: Any
    flange: Any
    ring: Any

    def order(
        self, *lines: tuple[Any, str, str], submit: bool = True, customer: Any = None, **extra: Any
    ) -> Any:
        """A sales order of (product, quantity, unit price) lines, submitted by default."""
        doc = documents.create_order(
            self.sales,
            {
                "customer_id": (customer or self.customer).id,
                "lines": [
                    {"product_id": p.id, "quantity": q, "unit_price": price}
                    for p, q, price in lines
                ],
                **extra,
            },
        )
        return posting.submit(self.sales, doc.id) if submit else doc

    def stock_up(self, quantity: str = "100") -> None:
        """Book finished production of both products: deliveries ship from stock."""
        from decimal import Decimal

        from plugins.manufacturing.services import tenders

        for product in (self.flange, self.ring):
            tenders.receive_stock(self.shipping, product.id, Decimal(quantity))

    def deliver(self, *items: tuple[int, str], submit: bool = True) -> Any:
        doc = documents.create_delivery(
            self.shipping,
            {"lines": [{"order_line_id": line_id, "quantity": q} for line_id, q in items]},
        )
        return posting.submit(self.shipping, doc.id) if submit else doc


def line_ids(ctx: Any, doc: Any) -> list[int]:
    import sqlalchemy as sa

    from plugins.manufacturing.models import Line

    with ctx.reading() as session:
        return list(
            session.scalars(sa.select(Line.id).where(Line.document_id == doc.id).order_by(Line.id))
        )


def make_shop(world: Any) -> Shop:
    from decimal import Decimal

    manager = world.user("boss", "mfg_sales_manager", region="EAST")
    sales = world.user("eng", "mfg_sales", region="EAST", manager=manager)
    shipping = world.user("ship", "mfg_shipping")
    finance = world.user("fin", "mfg_finance")
    customer = world.customer(owner=sales, region="EAST", name="上海精密锻造有限公司")
    # Zero-rated (VAT 0): the bookkeeping tests' hand figures are net = gross; VAT per
    # line is pinned by test_manufacturing_vat with products of its own.
    flange = world.product(
        code="FL-100",
        name="Forged flange",
        price="120.00",
        standard_cost=Decimal("80.00"),
        vat_rate=Decimal("0"),
    )
    ring = world.product(code="RG-200", name="Rolled ring", price="300.00", vat_rate=Decimal("0"))
    return Shop(world, sales, shipping, finance, manager, customer, flange, ring)

"""A quote reads Ordered once a sales order made from it is submitted (Partly ordered
while some of it is still open), in the documents list the TUI shows."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from plugins.manufacturing.services import documents, posting, queries


def status_of(ctx: Any, doc_id: int) -> str:
    return next(r.status for r in queries.list_documents(ctx, "quote") if r.id == doc_id)


def test_a_quote_becomes_ordered(shop: Any) -> None:
    quote = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "lines": [
                {"product_id": shop.flange.id, "quantity": "10", "unit_price": "120"},
                {"product_id": shop.ring.id, "quantity": "5", "unit_price": "300"},
            ],
        },
    )
    posting.submit(shop.sales, quote.id)
    assert status_of(shop.sales, quote.id) == "submitted"
    order = documents.order_from_quote(shop.sales, quote.id)
    posting.submit(shop.sales, order.id)
    assert status_of(shop.sales, quote.id) == "ordered"


def test_a_quote_partly_ordered(shop: Any) -> None:
    from decimal import Decimal

    quote = documents.create_quote(
        shop.sales,
        {
            "customer_id": shop.customer.id,
            "lines": [{"product_id": shop.flange.id, "quantity": "10", "unit_price": "120"}],
        },
    )
    posting.submit(shop.sales, quote.id)
    part = documents.order_from_quote(shop.sales, quote.id)
    part = documents.set_quantities(shop.sales, part.id, [Decimal("4")], part.version)
    posting.submit(shop.sales, part.id)
    assert status_of(shop.sales, quote.id) == "partly_ordered"


@pytest.mark.salesdesk_sqlite_only
def test_a_quote_of_several_lines_with_an_office_chosen(shop: Any) -> None:
    """The new-quote form takes several lines, and per-office numbering with no company
    default office still offers one chosen (no required field left blank)."""
    asyncio.run(_quote_by_keyboard(shop))
    import sqlalchemy as sa

    from plugins.manufacturing.models import DocKind, Document, Line

    with shop.sales.reading() as session:
        quote = session.scalars(sa.select(Document).where(Document.kind == DocKind.QUOTE)).one()
        lines = session.scalars(
            sa.select(Line).where(Line.document_id == quote.id).order_by(Line.id)
        ).all()
    assert quote.office == "SH" and quote.number.startswith("FQ")
    assert [(ln.quantity, ln.unit_price) for ln in lines] == [
        (Decimal("10"), Decimal("120.00")),
        (Decimal("5"), Decimal("300.00")),
    ]


async def _quote_by_keyboard(shop: Any) -> None:
    from tui_helpers import settle

    from core.services.company import set_setting
    from plugins.manufacturing.views import DocumentsScreen
    from tui.app import SalesdeskApp
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    set_setting(
        shop.world.admin,
        "numbering.mfg_quote",
        {"prefix": "FQ", "width": 5, "offices": {"SH": 1, "TJ": 20001}},
    )
    app = SalesdeskApp(shop.sales, database_label="test.db", profile="manufacturing")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DocumentsScreen())
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        form = app.screen.query_one(FormFields)
        assert form.values()["office"] == "SH"  # the first office, not blank
        values = form.values()
        values.update(
            {
                "customer_code": shop.customer.code,
                "product_code": "FL-100",
                "quantity": "10",
                "unit_price": "120",
                "product_code_2": "RG-200",
                "quantity_2": "5",
                "unit_price_2": "300",
            }
        )
        form.set_values(values)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)


@pytest.mark.salesdesk_sqlite_only
def test_delivery_quantities_are_typed_per_line(shop: Any) -> None:
    """c on an order asks the quantity of each open line in its own field, the open
    quantity offered; a quantity that is not a number is shown under its line."""
    shop.stock_up()
    order = shop.order((shop.flange, "10", "120"), (shop.ring, "5", "300"))
    asyncio.run(_deliver_by_keyboard(shop, order.id))
    import sqlalchemy as sa

    from plugins.manufacturing.models import DocKind, Document, Line

    with shop.shipping.reading() as session:
        delivery = session.scalars(
            sa.select(Document).where(Document.kind == DocKind.DELIVERY)
        ).one()
        shipped = session.scalars(
            sa.select(Line.quantity).where(Line.document_id == delivery.id).order_by(Line.id)
        ).all()
    assert shipped == [Decimal("10"), Decimal("2")]


async def _deliver_by_keyboard(shop: Any, order_id: int) -> None:
    from tui_helpers import settle

    from plugins.manufacturing.views import DocumentsScreen
    from tui.app import SalesdeskApp
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    app = SalesdeskApp(shop.manager, database_label="test.db", profile="manufacturing")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DocumentsScreen("order"))
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        form = app.screen.query_one(FormFields)
        assert list(form.values().values()) == ["10", "5"]  # what is open, per line
        form.widget_for("q1").value = "two"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert str(form.query_one("#err-q1").render())  # said under that line
        form.widget_for("q1").value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)

"""Issue #17.5 on the order-to-cash documents: VAT per line, rounded per line half up as
a Chinese VAT invoice is; the totals are sums of the line figures; an invoice is special
(专票) or ordinary (普票); an issued invoice is corrected by its red-letter invoice
(红字发票), never edited. Every figure is worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from mfg_helpers import line_ids

from core.errors import SalesdeskError, ValidationFailed
from core.invoicing import credit_code_check, vat_line
from core.reports import run_report
from core.services import customers, masterdata
from plugins.manufacturing.models import Document, Line
from plugins.manufacturing.services import documents, posting, tenders

D = Decimal


@pytest.fixture
def taxed(shop: Any) -> Any:
    """The shop with both products at the standard 13 % VAT."""
    for product in (shop.flange, shop.ring):
        masterdata.update_product(shop.world.admin, product.id, {"vat_rate": "0.13"}, None)
    return shop


def _lines(ctx: Any, doc: Any) -> list[tuple]:
    with ctx.reading() as session:
        return [
            tuple(r)
            for r in session.execute(
                sa.select(Line.amount, Line.tax_rate, Line.tax)
                .where(Line.document_id == doc.id)
                .order_by(Line.id)
            )
        ]


def _doc(ctx: Any, doc: Any) -> Document:
    with ctx.reading() as session:
        return session.get(Document, doc.id)


@pytest.mark.parametrize(
    ("net", "rate", "tax"),
    [
        ("100.05", "0.13", "13.01"),  # 13.0065
        ("100.50", "0.13", "13.07"),  # 13.065: half up, though the float is 13.06499...
        ("1.05", "0.13", "0.14"),  # 0.1365
        ("-100.50", "0.13", "-13.07"),  # a red-letter line mirrors its original
        ("33.33", "0.06", "2.00"),  # 1.9998
        ("10.00", "0", "0.00"),
    ],
)
def test_vat_line_rounds_half_up_per_line(net: str, rate: str, tax: str) -> None:
    assert vat_line(D(net), D(rate)) == (D(net), D(tax), D(net) + D(tax))


def test_invoice_tax_is_the_sum_of_its_lines_not_a_tax_on_the_total(taxed: Any) -> None:
    shop = taxed
    invoice = documents.create_invoice(
        shop.finance,
        {
            "customer_id": shop.customer.id,
            "direct_lines": [
                {"product_id": shop.flange.id, "quantity": "3", "unit_price": "33.35"},
                {"product_id": shop.ring.id, "quantity": "1", "unit_price": "100.50"},
                {"product_id": shop.ring.id, "quantity": "7", "unit_price": "0.15"},
            ],
        },
    )
    assert _lines(shop.finance, invoice) == [
        (D("100.05"), D("0.1300"), D("13.01")),
        (D("100.50"), D("0.1300"), D("13.07")),
        (D("1.05"), D("0.1300"), D("0.14")),
    ]
    doc = _doc(shop.finance, invoice)
    # 201.60 x 0.13 = 26.208 would be 26.21 on the total; the lines sum to 26.22
    assert (doc.amount, doc.tax, doc.amount + doc.tax) == (D("201.60"), D("26.22"), D("227.82"))
    assert doc.invoice_type == "ordinary"
    documents.set_quantities(shop.finance, invoice.id, [D("3"), D("0"), D("7")])
    doc = _doc(shop.finance, invoice)
    assert (doc.amount, doc.tax) == (D("101.10"), D("13.15"))


def test_a_line_keeps_the_rate_of_the_document_it_came_from(taxed: Any) -> None:
    shop = taxed
    tenders.receive_stock(shop.shipping, shop.flange.id, D("5"))
    order = shop.order((shop.flange, "2", "120.00"))
    masterdata.update_product(shop.world.admin, shop.flange.id, {"vat_rate": "0.09"}, None)
    (line,) = line_ids(shop.sales, order)
    delivery = shop.deliver((line, "2"))
    invoice = documents.invoice_deliveries(shop.finance, [delivery.id])
    assert _lines(shop.finance, invoice) == [(D("240.00"), D("0.1300"), D("31.20"))]
    direct = documents.create_invoice(
        shop.finance,
        {
            "customer_id": shop.customer.id,
            "direct_lines": [
                {"product_id": shop.flange.id, "quantity": "1", "unit_price": "240.00"}
            ],
        },
    )
    assert _lines(shop.finance, direct) == [(D("240.00"), D("0.0900"), D("21.60"))]


def test_red_letter_invoice_nets_the_original_to_zero(taxed: Any) -> None:
    shop = taxed
    code = "91310000MA1FL4XQ0"
    code += credit_code_check(code)
    customers.update_customer(shop.world.admin, shop.customer.id, {"credit_code": code}, None)
    invoice = documents.create_invoice(
        shop.finance,
        {
            "customer_id": shop.customer.id,
            "invoice_type": "special",
            "direct_lines": [
                {"product_id": shop.flange.id, "quantity": "3", "unit_price": "33.35"},
                {"product_id": shop.ring.id, "quantity": "1", "unit_price": "100.50"},
            ],
        },
    )
    posting.submit(shop.finance, invoice.id)
    with pytest.raises(SalesdeskError):  # issued: never edited
        documents.set_quantities(shop.finance, invoice.id, [D("1"), D("1")])
    red = posting.reverse(shop.finance, invoice.id, reason="开票有误 wrong price")
    original, red = _doc(shop.finance, invoice), _doc(shop.finance, red)
    assert (red.invoice_type, red.reverses_id, red.status) == ("special", invoice.id, "reversal")
    assert (red.amount, red.tax) == (D("-200.55"), D("-26.08"))
    assert (original.amount + red.amount, original.tax + red.tax) == (D("0"), D("0"))
    assert [(-a, r, -t) for a, r, t in _lines(shop.finance, red)] == _lines(shop.finance, invoice)


def test_a_special_invoice_needs_the_buyers_credit_code(taxed: Any) -> None:
    shop = taxed
    with pytest.raises(ValidationFailed) as info:
        documents.create_invoice(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "invoice_type": "special",
                "direct_lines": [
                    {"product_id": shop.ring.id, "quantity": "1", "unit_price": "1.00"}
                ],
            },
        )
    assert info.value.problems[0].field == "invoice_type"
    assert "credit code" in info.value.problems[0].expected
    with pytest.raises(ValidationFailed):
        documents.create_invoice(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "invoice_type": "VAT",
                "direct_lines": [
                    {"product_id": shop.ring.id, "quantity": "1", "unit_price": "1.00"}
                ],
            },
        )


def test_receivables_are_gross_and_a_receipt_of_the_gross_clears_them(taxed: Any) -> None:
    shop = taxed
    invoice = documents.create_invoice(
        shop.finance,
        {
            "customer_id": shop.customer.id,
            "direct_lines": [{"product_id": shop.ring.id, "quantity": "1", "unit_price": "100.50"}],
        },
    )
    posting.submit(shop.finance, invoice.id)
    period = {"start": "2026-01-01", "end": "2026-03-16"}
    (row,) = run_report(shop.sales, "mfg_collection_status", period).tables[0].rows
    assert (row[6], row[9]) == (D("113.57"), D("113.57"))  # invoiced, receivable
    with pytest.raises(ValidationFailed):  # more than the invoice owes
        posting.submit(
            shop.finance,
            documents.create_receipt(
                shop.finance,
                {
                    "customer_id": shop.customer.id,
                    "amount": "113.58",
                    "allocations": [{"invoice_id": invoice.id, "amount": "113.58"}],
                },
            ).id,
        )
    posting.submit(
        shop.finance,
        documents.create_receipt(
            shop.finance, {"customer_id": shop.customer.id, "amount": "113.57"}
        ).id,
    )
    (row,) = run_report(shop.sales, "mfg_collection_status", period).tables[0].rows
    assert (row[7], row[9]) == (D("113.57"), D("0.00"))  # received, receivable
    ageing = run_report(shop.sales, "mfg_receivables_ageing", {"as_of": "2026-03-16"})
    assert ageing.tables[0].rows == []

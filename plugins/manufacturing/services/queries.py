"""Reads for screens and the CLI: documents with their open figures, lines, tenders, stock,
and the conversions that turn one document into the next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.context import Context
from core.errors import NotFound
from core.i18n import translator
from core.models import Customer, Product
from core.report_kit import money
from plugins.manufacturing.models import (
    DocKind,
    DocStatus,
    Document,
    InvoiceType,
    Line,
    Project,
    Stock,
    Tender,
)
from plugins.manufacturing.services import balances, documents
from plugins.manufacturing.services.common import SERIES, ZERO, office_for, problem, visible_rows

_ = translator(__file__)  # refusals are read on the order-to-cash screens
# documents of a kind a conversion starts from, as the refusal expects them
VISIBLE = {
    "quote": "quotes you can see",
    "order": "sales orders you can see",
    "delivery": "deliveries you can see",
    "invoice": "invoices you can see",
}

LIST_LIMIT = 500  # newest first; older documents are reached through the reports


@dataclass(frozen=True)
class DocRow:
    id: int
    number: str
    doc_date: dt.date
    customer: str
    status: str
    amount: Decimal  # net of VAT (不含税金额); a receipt's amount received
    open: Decimal | None  # unordered, unshipped, unbilled, uncollected or unapplied value
    # (None: a draft or a reversed document, where nothing is open)
    version: int
    tax: Decimal = ZERO  # the lines' VAT (税额)
    invoice_type: str = ""  # an invoice's special (专票) or ordinary (普票)
    red_letter: bool = False  # the reversal of an issued invoice (红字发票)

    @property
    def gross(self) -> Decimal:
        """价税合计: net plus VAT."""
        return self.amount + self.tax


def list_documents(ctx: Context, kind: str, limit: int = LIST_LIMIT) -> list[DocRow]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Document, Customer.name)
            .join(Customer, Customer.id == Document.customer_id)
            .where(Document.kind == kind, visible_rows(ctx, Document.customer_id))
            .order_by(Document.id.desc())
            .limit(limit)
        ).all()
        opens = open_values(session, [d for d, _n in rows])
    return [
        DocRow(
            d.id,
            d.number,
            d.doc_date,
            name,
            _shown_status(d, opens.get(d.id, ZERO)),
            money(d.amount),
            opens.get(d.id, ZERO) if d.status == DocStatus.SUBMITTED else None,
            d.version,
            money(d.tax),
            d.invoice_type,
            d.kind == DocKind.INVOICE and d.reverses_id is not None,
        )
        for d, name in rows
    ]


def _shown_status(doc: Document, still_open: Decimal) -> str:
    """A submitted quote reads "ordered" once submitted orders take all of it, "partly
    ordered" while some is still open; any other document its stored status."""
    if doc.kind != DocKind.QUOTE or doc.status != DocStatus.SUBMITTED:
        return str(doc.status)
    if still_open <= 0:
        return "ordered"
    return "partly_ordered" if still_open < money(doc.amount) else str(doc.status)


def open_values(session: Session, docs: list[Document]) -> dict[int, Decimal]:
    """What is still to do on each submitted document, as money."""
    out: dict[int, Decimal] = {}
    live = [d for d in docs if d.status == DocStatus.SUBMITTED]
    lines = (
        session.scalars(sa.select(Line).where(Line.document_id.in_([d.id for d in live]))).all()
        if live
        else []
    )
    by_kind = {d.id: d.kind for d in live}
    done: dict[int, Decimal] = {}
    for kind, fn in (
        (DocKind.QUOTE, balances.ordered_from),
        (DocKind.ORDER, balances.shipped),
        (DocKind.DELIVERY, balances.billed),
    ):
        done.update(fn(session, [ln.id for ln in lines if by_kind[ln.document_id] == kind]))
    for line in lines:
        if by_kind[line.document_id] != DocKind.INVOICE:
            left = line.quantity - done.get(line.id, ZERO)
            out[line.document_id] = out.get(line.document_id, ZERO) + money(left * line.unit_price)
    invoices = [d for d in live if d.kind == DocKind.INVOICE]
    paid = balances.collected(session, [d.id for d in invoices])
    out.update({d.id: balances.gross(d) - paid.get(d.id, ZERO) for d in invoices})
    for receipt in (d for d in live if d.kind == DocKind.RECEIPT):
        out[receipt.id] = balances.receipt_unapplied(session, receipt)
    return out


@dataclass(frozen=True)
class LineRow:
    """One document line with its VAT (rounded per line, as the invoice prints it)."""

    id: int
    code: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # net (不含税金额)
    done: Decimal  # quantity ordered, shipped or billed from it
    tax_rate: Decimal = ZERO
    tax: Decimal = ZERO  # 税额

    @property
    def gross(self) -> Decimal:
        """价税合计."""
        return self.amount + self.tax


def document_vat_lines(ctx: Context, doc_id: int) -> list[LineRow]:
    """The lines of a document with rate, net, tax and gross each."""
    return [
        LineRow(*row[:7], tax_rate=rate, tax=money(tax))
        for row, (rate, tax) in zip(
            document_lines(ctx, doc_id), _line_taxes(ctx, doc_id), strict=True
        )
    ]


def _line_taxes(ctx: Context, doc_id: int) -> list[tuple[Decimal, Decimal]]:
    with ctx.reading() as session:
        return [
            (r, t)
            for r, t in session.execute(
                sa.select(Line.tax_rate, Line.tax)
                .where(Line.document_id == doc_id)
                .order_by(Line.id)
            )
        ]


def product_vat_rate(ctx: Context, code: str) -> Decimal | None:
    """The VAT rate a new line of product ``code`` takes (None: no such product)."""
    with ctx.reading() as session:
        return session.scalar(sa.select(Product.vat_rate).where(Product.code == code.strip()))


def uninvoiced(ctx: Context, delivery_ids: list[int]) -> tuple[Decimal, Decimal]:
    """(net, VAT) an invoice for everything not yet billed of these deliveries would
    carry, each line rounded as the invoice will round it."""
    from core.invoicing import vat_line

    net = tax = ZERO
    with ctx.reading() as session:
        lines = session.scalars(sa.select(Line).where(Line.document_id.in_(delivery_ids))).all()
        done = balances.billed(session, [ln.id for ln in lines])
    for ln in lines:
        left = ln.quantity - done.get(ln.id, ZERO)
        if left > 0:
            n, t, _g = vat_line(documents.line_amount(left, ln.unit_price), ln.tax_rate)
            net, tax = net + n, tax + t
    return net, tax


def document_lines(ctx: Context, doc_id: int) -> list[tuple[Any, ...]]:
    """(line id, product code, product name, quantity, price, amount, done quantity)."""
    with ctx.reading() as session:
        doc = session.scalar(
            sa.select(Document).where(
                Document.id == doc_id, visible_rows(ctx, Document.customer_id)
            )
        )
        if doc is None:
            # the id comes from the document chosen on screen: the reader never typed it
            raise NotFound(_("This document no longer exists or you may not see it."))
        rows = session.execute(
            sa.select(Line, Product.code, Product.name)
            .join(Product, Product.id == Line.product_id)
            .where(Line.document_id == doc_id)
            .order_by(Line.id)
        ).all()
        fn = {
            DocKind.QUOTE: balances.ordered_from,
            DocKind.ORDER: balances.shipped,
            DocKind.DELIVERY: balances.billed,
        }.get(DocKind(doc.kind))
        done = fn(session, [r[0].id for r in rows]) if fn else {}
    return [
        (ln.id, code, name, ln.quantity, ln.unit_price, ln.amount, done.get(ln.id, ZERO))
        for ln, code, name in rows
    ]


def list_tenders(ctx: Context, limit: int = LIST_LIMIT) -> list[tuple[Tender, str]]:
    with ctx.reading() as session:
        return [
            (t, name)
            for t, name in session.execute(
                sa.select(Tender, Customer.name)
                .join(Customer, Customer.id == Tender.customer_id)
                .where(visible_rows(ctx, Tender.customer_id))
                .order_by(Tender.id.desc())
                .limit(limit)
            )
        ]


def numbering_offices(ctx: Context, series: str) -> tuple[list[str], str]:
    """The offices with their own number range in ``series`` (empty: one company-wide
    sequence, no office to choose) and the company's default office."""
    from core.services.numbering import NumberingRule, rule_for

    name, prefix = SERIES[series]
    with ctx.reading() as session:
        rule = rule_for(session, name, NumberingRule(prefix=prefix))
        return sorted(rule.offices), office_for(session, "")


def tender_project(ctx: Context, tender_id: int) -> Project | None:
    """The latest project registered for a tender (its quotes carry the project number)."""
    with ctx.reading() as session:
        return session.scalar(
            sa.select(Project)
            .where(Project.tender_id == tender_id, visible_rows(ctx, Project.customer_id))
            .order_by(Project.id.desc())
            .limit(1)
        )


def stock_on_hand(ctx: Context) -> dict[str, Decimal]:
    with ctx.reading() as session:
        return {
            code: on_hand
            for code, on_hand in session.execute(
                sa.select(Product.code, Stock.on_hand)
                .join(Product, Product.id == Stock.product_id)
                .order_by(Product.code)
            )
        }


def customer_id_for(ctx: Context, code: str) -> int:
    with ctx.reading() as session:
        found = session.scalar(
            sa.select(Customer.id).where(
                Customer.code == code.strip(), visible_rows(ctx, Customer.id)
            )
        )
    if found is None:
        raise problem("customer_code", code, "the code of a customer you can see", "form")
    return found


def product_id_for(ctx: Context, code: str) -> int:
    with ctx.reading() as session:
        found = session.scalar(sa.select(Product.id).where(Product.code == code.strip()))
    if found is None:
        raise problem("product_code", code, "an existing product code", "form")
    return found


# -- conversions -------------------------------------------------------------------------


def _open_lines(ctx: Context, doc_ids: list[int], kind: str) -> list[tuple[Line, Decimal]]:
    fn = balances.shipped if kind == DocKind.ORDER else balances.billed
    with ctx.reading() as session:
        docs = session.scalars(
            sa.select(Document).where(
                Document.id.in_(doc_ids), visible_rows(ctx, Document.customer_id)
            )
        ).all()
        if len(docs) != len(set(doc_ids)) or any(d.kind != kind for d in docs):
            raise problem(
                "documents", doc_ids, VISIBLE.get(kind, "documents you can see"), "conversion"
            )
        lines = session.scalars(
            sa.select(Line).where(Line.document_id.in_(doc_ids)).order_by(Line.document_id, Line.id)
        ).all()
        done = fn(session, [ln.id for ln in lines])
    return [
        (ln, ln.quantity - done.get(ln.id, ZERO))
        for ln in lines
        if ln.quantity - done.get(ln.id, ZERO) > 0
    ]


def deliver_orders(
    ctx: Context, order_ids: list[int], quantities: list[Decimal] | None = None
) -> Document:
    """A draft delivery of the open lines of one or more orders; ``quantities`` (one per
    open line, in order) ship part of them, else everything open ships."""
    open_lines = _open_lines(ctx, order_ids, DocKind.ORDER)
    if not open_lines:
        raise problem("orders", order_ids, "orders with quantities still to ship", "delivery")
    if quantities is not None and len(quantities) != len(open_lines):
        raise problem(
            "quantities",
            [str(q) for q in quantities],
            "{n} quantities, one per open line",
            "delivery",
            n=len(open_lines),
        )
    wanted = quantities or [left for _ln, left in open_lines]
    items = [
        {"order_line_id": ln.id, "quantity": q}
        for (ln, _left), q in zip(open_lines, wanted, strict=True)
        if q > 0
    ]
    return documents.create_delivery(ctx, {"lines": items})


def invoice_for(
    ctx: Context, delivery_ids: list[int], invoice_type: str = InvoiceType.ORDINARY
) -> Document:
    _open_lines(ctx, delivery_ids, DocKind.DELIVERY)  # visibility and kind checks
    return documents.invoice_deliveries(ctx, delivery_ids, invoice_type=invoice_type)


def receipt_for(ctx: Context, invoice_id: int, amount: Decimal | None = None) -> Document:
    """A draft receipt applied to one invoice (default: everything it still owes)."""
    with ctx.reading() as session:
        invoice = session.scalar(
            sa.select(Document).where(
                Document.id == invoice_id,
                Document.kind == DocKind.INVOICE,
                visible_rows(ctx, Document.customer_id),
            )
        )
        if invoice is None:
            raise NotFound(_("This invoice no longer exists or you may not see it."))
        owed = balances.invoice_open(session, invoice)
    amount = owed if amount is None else amount
    return documents.create_receipt(
        ctx,
        {
            "customer_id": invoice.customer_id,
            "amount": amount,
            "allocations": [{"invoice_id": invoice_id, "amount": min(amount, owed)}],
        },
    )


def convert(
    ctx: Context,
    doc_ids: list[int],
    quantities: list[Decimal] | None = None,
    amount: Decimal | None = None,
    invoice_type: str = InvoiceType.ORDINARY,
) -> Document:
    """The next document for the given ones: quote -> order, orders -> delivery,
    deliveries -> invoice (of ``invoice_type``), invoice -> receipt."""
    with ctx.reading() as session:
        kinds = {
            k for (k,) in session.execute(sa.select(Document.kind).where(Document.id.in_(doc_ids)))
        }
    if len(kinds) != 1:
        raise problem("documents", doc_ids, "documents of one kind", "conversion")
    kind = kinds.pop()
    if kind == DocKind.QUOTE and len(doc_ids) == 1:
        return documents.order_from_quote(ctx, doc_ids[0])
    if kind == DocKind.ORDER:
        return deliver_orders(ctx, doc_ids, quantities)
    if kind == DocKind.DELIVERY:
        return invoice_for(ctx, doc_ids, invoice_type)
    if kind == DocKind.INVOICE and len(doc_ids) == 1:
        return receipt_for(ctx, doc_ids[0], amount)
    raise problem(
        "documents", doc_ids, "one quote, orders, deliveries or one invoice", "conversion"
    )

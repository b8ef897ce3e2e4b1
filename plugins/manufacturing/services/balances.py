"""Open quantities and amounts, always computed from the counted (non-draft) rows.

Reversals carry negated quantities and amounts, so a plain SUM over counted rows gives
the net figure: what an order line has shipped, what a delivery line has billed, what an
invoice has collected, what a customer owes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from core.report_kit import money
from core.report_kit import quantity as qty
from plugins.manufacturing.models import COUNTED, Allocation, DocKind, DocStatus, Document, Line
from plugins.manufacturing.services.common import ZERO


def _sum_by_source(
    session: Session, source_ids: Iterable[int], kind: str, column: Any
) -> dict[int, Decimal]:
    ids = list(source_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Line.source_line_id, sa.func.sum(column))
        .join(Document, Document.id == Line.document_id)
        .where(Line.source_line_id.in_(ids), Document.kind == kind, Document.status.in_(COUNTED))
        .group_by(Line.source_line_id)
    ).all()
    return {int(r[0]): Decimal(str(r[1] or 0)) for r in rows}


def shipped(session: Session, order_line_ids: Iterable[int]) -> dict[int, Decimal]:
    """Order line id -> net quantity delivered."""
    return {
        k: qty(v)
        for k, v in _sum_by_source(session, order_line_ids, DocKind.DELIVERY, Line.quantity).items()
    }


def billed(session: Session, delivery_line_ids: Iterable[int]) -> dict[int, Decimal]:
    """Delivery line id -> net quantity invoiced."""
    return {
        k: qty(v)
        for k, v in _sum_by_source(
            session, delivery_line_ids, DocKind.INVOICE, Line.quantity
        ).items()
    }


def ordered_from(session: Session, quote_line_ids: Iterable[int]) -> dict[int, Decimal]:
    """Quote line id -> net quantity ordered."""
    return {
        k: qty(v)
        for k, v in _sum_by_source(session, quote_line_ids, DocKind.ORDER, Line.quantity).items()
    }


def collected(session: Session, invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """Invoice id -> net amount applied from counted receipts."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    receipt = aliased(Document)
    rows = session.execute(
        sa.select(Allocation.invoice_id, sa.func.sum(Allocation.amount))
        .join(receipt, receipt.id == Allocation.receipt_id)
        .where(Allocation.invoice_id.in_(ids), receipt.status.in_(COUNTED))
        .group_by(Allocation.invoice_id)
    ).all()
    return {int(r[0]): money(r[1]) for r in rows}


def invoice_open(session: Session, invoice: Document) -> Decimal:
    if invoice.status != DocStatus.SUBMITTED:
        return ZERO
    return gross(invoice) - collected(session, [invoice.id]).get(invoice.id, ZERO)


def gross(doc: Document) -> Decimal:
    """What a customer owes for an invoice (价税合计): net plus VAT."""
    return money(doc.amount) + money(doc.tax)


def open_invoices(session: Session, customer_id: int) -> list[tuple[Document, Decimal]]:
    """The customer's submitted invoices with an open amount, oldest due first."""
    invoices = session.scalars(
        sa.select(Document)
        .where(
            Document.kind == DocKind.INVOICE,
            Document.customer_id == customer_id,
            Document.status == DocStatus.SUBMITTED,
        )
        .order_by(Document.due_date, Document.id)
    ).all()
    paid = collected(session, [i.id for i in invoices])
    out = [(i, gross(i) - paid.get(i.id, ZERO)) for i in invoices]
    return [(i, amount) for i, amount in out if amount != ZERO]


def receivable(session: Session, customer_id: int) -> Decimal:
    """Gross amount invoiced minus amount applied, for one customer."""
    return sum((amount for _i, amount in open_invoices(session, customer_id)), ZERO)


def overdue(session: Session, customer_id: int, today: dt.date) -> Decimal:
    return sum(
        (
            amount
            for inv, amount in open_invoices(session, customer_id)
            if inv.due_date is not None and inv.due_date < today and amount > 0
        ),
        ZERO,
    )


def unbilled_orders(session: Session, customer_id: int) -> Decimal:
    """Gross value of the customer's submitted orders not yet invoiced (committed
    exposure), VAT included as the invoices will bill it."""
    order_line = aliased(Line)
    delivery_line = aliased(Line)
    invoice_line = aliased(Line)
    order, delivery, invoice = aliased(Document), aliased(Document), aliased(Document)
    ordered = session.scalar(
        sa.select(sa.func.sum(order_line.amount + order_line.tax))
        .join(order, order.id == order_line.document_id)
        .where(
            order.kind == DocKind.ORDER,
            order.customer_id == customer_id,
            order.status == DocStatus.SUBMITTED,
        )
    )
    invoiced = session.scalar(
        sa.select(sa.func.sum(invoice_line.amount + invoice_line.tax))
        .join(invoice, invoice.id == invoice_line.document_id)
        .join(delivery_line, delivery_line.id == invoice_line.source_line_id)
        .join(delivery, delivery.id == delivery_line.document_id)
        .join(order_line, order_line.id == delivery_line.source_line_id)
        .join(order, order.id == order_line.document_id)
        .where(
            order.customer_id == customer_id,
            order.status == DocStatus.SUBMITTED,
            invoice.kind == DocKind.INVOICE,
            invoice.status.in_(COUNTED),
        )
    )
    return max(money(ordered) - money(invoiced), ZERO)


def receipt_unapplied(session: Session, receipt: Document) -> Decimal:
    applied = session.scalar(
        sa.select(sa.func.sum(Allocation.amount)).where(Allocation.receipt_id == receipt.id)
    )
    return money(receipt.amount) - money(applied)

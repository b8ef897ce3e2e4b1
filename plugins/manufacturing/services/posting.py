"""Submitting and reversing documents; the checks that keep the books consistent.

* An order that would push the customer's exposure (open receivables plus submitted
  orders not yet invoiced) past the credit limit, or a customer with overdue
  receivables (when ``manufacturing.block_overdue`` is on), needs a finance approval.
* A delivery may not ship more than was ordered, unless
  ``manufacturing.over_delivery_tolerance`` (a fraction) allows that much more.
* An invoice may not bill more than was delivered; a receipt may not apply more than an
  invoice still owes or more than was received.
* A reversal is refused while later documents still count on the reversed one.

On PostgreSQL the rows a check reads are locked first (``FOR UPDATE``), so two users
submitting against the same order line queue instead of both passing the check; SQLite
writers already queue on ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.company import get_setting
from core.context import Context
from core.errors import PermissionDenied
from core.i18n import translator
from core.models import Customer, Product
from core.report_kit import money
from core.services.base import UnitOfWork, write
from plugins.manufacturing.models import Allocation, DocKind, DocStatus, Document, Line, Stock
from plugins.manufacturing.services import balances
from plugins.manufacturing.services.common import (
    P_APPROVE,
    P_REVERSE,
    S_BLOCK_OVERDUE,
    ZERO,
    get_document,
    problem,
    require_draft,
    require_submitted,
    tolerance,
)
from plugins.manufacturing.services.documents import permission_for

_ = translator(__file__)  # refusals are read on the order-to-cash screens


def _lock(uow: UnitOfWork, model: type, ids: Iterable[int]) -> None:
    ids = sorted({i for i in ids if i is not None})
    if ids and uow.session.get_bind().dialect.name != "sqlite":
        pk = sa.inspect(model).primary_key[0]
        uow.session.execute(sa.select(pk).where(pk.in_(ids)).with_for_update())


def _lines(uow: UnitOfWork, doc: Document) -> list[Line]:
    return list(
        uow.session.scalars(sa.select(Line).where(Line.document_id == doc.id).order_by(Line.id))
    )


# -- checks -----------------------------------------------------------------------------


def _sources_submitted(uow: UnitOfWork, source_ids: list[int], what: str) -> None:
    """The documents the lines come from must still be submitted (not reversed since)."""
    docs = uow.session.scalars(
        sa.select(Document)
        .join(Line, Line.document_id == Document.id)
        .where(Line.id.in_(source_ids))
    ).all()
    for doc in docs:
        require_submitted(doc, what)


def check_delivery(uow: UnitOfWork, lines: list[Line]) -> None:
    """Refuse shipping more than ordered (plus the tolerance) on any order line."""
    sources = [ln.source_line_id for ln in lines]
    _lock(uow, Line, sources)
    _sources_submitted(uow, sources, "order")
    done = balances.shipped(uow.session, sources)
    allowed = Decimal(1) + tolerance(uow.session)
    wanted: dict[int, Decimal] = {}
    for line in lines:
        wanted[line.source_line_id] = wanted.get(line.source_line_id, ZERO) + line.quantity
    for source_id, quantity in wanted.items():
        source = uow.session.get(Line, source_id)
        ordered = source.quantity  # type: ignore[union-attr]
        limit = ordered * allowed
        if done.get(source_id, ZERO) + quantity > limit:
            left = max(limit - done.get(source_id, ZERO), ZERO)
            raise problem(
                "quantity",
                format(quantity, "f"),
                "at most {left} on the order line of {product} (ordered {ordered}, shipped "
                "{shipped}; over-delivery beyond the tolerance setting is refused)",
                "delivery",
                left=format(left.normalize(), "f"),
                product=_product_name(uow, source.product_id),  # type: ignore[union-attr]
                ordered=format(ordered.normalize(), "f"),
                shipped=format(done.get(source_id, ZERO).normalize(), "f"),
            )


def _product_name(uow: UnitOfWork, product_id: int) -> str:
    """A line's product as people know it (its name), not the line's database id."""
    product = uow.session.get(Product, product_id)
    return product.name if product else str(product_id)


def check_invoice(uow: UnitOfWork, lines: list[Line]) -> None:
    """Refuse billing more than was delivered on any delivery line."""
    sources = [ln.source_line_id for ln in lines if ln.source_line_id is not None]
    _lock(uow, Line, sources)
    _sources_submitted(uow, sources, "delivery")
    done = balances.billed(uow.session, sources)
    wanted: dict[int, Decimal] = {}
    for line in lines:
        if line.source_line_id is not None:
            wanted[line.source_line_id] = wanted.get(line.source_line_id, ZERO) + line.quantity
    for source_id, quantity in wanted.items():
        source = uow.session.get(Line, source_id)
        delivered = source.quantity  # type: ignore[union-attr]
        if done.get(source_id, ZERO) + quantity > delivered:
            left = max(delivered - done.get(source_id, ZERO), ZERO)
            raise problem(
                "quantity",
                format(quantity, "f"),
                "at most {left} on the delivery line of {product} "
                "(an invoice bills no more than was delivered)",
                "invoice",
                left=format(left.normalize(), "f"),
                product=_product_name(uow, source.product_id),  # type: ignore[union-attr]
            )


def check_stock(uow: UnitOfWork, doc: Document, lines: list[Line]) -> None:
    """Refuse shipping more of a product than is in stock: goods leave only from stock,
    so stock on hand (and the production plan built on it) never goes below zero."""
    wanted: dict[int, Decimal] = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, ZERO) + line.quantity
    for product_id, quantity in sorted(wanted.items()):
        stock = uow.session.get(Stock, product_id, with_for_update=True)
        on_hand = stock.on_hand if stock is not None else ZERO
        if quantity > on_hand:
            product = uow.session.get(Product, product_id)
            raise problem(
                "quantity",
                format(quantity.normalize(), "f"),
                _(
                    "at most {left} of {product}, the stock on hand: a delivery ships from "
                    "stock, so book the finished production first"
                ).format(
                    left=format(max(on_hand, ZERO).normalize(), "f"),
                    product=product.name if product else product_id,
                ),
                f"{doc.kind} {doc.number}",
            )


def check_quote_lines(uow: UnitOfWork, lines: list[Line]) -> None:
    """Refuse ordering more than a quote line offered (two drafts from one quote)."""
    sources = [ln.source_line_id for ln in lines if ln.source_line_id is not None]
    _lock(uow, Line, sources)
    _sources_submitted(uow, sources, "quote")
    done = balances.ordered_from(uow.session, sources)
    for line in lines:
        if line.source_line_id is None:
            continue
        quoted = uow.session.get(Line, line.source_line_id).quantity  # type: ignore[union-attr]
        left = quoted - done.get(line.source_line_id, ZERO)
        if done.get(line.source_line_id, ZERO) + line.quantity > quoted:
            raise problem(
                "quantity",
                format(line.quantity, "f"),
                "at most {left} still open on the quote line of {product}",
                "order",
                left=format(left, "f"),
                product=_product_name(uow, line.product_id),
            )


def check_receipt(uow: UnitOfWork, receipt: Document) -> None:
    """Each allocation within its invoice's open amount; all within the receipt."""
    rows = list(
        uow.session.scalars(sa.select(Allocation).where(Allocation.receipt_id == receipt.id))
    )
    _lock(uow, Document, [r.invoice_id for r in rows])
    total = ZERO
    for row in rows:
        invoice = uow.session.get(Document, row.invoice_id)
        if (
            invoice is None
            or invoice.kind != DocKind.INVOICE
            or invoice.customer_id != receipt.customer_id
        ):
            raise problem("invoice_id", row.invoice_id, "an invoice of this customer", "receipt")
        require_submitted(invoice, "invoice_id")
        open_amount = balances.invoice_open(uow.session, invoice)
        if row.amount > open_amount:
            raise problem(
                "amount",
                format(row.amount, "f"),
                "at most {amount}, what invoice {number} still owes",
                "receipt",
                amount=format(open_amount, "f"),
                number=invoice.number,
            )
        total += row.amount
    if total > receipt.amount:
        raise problem(
            "allocations",
            format(total, "f"),
            "at most the {amount} received",
            "receipt",
            amount=format(receipt.amount, "f"),
        )


def credit_problem(uow: UnitOfWork, order: Document) -> str | None:
    """Why this order needs a finance approval, or None."""
    customer = uow.session.get(Customer, order.customer_id)
    _lock(uow, Customer, [order.customer_id])
    today = uow.ctx.today()
    if get_setting(uow.session, S_BLOCK_OVERDUE, True):
        late = balances.overdue(uow.session, order.customer_id, today)
        if late > 0:
            return _("{customer} has overdue receivables of {late}").format(
                customer=customer.name, late=f"{late:f}"
            )
    limit = money(customer.credit_limit)
    if limit > 0:
        exposure = balances.receivable(uow.session, order.customer_id) + balances.unbilled_orders(
            uow.session, order.customer_id
        )
        gross = order.amount + order.tax  # what the invoices will bill
        if exposure + gross > limit:
            return _(
                "open receivables and orders of {exposure} plus this order's {gross} "
                "exceed {customer}'s credit limit of {limit}"
            ).format(
                exposure=f"{exposure:f}",
                gross=f"{gross:f}",
                customer=customer.name,
                limit=f"{limit:f}",
            )
    return None


# -- submit -----------------------------------------------------------------------------


def submit(ctx: Context, doc_id: int, expected_version: int | None = None) -> Document:
    """Submit a draft: checked, counted, never edited again."""

    def work(uow: UnitOfWork) -> Document:
        doc = get_document(uow, doc_id)
        uow.require(permission_for(doc.kind))
        uow.check_version(doc, expected_version)
        require_draft(doc)
        lines = _lines(uow, doc)
        if doc.kind == DocKind.ORDER:
            check_quote_lines(uow, lines)
            why = None if doc.credit_approved_by_id else credit_problem(uow, doc)
            if why:
                raise PermissionDenied(
                    _(
                        "Sales order {number} needs a finance approval: {why}. "
                        "Ask finance to approve its credit."
                    ).format(number=doc.number, why=why)
                )
        elif doc.kind == DocKind.DELIVERY:
            check_delivery(uow, lines)
            check_stock(uow, doc, lines)
            _move_stock(uow, lines, -1)
        elif doc.kind == DocKind.INVOICE:
            check_invoice(uow, lines)
        elif doc.kind == DocKind.RECEIPT:
            check_receipt(uow, doc)
        uow.apply_changes(
            doc, {"status": DocStatus.SUBMITTED.value, "submitted_at": ctx.now()}, action="submit"
        )
        return doc

    return write(ctx, work)


def approve_credit(ctx: Context, order_id: int, expected_version: int | None = None) -> Document:
    """Finance approves a draft order past the credit limit or despite overdue debts."""

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_APPROVE)
        order = get_document(uow, order_id, DocKind.ORDER)
        uow.check_version(order, expected_version)
        require_draft(order)
        uow.apply_changes(
            order,
            {"credit_approved_by_id": ctx.actor.id, "credit_approved_at": ctx.now()},
            action="approve",
        )
        return order

    return write(ctx, work)


def _move_stock(uow: UnitOfWork, lines: list[Line], sign: int) -> None:
    """Deliveries take stock (sign -1); their reversal puts it back (+1)."""
    for line in lines:
        stock = uow.session.get(Stock, line.product_id, with_for_update=True)
        if stock is None:
            stock = Stock(product_id=line.product_id, on_hand=ZERO)
            uow.session.add(stock)
            uow.session.flush()
        uow.apply_changes(
            stock, {"on_hand": stock.on_hand + sign * abs(line.quantity)}, action="stock"
        )


# -- reverse ----------------------------------------------------------------------------


def reverse(
    ctx: Context, doc_id: int, expected_version: int | None = None, reason: str = ""
) -> Document:
    """Cancel a submitted document with a reversal (negated lines), keeping both. An
    issued invoice is corrected only this way: its reversal is the red-letter invoice
    (红字发票) with the same type, rates and negated net and VAT, so the pair nets to 0."""

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_REVERSE)
        doc = get_document(uow, doc_id)
        uow.check_version(doc, expected_version)
        require_submitted(doc, "document")
        lines = _lines(uow, doc)
        _refuse_if_used(uow, doc, lines)
        mirror = Document(
            kind=doc.kind,
            number=f"{doc.number}-R",
            office=doc.office,
            customer_id=doc.customer_id,
            owner_id=ctx.actor.id,
            doc_date=ctx.today(),
            status=DocStatus.REVERSAL,
            project_id=doc.project_id,
            tender_id=doc.tender_id,
            source_id=doc.source_id,
            reverses_id=doc.id,
            due_date=doc.due_date,
            amount=-doc.amount,
            tax=-doc.tax,
            invoice_type=doc.invoice_type,
            notes=reason[:2000],
            created_at=ctx.now(),
            submitted_at=ctx.now(),
        )
        uow.session.add(mirror)
        uow.audit_created(mirror)
        negated: list[Any] = [
            Line(
                document_id=mirror.id,
                product_id=line.product_id,
                quantity=-line.quantity,
                unit_price=line.unit_price,
                amount=-line.amount,
                tax_rate=line.tax_rate,
                tax=-line.tax,
                unit_cost=line.unit_cost,
                source_line_id=line.source_line_id,
                promised_date=line.promised_date,
            )
            for line in lines
        ]
        negated += [
            Allocation(receipt_id=mirror.id, invoice_id=alloc.invoice_id, amount=-alloc.amount)
            for alloc in uow.session.scalars(
                sa.select(Allocation).where(Allocation.receipt_id == doc.id)
            ).all()
        ]
        for row in negated:
            uow.session.add(row)
            uow.audit_created(row)
        if doc.kind == DocKind.DELIVERY:
            _move_stock(uow, lines, +1)
        uow.apply_changes(doc, {"status": DocStatus.REVERSED.value}, action="reverse")
        return mirror

    return write(ctx, work)


def _refuse_if_used(uow: UnitOfWork, doc: Document, lines: list[Line]) -> None:
    ids = [ln.id for ln in lines]
    used: dict[int, Decimal] = {}
    later = ""
    if doc.kind == DocKind.QUOTE:
        used, later = balances.ordered_from(uow.session, ids), "orders"
    elif doc.kind == DocKind.ORDER:
        _lock(uow, Line, ids)
        used, later = balances.shipped(uow.session, ids), "deliveries"
    elif doc.kind == DocKind.DELIVERY:
        _lock(uow, Line, ids)
        used, later = balances.billed(uow.session, ids), "invoices"
    elif doc.kind == DocKind.INVOICE:
        _lock(uow, Document, [doc.id])
        used, later = balances.collected(uow.session, [doc.id]), "receipts"
    if any(v != 0 for v in used.values()):
        raise problem(
            "document",
            doc.number,
            _("no {later} recorded against it: reverse those {later} first").format(later=_(later)),
            f"reverse {doc.kind} {doc.number}",
        )

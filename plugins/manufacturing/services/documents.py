"""Drafts of the order-to-cash documents: quote, order, delivery, invoice, receipt.

A draft takes its number when it is created (numbers are never reused, even when a draft
is discarded). Drafts are checked again when they are submitted (``posting``), since
other documents may have been submitted in between.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.i18n import translator
from core.invoicing import vat_line
from core.models import Customer, Product
from core.report_kit import CENT
from core.services.base import UnitOfWork, validate, write
from plugins.manufacturing.models import (
    Allocation,
    DocKind,
    DocStatus,
    Document,
    InvoiceType,
    Line,
    Project,
    Tender,
)
from plugins.manufacturing.schemas import (
    DeliveryIn,
    InvoiceIn,
    LineIn,
    OrderIn,
    QuoteIn,
    ReceiptIn,
)
from plugins.manufacturing.services import balances
from plugins.manufacturing.services.common import (
    P_BILL,
    P_SELL,
    P_SHIP,
    ZERO,
    allocate_number,
    get_document,
    office_for,
    payment_days,
    problem,
    require_draft,
    require_submitted,
)

_ = translator(__file__)  # refusals are read on the order-to-cash screens


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """Quantity x price to the cent, half up (四舍五入, as the books round)."""
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


def _header(
    uow: UnitOfWork, kind: str, customer_id: int, office: str, on: dt.date, **values: Any
) -> Document:
    uow.get(Customer, customer_id)
    uow.require_record(Customer, customer_id)
    office = office_for(uow.session, office)
    number = values.pop("number", None) or allocate_number(uow, kind, office, on)
    doc = Document(
        kind=kind,
        number=number,
        office=office,
        customer_id=customer_id,
        owner_id=uow.ctx.actor.id,
        doc_date=on,
        status=DocStatus.DRAFT,
        created_at=uow.ctx.now(),
        **values,
    )
    uow.session.add(doc)
    uow.session.flush()
    return doc


def _add_lines(uow: UnitOfWork, doc: Document, lines: list[Line]) -> Document:
    for line in lines:
        line.document_id = doc.id  # type: ignore[assignment]
        line.tax_rate = _rate(uow, line)
        line.amount, line.tax, _gross = vat_line(line.amount, line.tax_rate)
        uow.session.add(line)
    doc.amount = sum((line.amount for line in lines), ZERO)
    doc.tax = sum((line.tax for line in lines), ZERO)  # per line, never on the total
    uow.audit_created(doc)
    for line in lines:
        uow.audit_created(line)
    return doc


def _rate(uow: UnitOfWork, line: Line) -> Decimal:
    """A line's VAT rate: its source line's (the quote an order line came from, the order
    a delivery ships, the delivery an invoice bills), else the product's."""
    if line.source_line_id is not None:
        source = uow.session.get(Line, line.source_line_id)
        if source is not None:
            return source.tax_rate
    return uow.get(Product, line.product_id).vat_rate


def _priced(uow: UnitOfWork, items: list[LineIn], default_promise: dt.date | None) -> list[Line]:
    out = []
    for i, item in enumerate(items):
        product = uow.get(Product, item.product_id)
        if not product.active:  # deactivated: kept on old documents, no longer offered
            raise problem(
                f"lines.{i}.product_id",
                product.code,
                _("an active product: {code} is deactivated and no longer offered").format(
                    code=product.code
                ),
                "document",
            )
        cost = item.unit_cost if item.unit_cost is not None else product.standard_cost
        out.append(
            Line(
                product_id=item.product_id,
                quantity=item.quantity,
                unit_price=item.unit_price,
                unit_cost=cost,
                amount=line_amount(item.quantity, item.unit_price),
                promised_date=item.promised_date or default_promise,
            )
        )
    return out


def _links(uow: UnitOfWork, values: QuoteIn) -> dict[str, Any]:
    """Project and tender of a quote or order, which must belong to its customer."""
    links: dict[str, Any] = {}
    for name, model in (("project_id", Project), ("tender_id", Tender)):
        ref = getattr(values, name)
        if ref is None:
            continue
        row = uow.get(model, ref)
        if row.customer_id != values.customer_id:
            raise problem(name, ref, "one of this customer's records", "document")
        links[name] = ref
    return links


def create_quote(ctx: Context, data: QuoteIn | dict[str, Any]) -> Document:
    """A draft quote. The first quote of a registered project carries its number."""
    values = validate(QuoteIn, data, "quote")

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_SELL)
        links = _links(uow, values)
        on = values.doc_date or ctx.today()
        number = _project_number(uow, values.project_id)
        doc = _header(
            uow,
            DocKind.QUOTE,
            values.customer_id,
            values.office,
            on,
            number=number,
            notes=values.notes,
            **links,
        )
        return _add_lines(uow, doc, _priced(uow, values.lines, None))

    return write(ctx, work)


def _project_number(uow: UnitOfWork, project_id: int | None) -> str | None:
    if project_id is None:
        return None
    number = uow.session.get(Project, project_id).number  # type: ignore[union-attr]
    taken = uow.session.scalar(sa.select(Document.id).where(Document.number == number))
    return None if taken else number


def create_order(ctx: Context, data: OrderIn | dict[str, Any]) -> Document:
    """A draft sales order entered directly (without a quote)."""
    values = validate(OrderIn, data, "order")

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_SELL)
        links = _links(uow, values)
        on = values.doc_date or ctx.today()
        doc = _header(
            uow,
            DocKind.ORDER,
            values.customer_id,
            values.office,
            on,
            promised_date=values.promised_date,
            notes=values.notes,
            **links,
        )
        return _add_lines(uow, doc, _priced(uow, values.lines, values.promised_date))

    return write(ctx, work)


def order_from_quote(
    ctx: Context, quote_id: int, promised_date: dt.date | None = None, on: dt.date | None = None
) -> Document:
    """A draft order for everything of a submitted quote not ordered yet."""

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_SELL)
        quote = get_document(uow, quote_id, DocKind.QUOTE)
        require_submitted(quote, "quote")
        lines = uow.session.scalars(
            sa.select(Line).where(Line.document_id == quote.id).order_by(Line.id)
        ).all()
        done = balances.ordered_from(uow.session, [ln.id for ln in lines])
        copies = [
            Line(
                product_id=ln.product_id,
                quantity=ln.quantity - done.get(ln.id, ZERO),
                unit_price=ln.unit_price,
                unit_cost=ln.unit_cost,
                amount=line_amount(ln.quantity - done.get(ln.id, ZERO), ln.unit_price),
                source_line_id=ln.id,
                promised_date=promised_date,
            )
            for ln in lines
            if ln.quantity - done.get(ln.id, ZERO) > 0
        ]
        if not copies:
            raise problem("quote", quote.number, "a quote with quantities not yet ordered", "order")
        doc = _header(
            uow,
            DocKind.ORDER,
            quote.customer_id,
            quote.office,
            on or ctx.today(),
            source_id=quote.id,
            project_id=quote.project_id,
            tender_id=quote.tender_id,
            promised_date=promised_date,
        )
        return _add_lines(uow, doc, copies)

    return write(ctx, work)


def create_delivery(ctx: Context, data: DeliveryIn | dict[str, Any]) -> Document:
    """A draft delivery shipping lines of one or more submitted orders of one customer."""
    values = validate(DeliveryIn, data, "delivery")

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_SHIP)
        lines, customers = [], set()
        for i, item in enumerate(values.lines):
            source = uow.session.get(Line, item.order_line_id)
            order = uow.session.get(Document, source.document_id) if source else None
            if source is None or order is None or order.kind != DocKind.ORDER:
                raise problem(
                    f"lines.{i}.order_line_id",
                    item.order_line_id,
                    "a line of a sales order",
                    "delivery",
                )
            require_submitted(order, f"lines.{i}.order_line_id")
            customers.add(order.customer_id)
            lines.append(
                Line(
                    product_id=source.product_id,
                    quantity=item.quantity,
                    unit_price=source.unit_price,
                    unit_cost=source.unit_cost,
                    amount=line_amount(item.quantity, source.unit_price),
                    source_line_id=source.id,
                )
            )
        if len(customers) != 1:
            raise problem(
                "lines",
                sorted(customers),
                "order lines of one customer (one delivery goes to one customer)",
                "delivery",
            )
        from plugins.manufacturing.services.posting import check_delivery

        check_delivery(uow, lines)  # refuse an over-delivery now, and again on submit
        doc = _header(
            uow,
            DocKind.DELIVERY,
            customers.pop(),
            values.office,
            values.doc_date or ctx.today(),
            notes=values.notes,
        )
        return _add_lines(uow, doc, lines)

    return write(ctx, work)


def create_invoice(ctx: Context, data: InvoiceIn | dict[str, Any]) -> Document:
    """A draft invoice billing delivery lines, or a direct invoice (``direct_lines``)."""
    values = validate(InvoiceIn, data, "invoice")
    if bool(values.lines) == bool(values.direct_lines):
        raise problem(
            "lines",
            len(values.lines),
            "either delivery lines or direct lines with their customer, not both and not neither",
            "invoice",
        )

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_BILL)
        if values.direct_lines:
            if values.customer_id is None:
                raise problem("customer_id", None, "the customer of a direct invoice", "invoice")
            customer_id, lines = values.customer_id, _priced(uow, values.direct_lines, None)
        else:
            customer_id, lines = _billed_lines(uow, values)
        from plugins.manufacturing.services.posting import check_invoice

        check_invoice(uow, lines)
        on = values.doc_date or ctx.today()
        _not_before_delivery(uow, lines, on)
        due = values.due_date or on + dt.timedelta(days=payment_days(uow.session))
        _special_needs_buyer_details(uow, customer_id, values.invoice_type)
        doc = _header(
            uow,
            DocKind.INVOICE,
            customer_id,
            values.office,
            on,
            due_date=due,
            notes=values.notes,
            invoice_type=values.invoice_type,
        )
        return _add_lines(uow, doc, lines)

    return write(ctx, work)


def _special_needs_buyer_details(uow: UnitOfWork, customer_id: int, kind: str) -> None:
    """A special VAT invoice (专票) names the buyer by its unified social credit code."""
    customer = uow.get(Customer, customer_id)
    if kind == InvoiceType.SPECIAL and not customer.credit_code:
        raise problem(
            "invoice_type",
            kind,
            _(
                "an ordinary invoice (普票): a special VAT invoice (专票) needs the customer's "
                "unified social credit code in its invoicing details"
            ),
            "invoice",
        )


def _not_before_delivery(uow: UnitOfWork, lines: list[Line], on: dt.date) -> None:
    """An invoice bills goods already delivered: it is dated on or after its deliveries."""
    sources = [ln.source_line_id for ln in lines if ln.source_line_id is not None]
    if not sources:
        return
    number, shipped = uow.session.execute(
        sa.select(Document.number, Document.doc_date)
        .join(Line, Line.document_id == Document.id)
        .where(Line.id.in_(sources))
        .order_by(Document.doc_date.desc(), Document.id)
        .limit(1)
    ).one()
    if on < shipped:
        raise problem(
            "doc_date",
            on.isoformat(),
            _(
                "a date on or after {day}, when delivery {number} shipped: an invoice bills "
                "goods already delivered"
            ).format(day=shipped.isoformat(), number=number),
            "invoice",
        )


def _billed_lines(uow: UnitOfWork, values: InvoiceIn) -> tuple[int, list[Line]]:
    lines, customers = [], set()
    for i, item in enumerate(values.lines):
        source = uow.session.get(Line, item.delivery_line_id)
        delivery = uow.session.get(Document, source.document_id) if source else None
        if source is None or delivery is None or delivery.kind != DocKind.DELIVERY:
            raise problem(
                f"lines.{i}.delivery_line_id",
                item.delivery_line_id,
                "a line of a delivery",
                "invoice",
            )
        require_submitted(delivery, f"lines.{i}.delivery_line_id")
        customers.add(delivery.customer_id)
        lines.append(
            Line(
                product_id=source.product_id,
                quantity=item.quantity,
                unit_price=source.unit_price,
                unit_cost=source.unit_cost,
                amount=line_amount(item.quantity, source.unit_price),
                source_line_id=source.id,
            )
        )
    if values.customer_id is not None:
        customers.add(values.customer_id)
    if len(customers) != 1:
        raise problem("lines", sorted(customers), "delivery lines of one customer", "invoice")
    return customers.pop(), lines


def invoice_deliveries(
    ctx: Context,
    delivery_ids: list[int],
    on: dt.date | None = None,
    due_date: dt.date | None = None,
    invoice_type: str = InvoiceType.ORDINARY,
) -> Document:
    """A draft invoice (专票 or 普票) for everything of the given deliveries not billed
    yet."""
    with ctx.reading() as session:
        lines = session.scalars(
            sa.select(Line).where(Line.document_id.in_(delivery_ids)).order_by(Line.id)
        ).all()
        done = balances.billed(session, [ln.id for ln in lines])
    items = [
        {"delivery_line_id": ln.id, "quantity": ln.quantity - done.get(ln.id, ZERO)}
        for ln in lines
        if ln.quantity - done.get(ln.id, ZERO) > 0
    ]
    if not items:
        raise problem(
            "deliveries", delivery_ids, "deliveries with quantities not yet invoiced", "invoice"
        )
    return create_invoice(
        ctx, {"lines": items, "doc_date": on, "due_date": due_date, "invoice_type": invoice_type}
    )


def create_receipt(ctx: Context, data: ReceiptIn | dict[str, Any]) -> Document:
    """A draft receipt; without allocations it is applied to the oldest open invoices."""
    values = validate(ReceiptIn, data, "receipt")

    def work(uow: UnitOfWork) -> Document:
        uow.require(P_BILL)
        doc = _header(
            uow,
            DocKind.RECEIPT,
            values.customer_id,
            values.office,
            values.doc_date or ctx.today(),
            notes=values.notes,
        )
        doc.amount = values.amount
        uow.audit_created(doc)
        plan = (
            [(a.invoice_id, a.amount) for a in values.allocations]
            if values.allocations
            else _oldest_first(uow, values.customer_id, values.amount)
        )
        for invoice_id, amount in plan:
            row = Allocation(receipt_id=doc.id, invoice_id=invoice_id, amount=amount)
            uow.session.add(row)
            uow.audit_created(row)
        from plugins.manufacturing.services.posting import check_receipt

        check_receipt(uow, doc)
        return doc

    return write(ctx, work)


def _oldest_first(uow: UnitOfWork, customer_id: int, amount: Decimal) -> list[tuple[int, Decimal]]:
    plan, left = [], amount
    for invoice, open_amount in balances.open_invoices(uow.session, customer_id):
        if left <= 0:
            break
        if open_amount <= 0:
            continue
        take = min(left, open_amount)
        plan.append((invoice.id, take))
        left -= take
    return plan


def discard_draft(ctx: Context, doc_id: int, expected_version: int | None = None) -> None:
    """Delete a draft with its lines (its number stays used)."""

    def work(uow: UnitOfWork) -> None:
        doc = get_document(uow, doc_id)
        uow.require(_permission(doc.kind))
        uow.check_version(doc, expected_version)
        require_draft(doc)
        for row in uow.session.scalars(
            sa.select(Allocation).where(Allocation.receipt_id == doc.id)
        ):
            uow.session.delete(row)
        for line in uow.session.scalars(sa.select(Line).where(Line.document_id == doc.id)):
            uow.session.delete(line)
        uow.session.flush()  # children first: no ORM relationship orders the deletes
        uow.audit("delete", "manufacturing_document", doc.id, "number", doc.number, None)
        uow.session.delete(doc)

    write(ctx, work)


def _permission(kind: str) -> str:
    return {
        DocKind.QUOTE: P_SELL,
        DocKind.ORDER: P_SELL,
        DocKind.DELIVERY: P_SHIP,
        DocKind.INVOICE: P_BILL,
        DocKind.RECEIPT: P_BILL,
    }[DocKind(kind)]


permission_for = _permission


def set_quantities(
    ctx: Context, doc_id: int, quantities: list[Decimal], expected_version: int | None = None
) -> Document:
    """Change the quantities of a draft's lines (one per line, in order); a zero drops the
    line. Deliveries and invoices are checked against what is still open."""

    def work(uow: UnitOfWork) -> Document:
        doc = get_document(uow, doc_id)
        uow.require(_permission(doc.kind))
        uow.check_version(doc, expected_version)
        require_draft(doc)
        lines = list(
            uow.session.scalars(sa.select(Line).where(Line.document_id == doc.id).order_by(Line.id))
        )
        if doc.kind == DocKind.RECEIPT or len(quantities) != len(lines):
            raise problem(
                "quantities",
                [str(q) for q in quantities],
                "{n} quantities, one per line",
                f"{doc.kind} {doc.number}",
                n=len(lines),
            )
        kept = []
        for i, (line, quantity) in enumerate(zip(lines, quantities, strict=True)):
            if quantity < 0:
                raise problem(
                    f"quantities.{i}", str(quantity), "zero or more", f"{doc.kind} {doc.number}"
                )
            if quantity == 0:
                uow.audit("delete", "manufacturing_line", line.id, "quantity", line.quantity)
                uow.session.delete(line)
                continue
            net, tax, _gross = vat_line(line_amount(quantity, line.unit_price), line.tax_rate)
            uow.apply_changes(line, {"quantity": quantity, "amount": net, "tax": tax})
            kept.append(line)
        if not kept:
            raise problem(
                "quantities",
                [str(q) for q in quantities],
                "at least one line above zero (discard the draft instead)",
                f"{doc.kind} {doc.number}",
            )
        from plugins.manufacturing.services import posting

        if doc.kind == DocKind.DELIVERY:
            posting.check_delivery(uow, kept)
        elif doc.kind == DocKind.INVOICE:
            posting.check_invoice(uow, kept)
        elif doc.kind == DocKind.ORDER:
            posting.check_quote_lines(uow, kept)
        changes: dict[str, Any] = {
            "amount": sum((ln.amount for ln in kept), ZERO),
            "tax": sum((ln.tax for ln in kept), ZERO),
        }
        if doc.credit_approved_by_id is not None:  # an approval covers what was approved
            changes.update(credit_approved_by_id=None, credit_approved_at=None)
        uow.apply_changes(doc, changes)
        return doc

    return write(ctx, work)

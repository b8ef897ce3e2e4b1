"""Shared pieces of the manufacturing reports: record rules and drill tables (the base
class, parameters and numbers come from ``core.report_kit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from core import report_kit as kit
from core.context import Context
from core.models import Customer, Product
from core.report_kit import RegionParams, money, region_condition, region_field, totals_row
from core.report_kit import quantity as qty
from core.reports import Column, ColumnKind, Table
from core.services.receipts import open_sales
from plugins.manufacturing.models import COUNTED, Allocation, DocKind, Document, Line
from plugins.manufacturing.services.common import payment_days, visible_rows

K = ColumnKind
DRILL_LIMIT = 100_000


CUSTOMER_REGION = "Region code: only customers of this region and below"


class PeriodParams(RegionParams, kit.PeriodParams):
    """start, end and the customers' region."""

    region: str | None = region_field(CUSTOMER_REGION)


class AsOfParams(RegionParams, kit.AsOfParams):
    """as_of and the customers' region."""

    region: str | None = region_field(CUSTOMER_REGION)


def customer_filter(ctx: Context, session: Session, region: str | None) -> list[Any]:
    """Conditions on ``Customer`` for the reader's record rules and the region filter."""
    return [visible_rows(ctx, Customer.id), region_condition(session, Customer.region_id, region)]


def documents_in_use(session: Session) -> bool:
    """Whether the company keeps order-to-cash documents at all. A company that only
    imports its sales gets its receivables from those and the core's receipts."""
    return bool(session.scalar(sa.select(sa.exists().where(Document.id.is_not(None)))))


def invoice_balances(ctx: Context, session: Session, as_of: dt.date, *conditions: Any) -> list[Any]:
    """Open invoices as of a day: (id, number, customer id, code, name, date, due,
    amount, collected, open), computed in SQL from counted rows dated up to ``as_of``.
    Without documents: the imported sales days still unpaid (``conditions`` are then
    on ``Customer`` only), from the core's receipts service."""
    if not documents_in_use(session):
        customers = sa.select(Customer.id).where(*conditions)
        return list(open_sales(session, as_of, customers, payment_days(session)))
    inv, receipt = aliased(Document), aliased(Document)
    base_id = sa.func.coalesce(inv.reverses_id, inv.id)
    billed = (
        sa.select(
            base_id.label("invoice_id"),  # gross: 价税合计 is what is owed
            sa.func.sum(inv.amount + inv.tax).label("amount"),
        )
        .where(inv.kind == DocKind.INVOICE, inv.status.in_(COUNTED), inv.doc_date <= as_of)
        .group_by(base_id)
        .subquery()
    )
    paid = (
        sa.select(Allocation.invoice_id, sa.func.sum(Allocation.amount).label("paid"))
        .join(receipt, receipt.id == Allocation.receipt_id)
        .where(receipt.status.in_(COUNTED), receipt.doc_date <= as_of)
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    open_amount = billed.c.amount - sa.func.coalesce(paid.c.paid, 0)
    query = (
        sa.select(
            Document.id,
            Document.number,
            Customer.id,
            Customer.code,
            Customer.name,
            Document.doc_date,
            Document.due_date,
            billed.c.amount,
            sa.func.coalesce(paid.c.paid, 0),
            open_amount,
        )
        .select_from(billed)
        .join(Document, Document.id == billed.c.invoice_id)
        .join(Customer, Customer.id == Document.customer_id)
        .outerjoin(paid, paid.c.invoice_id == billed.c.invoice_id)
        .where(open_amount != 0, *conditions)
        .order_by(Customer.code, Document.due_date, Document.id)
    )
    return [(*r[:7], money(r[7]), money(r[8]), money(r[9])) for r in session.execute(query)]


INVOICE_COLUMNS = [
    Column("number", "Invoice", "发票号"),
    Column("customer_code", "Customer code", "客户编码"),
    Column("customer", "Customer", "客户"),
    Column("date", "Date", "日期", K.DATE),
    Column("due", "Due", "到期日", K.DATE),
    Column("amount", "Amount", "金额", K.MONEY, total=True),
    Column("collected", "Collected", "已收", K.MONEY, total=True),
    Column("open", "Open", "未收", K.MONEY, total=True),
    Column("days_overdue", "Days overdue", "逾期天数", K.INTEGER),
]


def invoices_table(
    ctx: Context,
    as_of: dt.date,
    *conditions: Any,
    title_en: str = "Open invoices",
    title_zh: str = "未收发票",
) -> Table:
    with ctx.reading() as session:
        found = invoice_balances(ctx, session, as_of, visible_rows(ctx, Customer.id), *conditions)
    rows = [
        (
            r[1],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            max((as_of - r[6]).days, 0) if r[6] else None,
        )
        for r in found
    ]
    return Table(
        "invoices",
        title_en,
        title_zh,
        INVOICE_COLUMNS,
        rows,
        len(rows),
        totals_row(INVOICE_COLUMNS, rows),
    )


DOC_COLUMNS = [
    Column("number", "Number", "单号"),
    Column("kind", "Document", "单据"),
    Column("date", "Date", "日期", K.DATE),
    Column("customer", "Customer", "客户"),
    Column("product", "Product", "产品"),
    Column("status", "Status", "状态"),
    Column("quantity", "Quantity", "数量", K.QUANTITY, total=True),
    Column("amount", "Amount", "金额", K.MONEY, total=True),
]


def document_lines_table(
    ctx: Context, *conditions: Any, title_en: str = "Document lines", title_zh: str = "单据明细"
) -> Table:
    """The counted document lines matching ``conditions`` (same record rules)."""
    query = (
        sa.select(
            Document.number,
            Document.kind,
            Document.doc_date,
            Customer.name,
            Product.code,
            Document.status,
            Line.quantity,
            Line.amount,
        )
        .join(Document, Document.id == Line.document_id)
        .join(Customer, Customer.id == Document.customer_id)
        .join(Product, Product.id == Line.product_id)
        .where(Document.status.in_(COUNTED), visible_rows(ctx, Document.customer_id), *conditions)
        .order_by(Document.doc_date, Document.id, Line.id)
        .limit(DRILL_LIMIT)
    )
    with ctx.reading() as session:
        rows = [(*r[:6], qty(r[6]), money(r[7])) for r in session.execute(query)]
    return Table(
        "lines", title_en, title_zh, DOC_COLUMNS, rows, len(rows), totals_row(DOC_COLUMNS, rows)
    )


def documents_table(
    ctx: Context, *conditions: Any, title_en: str = "Documents", title_zh: str = "单据"
) -> Table:
    """Counted document headers (receipts have no lines) matching ``conditions``."""
    query = (
        sa.select(
            Document.number,
            Document.kind,
            Document.doc_date,
            Customer.name,
            sa.literal(""),
            Document.status,
            sa.literal(0),
            Document.amount,
        )
        .join(Customer, Customer.id == Document.customer_id)
        .where(Document.status.in_(COUNTED), visible_rows(ctx, Document.customer_id), *conditions)
        .order_by(Document.doc_date, Document.id)
        .limit(DRILL_LIMIT)
    )
    with ctx.reading() as session:
        rows = [(*r[:6], None, money(r[7])) for r in session.execute(query)]
    return Table(
        "documents", title_en, title_zh, DOC_COLUMNS, rows, len(rows), totals_row(DOC_COLUMNS, rows)
    )

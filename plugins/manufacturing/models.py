"""The manufacturing plugin's tables: tenders, project registrations, the order-to-cash
documents (quote, order, delivery, invoice, receipt) with their lines, receipt
allocations and stock on hand.

Bookkeeping rule: a document counts once it is submitted. A submitted document is never
edited; it is reversed by a new submitted document of the same kind whose lines (and
allocations) carry the negated quantities and amounts. So every open quantity or amount
is a plain SUM over non-draft rows, and the history stays readable. An issued invoice's
reversal is its red-letter invoice (红字发票): the same lines, net, VAT and type, negated.

VAT (增值税): every line carries its rate and its tax, rounded per line as a Chinese VAT
invoice does (``core.invoicing.vat_line``); a document's ``amount`` is the net total and
``tax`` the sum of its lines' taxes, so gross (价税合计) = amount + tax.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.models import QUANTITY, RATIO, money_field, utcnow, versioned


class DocKind(StrEnum):
    QUOTE = "quote"  # 报价单
    ORDER = "order"  # 销售订单
    DELIVERY = "delivery"  # 发货单
    INVOICE = "invoice"  # 销售发票
    RECEIPT = "receipt"  # 收款


class DocStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVERSED = "reversed"  # a submitted document cancelled by its reversal
    REVERSAL = "reversal"  # the document that cancels another


class InvoiceType(StrEnum):
    SPECIAL = "special"  # 增值税专用发票 (专票): the buyer may deduct the VAT
    ORDINARY = "ordinary"  # 增值税普通发票 (普票)


class TenderResult(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"


COUNTED = (DocStatus.SUBMITTED.value, DocStatus.REVERSED.value, DocStatus.REVERSAL.value)


class Tender(SQLModel, table=True):
    """One engineering tender (工程投标) and its outcome."""

    __noun__: ClassVar[tuple[str, str]] = ("tender", "投标")

    __tablename__: ClassVar[str] = "manufacturing_tender"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    opportunity_id: int | None = Field(default=None, foreign_key="opportunity.id")
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    deadline: dt.date
    bid_bond: Decimal = money_field()
    competitors: str = Field(default="", max_length=500)
    bid_price: Decimal = money_field()
    result: str = Field(default=TenderResult.OPEN, max_length=16, index=True)
    reason: str = Field(default="", max_length=500)
    decided_on: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Project(SQLModel, table=True):
    """A project registration (项目立项单); its number is the quote number."""

    __noun__: ClassVar[tuple[str, str]] = ("project", "项目")

    __tablename__: ClassVar[str] = "manufacturing_project"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    office: str = Field(default="", max_length=16)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contact: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=50)
    registered_on: dt.date
    specs: str = Field(default="", max_length=1000)
    quantity: Decimal = Field(default=Decimal("0"), sa_type=QUANTITY)
    tender_id: int | None = Field(default=None, foreign_key="manufacturing_tender.id")
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Document(SQLModel, table=True):
    """The header of a quote, order, delivery, invoice or receipt."""

    __noun__: ClassVar[tuple[str, str]] = ("document", "单据")

    __tablename__: ClassVar[str] = "manufacturing_document"
    __table_args__ = (
        sa.Index("ix_manufacturing_document_kind_customer", "kind", "customer_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    number: str = Field(max_length=32, unique=True, index=True)
    office: str = Field(default="", max_length=16)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id")
    doc_date: dt.date = Field(index=True)
    status: str = Field(default=DocStatus.DRAFT, max_length=16)
    project_id: int | None = Field(default=None, foreign_key="manufacturing_project.id")
    tender_id: int | None = Field(default=None, foreign_key="manufacturing_tender.id")
    source_id: int | None = Field(default=None, foreign_key="manufacturing_document.id")
    reverses_id: int | None = Field(default=None, foreign_key="manufacturing_document.id")
    promised_date: dt.date | None = None  # order: default promise for its lines
    due_date: dt.date | None = Field(default=None, index=True)  # invoice: payment due
    amount: Decimal = money_field()  # lines' net total; a receipt's amount received
    tax: Decimal = money_field()  # the sum of the lines' VAT
    invoice_type: str = Field(default="", max_length=16)  # an invoice's InvoiceType
    credit_approved_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    credit_approved_at: dt.datetime | None = None
    notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    submitted_at: dt.datetime | None = None
    version: int = Field(default=1)


class Line(SQLModel, table=True):
    """One line of a document. ``source_line_id``: the quote line an order line came from,
    the order line a delivery line ships, the delivery line an invoice line bills."""

    __tablename__: ClassVar[str] = "manufacturing_line"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="manufacturing_document.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    quantity: Decimal = Field(default=Decimal("0"), sa_type=QUANTITY)
    unit_price: Decimal = money_field()
    amount: Decimal = money_field()  # net of VAT
    tax_rate: Decimal = Field(default=Decimal("0"), sa_type=RATIO)
    tax: Decimal = money_field()  # round(amount x tax_rate, 2), half up
    unit_cost: Decimal | None = money_field(default=None, nullable=True)
    source_line_id: int | None = Field(
        default=None, foreign_key="manufacturing_line.id", index=True
    )
    promised_date: dt.date | None = Field(default=None, index=True)
    version: int = Field(default=1)


class Allocation(SQLModel, table=True):
    """Part of a receipt applied to an invoice (核销)."""

    __tablename__: ClassVar[str] = "manufacturing_allocation"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="manufacturing_document.id", index=True)
    invoice_id: int = Field(foreign_key="manufacturing_document.id", index=True)
    amount: Decimal = money_field()


class Stock(SQLModel, table=True):
    """Stock on hand of one product: production adds, deliveries take."""

    __tablename__: ClassVar[str] = "manufacturing_stock"

    product_id: int = Field(foreign_key="product.id", primary_key=True)
    on_hand: Decimal = Field(default=Decimal("0"), sa_type=QUANTITY)
    version: int = Field(default=1)


for _table in (Tender, Project, Document, Line, Stock):
    versioned(_table)

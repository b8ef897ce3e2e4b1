"""Input models of the manufacturing services (validated before any write)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.schemas import FormatRule, Money, PositiveMoney, Quantity
from core.schemas import PositiveQuantity as Positive

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Office = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TenderIn(Input):
    customer_id: int
    title: Title
    deadline: dt.date
    bid_bond: Money = Decimal("0")
    competitors: Annotated[str, StringConstraints(max_length=500)] = ""
    bid_price: Money = Decimal("0")
    opportunity_id: int | None = None
    office: Office = ""


class TenderResultIn(Input):
    result: Annotated[
        str,
        StringConstraints(pattern="^(won|lost|withdrawn)$"),
        FormatRule("one of won, lost or withdrawn"),
    ]
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class ProjectIn(Input):
    """项目立项单: customer, contact, date, quote number (allocated), specs, quantity."""

    customer_id: int
    contact: Annotated[str, StringConstraints(max_length=200)] = ""
    phone: Annotated[str, StringConstraints(max_length=50)] = ""
    registered_on: dt.date | None = None
    specs: Text = ""
    quantity: Quantity = Decimal("0")
    tender_id: int | None = None
    office: Office = ""
    notes: Text = ""


class LineIn(Input):
    product_id: int
    quantity: Positive
    unit_price: Money
    unit_cost: Money | None = None
    promised_date: dt.date | None = None


class QuoteIn(Input):
    customer_id: int
    lines: list[LineIn] = Field(min_length=1)
    doc_date: dt.date | None = None
    project_id: int | None = None
    tender_id: int | None = None
    office: Office = ""
    notes: Text = ""


class OrderIn(QuoteIn):
    promised_date: dt.date | None = None


class StockReceiptIn(Input):
    """Production finished ``quantity`` of a product."""

    product_id: int
    quantity: Positive


class ShipLineIn(Input):
    order_line_id: int
    quantity: Positive


class DeliveryIn(Input):
    """One delivery: lines of one or several orders of the same customer."""

    lines: list[ShipLineIn] = Field(min_length=1)
    doc_date: dt.date | None = None
    office: Office = ""
    notes: Text = ""


class BillLineIn(Input):
    delivery_line_id: int
    quantity: Positive


class InvoiceIn(Input):
    """An invoice from delivery lines (``lines``) or, for a direct invoice, from
    ``direct_lines`` with ``customer_id``."""

    lines: list[BillLineIn] = Field(default_factory=list)
    customer_id: int | None = None
    direct_lines: list[LineIn] = Field(default_factory=list)
    doc_date: dt.date | None = None
    due_date: dt.date | None = None
    office: Office = ""
    notes: Text = ""
    invoice_type: Literal["special", "ordinary"] = "ordinary"  # 专票 / 普票


class ApplyIn(Input):
    invoice_id: int
    amount: PositiveMoney


class ReceiptIn(Input):
    """Money received; ``allocations`` apply it to invoices (none: oldest open first)."""

    customer_id: int
    amount: PositiveMoney
    allocations: list[ApplyIn] = Field(default_factory=list)
    doc_date: dt.date | None = None
    office: Office = ""
    notes: Text = ""

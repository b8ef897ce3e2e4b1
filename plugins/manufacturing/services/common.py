"""Shared pieces: permissions, settings, record rules, numbering, decimal helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import Scope, visible
from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import translator
from core.models import Customer
from core.services.base import UnitOfWork
from plugins.manufacturing.access import (  # noqa: F401 (the services import them from here)
    P_APPROVE,
    P_BILL,
    P_REVERSE,
    P_SELL,
    P_SHIP,
    P_TENDER,
)
from plugins.manufacturing.models import DocStatus, Document

_ = translator(__file__)

S_TOLERANCE = "manufacturing.over_delivery_tolerance"  # fraction, e.g. "0.05"
S_BLOCK_OVERDUE = "manufacturing.block_overdue"  # bool, default True
S_PAYMENT_DAYS = "manufacturing.payment_days"  # int, default 30
S_OFFICE = "manufacturing.office"  # default office code for numbering

# Document series (company setting ``numbering.<series>`` overrides) and default prefixes:
# quotes and project registrations share the quote series (项目编号 = 报价号码, FQ2600001).
SERIES = {
    "quote": ("mfg_quote", "FQ"),
    "order": ("mfg_order", "SO"),
    "delivery": ("mfg_delivery", "DN"),
    "invoice": ("mfg_invoice", "IV"),
    "receipt": ("mfg_receipt", "RC"),
    "tender": ("mfg_tender", "TB"),
}
ZERO = Decimal("0")


# a document kind in a sentence, with its article ("an invoice", never "a invoice")
KIND_PHRASES = {
    "quote": "a quote",
    "order": "an order",
    "delivery": "a delivery note",
    "invoice": "an invoice",
    "receipt": "a receipt",
}


def problem(field: str, value: Any, expected: str, subject: str, **args: Any) -> ValidationFailed:
    """``expected``: an English msgid of the catalogue, its {placeholders} from ``args``
    (translated when shown, so never formatted here)."""
    return ValidationFailed([FieldProblem(field, value, expected, args=args or None)], subject)


# what a document that is not submitted is instead, as its reader would say it; {kind}
# is the document's KIND_PHRASES, translated ("an order that is submitted")
NOT_SUBMITTED = {
    "draft": "{kind} that is submitted; this one is still a draft",
    "reversed": "{kind} that is submitted; this one has been reversed",
    "reversal": "{kind} that is submitted; this one is a reversal",
}


def customer_scope(ctx: Context) -> Any:
    """SQL: ids of the customers the actor may see."""
    return sa.select(Customer.id).where(visible(ctx, Customer))


def visible_rows(ctx: Context, customer_column: Any) -> Any:
    """SQL condition: the row belongs to a customer the actor may see."""
    if ctx.grant.scope is Scope.ALL:
        return sa.true()
    return customer_column.in_(customer_scope(ctx))


def tolerance(session: Session) -> Decimal:
    raw = get_setting(session, S_TOLERANCE, "0")
    try:
        value = Decimal(str(raw or "0"))
    except ArithmeticError:
        value = ZERO
    return max(value, ZERO)


def payment_days(session: Session) -> int:
    try:
        return max(int(get_setting(session, S_PAYMENT_DAYS, 30) or 0), 0)
    except (TypeError, ValueError):
        return 30


def office_for(session: Session, office: str) -> str:
    return office or str(get_setting(session, S_OFFICE, "") or "")


def allocate_number(uow: UnitOfWork, series: str, office: str, on: dt.date) -> str:
    """The next number of ``series`` inside this write's transaction (core numbering)."""
    from core.services.numbering import NumberingRule, next_number, rule_for

    name, prefix = SERIES[series]
    default = NumberingRule(prefix=prefix)
    # Without office ranges the series is company-wide: one sequence, whatever the office.
    if not rule_for(uow.session, name, default).offices:
        office = ""
    return next_number(uow, name, office=office, on=on, default=default)


def get_document(uow: UnitOfWork, doc_id: int, kind: str | None = None) -> Document:
    doc = uow.get(Document, doc_id)
    uow.require_record(Customer, doc.customer_id)
    if kind is not None and doc.kind != kind:
        raise NotFound(
            _("Document {number} is {actual}, not {kind}.").format(
                number=doc.number or doc_id,
                actual=_(KIND_PHRASES.get(doc.kind, doc.kind)),
                kind=_(KIND_PHRASES.get(kind, kind)),
            )
        )
    return doc


def require_draft(doc: Document) -> None:
    if doc.status != DocStatus.DRAFT:
        raise problem(
            "status",
            doc.status,
            "a draft: submitted documents are corrected by reversal, never edited",
            f"{doc.kind} {doc.number}",
        )


def require_submitted(doc: Document, what: str) -> None:
    if doc.status != DocStatus.SUBMITTED:
        raise problem(
            what,
            doc.number,
            NOT_SUBMITTED.get(doc.status, "{kind} that is submitted"),
            f"{doc.kind} {doc.number}",
            kind=_(KIND_PHRASES.get(doc.kind, doc.kind)),
        )

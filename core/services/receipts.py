"""Receipts (收款): money a customer paid, entered one by one or imported from a file.

With the imported sales lines they give a company that keeps no order-to-cash documents
its collection form (客户销售收款状况分析表) and receivables ageing: what a customer owes
is its gross sales (net plus each line's VAT, returns netted) less what it paid. A
receipt settles the oldest sales first, as a customer's bank transfer usually does, so
the ageing shows the days that are still open. Entering or importing receipts needs
``receipt.record`` (finance); reading them goes through the reports' own record rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import _, pick
from core.models import Customer, Receipt, SalesLine
from core.report_kit import line_tax_cents
from core.services.base import UnitOfWork, write
from core.services.organisation import company_vat_rate

PERMISSION = "receipt.record"
ZERO = Decimal("0.00")
AMOUNT_MAX = Decimal("9999999999.99")
# How the money came, as a Chinese back office books it; "" when not said (imports).
METHODS: dict[str, tuple[str, str]] = {
    "transfer": ("Bank transfer", "银行转账"),
    "bill": ("Acceptance bill", "承兑汇票"),
    "cash": ("Cash", "现金"),
    "cheque": ("Cheque", "支票"),
    "other": ("Other", "其他"),
}


def method_of(text: str) -> str:
    """The method key for ``text``: its key, English or Chinese name (blank: none)."""
    wanted = text.strip().casefold()
    for key, names in METHODS.items():
        if wanted in (key, *(n.casefold() for n in names)):
            return key
    if not wanted:
        return ""
    raise ValueError(methods_expected())


def methods_expected() -> str:
    return _("one of: {names}").format(
        names=", ".join(f"{key} ({pick(*names)})" for key, names in METHODS.items())
    )


def record_receipt(
    ctx: Context,
    customer_id: int,
    day: dt.date,
    amount: Decimal | str,
    reference: str = "",
    note: str = "",
    method: str = "",
) -> Receipt:
    """Enter one receipt; ``reference`` names the invoice or sales document it pays,
    ``method`` how it was paid (a key of ``METHODS``)."""
    value = _amount(amount)
    reference, note = reference.strip(), note.strip()
    problems = [
        FieldProblem(name, text, _("at most {n} characters").format(n=limit))
        for name, text, limit in (("reference", reference, 64), ("note", note, 200))
        if len(text) > limit
    ]
    if method not in ("", *METHODS):
        problems.append(FieldProblem("method", method, methods_expected()))
    if problems:
        raise ValidationFailed(problems, _("receipt"))

    def work(uow: UnitOfWork) -> Receipt:
        uow.require(PERMISSION)
        if uow.session.get(Customer, customer_id) is None:
            raise NotFound(_("customer {id} does not exist").format(id=customer_id))
        uow.require_record(Customer, customer_id)
        receipt = Receipt(
            date=day,
            customer_id=customer_id,
            amount=value,
            reference=reference,
            note=note,
            method=method,
            created_by_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(receipt)
        uow.audit_created(receipt)
        return receipt

    return write(ctx, work)


@dataclass(frozen=True)
class ReceiptDraft:
    """A typed receipt, checked and ready to record (shown before it is recorded)."""

    customer_id: int
    customer: str  # code and name
    day: dt.date
    amount: Decimal
    method: str
    reference: str
    note: str


def prepare_receipt(ctx: Context, values: dict[str, Any]) -> ReceiptDraft:
    """Check a receipt typed on a form (customer by code, date, amount, method,
    reference, note) without writing: every problem at once, by field."""
    from core.services.import_rows import DATE_EXPECTED, parse_date

    text = {
        k: str(values.get(k) or "").strip()
        for k in ("customer_code", "date", "amount", "method", "reference", "note")
    }
    problems: list[FieldProblem] = []
    found = customer_by_code(ctx, text["customer_code"])
    if found is None:
        problems.append(
            FieldProblem(
                "customer_code", text["customer_code"], _("the code of a customer you can see")
            )
        )
    day = parse_date(text["date"]) if text["date"] else ctx.today()
    if day is None:
        problems.append(FieldProblem("date", text["date"], _(DATE_EXPECTED)))
    amount = ZERO
    try:
        amount = _amount(text["amount"])
    except ValidationFailed as exc:
        problems += exc.problems
    if text["method"] not in ("", *METHODS):
        problems.append(FieldProblem("method", text["method"], methods_expected()))
    problems += [
        FieldProblem(name, text[name], _("at most {n} characters").format(n=limit))
        for name, limit in (("reference", 64), ("note", 200))
        if len(text[name]) > limit
    ]
    if problems or found is None or day is None:
        raise ValidationFailed(problems, _("receipt"))
    return ReceiptDraft(
        found[0], found[1], day, amount, text["method"], text["reference"], text["note"]
    )


def customer_by_code(ctx: Context, code: str) -> tuple[int, str] | None:
    """(id, "code name") of the customer with ``code`` the actor may see, else None."""
    from core.access import visible

    with ctx.reading() as session:
        found = session.execute(
            sa.select(col(Customer.id), col(Customer.code), col(Customer.name)).where(
                col(Customer.code) == code.strip(), visible(ctx, Customer)
            )
        ).first()
    if found is None:
        return None
    found_id, found_code, name = found
    assert found_id is not None  # a stored row's primary key
    return found_id, f"{found_code} {name}"


def record_draft(ctx: Context, draft: ReceiptDraft) -> Receipt:
    return record_receipt(
        ctx, draft.customer_id, draft.day, draft.amount, draft.reference, draft.note, draft.method
    )


def _amount(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(amount).strip())
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or not 0 < value <= AMOUNT_MAX or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(
            [
                FieldProblem(
                    "amount",
                    str(amount),
                    _("an amount above 0 with at most 2 decimals, e.g. 1234.50"),
                )
            ],
            _("receipt"),
        )
    return value


@dataclass(frozen=True)
class ReceiptRow:
    """One receipt as the receipts screen lists it."""

    id: int
    date: dt.date
    customer_code: str
    customer_name: str
    amount: Decimal
    method: str
    reference: str
    note: str
    imported: bool  # came in a file (an import batch) rather than typed


def list_receipts(
    ctx: Context, customer_id: int | None = None, limit: int = 500
) -> list[ReceiptRow]:
    """Receipts of the customers the actor may see (of one customer when given), newest
    first."""
    from core.access import visible

    query = (
        sa.select(Receipt, col(Customer.code), col(Customer.name))
        .join(Customer, col(Customer.id) == col(Receipt.customer_id))
        .where(visible(ctx, Customer))
        .order_by(col(Receipt.date).desc(), col(Receipt.id).desc())
        .limit(limit)
    )
    if customer_id is not None:
        query = query.where(col(Receipt.customer_id) == customer_id)
    rows: list[ReceiptRow] = []
    with ctx.reading() as session:
        for r, code, name in session.execute(query):
            assert r.id is not None  # a stored row's primary key
            rows.append(
                ReceiptRow(
                    r.id,
                    r.date,
                    code,
                    name,
                    _money(r.amount),
                    r.method,
                    r.reference,
                    r.note,
                    r.batch_id is not None,
                )
            )
    return rows


# -- what reports read --------------------------------------------------------------------


def line_tax(default_rate: Decimal) -> Any:
    """The VAT of one sales line in cents, as SQL; a line without a rate at
    ``default_rate`` (the company's, see ``company_vat_rate``), as the gross sales
    forms count it, so receivables and sales agree."""
    return line_tax_cents(SalesLine.amount, SalesLine.tax_rate, default_rate)


@dataclass
class Flow:
    """One customer's imported sales and receipts in a period (returns netted)."""

    net: Decimal = ZERO
    gross: Decimal = ZERO
    received: Decimal = ZERO


def sales_and_receipts(
    session: Session, start: dt.date, end: dt.date, customers: Any
) -> dict[int, Flow]:
    """Per customer id in the select ``customers``: net and gross sales and receipts
    dated ``start``..``end``."""
    flows: dict[int, Flow] = {}
    sold = (
        sa.select(
            col(SalesLine.customer_id),
            sa.func.sum(SalesLine.amount),
            sa.func.sum(line_tax(company_vat_rate(session))),
        )
        .where(col(SalesLine.date).between(start, end), col(SalesLine.customer_id).in_(customers))
        .group_by(col(SalesLine.customer_id))
    )
    for cid, net, tax in session.execute(sold):
        flow = flows.setdefault(cid, Flow())
        flow.net = _money(net)
        flow.gross = flow.net + _cents(tax)
    for cid, paid in session.execute(
        sa.select(col(Receipt.customer_id), sa.func.sum(Receipt.amount))
        .where(col(Receipt.date).between(start, end), col(Receipt.customer_id).in_(customers))
        .group_by(col(Receipt.customer_id))
    ):
        flows.setdefault(cid, Flow()).received = _money(paid)
    return flows


def receipt_rows(
    session: Session, start: dt.date, end: dt.date, customers: Any
) -> list[tuple[Any, ...]]:
    """The receipts behind a "received" figure: (date, customer code, name, reference,
    note, amount), oldest first."""
    query = (
        sa.select(
            col(Receipt.date),
            col(Customer.code),
            col(Customer.name),
            col(Receipt.reference),
            col(Receipt.note),
            col(Receipt.amount),
        )
        .join(Customer, col(Customer.id) == col(Receipt.customer_id))
        .where(col(Receipt.date).between(start, end), col(Receipt.customer_id).in_(customers))
        .order_by(col(Receipt.date), col(Receipt.id))
    )
    return [(_date(r[0]), *r[1:5], _money(r[5])) for r in session.execute(query)]


def open_sales(
    session: Session, as_of: dt.date, customers: Any, payment_days: int
) -> Iterator[tuple[Any, ...]]:
    """Imported sales still unpaid on ``as_of``, one row per customer and sales day, in
    the shape of an open invoice: (None, day as number, customer id, code, name, day,
    due, gross, collected, open). Receipts and returns up to ``as_of`` settle the
    oldest days first; due is the day plus ``payment_days``."""
    days = (
        sa.select(
            col(SalesLine.customer_id),
            col(SalesLine.date),
            sa.func.sum(SalesLine.amount),
            sa.func.sum(line_tax(company_vat_rate(session))),
        )
        .where(col(SalesLine.date) <= as_of, col(SalesLine.customer_id).in_(customers))
        .group_by(col(SalesLine.customer_id), col(SalesLine.date))
        .order_by(col(SalesLine.customer_id), col(SalesLine.date))
    )
    paid = dict(
        session.execute(
            sa.select(col(Receipt.customer_id), sa.func.sum(Receipt.amount))
            .where(col(Receipt.date) <= as_of, col(Receipt.customer_id).in_(customers))
            .group_by(col(Receipt.customer_id))
        ).all()
    )
    heads = {
        cid: (code, name)
        for cid, code, name in session.execute(
            sa.select(col(Customer.id), col(Customer.code), col(Customer.name)).where(
                col(Customer.id).in_(customers)
            )
        )
    }
    per: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for cid, day, net, tax in session.execute(days):
        per.setdefault(cid, []).append((_date(day), _money(net) + _cents(tax)))
    for cid in sorted(per, key=lambda c: heads[c][0]):
        credit = _money(paid.get(cid)) + sum((-g for _d, g in per[cid] if g < 0), ZERO)
        for day, gross in per[cid]:
            if gross <= 0:
                continue
            settled = min(credit, gross)
            credit -= settled
            if gross > settled:
                code, name = heads[cid]
                yield (
                    None,
                    day.isoformat(),
                    cid,
                    code,
                    name,
                    day,
                    day + dt.timedelta(days=payment_days),
                    gross,
                    settled,
                    gross - settled,
                )


def _money(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _cents(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(int(value)).scaleb(-2)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

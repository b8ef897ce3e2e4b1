"""Payments (on-site finance, 现场财务), area settlement and move-in (sales service).

What a deal owes is its agreed price plus its area settlement (negative: a refund). A
payment plan splits the price into instalments (deposit, down payment, instalments,
mortgage) that must add up to the price; receipts are never more than what is owed, and
refunds never more than what was received beyond it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.services.base import UnitOfWork, detached, write
from plugins.real_estate.models import (
    Deal,
    DealStatus,
    Instalment,
    Payment,
    Settlement,
    Unit,
    UnitStatus,
)
from plugins.real_estate.services.common import (
    PAYMENT,
    SERVICE,
    Refused,
    _,
    decimal_of,
    lock,
    status_word,
    unit_label,
)
from plugins.real_estate.services.pricing import AREA_TOLERANCE, AreaSettlement, settle_area

PAYMENT_KINDS = ("deposit", "down_payment", "instalment", "mortgage", "area", "refund")
PLAN_KINDS = ("deposit", "down_payment", "instalment", "mortgage")
ZERO = Decimal("0")
TOLERANCE_KEY = "real_estate.area_tolerance"


@dataclass(frozen=True)
class Balance:
    price: Decimal
    settlement: Decimal
    paid: Decimal

    @property
    def due(self) -> Decimal:
        return self.price + self.settlement

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


def balance(session: Session, deal_id: int, received_by: dt.date | None = None) -> Balance:
    """What the deal owes and has paid; with ``received_by``, only money received by that
    day counts as paid (a payment dated later has not arrived)."""
    deal = session.get(Deal, deal_id)
    price = deal.price if deal else ZERO
    settled = session.scalar(sa.select(Settlement.amount).where(Settlement.deal_id == deal_id))
    query = sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
        Payment.deal_id == deal_id
    )
    if received_by is not None:
        query = query.where(Payment.paid_on <= received_by)
    paid = session.scalar(query)
    return Balance(price, settled or ZERO, Decimal(paid or 0))


def deal_balance(ctx: Context, deal_id: int) -> Balance:
    with ctx.reading() as session:
        return balance(session, deal_id)


def _active(uow: UnitOfWork, deal_id: int) -> Deal:
    deal = uow.get(Deal, deal_id)
    lock(uow, deal)
    if deal.status != DealStatus.ACTIVE:
        raise Refused(
            _("the deal on unit {unit} is {status}").format(
                unit=_unit_of(uow, deal), status=status_word(deal.status)
            )
        )
    return deal


def _unit_of(uow: UnitOfWork, deal: Deal) -> str:
    """The unit a deal is on, as the office names it (A1-602): deal ids mean nothing."""
    return unit_label(uow.session, uow.get(Unit, deal.unit_id))


# what a refusal calls a payment plan's columns: the words the office uses (an English
# msgid, shown in the reader's language), never the code's due_on
PLAN_TITLES = {"kind": "Payment kind", "due_on": "Due date", "amount": "Amount"}


def _date(value: Any, field: str, row: int | None = None, title: str | None = None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            [FieldProblem(field, value, "a date YYYY-MM-DD", row, title=title)], field
        ) from None


def kind_words(kinds: tuple[str, ...]) -> str:
    """Payment kinds as the payment form lists them ("Deposit, Down payment")."""
    return ", ".join(_(k.replace("_", " ").capitalize()) for k in kinds)


def _titled(problems: list[FieldProblem]) -> list[FieldProblem]:
    for problem in problems:
        problem.title = problem.title or PLAN_TITLES.get(problem.field)
    return problems


def set_plan(ctx: Context, deal_id: int, instalments: list[dict[str, Any]]) -> list[Instalment]:
    """Replace the deal's payment plan; the instalments must add up to its price."""
    rows: list[tuple[str, dt.date, Decimal]] = []
    problems: list[FieldProblem] = []
    for n, item in enumerate(instalments, start=1):
        kind = str(item.get("kind", "")).strip()
        if kind not in PLAN_KINDS:
            problems.append(
                FieldProblem(
                    "kind",
                    kind,
                    "one of {values}",
                    n,
                    {"values": kind_words(PLAN_KINDS)},
                    title=PLAN_TITLES["kind"],
                )
            )
            continue
        try:
            rows.append(
                (
                    kind,
                    _date(item.get("due_on"), "due_on", n),
                    decimal_of(item.get("amount"), "amount", positive=True, row=n),
                )
            )
        except ValidationFailed as exc:
            problems += _titled(exc.problems)
    if problems or not rows:
        raise ValidationFailed(
            problems
            or [FieldProblem("instalments", "", "at least one instalment", title="Payment plan")],
            "payment plan",
        )

    def work(uow: UnitOfWork) -> list[Instalment]:
        uow.require(PAYMENT)
        deal = _active(uow, deal_id)
        total = sum((a for _k, _d, a in rows), ZERO)
        if total != deal.price:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "amount",
                        f"{total:,.2f}",
                        "instalments adding up to the price {price}",
                        args={"price": f"{deal.price:,.2f}"},
                    )
                ],
                "payment plan",
            )
        for old in uow.session.scalars(sa.select(Instalment).where(Instalment.deal_id == deal_id)):
            uow.audit("delete", "real_estate_instalment", old.id, "amount", old.amount, None)
            uow.session.delete(old)
        made = []
        for seq, (kind, due_on, amount) in enumerate(sorted(rows, key=lambda r: r[1]), 1):
            item = Instalment(deal_id=deal_id, seq=seq, kind=kind, due_on=due_on, amount=amount)
            uow.session.add(item)
            uow.audit_created(item)
            made.append(detached(item))
        return made

    return write(ctx, work)


def standard_plan(
    ctx: Context,
    deal_id: int,
    deposit: Decimal | str,
    down_payment: Decimal | str,
    start: dt.date | str | None = None,
    down_after_days: int = 30,
    mortgage_after_days: int = 90,
) -> list[Instalment]:
    """The usual plan: a deposit now, a down payment after ``down_after_days``, the rest by
    mortgage after ``mortgage_after_days``; the mortgage is what the price leaves."""
    first = _date(start, "start", title="Deposit due") if start not in (None, "") else ctx.today()
    dep = decimal_of(deposit, "deposit")
    down = decimal_of(down_payment, "down_payment")
    with ctx.reading() as session:
        deal = session.get(Deal, deal_id)
        price = deal.price if deal else ZERO
    mortgage = price - dep - down
    if dep < 0 or down < 0 or mortgage < 0:
        raise ValidationFailed(
            [
                FieldProblem(
                    "down_payment",
                    f"{down:,.2f}",
                    "deposit + down payment of at most the price {price}",
                    args={"price": f"{price:,.2f}"},
                )
            ],
            "payment plan",
        )
    items = [
        ("deposit", first, dep),
        ("down_payment", first + dt.timedelta(down_after_days), down),
        ("mortgage", first + dt.timedelta(mortgage_after_days), mortgage),
    ]
    return set_plan(
        ctx, deal_id, [{"kind": k, "due_on": d, "amount": a} for k, d, a in items if a > 0]
    )


def record_payment(
    ctx: Context,
    deal_id: int,
    kind: str,
    amount: Decimal | str,
    paid_on: dt.date | str | None = None,
    reference: str = "",
) -> Payment:
    """Finance records money received (or, kind ``refund``, paid back)."""
    if kind not in PAYMENT_KINDS:
        raise ValidationFailed(
            [
                FieldProblem(
                    "kind",
                    kind,
                    "one of {values}",
                    args={"values": kind_words(PAYMENT_KINDS)},
                    title=PLAN_TITLES["kind"],
                )
            ],
            "payment",
        )
    value = decimal_of(amount, "amount", positive=True)
    if value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            [FieldProblem("amount", str(amount), "at most 2 decimals")], "payment"
        )
    day = _date(paid_on, "paid_on") if paid_on not in (None, "") else ctx.today()
    if day > ctx.today():
        raise Refused(
            _(
                "a payment is recorded on the day the money arrived: {day} is after today ({today})"
            ).format(day=day.isoformat(), today=ctx.today().isoformat())
        )

    def work(uow: UnitOfWork) -> Payment:
        uow.require(PAYMENT)
        deal = uow.get(Deal, deal_id)
        lock(uow, deal)  # two cashiers at once must not both take the last amount owed
        owed = balance(uow.session, deal_id)
        signed = -value if kind == "refund" else value
        if kind == "refund":
            refundable = -owed.outstanding if deal.status == DealStatus.ACTIVE else owed.paid
            if value > refundable:
                raise Refused(
                    _(
                        "unit {unit}: a refund of {value} is more than the {left} to pay back"
                    ).format(
                        unit=_unit_of(uow, deal),
                        value=f"{value:,.2f}",
                        left=f"{max(refundable, ZERO):,.2f}",
                    )
                )
        else:
            if deal.status != DealStatus.ACTIVE:
                raise Refused(
                    _("the deal on unit {unit} is {status}: it takes no more payments").format(
                        unit=_unit_of(uow, deal), status=status_word(deal.status)
                    )
                )
            if value > owed.outstanding:
                raise Refused(
                    _("unit {unit}: {value} is more than the {left} still owed").format(
                        unit=_unit_of(uow, deal),
                        value=f"{value:,.2f}",
                        left=f"{max(owed.outstanding, ZERO):,.2f}",
                    )
                )
        payment = Payment(
            deal_id=deal_id,
            kind=kind,
            paid_on=day,
            amount=signed,
            reference=reference.strip()[:64],
            recorded_by=ctx.actor.id,
        )
        uow.session.add(payment)
        uow.audit_created(payment)
        return detached(payment)

    return write(ctx, work)


def tolerance(session: Session) -> Decimal:
    return Decimal(str(get_setting(session, TOLERANCE_KEY, AREA_TOLERANCE)))


def preview_settlement(ctx: Context, deal_id: int, measured_area: Decimal | str) -> AreaSettlement:
    measured = decimal_of(measured_area, "measured_area", positive=True)
    with ctx.reading() as session:
        deal = session.get(Deal, deal_id)
        if deal is None:
            raise ValidationFailed([FieldProblem("deal", deal_id, "an existing deal")], "deal")
        return settle_area(deal.contracted_area, measured, deal.unit_price, tolerance(session))


def settle(
    ctx: Context, deal_id: int, measured_area: Decimal | str, on: dt.date | None = None
) -> Settlement:
    """Area-difference settlement (面积补差) from the surveyed area; once per deal."""
    measured = decimal_of(measured_area, "measured_area", positive=True)
    if measured != measured.quantize(Decimal("0.01")):
        raise ValidationFailed(
            [FieldProblem("measured_area", str(measured_area), "an area with at most 2 decimals")],
            "settlement",
        )

    def work(uow: UnitOfWork) -> Settlement:
        uow.require(SERVICE)
        deal = _active(uow, deal_id)
        unit = uow.get(Unit, deal.unit_id)
        if unit.status not in (UnitStatus.SIGNED, UnitStatus.SOLD):
            raise Refused(
                _(
                    "unit {unit} is {status}: the area is settled only after the contract is signed"
                ).format(unit=_unit_of(uow, deal), status=status_word(unit.status))
            )
        if uow.session.scalar(sa.select(Settlement.id).where(Settlement.deal_id == deal_id)):
            raise Refused(
                _("the area of unit {unit} is already settled").format(unit=_unit_of(uow, deal))
            )
        result = settle_area(
            deal.contracted_area, measured, deal.unit_price, tolerance(uow.session)
        )
        row = Settlement(
            deal_id=deal_id,
            contracted_area=deal.contracted_area,
            measured_area=measured,
            unit_price=deal.unit_price,
            amount=result.amount,
            settled_on=on or ctx.today(),
            settled_by=ctx.actor.id,
        )
        uow.session.add(row)
        uow.audit_created(row)
        return detached(row)

    return write(ctx, work)


def move_in(ctx: Context, deal_id: int, on: dt.date | None = None) -> Deal:
    """Move-in (入伙): only for a sold unit whose area is settled and nothing is owed."""

    def work(uow: UnitOfWork) -> Deal:
        uow.require(SERVICE)
        deal = _active(uow, deal_id)
        unit = uow.get(Unit, deal.unit_id)
        owed = balance(uow.session, deal_id, ctx.today())
        settled = uow.session.scalar(sa.select(Settlement.id).where(Settlement.deal_id == deal_id))
        if unit.status != UnitStatus.SOLD or not settled or owed.outstanding != 0:
            raise Refused(
                _(
                    "unit {unit}: move-in needs a sold unit, a settled area and "
                    "nothing owed (now {status}, outstanding {owed}, {area})"
                ).format(
                    unit=_unit_of(uow, deal),
                    status=status_word(unit.status),
                    owed=f"{owed.outstanding:,.2f}",
                    area=_("area settled") if settled else _("area not settled"),
                )
            )
        if deal.moved_in_on is not None:
            raise Refused(
                _("unit {unit} moved in on {day}").format(
                    unit=_unit_of(uow, deal), day=deal.moved_in_on
                )
            )
        uow.apply_changes(deal, {"moved_in_on": on or ctx.today()})
        return detached(deal)

    return write(ctx, work)

"""Price factors, what-if and versioned price lists of a building.

Factors and the base price are a working draft: editing them changes no unit. Submitting
freezes a price list (its lines); the prices take effect on the units only when a senior
marketing manager (not the submitter) approves it. The list it replaces is kept as
superseded, so every published version stays readable.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.services.base import UnitOfWork, detached, write
from plugins.real_estate.models import (
    Building,
    PriceFactor,
    PriceList,
    PriceListLine,
    PriceListStatus,
    Unit,
)
from plugins.real_estate.services.common import (
    MASTERDATA,
    SIGNOFF,
    Refused,
    _,
    decimal_of,
    get_building,
    lock,
    second_person,
    status_word,
)
from plugins.real_estate.services.pricing import (
    FACTOR_KINDS,
    Factor,
    PriceTable,
    UnitShape,
    price_table,
)


def shapes(session: Any, building_id: int) -> list[tuple[int, UnitShape]]:
    units = session.scalars(
        sa.select(Unit)
        .where(Unit.building_id == building_id)
        .order_by(Unit.floor.desc(), Unit.unit_no)
    )
    return [
        (u.id, UnitShape(u.unit_no, u.floor, u.orientation, u.view, u.layout, u.building_area))
        for u in units
    ]


def factors_of(session: Any, building_id: int) -> list[Factor]:
    rows = session.scalars(
        sa.select(PriceFactor)
        .where(PriceFactor.building_id == building_id)
        .order_by(PriceFactor.kind, PriceFactor.key)
    )
    return [Factor(r.kind, r.key, r.amount, r.percent) for r in rows]


def what_if(
    ctx: Context,
    building_id: int,
    base_price: Decimal | str | None = None,
    extra: list[Factor] | None = None,
) -> PriceTable:
    """The price table computed from the draft (or a trial base price and extra factors
    that replace drafted ones of the same kind and key); nothing is written."""
    with ctx.reading() as session:
        building = get_building(session, building_id)
        base = (
            building.base_price
            if base_price in (None, "")
            else decimal_of(base_price, "base_price", positive=True)
        )
        factors = {(f.kind, f.key.upper()): f for f in factors_of(session, building_id)}
        for f in extra or []:
            factors[(f.kind, f.key.upper())] = f
        return price_table(base, [s for _id, s in shapes(session, building_id)], factors.values())


def set_base_price(
    ctx: Context, building_id: int, base_price: Decimal | str, version: int | None = None
) -> Building:
    base = decimal_of(base_price, "base_price", positive=True)

    def work(uow: UnitOfWork) -> Building:
        uow.require(MASTERDATA)
        building = uow.get(Building, building_id)
        uow.check_version(building, version)
        uow.apply_changes(building, {"base_price": base})
        return detached(building)

    return write(ctx, work)


def set_factor(
    ctx: Context,
    building_id: int,
    kind: str,
    key: str,
    amount: Decimal | str = "0",
    percent: Decimal | str = "0",
) -> PriceFactor | None:
    """Add, change or (both zero) remove one factor of the draft table."""
    kind = kind.strip().lower()
    if kind not in FACTOR_KINDS:
        raise ValidationFailed(
            [
                FieldProblem(
                    "kind",
                    kind,
                    "one of {values}",
                    args={"values": ", ".join(_(k.capitalize()) for k in FACTOR_KINDS)},
                    title="Factor",
                )
            ],
            "price factor",
        )
    if not key.strip():
        raise ValidationFailed(
            [FieldProblem("key", key, "what the factor matches", title="Matches")],
            "price factor",
        )
    amt = decimal_of(amount or "0", "amount")
    pct = decimal_of(percent or "0", "percent")
    if not Decimal("-0.5") <= pct <= Decimal("0.5"):
        raise ValidationFailed(
            [
                FieldProblem(
                    "percent",
                    str(pct),
                    "a fraction between -0.5 and 0.5 (0.03 is 3 %)",
                    title="Adj %",
                )
            ],
            "price factor",
        )

    def work(uow: UnitOfWork) -> PriceFactor | None:
        uow.require(MASTERDATA)
        get_building(uow.session, building_id)
        row = uow.session.scalars(
            sa.select(PriceFactor).where(
                PriceFactor.building_id == building_id,
                PriceFactor.kind == kind,
                PriceFactor.key == key.strip(),
            )
        ).first()
        if row is None and (amt or pct):
            row = PriceFactor(
                building_id=building_id, kind=kind, key=key.strip(), amount=amt, percent=pct
            )
            uow.session.add(row)
            uow.audit_created(row)
        elif row is not None and not (amt or pct):
            uow.audit("delete", "real_estate_price_factor", row.id, "key", row.key, None)
            uow.session.delete(row)
            return None
        elif row is not None:
            uow.apply_changes(row, {"amount": amt, "percent": pct})
        return detached(row) if row is not None else None

    return write(ctx, work)


def submit_price_list(ctx: Context, building_id: int) -> PriceList:
    """Freeze the draft into a numbered price list waiting for sign-off."""

    def work(uow: UnitOfWork) -> PriceList:
        uow.require(MASTERDATA)
        building = get_building(uow.session, building_id)
        waiting = uow.session.scalar(
            sa.select(PriceList.number).where(
                PriceList.building_id == building_id, PriceList.status == PriceListStatus.PENDING
            )
        )
        if waiting is not None:
            raise Refused(
                _(
                    "price list {building}/{number} is still waiting for sign-off; "
                    "approve or reject it first"
                ).format(building=building.code, number=waiting)
            )
        pairs = shapes(uow.session, building_id)
        if not pairs:
            raise Refused(
                _("building {building} has no units to price").format(building=building.code)
            )
        table = price_table(
            building.base_price, [s for _i, s in pairs], factors_of(uow.session, building_id)
        )
        number = (
            uow.session.scalar(
                sa.select(sa.func.max(PriceList.number)).where(PriceList.building_id == building_id)
            )
            or 0
        ) + 1
        plist = PriceList(
            building_id=building_id,
            number=number,
            base_price=building.base_price,
            unit_count=table.unit_count,
            total_area=table.total_area,
            total_value=table.total_value,
            average_price=table.average_price,
            submitted_by=ctx.actor.id,
            submitted_at=ctx.now(),
        )
        uow.session.add(plist)
        uow.audit_created(plist)
        for (unit_id, _s), line in zip(pairs, table.lines, strict=True):
            uow.session.add(
                PriceListLine(
                    price_list_id=plist.id,
                    unit_id=unit_id,
                    unit_price=line.unit_price,
                    total_price=line.total_price,
                )
            )
        return detached(plist)

    return write(ctx, work)


def approve_price_list(ctx: Context, price_list_id: int, version: int | None = None) -> PriceList:
    """Sign off and publish: unit prices take the list's figures; the previous published
    list of the building becomes superseded."""

    def work(uow: UnitOfWork) -> PriceList:
        uow.require(SIGNOFF)
        plist = uow.get(PriceList, price_list_id)
        uow.check_version(plist, version)
        lock(uow, plist)
        _pending(plist)
        second_person(ctx, plist.submitted_by, "price list")
        for old in uow.session.scalars(
            sa.select(PriceList).where(
                PriceList.building_id == plist.building_id,
                PriceList.status == PriceListStatus.PUBLISHED,
            )
        ):
            uow.apply_changes(old, {"status": PriceListStatus.SUPERSEDED.value})
        lines = uow.session.scalars(
            sa.select(PriceListLine).where(PriceListLine.price_list_id == plist.id)
        )
        for line in lines:
            unit = uow.session.get(Unit, line.unit_id)
            if unit is not None:
                uow.apply_changes(
                    unit, {"unit_price": line.unit_price, "total_price": line.total_price}
                )
        uow.apply_changes(
            plist,
            {
                "status": PriceListStatus.PUBLISHED.value,
                "decided_by": ctx.actor.id,
                "decided_at": ctx.now(),
            },
        )
        return detached(plist)

    return write(ctx, work)


def reject_price_list(ctx: Context, price_list_id: int, version: int | None = None) -> PriceList:
    def work(uow: UnitOfWork) -> PriceList:
        uow.require(SIGNOFF)
        plist = uow.get(PriceList, price_list_id)
        uow.check_version(plist, version)
        lock(uow, plist)
        _pending(plist)
        uow.apply_changes(
            plist,
            {
                "status": PriceListStatus.REJECTED.value,
                "decided_by": ctx.actor.id,
                "decided_at": ctx.now(),
            },
        )
        return detached(plist)

    return write(ctx, work)


def _pending(plist: PriceList) -> None:
    if plist.status != PriceListStatus.PENDING:
        raise Refused(
            _("price list {number} is already {status}").format(
                number=plist.number, status=status_word(plist.status)
            )
        )


def price_lists(
    ctx: Context, building_id: int | None = None, status: str | None = None
) -> list[PriceList]:
    with ctx.reading() as session:
        query = sa.select(PriceList).order_by(PriceList.building_id, PriceList.number)
        if building_id is not None:
            query = query.where(PriceList.building_id == building_id)
        if status:
            query = query.where(PriceList.status == status)
        return list(session.scalars(query))


def get_price_list(ctx: Context, price_list_id: int) -> PriceList:
    with ctx.reading() as session:
        plist = session.get(PriceList, price_list_id)
        if plist is None:
            # the id is internal (a price list is "no. 2 of building A"): not worth showing
            raise NotFound(_("This price list no longer exists: refresh the list of sign-offs."))
        return plist

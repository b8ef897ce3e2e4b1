"""Sales plan table (楼盘销售计划表): units and amount to sign per month and building."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.services.base import UnitOfWork, detached, write
from plugins.real_estate.models import SalesPlan
from plugins.real_estate.services.common import PLANS, decimal_of, get_building

# what a plan month may be; the plan form's FormatRule says the same (one catalogue entry)
MONTH_RULE = "a month as YYYY-MM (year, hyphen, month 01 to 12), e.g. 2026-03"
_MONTH = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def month_of(month: dt.date | str) -> dt.date:
    """The first day of ``month`` (a date, "2026-03" or a day of it, "2026-03-16"), or a
    ValidationFailed naming the month: "2026-13" has a month's shape and is none."""
    if isinstance(month, dt.date):
        return month.replace(day=1)
    text = str(month).strip()
    try:
        if not _MONTH.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01").replace(day=1)
    except ValueError:
        raise ValidationFailed([FieldProblem("month", month, MONTH_RULE)], "sales plan") from None


def set_plan(
    ctx: Context,
    building_id: int,
    month: dt.date | str,
    units: int | str,
    amount: Decimal | str,
    version: int | None = None,
) -> SalesPlan:
    first = month_of(month)
    try:
        count = int(units)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise ValidationFailed(
            [FieldProblem("units", units, "a whole number, 0 or more")], "sales plan"
        )
    value = decimal_of(amount, "amount")
    if value < 0:
        raise ValidationFailed([FieldProblem("amount", amount, "0 or more")], "sales plan")

    def work(uow: UnitOfWork) -> SalesPlan:
        uow.require(PLANS)
        get_building(uow.session, building_id)
        row = uow.session.scalars(
            sa.select(SalesPlan).where(
                SalesPlan.building_id == building_id, SalesPlan.month == first
            )
        ).first()
        if row is None:
            row = SalesPlan(building_id=building_id, month=first, units=count, amount=value)
            uow.session.add(row)
            uow.audit_created(row)
        else:
            uow.check_version(row, version)
            uow.apply_changes(row, {"units": count, "amount": value})
        return detached(row)

    return write(ctx, work)

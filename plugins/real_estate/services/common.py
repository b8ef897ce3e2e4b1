"""Helpers shared by the real-estate services: permissions, errors, look-ups."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.errors import FieldProblem, NotFound, PermissionDenied, SalesdeskError, ValidationFailed
from core.i18n import translator
from core.summaries import AMOUNT_MAX
from plugins.real_estate.access import CONTROL, PAYMENT, SERVICE, SIGNOFF  # noqa: F401 (here too)
from plugins.real_estate.models import Building, Project, Unit

# Refusals are read on the sales-office screens: they speak the reader's language
_ = translator(__file__)

# Core permissions reused on purpose: the business operator enters master data and
# prices (product.manage), reps log calls like visits (activity.log), managers set plans.
MASTERDATA = "product.manage"
CALLS = "activity.log"
PLANS = "target.manage"


def may_read_finance(ctx: Any) -> bool:
    """Money received and owed is finance data: on-site finance, senior marketing managers
    and those who read the whole company (executives, head office) see it; reps and sales
    control do not. Every report, screen and command showing such a figure asks this."""
    from core.access import Scope

    grant = ctx.grant
    return PAYMENT in grant.permissions or SIGNOFF in grant.permissions or grant.scope is Scope.ALL


def require_finance_reader(ctx: Any) -> None:
    if not may_read_finance(ctx):
        raise PermissionDenied(_("You may not read payments and receivables (finance data)."))


class Refused(SalesdeskError):
    """A step the sales rules do not allow (a wrong status move, a second signature by
    the same person, an overpayment)."""


def status_word(status: str) -> str:
    """A unit, deal or sign-off status as the reader says it ("reserved", 预留)."""
    return _(str(status))


def second_person(ctx: Any, submitted_by: int, what: str) -> None:
    """The two-person rule: whoever submitted a change may not sign it off."""
    if ctx.actor.id == submitted_by:
        raise PermissionDenied(
            _(
                "You submitted this {what} and may not also sign it off: "
                "a second person (a senior marketing manager) must approve it."
            ).format(what=_(what))
        )


def decimal_of(
    value: Any, field: str, *, positive: bool = False, row: int | None = None
) -> Decimal:
    """A Decimal from user input, or a ValidationFailed naming the field."""
    try:
        number = (
            value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
        )
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationFailed([FieldProblem(field, value, "a number", row)], field) from None
    if positive and number <= 0:
        raise ValidationFailed([FieldProblem(field, value, "a number above 0", row)], field)
    if abs(number) > AMOUNT_MAX:  # "1e30": no amount holds it, nor can prices be worked out
        raise ValidationFailed(
            [
                FieldProblem(
                    field, value, "a number of at most {most}", row, {"most": f"{AMOUNT_MAX:,}"}
                )
            ],
            field,
        )
    return number


def unit_label(session: Session, unit: Unit) -> str:
    building = session.get(Building, unit.building_id)
    return f"{building.code if building else '?'}-{unit.unit_no}"


def building_by_code(session: Session, project: str, code: str) -> Building | None:
    return session.scalars(
        sa.select(Building)
        .join(Project, Project.id == Building.project_id)
        .where(Project.code == project, Building.code == code)
    ).first()


def get_building(session: Session, building_id: int) -> Building:
    building = session.get(Building, building_id)
    if building is None:
        # the id comes from the building chosen on screen: the reader never typed it
        raise NotFound(_("This building no longer exists: choose another one."))
    return building


def lock(uow: Any, row: Any) -> None:
    """Re-read ``row`` under a row lock on PostgreSQL, so of two people deciding the same
    sign-off at once the second sees the first one's decision (SQLite writers queue on
    BEGIN IMMEDIATE already)."""
    if uow.session.get_bind().dialect.name != "sqlite":
        uow.session.refresh(row, with_for_update=True)

"""Entry forms (``salesdesk_forms``): one unit's master data (waits for sign-off), a
month of the sales plan, an inbound call."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pydantic
import sqlalchemy as sa
from pydantic_core import PydanticCustomError

from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.i18n import translator
from core.schemas import FormatRule, Money
from plugins.real_estate.models import Project
from plugins.real_estate.services import calls, masterdata, plans
from plugins.real_estate.services.common import CALLS, MASTERDATA, PLANS, building_by_code

# what a saved entry says is read on the sales-office screens, in the reader's language
_ = translator(__file__)


def save_unit(ctx: Context, record: masterdata.UnitRow) -> str:
    change = masterdata.submit_units(
        ctx,
        [record.model_dump(mode="json")],
        f"unit {record.project}/{record.building}-{record.unit_no}",
    )
    return _(
        "Unit {unit} submitted as change {change}; "
        "it takes effect when a senior marketing manager signs it off"
    ).format(unit=f"{record.building}-{record.unit_no}", change=change.id)


def _real_month(value: str) -> str:
    """ "2026-13" has the shape of a month but is none: refused as the pattern's breach
    is, so the field's FormatRule says what a month may be."""
    try:
        dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise PydanticCustomError("string_pattern_mismatch", "{rule}", {"rule": ""}) from None
    return value


class PlanForm(pydantic.BaseModel):
    project: str = pydantic.Field(min_length=1, description="Project code")
    building: str = pydantic.Field(min_length=1, description="Building code")
    month: Annotated[
        str,
        pydantic.StringConstraints(pattern=r"^\d{4}-\d{2}$"),
        pydantic.AfterValidator(_real_month),
        FormatRule("a month as YYYY-MM (year, hyphen, month 01 to 12), e.g. 2026-03"),
    ] = pydantic.Field(description="Month (YYYY-MM)")
    units: int = pydantic.Field(ge=0, description="Units to sign")
    amount: Money = pydantic.Field(description="Amount to sign")


def save_plan(ctx: Context, record: PlanForm) -> str:
    with ctx.reading() as session:
        building = building_by_code(session, record.project, record.building)
    if building is None:
        raise ValidationFailed(
            [
                FieldProblem(
                    "building",
                    record.building,
                    "a building of project {project}",
                    args={"project": record.project},
                )
            ],
            "sales plan",
        )
    plans.set_plan(ctx, building.id, record.month, record.units, record.amount)
    return _("Plan of {building} for {month} saved").format(
        building=record.building, month=record.month
    )


class CallForm(pydantic.BaseModel):
    project: str = pydantic.Field(min_length=1, description="Project code")
    caller_name: str = pydantic.Field(default="", max_length=100, description="Caller")
    phone: str = pydantic.Field(default="", max_length=32, description="Phone")
    source: Literal[calls.SOURCES] = pydantic.Field(  # type: ignore[valid-type]
        description="Where they heard of us"
    )
    grade: Literal["A", "B", "C"] = pydantic.Field(description="A hot, B warm, C cold")
    notes: str = pydantic.Field(default="", max_length=500, description="Notes")


def save_call(ctx: Context, record: CallForm) -> str:
    with ctx.reading() as session:
        project_id = session.scalar(sa.select(Project.id).where(Project.code == record.project))
    if project_id is None:
        raise ValidationFailed(
            [FieldProblem("project", record.project, "an existing project")], "call"
        )
    call = calls.log_call(ctx, project_id, record.model_dump(exclude={"project"}))
    return _("Call logged; follow up by {day}").format(day=call.follow_up_on)


def all_forms() -> list[Any]:
    from core.forms import FormSpec

    return [
        FormSpec(
            "real_estate_unit",
            "Unit master data",
            "房间资料",
            masterdata.UnitRow,
            save_unit,
            MASTERDATA,
            "Enter or change one unit; a senior marketing manager signs it off",
            "录入或修改房间资料，须经市场营销部高级经理审批",
        ),
        FormSpec(
            "real_estate_plan", "Sales plan (month)", "楼盘销售计划", PlanForm, save_plan, PLANS
        ),
        FormSpec("real_estate_call", "Call-in register", "来电登记", CallForm, save_call, CALLS),
    ]

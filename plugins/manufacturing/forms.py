"""Entry forms for the generic Forms screen: tender record and project registration
(项目立项单), keyed by customer code rather than database ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import pydantic
from pydantic import Field, StringConstraints

from core.context import Context
from core.schemas import Money, Quantity
from plugins.manufacturing.services import queries, tenders
from plugins.manufacturing.services.common import P_TENDER

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class TenderForm(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_code: Code = Field(description="Customer code")
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Project title"
    )
    deadline: dt.date = Field(description="Bid deadline")
    bid_bond: Money = Field(Decimal("0"), description="Bid bond")
    bid_price: Money = Field(Decimal("0"), description="Bid price")
    competitors: Annotated[str, StringConstraints(max_length=500)] = Field(
        "", description="Competitors"
    )
    office: Annotated[str, StringConstraints(max_length=16)] = Field("", description="Office")


class ProjectForm(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer_code: Code = Field(description="Customer code")
    contact: Annotated[str, StringConstraints(max_length=200)] = Field("", description="Contact")
    phone: Annotated[str, StringConstraints(max_length=50)] = Field("", description="Phone")
    registered_on: dt.date | None = Field(None, description="Registration date")
    specs: Annotated[str, StringConstraints(max_length=1000)] = Field(
        "", description="Specifications"
    )
    quantity: Quantity = Field(Decimal("0"), description="Quantity")
    office: Annotated[str, StringConstraints(max_length=16)] = Field("", description="Office")


def save_tender(ctx: Context, form: TenderForm) -> str:
    values = form.model_dump(exclude={"customer_code"})
    values["customer_id"] = queries.customer_id_for(ctx, form.customer_code)
    return f"Tender {tenders.create_tender(ctx, values).number} saved"


def save_project(ctx: Context, form: ProjectForm) -> str:
    values = form.model_dump(exclude={"customer_code"})
    values["customer_id"] = queries.customer_id_for(ctx, form.customer_code)
    return f"Project {tenders.register_project(ctx, values).number} registered"


def all_forms() -> list[Any]:
    from core.forms import FormSpec

    return [
        FormSpec("mfg_tender", "Tender record", "投标记录", TenderForm, save_tender, P_TENDER),
        FormSpec(
            "mfg_project", "Project registration", "项目立项单", ProjectForm, save_project, P_TENDER
        ),
    ]

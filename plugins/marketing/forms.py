"""Entry forms (``salesdesk_forms``): campaign plan, cost line, campaign lead, segment and
negative information. Each validates with its model and saves through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from core.context import Context
from core.forms import FormSpec
from core.i18n import translator
from core.models import CustomerClass, CustomerSize
from core.schemas import Code, Input, Money, Name, Short, Text
from plugins.marketing.models import CampaignKind, CostCategory, Medium
from plugins.marketing.schemas import NegativeInput, OptCode, SegmentInput

# Field titles are translated through the shared catalog, where the core's "Type" is a
# customer type and its "Medium" a size: so the titles say "Campaign type" and "Ad
# medium". Messages use this plugin's own words first.
_ = translator(__file__)


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]


class CampaignForm(Input):
    name: Name = Field(title="Name")
    code: Code | None = Field(None, title="Code", description="empty: generated")
    kind: CampaignKind = Field(CampaignKind.PROMOTION, title="Campaign type")
    start: dt.date = Field(title="Start")
    end: dt.date = Field(title="End")
    budget: Money = Field(Decimal("0"), title="Budget")
    segment: OptCode = Field("", title="Segment", description="code of a saved segment")
    industry: Short = Field("", title="Industry")
    region: OptCode = Field("", title="Region", description="region code")
    size: CustomerSize | None = Field(None, title="Size")
    customer_class: CustomerClass | None = Field(None, title="Class")
    products: str = Field("", title="Products", description="codes, comma-separated")
    channels: str = Field("", title="Channels", description="codes, comma-separated")
    owner: OptCode = Field("", title="Owner", description="user name (empty: you)")
    notes: Text = Field("", title="Notes")

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        # checked here so the problem shows under End, not as a loose line on top
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(_("a date on or after the start ({start})").format(start=start))
        return end


def save_campaign(ctx: Context, form: CampaignForm) -> str:
    from plugins.marketing.services.campaigns import create_campaign

    data: dict[str, Any] = form.model_dump(exclude_none=True)
    data.update(
        products=_codes(form.products),
        channels=_codes(form.channels),
        size=form.size.value if form.size else "",
        customer_class=form.customer_class.value if form.customer_class else "",
    )
    row = create_campaign(ctx, data)
    return _("Campaign {code} planned; submit its budget for approval").format(code=row.code)


class CostForm(Input):
    campaign: Code = Field(title="Campaign", description="campaign code")
    date: dt.date = Field(title="Date")
    category: CostCategory = Field(CostCategory.OTHER, title="Category")
    medium: Medium = Field(Medium.NONE, title="Ad medium")
    description: Short = Field("", title="Description")
    budget: Money = Field(Decimal("0"), title="Budget")
    actual: Money = Field(Decimal("0"), title="Actual")


def save_cost(ctx: Context, form: CostForm) -> str:
    from plugins.marketing.services.campaigns import add_cost, find_campaign

    campaign = find_campaign(ctx, form.campaign)
    row = add_cost(ctx, campaign.id, form.model_dump(exclude={"campaign"}))
    return _("Cost line {line} of {code} saved").format(line=row.id, code=campaign.code)


class LeadForm(Input):
    campaign: Code = Field(title="Campaign", description="campaign code")
    name: Name = Field(title="Name")
    industry: Short = Field("", title="Industry")
    region: OptCode = Field("", title="Region", description="region code")
    size: CustomerSize = Field(CustomerSize.SMALL, title="Size")
    contact: Short = Field("", title="Contact")
    phone: Short = Field("", title="Phone")


def save_lead(ctx: Context, form: LeadForm) -> str:
    import sqlalchemy as sa

    from core.errors import FieldProblem, ValidationFailed
    from core.models import Region
    from core.services.customers import add_contact
    from plugins.marketing.services.attribution import create_lead

    region_id = None
    if form.region:
        with ctx.reading() as session:
            region_id = session.scalar(sa.select(Region.id).where(Region.code == form.region))
        if region_id is None:
            raise ValidationFailed(
                [FieldProblem("region", form.region, "an existing region code")], "lead"
            )
    row = create_lead(
        ctx,
        form.campaign,
        {"name": form.name, "industry": form.industry, "region_id": region_id, "size": form.size},
    )
    if form.contact:
        add_contact(ctx, row.id, {"name": form.contact, "phone": form.phone, "is_primary": True})
    text = (
        _("Lead {code} of {campaign} added to the lead pool")
        if row.owner_id is None
        else _("Lead {code} of {campaign} added to your customers")
    )
    return text.format(code=row.code, campaign=form.campaign)


def save_segment(ctx: Context, form: SegmentInput) -> str:
    from plugins.marketing.services.segments import create_segment

    return _("Segment {code} saved").format(code=create_segment(ctx, form).code)


def save_negative(ctx: Context, form: NegativeInput) -> str:
    from plugins.marketing.services.negative import record_negative

    return _("Negative information {number} recorded").format(number=record_negative(ctx, form).id)


def form_specs() -> list[FormSpec]:
    return [
        FormSpec(
            "marketing.campaign",
            "Promotion plan",
            "促销活动计划表",
            CampaignForm,
            save_campaign,
            "marketing.plan",
        ),
        FormSpec(
            "marketing.cost",
            "Campaign cost line",
            "活动费用",
            CostForm,
            save_cost,
            "marketing.plan",
        ),
        FormSpec(
            "marketing.lead", "Campaign lead", "活动线索", LeadForm, save_lead, "customer.create"
        ),
        FormSpec(
            "marketing.segment",
            "Customer segment",
            "客户细分",
            SegmentInput,
            save_segment,
            "marketing.segment",
        ),
        FormSpec(
            "marketing.negative",
            "Negative information",
            "负面情报",
            NegativeInput,
            save_negative,
            "activity.log",
        ),
    ]

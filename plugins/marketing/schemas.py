"""Input models of the marketing services (forms, CLI and tests hand these in).

References are given by code or login, the way a user types them; services resolve them
and name the field when one does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from core.schemas import Code, FormatRule, Input, Money, Name, Short, Text, refusal_at
from plugins.marketing.models import (
    CampaignKind,
    CostCategory,
    Medium,
    NegativeKind,
    NegativeReason,
)

Score = Annotated[int, Field(ge=0, le=5)]
Login = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
OptCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
# a customer size and class as codes (empty: any), the values of CustomerSize and CustomerClass
SizeCode = Annotated[
    str,
    StringConstraints(pattern=r"^(|small|medium|large)$"),
    FormatRule("empty (any size) or one of small, medium or large"),
]
ClassCode = Annotated[
    str,
    StringConstraints(pattern=r"^(|potential|promising|closing|customer|dormant)$"),
    FormatRule("empty (any class) or one of potential, promising, closing, customer or dormant"),
]


class CampaignInput(Input):
    """A campaign plan (促销活动计划表)."""

    name: Name
    code: Code | None = Field(None, description="Campaign code (generated when empty)")
    kind: CampaignKind = CampaignKind.PROMOTION
    start: dt.date
    end: dt.date
    budget: Money = Decimal("0")
    segment: OptCode = Field("", description="Code of a saved segment (the audience)")
    industry: Short = ""
    region: OptCode = Field("", description="Region code of the target customers")
    size: SizeCode = ""
    customer_class: ClassCode = ""
    products: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    ] = []
    channels: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    ] = []
    owner: Login = Field("", description="Login of the owner (default: you)")
    notes: Text = ""

    @model_validator(mode="after")
    def _period(self) -> CampaignInput:
        if self.end < self.start:
            raise refusal_at("end", "a date on or after the start ({start})", start=self.start)
        return self


class CampaignUpdate(Input):
    name: Name | None = None
    kind: CampaignKind | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    budget: Money | None = None
    notes: Text | None = None


class CostInput(Input):
    """One cost line (促销成本分析表 / 广告费用分析表)."""

    date: dt.date
    category: CostCategory = CostCategory.OTHER
    medium: Medium = Medium.NONE
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    budget: Money = Decimal("0")
    actual: Money = Decimal("0")


class CostUpdate(Input):
    date: dt.date | None = None
    category: CostCategory | None = None
    medium: Medium | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = (
        None
    )
    budget: Money | None = None
    actual: Money | None = None


class SegmentInput(Input):
    """A saved segment: customer filters and minimum RFM scores (0 = any)."""

    name: Name
    code: Code
    industry: Short = ""
    region: OptCode = ""
    size: SizeCode = ""
    customer_class: ClassCode = ""
    source: Short = ""
    min_recency: Score = 0
    min_frequency: Score = 0
    min_monetary: Score = 0
    rfm_months: Annotated[int, Field(ge=1, le=60)] = 12
    notes: Text = ""


class NegativeInput(Input):
    """A complaint, lost-deal reason or competitor move (负面情报)."""

    kind: NegativeKind
    date: dt.date
    reason: NegativeReason = NegativeReason.OTHER
    customer: OptCode = Field("", description="Customer code")
    product: OptCode = Field("", description="Product code")
    region: OptCode = Field("", description="Region code (default: the customer's)")
    competitor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    description: Text = ""


class ActionInput(Input):
    """The improvement action for a piece of negative information."""

    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    owner: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    due: dt.date

"""The marketing plugin's tables: campaigns, their cost lines, saved customer segments and
negative information (complaints, lost-deal reasons, competitor moves).

Money is NUMERIC(16, 2) as in the core; every table users edit has a version column.
Attribution is not stored here: ``Customer.source`` / ``Opportunity.source`` hold the
campaign code (brief, core contract 5).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from sqlmodel import JSON, Column, Field, SQLModel

from core.models import money_field, utcnow, versioned


class CampaignKind(StrEnum):
    PROMOTION = "promotion"  # 促销
    EXHIBITION = "exhibition"  # 展会
    ADVERTISING = "advertising"  # 广告
    CALL = "call"  # 电话营销
    OTHER = "other"


class CampaignStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    FINISHED = "finished"
    EVALUATED = "evaluated"


class BudgetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class CostCategory(StrEnum):
    ADVERTISING = "advertising"  # 广告费
    VENUE = "venue"  # 场地
    MATERIALS = "materials"  # 资料/物料
    GIFTS = "gifts"  # 赠品
    STAFF = "staff"  # 人员
    TRAVEL = "travel"  # 差旅
    OTHER = "other"


class Medium(StrEnum):
    NONE = ""
    TV = "tv"
    RADIO = "radio"
    PRINT = "print"
    ONLINE = "online"
    OUTDOOR = "outdoor"
    EXHIBITION = "exhibition"
    PHONE = "phone"
    DIRECT_MAIL = "direct_mail"
    OTHER = "other"


class NegativeKind(StrEnum):
    COMPLAINT = "complaint"  # 客户投诉
    LOST_DEAL = "lost_deal"  # 丢单
    COMPETITOR = "competitor"  # 竞争对手动向


class NegativeReason(StrEnum):
    """Classification of negative information (负面情报分类)."""

    PRICE = "price"
    QUALITY = "quality"
    DELIVERY = "delivery"
    SERVICE = "service"
    COMPETITOR = "competitor"
    RELATIONSHIP = "relationship"
    PRODUCT_FIT = "product_fit"
    OTHER = "other"


class ActionStatus(StrEnum):
    NONE = ""  # no improvement action assigned yet
    OPEN = "open"
    DONE = "done"


class Segment(SQLModel, table=True):
    """A saved customer segment: filters on the customer plus minimum RFM scores."""

    __noun__: ClassVar[tuple[str, str]] = ("segment", "客户分群")

    __tablename__: ClassVar[str] = "marketing_segment"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    industry: str = Field(default="", max_length=100)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    size: str = Field(default="", max_length=16)
    customer_class: str = Field(default="", max_length=16)
    source: str = Field(default="", max_length=100)
    min_recency: int = Field(default=0)  # RFM scores 1..5; 0 = no condition
    min_frequency: int = Field(default=0)
    min_monetary: int = Field(default=0)
    rfm_months: int = Field(default=12)  # the window the RFM figures are read over
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id")
    notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Campaign(SQLModel, table=True):
    """A campaign plan (促销活动计划表)."""

    __noun__: ClassVar[tuple[str, str]] = ("campaign", "营销活动")

    __tablename__: ClassVar[str] = "marketing_campaign"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default=CampaignKind.PROMOTION, max_length=16)
    start: dt.date
    end: dt.date
    budget: Decimal = money_field()
    # The target segment: a saved segment, or these filters on the customer.
    segment_id: int | None = Field(default=None, foreign_key="marketing_segment.id")
    industry: str = Field(default="", max_length=100)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    size: str = Field(default="", max_length=16)
    customer_class: str = Field(default="", max_length=16)
    products: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    status: str = Field(default=CampaignStatus.PLANNED, max_length=16, index=True)
    budget_status: str = Field(default=BudgetStatus.DRAFT, max_length=16)
    requested_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    approved_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    approved_at: dt.datetime | None = Field(default=None)
    approval_note: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class CostLine(SQLModel, table=True):
    """One cost of a campaign: planned (budget) and actual (促销成本/广告费用)."""

    __noun__: ClassVar[tuple[str, str]] = ("cost line", "费用行")

    __tablename__: ClassVar[str] = "marketing_cost"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="marketing_campaign.id", index=True)
    date: dt.date = Field(index=True)
    category: str = Field(default=CostCategory.OTHER, max_length=16)
    medium: str = Field(default="", max_length=16)
    description: str = Field(default="", max_length=500)
    budget: Decimal = money_field()
    actual: Decimal = money_field()
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class NegativeInfo(SQLModel, table=True):
    """A complaint, lost-deal reason or competitor move, with its improvement action
    (负面情报分析改善表)."""

    __noun__: ClassVar[tuple[str, str]] = ("negative report", "负面信息")

    __tablename__: ClassVar[str] = "marketing_negative"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    date: dt.date = Field(index=True)
    reason: str = Field(default=NegativeReason.OTHER, max_length=16)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    opportunity_id: int | None = Field(default=None, foreign_key="opportunity.id")
    product_id: int | None = Field(default=None, foreign_key="product.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    competitor: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)
    reporter_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    action: str = Field(default="", max_length=1000)
    action_owner_id: int | None = Field(default=None, foreign_key="sd_user.id")
    action_due: dt.date | None = Field(default=None)
    action_status: str = Field(default=ActionStatus.NONE, max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


for _table in (Segment, Campaign, CostLine, NegativeInfo):
    versioned(_table)

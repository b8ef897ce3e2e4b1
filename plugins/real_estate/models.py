"""Tables of the real-estate plugin (docs/domain.md section 6).

Master data (projects, buildings, units) and prices change only through a sign-off: an
operator submits a ``real_estate_change`` (or a price list), a senior marketing manager
approves it, and only then are the unit rows written. Every table users edit carries
``version`` (optimistic locking). Money is NUMERIC(16, 2), areas NUMERIC(12, 2).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from core.models import MONEY, utcnow, versioned

AREA = sa.Numeric(12, 2)
FACTOR = sa.Numeric(12, 4)


def area_field(default: Decimal | None = Decimal("0"), **kw: Any) -> Any:
    return Field(default=default, sa_type=AREA, **kw)


def money(default: Decimal | None = Decimal("0"), **kw: Any) -> Any:
    return Field(default=default, sa_type=MONEY, **kw)


class UnitStatus(StrEnum):
    """Sales control (销控) status of a unit."""

    AVAILABLE = "available"  # 可售
    HELD = "held"  # 保留 (withheld by sales control)
    RESERVED = "reserved"  # 预留
    SUBSCRIBED = "subscribed"  # 认购
    SIGNED = "signed"  # 签约
    SOLD = "sold"  # 售出 (fully paid)


class DealStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PriceListStatus(StrEnum):
    PENDING = "pending"  # submitted, waiting for sign-off
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class Project(SQLModel, table=True):
    __noun__: ClassVar[tuple[str, str]] = ("project", "项目")
    __tablename__ = "real_estate_project"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    version: int = Field(default=1)


class Building(SQLModel, table=True):
    __noun__: ClassVar[tuple[str, str]] = ("building", "楼栋")
    __tablename__ = "real_estate_building"
    __table_args__ = (sa.UniqueConstraint("project_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="real_estate_project.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    phase: str = Field(default="", max_length=32)
    base_price: Decimal = money()  # per m2 of building area, the price table's start
    version: int = Field(default=1)


class Unit(SQLModel, table=True):
    """One saleable unit (房间). Prices here are the published ones."""

    __noun__: ClassVar[tuple[str, str]] = ("unit", "房源")

    __tablename__ = "real_estate_unit"
    __table_args__ = (sa.UniqueConstraint("building_id", "unit_no"),)

    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="real_estate_building.id", index=True)
    unit_no: str = Field(max_length=32)
    name: str = Field(default="", max_length=100)
    floor: int = Field(default=1)
    layout: str = Field(default="", max_length=32)  # 户型, e.g. 3B2L
    orientation: str = Field(default="", max_length=16)  # 朝向, e.g. S, SE, N
    view: str = Field(default="", max_length=32)
    building_area: Decimal = area_field()  # 建筑面积
    suite_area: Decimal = area_field()  # 套内面积
    shared_area: Decimal = area_field()  # 公摊面积
    unit_price: Decimal = money()  # per m2 of building area
    total_price: Decimal = money()
    status: str = Field(default=UnitStatus.AVAILABLE, max_length=16, index=True)
    version: int = Field(default=1)


class Change(SQLModel, table=True):
    """A submitted master-data change waiting for the second person's sign-off.

    ``payload`` is ``{"units": [{...fields, "building": code}], "project": code}``; it is
    applied as a whole when approved, or not at all."""

    __tablename__ = "real_estate_change"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # units (create or update), import
    summary: str = Field(default="", max_length=200)
    payload: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ApprovalStatus.PENDING, max_length=16, index=True)
    submitted_by: int = Field(foreign_key="sd_user.id")
    submitted_at: dt.datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="sd_user.id")
    decided_at: dt.datetime | None = None
    note: str = Field(default="", max_length=500)
    version: int = Field(default=1)


class PriceFactor(SQLModel, table=True):
    """One line of the price calculation table (楼盘售价计算表) of a building.

    ``kind`` floor/orientation/view/layout/unit(custom), ``key`` what it matches (a floor
    number, an orientation code, a unit number). ``amount`` is added per m2, ``percent``
    (a fraction, 0.02 = 2 %) multiplies the adjusted base."""

    __tablename__ = "real_estate_price_factor"
    __table_args__ = (sa.UniqueConstraint("building_id", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="real_estate_building.id", index=True)
    kind: str = Field(max_length=16)
    key: str = Field(max_length=32)
    amount: Decimal = money()
    percent: Decimal = Field(default=Decimal("0"), sa_type=FACTOR)
    version: int = Field(default=1)


class PriceList(SQLModel, table=True):
    """A versioned price list of a building; prices take effect when it is approved."""

    __noun__: ClassVar[tuple[str, str]] = ("price list", "价目表")

    __tablename__ = "real_estate_price_list"
    __table_args__ = (sa.UniqueConstraint("building_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="real_estate_building.id", index=True)
    number: int = Field(default=1)  # 1, 2, 3 ... per building
    base_price: Decimal = money()
    status: str = Field(default=PriceListStatus.PENDING, max_length=16)
    unit_count: int = Field(default=0)
    total_area: Decimal = area_field()
    total_value: Decimal = money()
    average_price: Decimal = money()
    submitted_by: int = Field(foreign_key="sd_user.id")
    submitted_at: dt.datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="sd_user.id")
    decided_at: dt.datetime | None = None
    version: int = Field(default=1)


class PriceListLine(SQLModel, table=True):
    __tablename__ = "real_estate_price_list_line"

    id: int | None = Field(default=None, primary_key=True)
    price_list_id: int = Field(foreign_key="real_estate_price_list.id", index=True)
    unit_id: int = Field(foreign_key="real_estate_unit.id")
    unit_price: Decimal = money()
    total_price: Decimal = money()


class Deal(SQLModel, table=True):
    """A buyer's deal on a unit, from reservation on. At most one active deal per unit
    (a partial unique index backs the conditional status update)."""

    __noun__: ClassVar[tuple[str, str]] = ("deal", "成交")

    __tablename__ = "real_estate_deal"
    __table_args__ = (
        sa.Index(
            "ux_real_estate_deal_active_unit",
            "unit_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="real_estate_unit.id", index=True)
    buyer_name: str = Field(max_length=200)
    buyer_phone: str = Field(default="", max_length=32)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    agent_id: int = Field(foreign_key="sd_user.id")
    status: str = Field(default=DealStatus.ACTIVE, max_length=16)
    unit_price: Decimal = money()  # per m2 agreed
    price: Decimal = money()  # total agreed
    contracted_area: Decimal = area_field()
    reserved_on: dt.date | None = None
    subscribed_on: dt.date | None = None
    signed_on: dt.date | None = None
    sold_on: dt.date | None = None
    contract_no: str = Field(default="", max_length=32)
    moved_in_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    version: int = Field(default=1)


class StatusChange(SQLModel, table=True):
    """Sales changes (销售变动): every status move of a unit, who, when and why."""

    __tablename__ = "real_estate_status_change"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="real_estate_unit.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="real_estate_deal.id")
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    at: dt.datetime = Field(default_factory=utcnow)
    actor_id: int = Field(foreign_key="sd_user.id")
    reason: str = Field(default="", max_length=200)


class Instalment(SQLModel, table=True):
    """One due amount of a deal's payment plan."""

    __tablename__ = "real_estate_instalment"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="real_estate_deal.id", index=True)
    seq: int = Field(default=1)
    kind: str = Field(max_length=16)  # deposit, down_payment, instalment, mortgage
    due_on: dt.date
    amount: Decimal = money()
    version: int = Field(default=1)


class Payment(SQLModel, table=True):
    """Money received by on-site finance (现场财务) against a deal."""

    __tablename__ = "real_estate_payment"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="real_estate_deal.id", index=True)
    kind: str = Field(max_length=16)  # deposit, down_payment, instalment, mortgage, area
    paid_on: dt.date
    amount: Decimal = money()  # negative: a refund
    reference: str = Field(default="", max_length=64)
    recorded_by: int = Field(foreign_key="sd_user.id")


class Settlement(SQLModel, table=True):
    """Area-difference settlement (面积补差) of a deal after the survey."""

    __tablename__ = "real_estate_settlement"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="real_estate_deal.id", unique=True)
    contracted_area: Decimal = area_field()
    measured_area: Decimal = area_field()
    unit_price: Decimal = money()
    amount: Decimal = money()  # > 0 the buyer pays more, < 0 the buyer is refunded
    settled_on: dt.date
    settled_by: int = Field(foreign_key="sd_user.id")


class SalesPlan(SQLModel, table=True):
    """Sales plan table (楼盘销售计划表): units and amount to sign per month."""

    __noun__: ClassVar[tuple[str, str]] = ("sales plan", "销售计划")

    __tablename__ = "real_estate_sales_plan"
    __table_args__ = (sa.UniqueConstraint("building_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="real_estate_building.id", index=True)
    month: dt.date  # first day of the month
    units: int = Field(default=0)
    amount: Decimal = money()
    version: int = Field(default=1)


class Call(SQLModel, table=True):
    """Call-in register (来电登记)."""

    __tablename__ = "real_estate_call"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="real_estate_project.id", index=True)
    called_at: dt.datetime = Field(default_factory=utcnow)
    caller_name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)
    source: str = Field(max_length=16)  # where they heard of us
    grade: str = Field(max_length=1)  # A hot, B warm, C cold
    agent_id: int = Field(foreign_key="sd_user.id", index=True)
    notes: str = Field(default="", max_length=500)
    follow_up_on: dt.date | None = None
    followed_up_on: dt.date | None = None
    visited_on: dt.date | None = None
    deal_id: int | None = Field(default=None, foreign_key="real_estate_deal.id")
    version: int = Field(default=1)


for _table in (
    Project,
    Building,
    Unit,
    Change,
    PriceFactor,
    PriceList,
    Deal,
    Instalment,
    SalesPlan,
    Call,
):
    versioned(_table)

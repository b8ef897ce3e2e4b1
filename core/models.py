"""The core tables.

Conventions: money is ``Decimal`` stored as NUMERIC(16, 2); quantities NUMERIC(14, 3);
dates are dates. Every table users edit carries ``version``, which SQLAlchemy bumps on
each UPDATE and checks in its WHERE clause (optimistic locking). Input models
(``XCreate``/``XUpdate``) live in ``core.schemas``; these are the stored rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

MONEY = sa.Numeric(16, 2)
QUANTITY = sa.Numeric(14, 3)
RATIO = sa.Numeric(5, 4)


def utcnow() -> dt.datetime:
    """Aware UTC: SQLModel stores it as UTC on SQLite and as timestamptz on PostgreSQL."""
    return dt.datetime.now(dt.UTC)


def money_field(default: Decimal | None = Decimal("0"), **kw: Any) -> Any:
    return Field(default=default, sa_type=MONEY, **kw)


def versioned(cls: type[SQLModel]) -> type[SQLModel]:
    """Turn on SQLAlchemy's version counter for a table class (after mapping)."""
    cls.__mapper__.version_id_col = cls.__table__.c.version  # type: ignore[attr-defined]
    cls.__mapper__.version_id_generator = lambda v: (v or 0) + 1  # type: ignore[attr-defined]
    return cls


class CustomerClass(StrEnum):
    """Where a customer stands in the funnel (docs/domain.md section 2)."""

    POTENTIAL = "potential"  # 潜在客户
    PROMISING = "promising"  # 最有希望客户
    CLOSING = "closing"  # 即将成交客户
    CUSTOMER = "customer"  # has bought
    DORMANT = "dormant"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    BLOCKED = "blocked"


class CustomerSize(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class VisitPurpose(StrEnum):
    """Purposes of a visit on the daily report (docs/domain.md section 7)."""

    ORDER = "order"  # 订货
    COLLECTION = "collection"  # 收款
    DEVELOPMENT = "development"  # 开发
    SERVICE = "service"  # 服务
    EXPLANATION = "explanation"  # 说明


class VisitCustomerType(StrEnum):
    PROSPECT = "prospect"  # 开发
    NEW = "new"  # 新增
    EXISTING = "existing"  # 原有


class Weather(StrEnum):
    """The day's weather on the daily report header (it explains a thin day of visits)."""

    SUNNY = "sunny"  # 晴
    CLOUDY = "cloudy"  # 多云
    OVERCAST = "overcast"  # 阴
    RAIN = "rain"  # 雨
    SNOW = "snow"  # 雪
    FOG = "fog"  # 雾
    WINDY = "windy"  # 大风


class RegionKind(StrEnum):
    """A level of the organisation tree (any depth; the kind is a label, not a rule)."""

    GROUP = "group"  # 集团
    REGION = "region"  # 区域
    OFFICE = "office"  # 办事处/分公司


class Region(SQLModel, table=True):
    """A node of the organisation tree (group -> region -> office/branch, any depth).

    A sales line keeps the region (office) it was sold in; where that office sits in the
    tree is read today, so moving an office moves its past sales with it in every report.
    Regions in use are deactivated, never deleted.
    """

    __noun__: ClassVar[tuple[str, str]] = ("region", "区域")

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    kind: str = Field(default=RegionKind.REGION, max_length=16)
    active: bool = Field(default=True)
    version: int = Field(default=1)


class User(SQLModel, table=True):
    """A salesdesk account; ``login`` is the operating-system user name."""

    __noun__: ClassVar[tuple[str, str]] = ("user", "用户")

    __tablename__: ClassVar[str] = "sd_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=200)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    email: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Channel(SQLModel, table=True):
    """A sales channel or distributor."""

    __noun__: ClassVar[tuple[str, str]] = ("channel", "渠道")

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(default="direct", max_length=32)  # direct, distributor, retail, online
    region_id: int | None = Field(default=None, foreign_key="region.id")
    active: bool = Field(default=True)
    version: int = Field(default=1)


class Product(SQLModel, table=True):
    __noun__: ClassVar[tuple[str, str]] = ("product", "产品")
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    category: str = Field(default="", max_length=100)
    unit: str = Field(default="pcs", max_length=20)
    list_price: Decimal = money_field()
    standard_cost: Decimal | None = money_field(default=None, nullable=True)
    vat_rate: Decimal = Field(default=Decimal("0.13"), sa_type=RATIO)  # 增值税率
    active: bool = Field(default=True)
    version: int = Field(default=1)


class Customer(SQLModel, table=True):
    """A customer or lead. ``owner_id`` None means the customer is in the lead pool."""

    __noun__: ClassVar[tuple[str, str]] = ("customer", "客户")

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    industry: str = Field(default="", max_length=100)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    size: str = Field(default=CustomerSize.SMALL, max_length=16)
    source: str = Field(default="", max_length=100)  # exhibition, phone, referral, list...
    customer_class: str = Field(default=CustomerClass.POTENTIAL, max_length=16, index=True)
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    credit_rating: str = Field(default="", max_length=8)
    credit_limit: Decimal = money_field()
    status: str = Field(default=CustomerStatus.ACTIVE, max_length=16)
    last_follow_up: dt.date | None = Field(default=None)
    pool_since: dt.datetime | None = Field(default=None)
    notes: str = Field(default="", max_length=2000)
    # Invoicing (开票信息): unified social credit code, invoice title, bank, billing.
    credit_code: str = Field(default="", max_length=18)  # 统一社会信用代码
    invoice_title: str = Field(default="", max_length=200)  # 开票抬头
    bank_name: str = Field(default="", max_length=200)  # 开户行
    bank_account: str = Field(default="", max_length=50)  # 银行账号
    billing_address: str = Field(default="", max_length=500)
    billing_phone: str = Field(default="", max_length=50)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Contact(SQLModel, table=True):
    __noun__: ClassVar[tuple[str, str]] = ("contact", "联系人")
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=200)
    is_primary: bool = Field(default=False)
    version: int = Field(default=1)


class Opportunity(SQLModel, table=True):
    __noun__: ClassVar[tuple[str, str]] = ("opportunity", "商机")
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    title: str = Field(max_length=200)
    funnel: str = Field(max_length=64)
    stage: str = Field(max_length=64, index=True)
    amount: Decimal = money_field()
    expected_close: dt.date | None = Field(default=None, index=True)
    probability_override: Decimal | None = Field(default=None, sa_type=RATIO, nullable=True)
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    source: str = Field(default="", max_length=100)
    status: str = Field(default=OpportunityStatus.OPEN, max_length=8, index=True)
    close_reason: str = Field(default="", max_length=500)
    stage_entered_at: dt.datetime = Field(default_factory=utcnow)
    closed_at: dt.datetime | None = Field(default=None)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class StageChange(SQLModel, table=True):
    """One move of an opportunity between stages (history; never edited)."""

    __tablename__: ClassVar[str] = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", index=True)
    from_stage: str | None = Field(default=None, max_length=64)
    to_stage: str = Field(max_length=64)
    changed_at: dt.datetime
    changed_by_id: int | None = Field(default=None, foreign_key="sd_user.id")


class Activity(SQLModel, table=True):
    """One line of a rep's daily visit report (销售日报表)."""

    __noun__: ClassVar[tuple[str, str]] = ("visit", "拜访")

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    rep_id: int = Field(foreign_key="sd_user.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")  # who was met
    visit_time: dt.time | None = Field(default=None)  # when the visit started
    end_time: dt.time | None = Field(default=None)  # after visit_time when both are set
    purpose: str = Field(default=VisitPurpose.DEVELOPMENT, max_length=16)
    result: str = Field(default="", max_length=500)
    customer_type: str = Field(default=VisitCustomerType.EXISTING, max_length=16)
    next_visit: dt.date | None = Field(default=None, index=True)
    # Who makes the planned visit when it is no longer ``rep_id`` (NULL: the rep who made
    # this one). A reassignment or handover moves the plan here; the visit itself stays
    # with whoever made it (core.services.ownership).
    follow_up_rep_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    notes: str = Field(default="", max_length=2000)
    weather: str = Field(default="", max_length=50)  # older reports; now on DailyReport
    order_amount: Decimal = money_field()  # ordered at this visit (订货金额)
    collection_amount: Decimal = money_field()  # collected at this visit (收款金额)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class DailyReport(SQLModel, table=True):
    """The header of a rep's daily visit report (销售日报表): one per rep and day. The
    visits are the day's ``Activity`` rows of the rep; the plans for the next day are
    ``VisitPlan`` rows entered on it."""

    __noun__: ClassVar[tuple[str, str]] = ("daily report", "日报")

    __tablename__: ClassVar[str] = "daily_report"
    __table_args__ = (sa.UniqueConstraint("rep_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    rep_id: int = Field(foreign_key="sd_user.id", index=True)  # the reporter (填报人)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    weather: str = Field(default="", max_length=16)  # a Weather value, "" when not said
    notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class VisitPlan(SQLModel, table=True):
    """A visit planned on one day's report for a later day (明日计划); it counts as done
    when the rep visits that customer on that day."""

    __noun__: ClassVar[tuple[str, str]] = ("visit plan", "拜访计划")

    __tablename__: ClassVar[str] = "visit_plan"
    __table_args__ = (sa.UniqueConstraint("rep_id", "date", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)  # the day the visit is planned for
    rep_id: int = Field(foreign_key="sd_user.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    purpose: str = Field(default=VisitPurpose.DEVELOPMENT, max_length=16)
    notes: str = Field(default="", max_length=500)
    planned_on: dt.date  # the report the plan was entered on
    created_at: dt.datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class ImportBatch(SQLModel, table=True):
    """A committed import; the checksum stops the same file being counted twice."""

    __tablename__: ClassVar[str] = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    file_name: str = Field(max_length=500)
    checksum: str = Field(max_length=64, index=True)
    row_count: int = Field(default=0)
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    imported_at: dt.datetime
    imported_by_id: int | None = Field(default=None, foreign_key="sd_user.id")


class SalesLine(SQLModel, table=True):
    """One line of actual sales: the fact table reports aggregate over."""

    __tablename__: ClassVar[str] = "sales_line"
    __table_args__ = (
        sa.Index("ix_sales_line_rep_date", "rep_id", "date"),
        sa.Index("ix_sales_line_customer_date", "customer_id", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    customer_id: int = Field(foreign_key="customer.id")
    product_id: int = Field(foreign_key="product.id")
    rep_id: int | None = Field(default=None, foreign_key="sd_user.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    quantity: Decimal = Field(default=Decimal("0"), sa_type=QUANTITY)
    amount: Decimal = money_field()  # net of VAT; a return's quantity and amount are < 0
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    tax_rate: Decimal | None = Field(default=None, sa_type=RATIO)  # VAT rate when known
    return_reason: str | None = Field(default=None, max_length=200)  # set on returns only


class Receipt(SQLModel, table=True):
    """Money received from a customer (收款), entered or imported: with imported sales it
    gives every company the collection form and receivables ageing. ``reference`` names
    the invoice or sales document paid, when the payer said which."""

    __noun__: ClassVar[tuple[str, str]] = ("receipt", "收款")

    __tablename__: ClassVar[str] = "sales_receipt"
    __table_args__ = (sa.Index("ix_sales_receipt_customer_date", "customer_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    customer_id: int = Field(foreign_key="customer.id")
    amount: Decimal = money_field()  # gross: what reached the bank
    reference: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=200)
    method: str = Field(default="", max_length=16)  # core.services.receipts.METHODS
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)


class SalesTarget(SQLModel, table=True):
    """An official target for a month and one dimension (company, rep, product, ...).

    The forecast plugin allocates and approves targets; the core stores the official ones
    so standard reports (budget vs actual, the dashboard) can read them without it.
    """

    __noun__: ClassVar[tuple[str, str]] = ("target", "目标")

    __tablename__: ClassVar[str] = "sales_target"
    __table_args__ = (sa.UniqueConstraint("month", "dimension", "key_id"),)

    id: int | None = Field(default=None, primary_key=True)
    month: dt.date = Field(index=True)  # first day of the month
    dimension: str = Field(max_length=16)  # company, rep, product, region, channel
    key_id: int = Field(default=0)  # id in that dimension; 0 for company
    amount: Decimal = money_field()
    version: int = Field(default=1)


class CompanySetting(SQLModel, table=True):
    """Company-wide settings shared by every user (enabled plugins, profile, policies)."""

    __noun__: ClassVar[tuple[str, str]] = ("setting", "设置")

    __tablename__: ClassVar[str] = "company_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: Any = Field(default=None, sa_column=Column(JSON))
    version: int = Field(default=1)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, old -> new. Append-only: the database refuses UPDATE/DELETE."""

    __tablename__: ClassVar[str] = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="sd_user.id")
    actor_login: str = Field(max_length=64)
    action: str = Field(max_length=16)  # create, update, delete, <verb>
    entity: str = Field(max_length=64)
    entity_id: str = Field(max_length=64)
    field: str = Field(default="", max_length=64)
    old_value: str | None = Field(default=None)
    new_value: str | None = Field(default=None)


class NumberSequence(SQLModel, table=True):
    """The last number issued for a document series, office and year.

    Written only by ``core.services.numbering`` with an atomic increment, so a number is
    never issued twice, even to two users saving at the same moment.
    """

    __noun__: ClassVar[tuple[str, str]] = ("numbering rule", "编号规则")

    __tablename__: ClassVar[str] = "number_sequence"

    series: str = Field(primary_key=True, max_length=40)
    office: str = Field(primary_key=True, max_length=20)
    year: int = Field(primary_key=True)
    last_value: int


EDITABLE_TABLES: tuple[type[SQLModel], ...] = (
    Region,
    User,
    Channel,
    Product,
    Customer,
    Contact,
    Opportunity,
    Activity,
    DailyReport,
    VisitPlan,
    SalesTarget,
    CompanySetting,
)
for _table in EDITABLE_TABLES:
    versioned(_table)


# Report summary tables live in their own module; importing it here registers them with
# the metadata whenever the core models are imported.
from core import models_summary  # noqa: E402, F401


class UserKey(SQLModel, table=True):
    """An SSH public key that logs its user in to ``salesdesk serve``."""

    __noun__: ClassVar[tuple[str, str]] = ("key", "密钥")

    __tablename__: ClassVar[str] = "user_key"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="sd_user.id", index=True)
    fingerprint: str = Field(max_length=100, unique=True, index=True)  # SHA256:...
    public_key: str  # the OpenSSH one-line form, without the comment
    comment: str = Field(default="", max_length=200)
    added_at: dt.datetime = Field(default_factory=utcnow)
    added_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    last_used_at: dt.datetime | None = Field(default=None)


class ServedSession(SQLModel, table=True):
    """One SSH login to ``salesdesk serve`` (or one refused attempt, ``refused`` set).

    The server writes these rows; any node can read them, so the listing and the ending of
    sessions work across nodes. ``end_requested_at`` asks the node that runs the session
    to end it; ``seen_at`` is that node's heartbeat (a session whose node died stops
    counting). ``ticket_hash`` is how the session process proves it was started by the
    server (see ``core.served``).
    """

    __tablename__: ClassVar[str] = "served_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    login: str = Field(default="", max_length=64)
    fingerprint: str = Field(default="", max_length=100)
    client: str = Field(default="", max_length=100)  # address:port
    node: str = Field(default="", max_length=100)
    kind: str = Field(default="app", max_length=16)  # app, command, refused
    command: str = Field(default="", max_length=500)
    started_at: dt.datetime = Field(default_factory=utcnow, index=True)
    seen_at: dt.datetime | None = Field(default=None)
    ended_at: dt.datetime | None = Field(default=None, index=True)
    end_reason: str = Field(default="", max_length=200)
    end_requested_at: dt.datetime | None = Field(default=None)
    end_requested_by: str = Field(default="", max_length=64)
    ticket_hash: str = Field(default="", max_length=64)
    claimed_at: dt.datetime | None = Field(default=None)
    pid: int | None = Field(default=None)

"""Pieces the marketing reports share: base class, numbers, cost-line and customer
drill-down tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.errors import NotFound, PermissionDenied
from core.models import Customer, Region, User
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.vocabulary import industry_title, source_title
from plugins.marketing.access import sees_money
from plugins.marketing.models import Campaign, CostLine

K = ColumnKind
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def money(value: Any) -> Decimal:
    """A SUM from either backend (SQLite may hand back floats) as a cent-exact Decimal."""
    return Decimal(str(value or 0)).quantize(CENT)


def divide(part: Decimal | None, whole: Decimal | int | None, unit: Decimal = CENT) -> Any:
    """``part / whole`` rounded to ``unit``; None when undefined (nothing to divide by)."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(unit)


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """(now - before) / before as a fraction; None without a base."""
    if now is None or not before:
        return None
    return ((Decimal(now) - Decimal(before)) / Decimal(before)).quantize(RATIO)


class BaseReport:
    id = ""
    title_en = ""
    title_zh = ""
    category = "marketing"
    Params: type[pydantic.BaseModel] = pydantic.BaseModel

    def drill(self, ctx: Context, params: Any, table_id: str, row: tuple | None,
              column_id: str) -> Table:
        raise NotFound(f"report '{self.id}' has no drill-down for {table_id}.{column_id}")

    def result(self, params: pydantic.BaseModel, tables: list[Table],
               charts: Iterable[ChartSpec] = ()) -> ReportResult:
        return ReportResult(self.id, self.title_en, self.title_zh,
                            params.model_dump(mode="json"), tables, list(charts))


def require_money(ctx: Context) -> None:
    if not sees_money(ctx):
        raise PermissionDenied(f"{ctx.actor.login} may not read campaign budgets and costs")


def year_span(year: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    year = year or today.year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def campaign_id_of(ctx: Context, code: str | None) -> int | None:
    if not code:
        return None
    with ctx.reading() as session:
        found = session.scalar(sa.select(Campaign.id).where(Campaign.code == code))
    if found is None:
        raise NotFound(f"there is no campaign '{code}'")
    return found


def cost_lines_table(ctx: Context, *conditions: Any) -> Table:
    """The cost lines behind a cost figure, with budget and actual totals."""
    require_money(ctx)
    query = (sa.select(CostLine.id, CostLine.date, Campaign.code, Campaign.name,
                       CostLine.category, CostLine.medium, CostLine.description,
                       CostLine.budget, CostLine.actual)
             .join(Campaign, Campaign.id == CostLine.campaign_id)
             .where(*conditions).order_by(CostLine.date, CostLine.id))
    with ctx.reading() as session:
        rows = [(*r[:7], money(r[7]), money(r[8])) for r in session.execute(query)]
    columns = [Column("cost_id", "Line", "行号", K.INTEGER), Column("date", "Date", "日期", K.DATE),
               Column("campaign", "Campaign", "活动编码"),
               Column("campaign_name", "Campaign name", "活动名称"),
               Column("category", "Category", "费用类别"), Column("medium", "Medium", "媒体"),
               Column("description", "Description", "说明"),
               Column("budget", "Budget", "预算", K.MONEY, total=True),
               Column("actual", "Actual", "实际", K.MONEY, total=True)]
    totals = (TOTAL_EN, *([None] * 6), sum((r[7] for r in rows), ZERO),
              sum((r[8] for r in rows), ZERO))
    return Table("cost_lines", "Cost lines", "费用明细", columns, rows, len(rows), totals)


def customers_table(ctx: Context, *conditions: Any, title_en: str = "Leads",
                    title_zh: str = "线索") -> Table:
    """Visible customers matching ``conditions`` (the leads behind a lead count)."""
    query = (sa.select(Customer.id, Customer.code, Customer.name, Customer.industry,
                       Region.code, Customer.size, Customer.customer_class, User.display_name,
                       Customer.source, Customer.created_at)
             .outerjoin(Region, Region.id == Customer.region_id)
             .outerjoin(User, User.id == Customer.owner_id)
             .where(visible(ctx, Customer), *conditions).order_by(Customer.code))
    with ctx.reading() as session:
        rows = [(*r[:3], industry_title(r[3]), *r[4:8], source_title(r[8]),
                 r[9].date() if r[9] else None) for r in session.execute(query)]
    columns = [Column("customer_id", "Customer", "编号", K.INTEGER),
               Column("code", "Customer code", "客户编码"), Column("name", "Customer", "客户"),
               Column("industry", "Industry", "行业"), Column("region", "Region", "区域"),
               Column("size", "Size", "规模"), Column("class", "Class", "客户类别"),
               Column("owner", "Owner", "负责人"), Column("source", "Source", "来源"),
               Column("created", "Created", "创建日期", K.DATE)]
    return Table("customers", title_en, title_zh, columns, rows, len(rows),
                 (TOTAL_EN, *([None] * 9)))

"""Pieces the marketing reports share: the money permission, cost-line and customer
drill-down tables (the base class and numbers come from ``core.report_kit``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.models import Customer, Region, User
from core.report_kit import K, money, totals_row
from core.reports import Column, Table
from core.vocabulary import industry_title, source_title
from plugins.marketing.access import require_money
from plugins.marketing.models import Campaign, CostLine
from plugins.marketing.services.lookup import no_campaign


def year_span(year: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    year = year or today.year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def campaign_id_of(ctx: Context, code: str | None) -> int | None:
    if not code:
        return None
    with ctx.reading() as session:
        found = session.scalar(sa.select(Campaign.id).where(Campaign.code == code))
    if found is None:
        raise no_campaign(code)
    return found


def cost_lines_table(ctx: Context, *conditions: Any) -> Table:
    """The cost lines behind a cost figure, with budget and actual totals."""
    require_money(ctx)
    query = (
        sa.select(
            CostLine.id,
            CostLine.date,
            Campaign.code,
            Campaign.name,
            CostLine.category,
            CostLine.medium,
            CostLine.description,
            CostLine.budget,
            CostLine.actual,
        )
        .join(Campaign, Campaign.id == CostLine.campaign_id)
        .where(*conditions)
        .order_by(CostLine.date, CostLine.id)
    )
    with ctx.reading() as session:
        rows = [(*r[:7], money(r[7]), money(r[8])) for r in session.execute(query)]
    columns = [
        Column("cost_id", "Line", "行号", K.INTEGER),
        Column("date", "Date", "日期", K.DATE),
        Column("campaign", "Campaign", "活动编码"),
        Column("campaign_name", "Campaign name", "活动名称"),
        Column("category", "Category", "费用类别"),
        Column("medium", "Medium", "媒体"),
        Column("description", "Description", "说明"),
        Column("budget", "Budget", "预算", K.MONEY, total=True),
        Column("actual", "Actual", "实际", K.MONEY, total=True),
    ]
    return Table(
        "cost_lines", "Cost lines", "费用明细", columns, rows, len(rows), totals_row(columns, rows)
    )


def customers_table(
    ctx: Context, *conditions: Any, title_en: str = "Leads", title_zh: str = "线索"
) -> Table:
    """Visible customers matching ``conditions`` (the leads behind a lead count)."""
    query = (
        sa.select(
            Customer.id,
            Customer.code,
            Customer.name,
            Customer.industry,
            Region.code,
            Customer.size,
            Customer.customer_class,
            User.display_name,
            Customer.source,
            Customer.created_at,
        )
        .outerjoin(Region, Region.id == Customer.region_id)
        .outerjoin(User, User.id == Customer.owner_id)
        .where(visible(ctx, Customer), *conditions)
        .order_by(Customer.code)
    )
    with ctx.reading() as session:
        rows = [
            (
                *r[:3],
                industry_title(r[3]),
                *r[4:8],
                source_title(r[8]),
                r[9].date() if r[9] else None,
            )
            for r in session.execute(query)
        ]
    columns = [
        Column("customer_id", "Customer", "编号", K.INTEGER),
        Column("code", "Customer code", "客户编码"),
        Column("name", "Customer", "客户"),
        Column("industry", "Industry", "行业"),
        Column("region", "Region", "区域"),
        Column("size", "Size", "规模"),
        Column("class", "Class", "客户类别"),
        Column("owner", "Owner", "负责人"),
        Column("source", "Source", "来源"),
        Column("created", "Created", "创建日期", K.DATE),
    ]
    return Table(
        "customers", title_en, title_zh, columns, rows, len(rows), totals_row(columns, rows)
    )

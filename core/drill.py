"""Drill-down tables: the sales lines, visits or opportunities behind a report figure.

Every function takes the reader's context and extra SQL conditions, and applies the same
record rule (``core.access.visible``) as the report, so the rows behind a figure are
exactly the rows that were summed. Reports (built-in or third-party) call these from
their ``drill``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import visible
from core.models import Activity, Customer, Opportunity, Product, Region, SalesLine, User
from core.reports import TOTAL_EN as TOTAL
from core.reports import Column, ColumnKind, Table

if TYPE_CHECKING:
    from core.context import Context

K = ColumnKind
DRILL_LIMIT = 100_000  # a drill-down is for reading; more rows than this is an export


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _qty(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.001"))


def sales_lines_table(
    ctx: Context,
    *conditions: Any,
    title_en: str = "Sales lines",
    title_zh: str = "销售明细",
    limit: int = DRILL_LIMIT,
) -> Table:
    """The visible sales lines matching ``conditions``, with totals of quantity and amount."""
    rep, region = sa.orm.aliased(User), sa.orm.aliased(Region)
    query = (
        sa.select(
            col(SalesLine.id),
            col(SalesLine.date),
            col(Customer.code),
            col(Customer.name),
            col(Product.code),
            col(Product.name),
            col(rep.login),
            col(region.code),
            col(SalesLine.quantity),
            col(SalesLine.amount),
        )
        .join(Customer, col(Customer.id) == SalesLine.customer_id)
        .join(Product, col(Product.id) == SalesLine.product_id)
        .outerjoin(rep, col(rep.id) == SalesLine.rep_id)
        .outerjoin(region, col(region.id) == SalesLine.region_id)
        .where(visible(ctx, SalesLine), *conditions)
        .order_by(col(SalesLine.date), col(SalesLine.id))
        .limit(limit)
    )
    with ctx.reading() as session:
        rows = [(*r[:8], _qty(r[8]), _money(r[9])) for r in session.execute(query)]
    columns = [
        Column("line_id", "Line", "行号", K.INTEGER),
        Column("date", "Date", "日期", K.DATE),
        Column("customer_code", "Customer code", "客户编码"),
        Column("customer", "Customer", "客户"),
        Column("product_code", "Product code", "产品编码"),
        Column("product", "Product", "产品"),
        Column("rep", "Rep", "业务员"),
        Column("region", "Region", "区域"),
        Column("quantity", "Quantity", "数量", K.QUANTITY, total=True),
        Column("amount", "Amount", "金额", K.MONEY, total=True),
    ]
    totals = (
        TOTAL,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        sum((r[8] for r in rows), Decimal("0.000")),
        sum((r[9] for r in rows), Decimal("0.00")),
    )
    return Table("sales_lines", title_en, title_zh, columns, rows, len(rows), totals)


def activities_table(
    ctx: Context,
    *conditions: Any,
    title_en: str = "Visits",
    title_zh: str = "拜访记录",
    limit: int = DRILL_LIMIT,
) -> Table:
    """The visible visits (daily-report lines) matching ``conditions``."""
    query = (
        sa.select(
            col(Activity.id),
            col(Activity.date),
            col(User.login),
            col(Customer.code),
            col(Customer.name),
            col(Activity.purpose),
            col(Activity.customer_type),
            col(Activity.result),
            col(Activity.next_visit),
        )
        .join(User, col(User.id) == col(Activity.rep_id))
        .outerjoin(Customer, col(Customer.id) == col(Activity.customer_id))
        .where(visible(ctx, Activity), *conditions)
        .order_by(col(Activity.date), col(Activity.id))
        .limit(limit)
    )
    with ctx.reading() as session:
        rows = [tuple(r) for r in session.execute(query)]
    columns = [
        Column("activity_id", "Visit", "编号", K.INTEGER),
        Column("date", "Date", "日期", K.DATE),
        Column("rep", "Rep", "业务员"),
        Column("customer_code", "Customer code", "客户编码"),
        Column("customer", "Customer", "客户"),
        Column("purpose", "Purpose", "目的"),
        Column("customer_type", "Customer type", "客户类别"),
        Column("result", "Result", "结果"),
        Column("next_visit", "Next visit", "下次拜访", K.DATE),
    ]
    totals = (TOTAL, None, None, None, None, None, None, None, None)
    return Table("activities", title_en, title_zh, columns, rows, len(rows), totals)


def opportunities_table(
    ctx: Context,
    *conditions: Any,
    title_en: str = "Opportunities",
    title_zh: str = "商机",
    limit: int = DRILL_LIMIT,
) -> Table:
    """The visible opportunities matching ``conditions``, with the total amount."""
    query = (
        sa.select(
            col(Opportunity.id),
            col(Opportunity.title),
            col(Customer.code),
            col(Customer.name),
            col(User.login),
            col(Opportunity.funnel),
            col(Opportunity.stage),
            col(Opportunity.status),
            col(Opportunity.expected_close),
            col(Opportunity.amount),
        )
        .join(Customer, col(Customer.id) == col(Opportunity.customer_id))
        .outerjoin(User, col(User.id) == col(Opportunity.owner_id))
        .where(visible(ctx, Opportunity), *conditions)
        .order_by(col(Opportunity.id))
        .limit(limit)
    )
    with ctx.reading() as session:
        rows = [(*r[:9], _money(r[9])) for r in session.execute(query)]
    columns = [
        Column("opportunity_id", "Opportunity", "编号", K.INTEGER),
        Column("title", "Title", "名称"),
        Column("customer_code", "Customer code", "客户编码"),
        Column("customer", "Customer", "客户"),
        Column("owner", "Owner", "负责人"),
        Column("funnel", "Funnel", "漏斗"),
        Column("stage", "Stage", "阶段"),
        Column("status", "Status", "状态"),
        Column("expected_close", "Expected close", "预计成交", K.DATE),
        Column("amount", "Amount", "金额", K.MONEY, total=True),
    ]
    totals = (TOTAL, *([None] * 8), sum((r[9] for r in rows), Decimal("0.00")))
    return Table("opportunities", title_en, title_zh, columns, rows, len(rows), totals)

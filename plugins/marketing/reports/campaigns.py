"""Campaign plan (促销活动计划表), promotion cost analysis (促销成本分析表) and advertising
expense analysis (广告费用分析表). Aggregates run in SQL over the cost lines; budgets and
costs are shown only to readers allowed to see money (``access.sees_money``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
import sqlalchemy as sa

from core.context import Context
from core.models import Region, User
from core.report_kit import ZERO, K, KitParams, ReportBase, money, ratio
from core.reports import TOTAL_EN, ChartSpec, Column, ReportResult, Table
from core.summaries import month_expr
from plugins.marketing.access import sees_money
from plugins.marketing.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    CostCategory,
    CostLine,
    Segment,
)
from plugins.marketing.reports.common import (
    campaign_id_of,
    cost_lines_table,
    require_money,
    year_span,
)


class PlanParams(KitParams):
    year: int | None = pydantic.Field(
        None, description="Campaigns running in this year (default: this year)"
    )
    status: CampaignStatus | None = pydantic.Field(None, description="Only this status")
    kind: CampaignKind | None = pydantic.Field(
        None, title="Campaign type", description="Only this campaign type"
    )


def _target_text(row: Any, regions: dict[int, str], segments: dict[int, str]) -> str:
    parts = [
        f"segment {segments.get(row.segment_id, '?')}" if row.segment_id else "",
        row.industry,
        regions.get(row.region_id, "") if row.region_id else "",
        row.size,
        row.customer_class,
    ]
    return ", ".join(p for p in parts if p) or "all customers"


class CampaignPlan(ReportBase):
    id = "marketing_campaign_plan"
    category = "marketing"
    title_en = "Promotion plan"
    title_zh = "促销活动计划表"
    Params = PlanParams

    def run(self, ctx: Context, params: PlanParams) -> ReportResult:
        first, last = year_span(params.year, ctx.today())
        costs = (
            sa.select(
                CostLine.campaign_id,
                sa.func.sum(CostLine.budget).label("planned"),
                sa.func.sum(CostLine.actual).label("actual"),
            )
            .group_by(CostLine.campaign_id)
            .subquery()
        )
        query = (
            sa.select(Campaign, User.login, costs.c.planned, costs.c.actual)
            .outerjoin(User, User.id == Campaign.owner_id)
            .outerjoin(costs, costs.c.campaign_id == Campaign.id)
            .where(Campaign.start <= last, Campaign.end >= first)
            .order_by(Campaign.start, Campaign.code)
        )
        if params.status:
            query = query.where(Campaign.status == params.status)
        if params.kind:
            query = query.where(Campaign.kind == params.kind)
        show_money = sees_money(ctx)
        with ctx.reading() as session:
            regions = dict(session.execute(sa.select(Region.id, Region.code)).all())
            segments = dict(session.execute(sa.select(Segment.id, Segment.code)).all())
            found = session.execute(query).all()
        rows = []
        for c, owner, planned, actual in found:
            money_cells = (
                (
                    money(c.budget),
                    c.budget_status,
                    money(planned),
                    money(actual),
                    ratio(money(actual), c.budget),
                )
                if show_money
                else (None, c.budget_status, None, None, None)
            )
            rows.append(
                (
                    c.code,
                    c.name,
                    c.kind,
                    c.start,
                    c.end,
                    c.status,
                    owner,
                    _target_text(c, regions, segments),
                    ", ".join(c.products),
                    ", ".join(c.channels),
                    *money_cells,
                )
            )
        totals = None
        if show_money:
            totals = (
                TOTAL_EN,
                *([None] * 9),
                sum((r[10] for r in rows), ZERO),
                None,
                sum((r[12] for r in rows), ZERO),
                sum((r[13] for r in rows), ZERO),
                None,
            )
        columns = [
            Column("code", "Code", "活动编码"),
            Column("name", "Campaign", "活动名称"),
            Column("kind", "Type", "类型"),
            Column("start", "Start", "开始", K.DATE),
            Column("end", "End", "结束", K.DATE),
            Column("status", "Status", "状态"),
            Column("owner", "Owner", "负责人"),
            Column("target", "Target", "目标客户"),
            Column("products", "Products", "产品"),
            Column("channels", "Channels", "渠道"),
            Column("budget", "Budget", "预算", K.MONEY, total=True),
            Column("budget_status", "Budget approval", "预算审批"),
            Column("planned", "Planned cost", "计划费用", K.MONEY, total=True),
            Column("actual", "Actual cost", "实际费用", K.MONEY, total=True),
            Column("used", "Budget used", "预算使用率", K.PERCENT),
        ]
        table = Table(
            "campaigns",
            "Campaigns",
            "促销活动",
            columns,
            rows,
            totals=totals,
            drill_columns=("planned", "actual") if show_money else (),
        )
        return self.result(params, [table])

    def drill(
        self, ctx: Context, params: PlanParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "campaigns" or column_id not in ("planned", "actual", "budget"):
            return super().drill(ctx, params, table_id, row, column_id)
        if row is None:
            first, last = year_span(params.year, ctx.today())
            ids = sa.select(Campaign.id).where(Campaign.start <= last, Campaign.end >= first)
            if params.status:
                ids = ids.where(Campaign.status == params.status)
            if params.kind:
                ids = ids.where(Campaign.kind == params.kind)
            return cost_lines_table(ctx, CostLine.campaign_id.in_(ids))
        return cost_lines_table(ctx, CostLine.campaign_id == campaign_id_of(ctx, row[0]))


# -- cost analysis --------------------------------------------------------------------------


class CostParams(KitParams):
    start: dt.date | None = pydantic.Field(
        None, description="First cost date (default: 1 January this year)"
    )
    end: dt.date | None = pydantic.Field(
        None, description="Last cost date (default: 31 December this year)"
    )
    campaign: str | None = pydantic.Field(None, description="Only this campaign code")

    def span(self, today: dt.date) -> tuple[dt.date, dt.date]:
        first, last = year_span(None, today)
        return self.start or first, self.end or last


def _cost_conditions(ctx: Context, params: CostParams, *extra: Any) -> list[Any]:
    start, end = params.span(ctx.today())
    conds = [CostLine.date.between(start, end), *extra]
    campaign_id = campaign_id_of(ctx, params.campaign)
    if campaign_id is not None:
        conds.append(CostLine.campaign_id == campaign_id)
    return conds


def _money_columns() -> list[Column]:
    return [
        Column("lines", "Lines", "笔数", K.INTEGER, total=True),
        Column("budget", "Budget", "预算", K.MONEY, total=True),
        Column("actual", "Actual", "实际", K.MONEY, total=True),
        Column("variance", "Actual - budget", "差异", K.MONEY, total=True),
        Column("used", "Budget used", "预算使用率", K.PERCENT),
    ]


def _money_cells(lines: int, budget: Any, actual: Any) -> tuple:
    b, a = money(budget), money(actual)
    return (int(lines or 0), b, a, a - b, ratio(a, b))


def _totals(rows: list[tuple], lead: int) -> tuple:
    n = sum(r[lead] for r in rows)
    b = sum((r[lead + 1] for r in rows), ZERO)
    a = sum((r[lead + 2] for r in rows), ZERO)
    return (TOTAL_EN, *([None] * (lead - 1)), n, b, a, a - b, ratio(a, b))


def _grouped(ctx: Context, keys: list[Any], conds: list[Any]) -> list[Any]:
    query = (
        sa.select(
            *keys,
            sa.func.count(CostLine.id),
            sa.func.sum(CostLine.budget),
            sa.func.sum(CostLine.actual),
        )
        .join(Campaign, Campaign.id == CostLine.campaign_id)
        .where(*conds)
        .group_by(*keys)
        .order_by(*keys)
    )
    with ctx.reading() as session:
        return session.execute(query).all()


def _month_rows(ctx: Context, conds: list[Any]) -> list[tuple]:
    with ctx.reading() as session:
        month = month_expr(session, CostLine.date).label("month")
        found = session.execute(
            sa.select(
                month,
                sa.func.count(CostLine.id),
                sa.func.sum(CostLine.budget),
                sa.func.sum(CostLine.actual),
            )
            .where(*conds)
            .group_by(month)
            .order_by(month)
        ).all()
    return [(str(m)[:7], *_money_cells(n, b, a)) for m, n, b, a in found]


def _month_table(rows: list[tuple]) -> Table:
    return Table(
        "months",
        "By month",
        "按月",
        [Column("month", "Month", "月份"), *_money_columns()],
        rows,
        totals=_totals(rows, 1),
        drill_columns=("lines", "budget", "actual", "variance"),
    )


def _month_condition(label: str) -> Any:
    first = dt.date(int(label[:4]), int(label[5:7]), 1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return sa.and_(CostLine.date >= first, CostLine.date < nxt)


class CostAnalysis(ReportBase):
    id = "marketing_cost_analysis"
    category = "marketing"
    title_en = "Promotion cost analysis"
    title_zh = "促销成本分析表"
    Params = CostParams

    def run(self, ctx: Context, params: CostParams) -> ReportResult:
        require_money(ctx)
        conds = _cost_conditions(ctx, params)
        found = _grouped(ctx, [Campaign.code, Campaign.name, CostLine.category], conds)
        rows = [(code, name, cat, *_money_cells(n, b, a)) for code, name, cat, n, b, a in found]
        by_campaign = Table(
            "campaigns",
            "By campaign and category",
            "按活动与费用类别",
            [
                Column("campaign", "Campaign", "活动编码"),
                Column("name", "Campaign name", "活动名称"),
                Column("category", "Category", "费用类别"),
                *_money_columns(),
            ],
            rows,
            totals=_totals(rows, 3),
            drill_columns=("lines", "budget", "actual", "variance"),
        )
        chart = ChartSpec(
            "column",
            "Budget and actual by month",
            "各月预算与实际",
            "months",
            "month",
            ("budget", "actual"),
        )
        return self.result(params, [by_campaign, _month_table(_month_rows(ctx, conds))], [chart])

    def drill(
        self, ctx: Context, params: CostParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        extra: list[Any] = []
        if row is not None and table_id == "campaigns":
            extra = [
                CostLine.campaign_id == campaign_id_of(ctx, row[0]),
                CostLine.category == row[2],
            ]
        elif row is not None and table_id == "months":
            extra = [_month_condition(row[0])]
        elif table_id not in ("campaigns", "months"):
            return super().drill(ctx, params, table_id, row, column_id)
        return cost_lines_table(ctx, *_cost_conditions(ctx, params, *extra))


class AdExpense(ReportBase):
    """Advertising cost lines by medium and by month."""

    id = "marketing_ad_expense"
    category = "marketing"
    title_en = "Advertising expense analysis"
    title_zh = "广告费用分析表"
    Params = CostParams

    def _conds(self, ctx: Context, params: CostParams, *extra: Any) -> list[Any]:
        return _cost_conditions(ctx, params, CostLine.category == CostCategory.ADVERTISING, *extra)

    def run(self, ctx: Context, params: CostParams) -> ReportResult:
        require_money(ctx)
        conds = self._conds(ctx, params)
        found = _grouped(ctx, [CostLine.medium], conds)
        rows = [(medium or "-", *_money_cells(n, b, a)) for medium, n, b, a in found]
        total_actual = sum((r[3] for r in rows), ZERO)
        rows = [(*r, ratio(r[3], total_actual)) for r in rows]
        columns = [
            Column("medium", "Medium", "媒体"),
            *_money_columns(),
            Column("share", "Share of actual", "占实际比例", K.PERCENT),
        ]
        media = Table(
            "media",
            "By medium",
            "按媒体",
            columns,
            rows,
            totals=(*_totals(rows, 1), ratio(total_actual, total_actual)),
            drill_columns=("lines", "budget", "actual", "variance"),
        )
        chart = ChartSpec(
            "bar",
            "Advertising actual by medium",
            "各媒体广告实际费用",
            "media",
            "medium",
            ("actual",),
        )
        return self.result(params, [media, _month_table(_month_rows(ctx, conds))], [chart])

    def drill(
        self, ctx: Context, params: CostParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        extra: list[Any] = []
        if row is not None and table_id == "media":
            extra = [CostLine.medium == ("" if row[0] == "-" else row[0])]
        elif row is not None and table_id == "months":
            extra = [_month_condition(row[0])]
        elif table_id not in ("media", "months"):
            return super().drill(ctx, params, table_id, row, column_id)
        return cost_lines_table(ctx, *self._conds(ctx, params, *extra))

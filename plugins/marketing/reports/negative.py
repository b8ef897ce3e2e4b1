"""Negative-information analysis and improvement (负面情报分析改善表): complaints, lost-deal
reasons and competitor moves by reason, product and region, with the state of their
improvement actions, and the register itself. Readers see what their rules allow
(``access.negative_visible``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
import sqlalchemy as sa

from core.context import Context
from core.models import Customer, Opportunity, Product, Region, User
from core.report_kit import ZERO, K, KitParams, ReportBase, money
from core.reports import TOTAL_EN, Column, ReportResult, Table
from plugins.marketing.access import negative_visible
from plugins.marketing.models import ActionStatus, NegativeInfo, NegativeKind
from plugins.marketing.reports.common import year_span

N = NegativeInfo


class NegativeParams(KitParams):
    start: dt.date | None = pydantic.Field(
        None, description="First date (default: 1 January this year)"
    )
    end: dt.date | None = pydantic.Field(
        None, description="Last date (default: 31 December this year)"
    )
    as_of: dt.date | None = pydantic.Field(
        None, description="Actions due before this day and still open are overdue (default: today)"
    )


def _conds(ctx: Context, params: NegativeParams) -> list[Any]:
    first, last = year_span(None, ctx.today())
    return [negative_visible(ctx), N.date.between(params.start or first, params.end or last)]


def _measures(as_of: dt.date) -> list[Any]:
    def kind(k: str) -> Any:
        return sa.func.sum(sa.case((N.kind == k, 1), else_=0))

    is_open = N.action_status == ActionStatus.OPEN
    return [
        sa.func.count(N.id),
        kind(NegativeKind.COMPLAINT),
        kind(NegativeKind.LOST_DEAL),
        kind(NegativeKind.COMPETITOR),
        sa.func.sum(sa.case((N.action_status == ActionStatus.NONE, 1), else_=0)),
        sa.func.sum(sa.case((is_open, 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(is_open, N.action_due < as_of), 1), else_=0)),
        sa.func.sum(sa.case((N.kind == NegativeKind.LOST_DEAL, Opportunity.amount), else_=0)),
    ]


MEASURE_COLUMNS = [
    Column("count", "Items", "条数", K.INTEGER, total=True),
    Column("complaints", "Complaints", "投诉", K.INTEGER, total=True),
    Column("lost_deals", "Lost deals", "丢单", K.INTEGER, total=True),
    Column("competitor", "Competitor moves", "竞争动向", K.INTEGER, total=True),
    Column("no_action", "Without action", "未定措施", K.INTEGER, total=True),
    Column("open", "Actions open", "措施进行中", K.INTEGER, total=True),
    Column("overdue", "Overdue", "逾期", K.INTEGER, total=True),
    Column("lost_amount", "Lost amount", "丢单金额", K.MONEY, total=True),
]
DRILLABLE = tuple(c.id for c in MEASURE_COLUMNS)
# table id -> (title en, title zh, the column grouped by)
DIMENSIONS = {
    "reasons": ("By reason", "按原因", N.reason),
    "products": ("By product", "按产品", Product.code),
    "regions": ("By region", "按区域", Region.code),
}


def _base(query: Any) -> Any:
    return (
        query.outerjoin(Opportunity, Opportunity.id == N.opportunity_id)
        .outerjoin(Product, Product.id == N.product_id)
        .outerjoin(Region, Region.id == N.region_id)
    )


class NegativeAnalysis(ReportBase):
    id = "marketing_negative"
    category = "marketing"
    title_en = "Negative information analysis and improvement"
    title_zh = "负面情报分析改善表"
    Params = NegativeParams

    def run(self, ctx: Context, params: NegativeParams) -> ReportResult:
        as_of = params.as_of or ctx.today()
        conds = _conds(ctx, params)
        tables = []
        with ctx.reading() as session:
            for table_id, (title_en, title_zh, key) in DIMENSIONS.items():
                found = session.execute(
                    _base(sa.select(key, *_measures(as_of)))
                    .where(*conds)
                    .group_by(key)
                    .order_by(key)
                ).all()
                rows = [(k or "-", *(int(v or 0) for v in r[:7]), money(r[7])) for k, *r in found]
                totals = (
                    TOTAL_EN,
                    *(sum(r[i] for r in rows) for i in range(1, 8)),
                    sum((r[8] for r in rows), ZERO),
                )
                tables.append(
                    Table(
                        table_id,
                        title_en,
                        title_zh,
                        [
                            Column(
                                "key",
                                title_en.removeprefix("By ").title(),
                                title_zh.removeprefix("按"),
                            ),
                            *MEASURE_COLUMNS,
                        ],
                        rows,
                        totals=totals,
                        drill_columns=DRILLABLE,
                    )
                )
        tables.append(self.register(ctx, params, [], as_of))
        return self.result(params, tables)

    def register(
        self, ctx: Context, params: NegativeParams, extra: list[Any], as_of: dt.date
    ) -> Table:
        """The register (the form itself): one row per item with its action."""
        reporter, owner = sa.orm.aliased(User), sa.orm.aliased(User)
        query = (
            _base(
                sa.select(
                    N.id,
                    N.date,
                    N.kind,
                    N.reason,
                    Customer.code,
                    Product.code,
                    Region.code,
                    N.competitor,
                    N.description,
                    reporter.login,
                    N.action,
                    owner.login,
                    N.action_due,
                    N.action_status,
                    Opportunity.amount,
                )
            )
            .outerjoin(Customer, Customer.id == N.customer_id)
            .outerjoin(reporter, reporter.id == N.reporter_id)
            .outerjoin(owner, owner.id == N.action_owner_id)
            .where(*_conds(ctx, params), *extra)
            .order_by(N.date, N.id)
        )
        with ctx.reading() as session:
            rows = []
            for r in session.execute(query):
                overdue = r[13] == ActionStatus.OPEN and r[12] is not None and r[12] < as_of
                status = "overdue" if overdue else (r[13] or "no action")
                rows.append((*r[:13], status, money(r[14]) if r[14] is not None else None))
        columns = [
            Column("id", "No.", "编号", K.INTEGER),
            Column("date", "Date", "日期", K.DATE),
            Column("kind", "Kind", "类别"),
            Column("reason", "Reason", "原因"),
            Column("customer", "Customer", "客户"),
            Column("product", "Product", "产品"),
            Column("region", "Region", "区域"),
            Column("competitor", "Competitor", "竞争对手"),
            Column("description", "Description", "情况说明"),
            Column("reporter", "Reported by", "报告人"),
            Column("action", "Improvement action", "改善措施"),
            Column("owner", "Action owner", "负责人"),
            Column("due", "Due", "完成期限", K.DATE),
            Column("status", "Action status", "措施状态"),
            Column("lost_amount", "Lost amount", "丢单金额", K.MONEY, total=True),
        ]
        totals = (TOTAL_EN, *([None] * 13), sum((r[14] for r in rows if r[14] is not None), ZERO))
        return Table("register", "Register", "情报登记", columns, rows, totals=totals)

    def drill(
        self, ctx: Context, params: NegativeParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id not in DIMENSIONS or column_id not in DRILLABLE:
            return super().drill(ctx, params, table_id, row, column_id)
        as_of = params.as_of or ctx.today()
        extra: list[Any] = []
        if row is not None:
            key = DIMENSIONS[table_id][2]
            extra.append(key.is_(None) if row[0] == "-" else key == row[0])
        is_open = N.action_status == ActionStatus.OPEN
        extra.append(
            {
                "complaints": N.kind == NegativeKind.COMPLAINT,
                "lost_deals": N.kind == NegativeKind.LOST_DEAL,
                "lost_amount": N.kind == NegativeKind.LOST_DEAL,
                "competitor": N.kind == NegativeKind.COMPETITOR,
                "no_action": N.action_status == ActionStatus.NONE,
                "open": is_open,
                "overdue": sa.and_(is_open, N.action_due < as_of),
            }.get(column_id, sa.true())
        )
        return self.register(ctx, params, extra, as_of)

"""Order backlog with the production plan, tender win/loss analysis, monthly profit check
(月份经营利益检核表)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.context import Context
from core.models import Customer, Product, User
from core.report_kit import ZERO, KitParams, ReportBase, money, period, ratio, totals_row
from core.report_kit import quantity as qty
from core.reports import ChartSpec, Column, ReportResult, Table
from plugins.manufacturing.models import (
    COUNTED,
    DocKind,
    DocStatus,
    Document,
    Line,
    Stock,
    Tender,
    TenderResult,
)
from plugins.manufacturing.reports.common import (
    DRILL_LIMIT,
    K,
    PeriodParams,
    customer_filter,
    document_lines_table,
)
from plugins.manufacturing.services.common import visible_rows


class BacklogParams(KitParams):
    as_of: dt.date | None = pydantic.Field(None, description="Report date (default: today)")
    until: dt.date | None = pydantic.Field(
        None, description="Only lines promised up to this day (default: all open lines)"
    )
    region: str | None = pydantic.Field(
        None, description="Region code: only customers of this region and below"
    )


BACKLOG_COLUMNS = [
    Column("line", "Line", "行号", K.INTEGER),
    Column("order", "Order", "订单号"),
    Column("customer", "Customer", "客户"),
    Column("product", "Product", "产品"),
    Column("promised", "Promised", "承诺交期", K.DATE),
    Column("ordered", "Ordered", "订货数量", K.QUANTITY, total=True),
    Column("shipped", "Shipped", "已发数量", K.QUANTITY, total=True),
    Column("open", "Open", "未发数量", K.QUANTITY, total=True),
    Column("open_amount", "Open amount", "未发金额", K.MONEY, total=True),
    Column("days_late", "Days late", "延期天数", K.INTEGER),
]
PLAN_COLUMNS = [
    Column("product_code", "Product code", "产品编码"),
    Column("product", "Product", "产品"),
    Column("due_this_week", "Due this week", "本周应交", K.QUANTITY, total=True),
    Column("open", "All open", "全部未发", K.QUANTITY, total=True),
    Column("on_hand", "Stock on hand", "库存", K.QUANTITY, total=True),
    Column("to_produce", "To produce this week", "本周需生产", K.QUANTITY, total=True),
]


def open_lines_query(ctx: Context, conds: list[Any]) -> Any:
    """Open lines of submitted orders: ordered minus the net quantity delivered."""
    delivery, dline = aliased(Document), aliased(Line)
    shipped = (
        sa.select(dline.source_line_id.label("line_id"), sa.func.sum(dline.quantity).label("qty"))
        .join(delivery, delivery.id == dline.document_id)
        .where(delivery.kind == DocKind.DELIVERY, delivery.status.in_(COUNTED))
        .group_by(dline.source_line_id)
        .subquery()
    )
    done = sa.func.coalesce(shipped.c.qty, 0)
    promised = sa.func.coalesce(Line.promised_date, Document.promised_date)
    return (
        sa.select(
            Line.id,
            Document.number,
            Customer.name,
            Product.code,
            Product.name,
            promised.label("promised"),
            Line.quantity,
            done,
            Line.unit_price,
            Line.product_id,
        )
        .join(Document, Document.id == Line.document_id)
        .join(Customer, Customer.id == Document.customer_id)
        .join(Product, Product.id == Line.product_id)
        .outerjoin(shipped, shipped.c.line_id == Line.id)
        .where(
            Document.kind == DocKind.ORDER,
            Document.status == DocStatus.SUBMITTED,
            Line.quantity > done,
            *conds,
        )
        .order_by(promised, Document.number, Line.id)
    )


class OrderBacklog(ReportBase):
    id = "mfg_order_backlog"
    category = "manufacturing"
    title_en = "Order backlog and production plan"
    title_zh = "订单执行与生产安排表"
    Params = BacklogParams

    def run(self, ctx: Context, params: Any) -> ReportResult:
        as_of = params.as_of or ctx.today()
        week_end = as_of + dt.timedelta(days=6 - as_of.weekday())
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
            found = session.execute(open_lines_query(ctx, conds)).all()
            stock = {
                r[0]: qty(r[1]) for r in session.execute(sa.select(Stock.product_id, Stock.on_hand))
            }
        rows, plan = [], {}
        for r in found:
            ordered, shipped = qty(r[6]), qty(r[7])
            left = ordered - shipped
            entry = plan.setdefault(r[9], [r[3], r[4], ZERO, ZERO])
            entry[3] += left
            if r[5] is None or r[5] <= week_end:
                entry[2] += left
            if params.until is None or (r[5] is not None and r[5] <= params.until):
                late = (as_of - r[5]).days if r[5] and r[5] < as_of else 0
                rows.append(
                    (
                        r[0],
                        r[1],
                        r[2],
                        f"{r[3]} {r[4]}",
                        r[5],
                        ordered,
                        shipped,
                        left,
                        money(left * Decimal(str(r[8]))),
                        late,
                    )
                )
        plan_rows = [
            (
                code,
                name,
                due,
                left,
                stock.get(pid, ZERO),
                max(due - max(stock.get(pid, ZERO), ZERO), ZERO),
            )
            for pid, (code, name, due, left) in sorted(plan.items(), key=lambda kv: kv[1][0])
        ]
        tables = [
            Table(
                "backlog",
                "Open order lines",
                "未完成订单行",
                BACKLOG_COLUMNS,
                rows,
                len(rows),
                totals_row(BACKLOG_COLUMNS, rows),
                drill_columns=("shipped", "ordered"),
            ),
            Table(
                "plan",
                "What to produce this week",
                "本周生产安排",
                PLAN_COLUMNS,
                plan_rows,
                len(plan_rows),
                totals_row(PLAN_COLUMNS, plan_rows),
            ),
        ]
        chart = ChartSpec(
            "bar",
            "Due this week vs stock",
            "本周应交与库存",
            "plan",
            "product_code",
            ("due_this_week", "on_hand"),
        )
        return self.result(params, tables, [chart])

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "backlog" or row is None:
            raise self.no_drill(table_id, column_id)
        if column_id == "shipped":
            return document_lines_table(
                ctx,
                Line.source_line_id == row[0],
                Document.kind == DocKind.DELIVERY,
                title_en="Deliveries of the line",
                title_zh="发货明细",
            )
        return document_lines_table(
            ctx, Line.id == row[0], title_en="Order line", title_zh="订单行"
        )


TENDER_COLUMNS = [
    Column("owner", "Owner", "负责人"),
    Column("tenders", "Tenders", "投标数", K.INTEGER, True),
    Column("won", "Won", "中标", K.INTEGER, True),
    Column("lost", "Lost", "未中标", K.INTEGER, True),
    Column("withdrawn", "Withdrawn", "放弃", K.INTEGER, True),
    Column("open", "Open", "进行中", K.INTEGER, True),
    Column("win_rate", "Win rate", "中标率", K.PERCENT),
    Column("bid_total", "Bid amount", "投标金额", K.MONEY, True),
    Column("won_amount", "Won amount", "中标金额", K.MONEY, True),
    Column("bonds_out", "Bid bonds outstanding", "未退投标保证金", K.MONEY, True),
]
REASON_COLUMNS = [
    Column("reason", "Reason lost", "失标原因"),
    Column("tenders", "Tenders", "次数", K.INTEGER, True),
    Column("bid_total", "Bid amount", "投标金额", K.MONEY, True),
]


class TenderAnalysis(ReportBase):
    id = "mfg_tender_analysis"
    category = "manufacturing"
    title_en = "Tender win/loss analysis"
    title_zh = "投标输赢分析表"
    Params = PeriodParams

    def _conds(self, ctx: Context, params: Any) -> list[Any]:
        start, end = period(ctx, params)
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
        return [
            Tender.deadline.between(start, end),
            Tender.customer_id.in_(sa.select(Customer.id).where(*conds)),
        ]

    def run(self, ctx: Context, params: Any) -> ReportResult:
        conds = self._conds(ctx, params)
        count = {
            r.value: sa.func.sum(sa.case((Tender.result == r.value, 1), else_=0))
            for r in TenderResult
        }
        won_amount = sa.func.sum(
            sa.case((Tender.result == TenderResult.WON, Tender.bid_price), else_=0)
        )
        bonds = sa.func.sum(sa.case((Tender.result == TenderResult.OPEN, Tender.bid_bond), else_=0))
        by_owner = (
            sa.select(
                sa.func.coalesce(User.login, ""),
                sa.func.count(),
                count["won"],
                count["lost"],
                count["withdrawn"],
                count["open"],
                sa.func.sum(Tender.bid_price),
                won_amount,
                bonds,
            )
            .outerjoin(User, User.id == Tender.owner_id)
            .where(*conds)
            .group_by(User.login)
            .order_by(User.login)
        )
        reasons = (
            sa.select(Tender.reason, sa.func.count(), sa.func.sum(Tender.bid_price))
            .where(Tender.result == TenderResult.LOST, *conds)
            .group_by(Tender.reason)
            .order_by(sa.func.count().desc(), Tender.reason)
        )
        with ctx.reading() as session:
            rows = [
                (
                    r[0],
                    *map(int, r[1:6]),
                    ratio(Decimal(r[2]), Decimal(r[2] + r[3])),
                    money(r[6]),
                    money(r[7]),
                    money(r[8]),
                )
                for r in session.execute(by_owner)
            ]
            why = [(r[0], int(r[1]), money(r[2])) for r in session.execute(reasons)]
        totals = list(totals_row(TENDER_COLUMNS, rows))
        totals[6] = ratio(Decimal(totals[2] or 0), Decimal((totals[2] or 0) + (totals[3] or 0)))
        tables = [
            Table(
                "owners",
                self.title_en,
                self.title_zh,
                TENDER_COLUMNS,
                rows,
                len(rows),
                tuple(totals),
                drill_columns=("tenders", "won", "lost", "open"),
            ),
            Table(
                "reasons",
                "Why tenders were lost",
                "失标原因",
                REASON_COLUMNS,
                why,
                len(why),
                totals_row(REASON_COLUMNS, why),
                drill_columns=("tenders",),
            ),
        ]
        chart = ChartSpec(
            "bar", "Won and lost by owner", "各负责人中标与失标", "owners", "owner", ("won", "lost")
        )
        return self.result(params, tables, [chart])

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        conds = self._conds(ctx, params)
        if table_id == "owners" and row is not None:
            conds.append(Tender.owner_id.in_(sa.select(User.id).where(User.login == row[0])))
        if table_id == "reasons":
            conds.append(Tender.result == TenderResult.LOST)
            if row is not None:
                conds.append(Tender.reason == row[0])
        elif column_id in ("won", "lost", "open"):
            conds.append(Tender.result == column_id)
        return tenders_table(ctx, *conds)


def tenders_table(ctx: Context, *conds: Any) -> Table:
    columns = [
        Column("number", "Tender", "投标编号"),
        Column("title", "Title", "项目名称"),
        Column("customer", "Customer", "客户"),
        Column("deadline", "Deadline", "截止日", K.DATE),
        Column("result", "Result", "结果"),
        Column("reason", "Reason", "原因"),
        Column("competitors", "Competitors", "竞争对手"),
        Column("bid_price", "Bid price", "投标报价", K.MONEY, True),
    ]
    query = (
        sa.select(
            Tender.number,
            Tender.title,
            Customer.name,
            Tender.deadline,
            Tender.result,
            Tender.reason,
            Tender.competitors,
            Tender.bid_price,
        )
        .join(Customer, Customer.id == Tender.customer_id)
        .where(visible_rows(ctx, Tender.customer_id), *conds)
        .order_by(Tender.deadline, Tender.id)
        .limit(DRILL_LIMIT)
    )
    with ctx.reading() as session:
        rows = [(*r[:7], money(r[7])) for r in session.execute(query)]
    return Table("tenders", "Tenders", "投标", columns, rows, len(rows), totals_row(columns, rows))


class ProfitParams(KitParams):
    year: int | None = pydantic.Field(
        None, ge=2000, le=2100, description="Year (default: this year)"
    )
    region: str | None = pydantic.Field(
        None, description="Region code: only customers of this region and below"
    )


PROFIT_COLUMNS = [
    Column("month", "Month", "月份"),
    Column("revenue", "Invoiced", "开票收入", K.MONEY, True),
    Column("costed_revenue", "Revenue with cost", "有成本的收入", K.MONEY, True),
    Column("cost", "Cost", "成本", K.MONEY, True),
    Column("profit", "Gross profit", "毛利", K.MONEY, True),
    Column("margin", "Margin", "毛利率", K.PERCENT),
    Column("uncosted", "Revenue without cost", "无成本收入", K.MONEY, True),
]


class ProfitCheck(ReportBase):
    id = "mfg_profit_check"
    category = "manufacturing"
    title_en = "Monthly profit check"
    title_zh = "月份经营利益检核表"
    Params = ProfitParams

    def _conds(self, ctx: Context, params: Any) -> list[Any]:
        year = params.year or ctx.today().year
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
        return [
            Document.kind == DocKind.INVOICE,
            Document.status.in_(COUNTED),
            Document.doc_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            Document.customer_id.in_(sa.select(Customer.id).where(*conds)),
        ]

    def run(self, ctx: Context, params: Any) -> ReportResult:
        conds = self._conds(ctx, params)
        costed = Line.unit_cost.is_not(None)
        measures = (
            sa.func.sum(Line.amount),
            sa.func.sum(sa.case((costed, Line.amount), else_=0)),
            sa.func.sum(sa.case((costed, Line.quantity * Line.unit_cost), else_=0)),
        )
        month = sa.extract("month", Document.doc_date)
        by_month = (
            sa.select(month, *measures)
            .join(Document, Document.id == Line.document_id)
            .where(*conds)
            .group_by(month)
            .order_by(month)
        )
        by_product = (
            sa.select(Product.code, *measures)
            .join(Document, Document.id == Line.document_id)
            .join(Product, Product.id == Line.product_id)
            .where(*conds)
            .group_by(Product.code)
            .order_by(Product.code)
        )
        year = params.year or ctx.today().year
        with ctx.reading() as session:
            months = [
                (f"{year}-{int(r[0]):02d}", *_profit(r[1:])) for r in session.execute(by_month)
            ]
            products = [(r[0], *_profit(r[1:])) for r in session.execute(by_product)]
        tables = []
        for tid, en, zh, rows, first in (
            ("months", self.title_en, self.title_zh, months, PROFIT_COLUMNS[0]),
            (
                "products",
                "Profit by product",
                "各产品毛利",
                products,
                Column("product", "Product", "产品"),
            ),
        ):
            columns = [first, *PROFIT_COLUMNS[1:]]
            totals = list(totals_row(columns, rows))
            totals[5] = ratio(totals[4] or ZERO, totals[2] or ZERO)
            tables.append(
                Table(
                    tid,
                    en,
                    zh,
                    columns,
                    rows,
                    len(rows),
                    tuple(totals),
                    drill_columns=("revenue", "uncosted"),
                )
            )
        chart = ChartSpec(
            "column",
            "Revenue and gross profit",
            "收入与毛利",
            "months",
            "month",
            ("revenue", "profit"),
        )
        return self.result(params, tables, [chart])

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        conds = self._conds(ctx, params)
        if row is not None and table_id == "months":
            conds.append(sa.extract("month", Document.doc_date) == int(row[0][5:7]))
        elif row is not None:
            conds.append(Line.product_id.in_(sa.select(Product.id).where(Product.code == row[0])))
        if column_id == "uncosted":
            conds.append(Line.unit_cost.is_(None))
        return document_lines_table(ctx, *conds, title_en="Invoice lines", title_zh="发票明细")


def _profit(values: Any) -> tuple:
    revenue, costed, cost = (money(v) for v in values)
    return revenue, costed, cost, costed - cost, ratio(costed - cost, costed), revenue - costed

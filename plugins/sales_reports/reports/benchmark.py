"""The three benchmark reports of docs/performance.md, as ordinary reports.

Q1 rep periods: per rep, actual, target and completion for MTD/QTD/YTD, plus the same
periods last year. Q2: month x product x region totals over 36 months. Q3: the top 20
customers year to date with the same period last year.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.context import Context
from core.drill import sales_lines_table
from core.errors import NotFound
from core.i18n import translator
from core.models import MONEY, Customer, Product, Region, SalesLine, SalesTarget, User
from core.report_kit import (
    ZERO,
    AsOfParams,
    AsOfRegionParams,
    ReportBase,
    as_of,
    col_sum,
    growth,
    money,
    ratio,
    region_condition,
    region_ids,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.summaries import add_months, month_end, month_start
from plugins.sales_reports.reports import sources
from plugins.sales_reports.reports.common import (
    Names,
    customer_names,
    key_condition,
    parse_month,
    quarter_start,
    rep_condition,
    target_gap,
)

_ = translator(__file__)  # words in the core catalogue (no locale folder of its own)
K = ColumnKind
PERIODS = ("mtd", "qtd", "ytd")
DRILL_PERIODS = ("mtd", "qtd", "ytd", "mtd_ly", "qtd_ly", "ytd_ly")
PERIOD_TITLES = {"mtd": ("MTD", "本月累计"), "qtd": ("QTD", "本季累计"), "ytd": ("YTD", "本年累计")}


def period_ranges(day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """MTD/QTD/YTD ending ``day`` and the same days a year earlier (``*_ly``, the shared
    like-for-like rule of ``core.periods``)."""
    now = {
        "mtd": (month_start(day), day),
        "qtd": (quarter_start(day), day),
        "ytd": (dt.date(day.year, 1, 1), day),
    }
    return {**now, **{f"{k}_ly": pr.same_days_last_year(*span) for k, span in now.items()}}


def rep_targets(session: Any, day: dt.date) -> dict[int, dict[str, Decimal]]:
    """Official rep targets of the months in each period (whole months, through ``day``'s),
    summed in the database."""
    firsts = {"mtd": month_start(day), "qtd": quarter_start(day), "ytd": dt.date(day.year, 1, 1)}
    t = SalesTarget.__table__  # type: ignore[attr-defined]
    sums = [
        sa.type_coerce(sa.func.sum(sa.case((t.c.month >= first, t.c.amount), else_=0)), MONEY)
        for first in firsts.values()
    ]
    query = (
        sa.select(t.c.key_id, *sums)
        .where(t.c.dimension == "rep", t.c.month.between(firsts["ytd"], firsts["mtd"]))
        .group_by(t.c.key_id)
    )
    return {
        key: {name: money(v) for name, v in zip(firsts, values, strict=True)}
        for key, *values in session.connection().execute(query)
    }


class RepPeriods(ReportBase):
    id = "rep_periods"
    title_en = "Rep performance: MTD, QTD, YTD vs target and last year (Q1)"
    title_zh = "业务员业绩：本月/本季/本年累计 与指标及去年同期对比"
    category = "performance"
    Params = AsOfRegionParams

    def run(self, ctx: Context, params: AsOfRegionParams) -> ReportResult:
        day = as_of(ctx, params)
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            sums = sources.period_sums(ctx, session, ["rep_id"], period_ranges(day), regions)
            targets = rep_targets(session, day)
            gap = target_gap(ctx, session, dt.date(day.year, 1, 1), day, "rep")
            visible_reps = {u.id for u in _visible_rep_ids(ctx, session, regions)}
            names = Names(session)
        rep_ids = set(sums) | {(r,) for r in targets if r in visible_reps}
        rows = []
        for (rep_id,) in sorted(rep_ids, key=lambda k: names.user(k[0])[0] or ""):
            actual = sums.get((rep_id,), dict.fromkeys(DRILL_PERIODS, ZERO))
            target = targets.get(rep_id, dict.fromkeys(PERIODS, ZERO))
            login, name = names.user(rep_id)
            row: list[Any] = [login, name]
            for p in PERIODS:
                row += [
                    actual[p],
                    target[p],
                    ratio(actual[p], target[p]),
                    actual[f"{p}_ly"],
                    growth(actual[p], actual[f"{p}_ly"]),
                ]
            rows.append(tuple(row))
        spans = period_ranges(day)
        return self.result(
            params,
            [self._table(rows)],
            [
                ChartSpec(
                    "column",
                    "YTD actual vs target",
                    "本年累计：实际与指标",
                    "reps",
                    "rep_name",
                    ("ytd", "ytd_target"),
                )
            ],
            [*(pr.compare_caption(spans[p], spans[f"{p}_ly"]) for p in PERIODS), *gap],
        )

    def _table(self, rows: list[tuple]) -> Table:
        columns = [Column("rep", "Rep", "业务员"), Column("rep_name", "Name", "姓名")]
        for p in PERIODS:
            en, zh = PERIOD_TITLES[p]
            columns += [
                Column(p, f"{en} actual", f"{zh}实际", K.MONEY, True),
                Column(f"{p}_target", f"{en} target", f"{zh}指标", K.MONEY, True),
                Column(f"{p}_pct", f"{en} completion", f"{zh}完成率", K.PERCENT),
                Column(f"{p}_ly", f"{en} last year", f"{zh}去年同期", K.MONEY, True),
                Column(f"{p}_growth", f"{en} growth", f"{zh}增长率", K.PERCENT),
            ]
        totals: list[Any] = [TOTAL_EN, None]
        for i in range(len(PERIODS)):
            base = 2 + i * 5
            act, tgt, ly = (col_sum(rows, base), col_sum(rows, base + 1), col_sum(rows, base + 3))
            totals += [act, tgt, ratio(act, tgt), ly, growth(act, ly)]
        drill = tuple(c for p in PERIODS for c in (p, f"{p}_ly"))
        return Table("reps", "Reps", "业务员", columns, rows, len(rows), tuple(totals), drill)

    def drill(
        self,
        ctx: Context,
        params: AsOfRegionParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        if table_id != "reps" or column_id not in DRILL_PERIODS:
            return super().drill(ctx, params, table_id, row, column_id)
        start, end = period_ranges(as_of(ctx, params))[column_id]
        with ctx.reading() as session:
            conds = [SalesLine.date.between(start, end)]
            conds.append(region_condition(session, SalesLine.region_id, params.region))
            if row is not None:
                conds.append(rep_condition(session, row[0]))
        return sales_lines_table(ctx, *conds)


def _visible_rep_ids(ctx: Context, session: Any, regions: set[int] | None) -> list[Any]:
    from core.access import visible

    query = sa.select(User.id).where(visible(ctx, User))
    if regions is not None:
        query = query.where(User.region_id.in_(regions or {-1}))
    return session.execute(query).all()


class Q2Params(AsOfRegionParams):
    months: int = pydantic.Field(36, ge=1, le=120, description="Months back from the date")


class ProductRegionMonths(ReportBase):
    id = "product_region_months"
    title_en = "Sales by month, product and region (Q2)"
    title_zh = "按月份、产品、区域销售汇总"
    category = "statistics"
    Params = Q2Params

    def run(self, ctx: Context, params: Q2Params) -> ReportResult:
        day = as_of(ctx, params)
        first = add_months(month_start(day), 1 - params.months)
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            cells = sources.product_region_cells(ctx, session, first, day, day, regions)
            names = Names(session)
        products, regions_ = names.products, names.regions
        none = (None, None)
        rows = [
            (month, *products.get(p, none), *regions_.get(r, none), n, q, a)
            for month, p, r, n, q, a in cells
        ]
        columns = [
            Column("month", "Month", "月份"),
            Column("product", "Product", "产品编码"),
            Column("product_name", "Product name", "产品"),
            Column("region", "Region", "区域编码"),
            Column("region_name", "Region name", "区域"),
            Column("lines", "Lines", "笔数", K.INTEGER, True),
            Column("quantity", "Quantity", "数量", K.QUANTITY, True),
            Column("amount", "Amount", "金额", K.MONEY, True),
        ]
        totals = (
            TOTAL_EN,
            None,
            None,
            None,
            None,
            sum(r[5] for r in rows),
            sum((r[6] for r in rows), Decimal("0.000")),
            col_sum(rows, 7),
        )
        table = Table(
            "cells",
            "Month x product x region",
            "月份×产品×区域",
            columns,
            rows,
            len(rows),
            totals,
            ("lines", "quantity", "amount"),
        )
        return self.result(params, [table])

    def drill(
        self, ctx: Context, params: Q2Params, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "cells":
            return super().drill(ctx, params, table_id, row, column_id)
        day = as_of(ctx, params)
        first = add_months(month_start(day), 1 - params.months)
        conds: list[Any] = [SalesLine.date.between(first, day)]
        with ctx.reading() as session:
            conds.append(region_condition(session, SalesLine.region_id, params.region))
            if row is not None:
                month = parse_month(row[0])
                conds += [
                    SalesLine.date.between(month, min(day, month_end(month))),
                    key_condition(SalesLine.product_id, session, Product, Product.code, row[1]),
                    key_condition(SalesLine.region_id, session, Region, Region.code, row[3]),
                ]
        return sales_lines_table(ctx, *conds)


class Q3Params(AsOfParams):
    top: int = pydantic.Field(20, ge=1, le=1000, description="How many customers")


class TopCustomers(ReportBase):
    id = "top_customers"
    title_en = "Top customers year to date vs last year (Q3)"
    title_zh = "本年累计前列客户及同比"
    category = "customers"
    Params = Q3Params

    def run(self, ctx: Context, params: Q3Params) -> ReportResult:
        day = as_of(ctx, params)
        span = (dt.date(day.year, 1, 1), day)
        ly = pr.same_days_last_year(*span)[1]
        with ctx.reading() as session:
            top = sources.top_customers_ytd(ctx, session, day, params.top)
            ids = [cid for cid, _ in top]
            last_year = sources.customers_ytd(ctx, session, ids, ly)
            total = sources.period_sums(ctx, session, [], {"ytd": (dt.date(day.year, 1, 1), day)})
            info = customer_names(session, ids)
            names = Names(session)
        all_ytd = total.get((), {}).get("ytd", ZERO)
        rows = []
        for rank, (cid, amount) in enumerate(top, 1):
            code, name, region_id = info.get(cid, (None, None, None))
            before = last_year.get(cid, ZERO)
            rows.append(
                (
                    rank,
                    code,
                    name,
                    names.region(region_id)[1],
                    amount,
                    before,
                    growth(amount, before),
                    ratio(amount, all_ytd),
                )
            )
        columns = [
            Column("rank", "Rank", "排名", K.INTEGER),
            Column("customer", "Code", "客户编码"),
            Column("customer_name", "Customer", "客户"),
            Column("region", "Region", "区域"),
            Column("ytd", "YTD", "本年累计", K.MONEY, True),
            Column("ytd_ly", "Same period last year", "去年同期", K.MONEY, True),
            Column("growth", "Growth", "同比增长", K.PERCENT),
            Column("share", "Share of all sales", "占总销售比", K.PERCENT),
        ]
        ytd, before = col_sum(rows, 4), col_sum(rows, 5)
        totals = (TOTAL_EN, None, None, None, ytd, before, growth(ytd, before), ratio(ytd, all_ytd))
        table = Table(
            "customers",
            "Top customers",
            "前列客户",
            columns,
            rows,
            len(rows),
            totals,
            ("ytd", "ytd_ly"),
        )
        chart = ChartSpec(
            "bar",
            "Top customers YTD",
            "本年累计前列客户",
            "customers",
            "customer_name",
            ("ytd", "ytd_ly"),
        )
        caption = pr.compare_caption(span, pr.same_days_last_year(*span))
        return self.result(params, [table], [chart], [caption])

    def drill(
        self, ctx: Context, params: Q3Params, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "customers" or column_id not in ("ytd", "ytd_ly"):
            return super().drill(ctx, params, table_id, row, column_id)
        day = as_of(ctx, params)
        span = (dt.date(day.year, 1, 1), day)
        end = day if column_id == "ytd" else pr.same_days_last_year(*span)[1]
        conds: list[Any] = [SalesLine.date.between(dt.date(end.year, 1, 1), end)]
        with ctx.reading() as session:
            if row is not None:
                conds.append(
                    key_condition(SalesLine.customer_id, session, Customer, Customer.code, row[1])
                )
            else:  # the totals row: the customers listed, not every customer
                codes = [r[1] for r in self.run(ctx, params).tables[0].rows]
                ids = session.scalars(sa.select(Customer.id).where(Customer.code.in_(codes)))
                conds.append(SalesLine.customer_id.in_(list(ids) or [-1]))
        if not conds:
            raise NotFound(_("There is nothing behind this figure to show."))
        return sales_lines_table(ctx, *conds)

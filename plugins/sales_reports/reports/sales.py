"""Standard forms about sales figures: daily sales, salesperson monthly performance,
monthly sales statistics, multi-year comparison (docs/domain.md section 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.access import visible
from core.context import Context
from core.drill import sales_lines_table
from core.models import Product, Region, SalesLine, SalesTarget, User
from core.report_kit import (
    ZERO,
    AmountsParams,
    AsOfRegionParams,
    CompareParams,
    ReportBase,
    amounts_caption,
    as_of,
    col_sum,
    growth,
    money,
    quantity,
    ratio,
    region_condition,
    region_ids,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.summaries import add_months, month_end, month_start
from plugins.sales_reports.reports import sources
from plugins.sales_reports.reports.common import (
    Names,
    key_condition,
    month_label,
    parse_month,
    rep_condition,
    target_gap,
)

K = ColumnKind


def _amount_cols() -> list[Column]:
    return [
        Column("lines", "Lines", "笔数", K.INTEGER, True),
        Column("quantity", "Quantity", "数量", K.QUANTITY, True),
        Column("amount", "Amount", "金额", K.MONEY, True),
    ]


def _sum_totals(rows: list[tuple], first_numeric: int, width: int) -> tuple:
    """Label, blanks, then the sum of every column from ``first_numeric`` on."""
    out: list[Any] = [TOTAL_EN, *([None] * (first_numeric - 1))]
    for i in range(first_numeric, width):
        values = [r[i] for r in rows if r[i] is not None]
        out.append(sum(values[1:], values[0]) if values else None)
    return tuple(out)


# -- daily sales ----------------------------------------------------------------------------


class DailyParams(AmountsParams, AsOfRegionParams):
    """as_of, region, amounts (net of VAT or including it)."""


class DailySales(ReportBase):
    id = "daily_sales"
    title_en = "Daily sales report"
    title_zh = "销售日报表"
    category = "daily"
    Params = DailyParams

    def run(self, ctx: Context, params: DailyParams) -> ReportResult:
        day = as_of(ctx, params)
        amount = sources.amount_of(ctx, params.amounts)
        total = sa.func.sum(SalesLine.amount if amount is None else amount)
        with ctx.reading() as session:
            conds = [
                SalesLine.date == day,
                visible(ctx, SalesLine),
                region_condition(session, SalesLine.region_id, params.region),
            ]
            by_rep = session.execute(
                sa.select(
                    SalesLine.rep_id,
                    sa.func.count(),
                    sa.func.count(sa.distinct(SalesLine.customer_id)),
                    sa.func.sum(SalesLine.quantity),
                    total,
                )
                .where(*conds)
                .group_by(SalesLine.rep_id)
            ).all()
            by_product = session.execute(
                sa.select(
                    SalesLine.product_id, sa.func.count(), sa.func.sum(SalesLine.quantity), total
                )
                .where(*conds)
                .group_by(SalesLine.product_id)
            ).all()
            mtd = sources.period_sums(
                ctx,
                session,
                ["rep_id"],
                {"mtd": (month_start(day), day)},
                region_ids(session, params.region),
                amount,
            )
            names = Names(session)
        today = {r: (n, c, quantity(q), money(a)) for r, n, c, q, a in by_rep}
        idle = (0, 0, Decimal("0.000"), Decimal("0.00"))  # sold this month, not today
        rep_rows = sorted(
            (
                (*names.user(r), *today.get(r, idle), mtd[(r,)]["mtd"])
                for r in today.keys() | {k[0] for k, v in mtd.items() if v["mtd"]}
            ),
            key=lambda t: (-t[5], -t[6], t[0] or ""),
        )
        product_rows = sorted(
            ((*names.product(p), n, quantity(q), money(a)) for p, n, q, a in by_product),
            key=lambda t: (-t[4], t[0] or ""),
        )
        reps = Table(
            "reps",
            "By rep",
            "按业务员",
            [
                Column("rep", "Rep", "业务员"),
                Column("rep_name", "Name", "姓名"),
                Column("lines", "Lines", "笔数", K.INTEGER, True),
                Column("customers", "Customers", "客户数", K.INTEGER),
                Column("quantity", "Quantity", "数量", K.QUANTITY, True),
                Column("amount", "Amount", "金额", K.MONEY, True),
                Column("mtd", "Month to date", "本月累计", K.MONEY, True),
            ],
            rep_rows,
            totals=_daily_totals(rep_rows),
            drill_columns=("amount", "mtd"),
        )
        products = Table(
            "products",
            "By product",
            "按产品",
            [
                Column("product", "Product", "产品编码"),
                Column("product_name", "Name", "产品"),
                *_amount_cols(),
            ],
            product_rows,
            totals=_sum_totals(product_rows, 2, 5),
            drill_columns=("amount",),
        )
        chart = ChartSpec("bar", "Sales by rep", "业务员销售额", "reps", "rep_name", ("amount",))
        return self.result(params, [reps, products], [chart], [amounts_caption(params.amounts)])

    def drill(
        self,
        ctx: Context,
        params: AsOfRegionParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        day = as_of(ctx, params)
        start = month_start(day) if column_id == "mtd" else day
        with ctx.reading() as session:
            conds = [
                SalesLine.date.between(start, day),
                region_condition(session, SalesLine.region_id, params.region),
            ]
            if row is not None and table_id == "reps":
                conds.append(rep_condition(session, row[0]))
            elif row is not None and table_id == "products":
                conds.append(
                    key_condition(SalesLine.product_id, session, Product, Product.code, row[0])
                )
        return sales_lines_table(ctx, *conds)


def _daily_totals(rows: list[tuple]) -> tuple:
    return (
        TOTAL_EN,
        None,
        sum(r[2] for r in rows),
        None,
        sum((r[4] for r in rows), Decimal("0.000")),
        col_sum(rows, 5),
        col_sum(rows, 6),
    )


# -- salesperson monthly performance ---------------------------------------------------------


class MonthParams(CompareParams, AsOfRegionParams):
    month: dt.date | None = pydantic.Field(
        None, description="Any day of the month to report (default: this month)"
    )


def _month(ctx: Context, params: Any) -> dt.date:
    return month_start(params.month or as_of(ctx, params))


class RepMonthly(ReportBase):
    id = "rep_monthly"
    title_en = "Salesperson monthly performance"
    title_zh = "销售员实绩综合月报表"
    category = "performance"
    Params = MonthParams

    def periods(self, ctx: Context, params: MonthParams) -> dict[str, tuple[dt.date, dt.date]]:
        """The month (and year) up to the report date, against the same days last year
        (or, when asked, the whole of last year's month and year to its end)."""
        month = _month(ctx, params)
        now = pr.current(month, month_end(month), as_of(ctx, params))
        ytd = (dt.date(month.year, 1, 1), now[1])
        if params.compare_full:
            ly = pr.last_year_full(*now)
            ytd_ly = (dt.date(ly[0].year, 1, 1), ly[1])
        else:
            ly, ytd_ly = pr.same_days_last_year(*now), pr.same_days_last_year(*ytd)
        return {"actual": now, "ly": ly, "ytd": ytd, "ytd_ly": ytd_ly}

    def run(self, ctx: Context, params: MonthParams) -> ReportResult:
        month = _month(ctx, params)
        periods = self.periods(ctx, params)
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            sums = sources.period_sums(ctx, session, ["rep_id"], periods, regions)
            targets = _rep_targets(ctx, session, month, regions)
            gap = target_gap(ctx, session, dt.date(month.year, 1, 1), month, "rep")
            names = Names(session)
        keys = set(sums) | {(r,) for r in targets}
        rows = []
        for (rep_id,) in sorted(keys, key=lambda k: names.user(k[0])[0] or ""):
            a = sums.get((rep_id,), dict.fromkeys(periods, ZERO))
            t = targets.get(rep_id, (ZERO, ZERO))
            rows.append(
                (
                    *names.user(rep_id),
                    a["actual"],
                    t[0],
                    ratio(a["actual"], t[0]),
                    a["ly"],
                    growth(a["actual"], a["ly"]),
                    a["ytd"],
                    t[1],
                    ratio(a["ytd"], t[1]),
                    a["ytd_ly"],
                    growth(a["ytd"], a["ytd_ly"]),
                )
            )
        columns = [
            Column("rep", "Rep", "业务员"),
            Column("rep_name", "Name", "姓名"),
            Column("actual", "Actual", "本月实绩", K.MONEY, True),
            Column("target", "Target", "本月目标", K.MONEY, True),
            Column("completion", "Completion", "达成率", K.PERCENT),
            Column("ly", "Same month last year", "去年同月", K.MONEY, True),
            Column("growth", "Growth", "增长率", K.PERCENT),
            Column("ytd", "Year to date", "本年累计", K.MONEY, True),
            Column("ytd_target", "YTD target", "累计目标", K.MONEY, True),
            Column("ytd_completion", "YTD completion", "累计达成率", K.PERCENT),
            Column("ytd_ly", "YTD last year", "去年累计", K.MONEY, True),
            Column("ytd_growth", "YTD growth", "累计增长率", K.PERCENT),
        ]
        s = [col_sum(rows, i) for i in range(2, 12)]
        totals = (
            TOTAL_EN,
            None,
            s[0],
            s[1],
            ratio(s[0], s[1]),
            s[3],
            growth(s[0], s[3]),
            s[5],
            s[6],
            ratio(s[5], s[6]),
            s[8],
            growth(s[5], s[8]),
        )
        table = Table(
            "reps",
            f"Reps, {month_label(month)}",
            f"业务员 {month_label(month)}",
            columns,
            rows,
            totals=totals,
            drill_columns=("actual", "ly", "ytd", "ytd_ly"),
        )
        chart = ChartSpec(
            "column", "Actual vs target", "实绩与目标", "reps", "rep_name", ("actual", "target")
        )
        captions = [
            pr.compare_caption(periods["actual"], periods["ly"], params.compare_full),
            pr.compare_caption(periods["ytd"], periods["ytd_ly"], params.compare_full),
            *gap,
        ]
        return self.result(params, [table], [chart], captions)

    def drill(
        self, ctx: Context, params: MonthParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        periods = self.periods(ctx, params)
        if table_id != "reps" or column_id not in periods:
            return super().drill(ctx, params, table_id, row, column_id)
        with ctx.reading() as session:
            conds = [
                SalesLine.date.between(*periods[column_id]),
                region_condition(session, SalesLine.region_id, params.region),
            ]
            if row is not None:
                conds.append(rep_condition(session, row[0]))
        return sales_lines_table(ctx, *conds)


def _rep_targets(
    ctx: Context, session: Any, month: dt.date, regions: set[int] | None
) -> dict[int, tuple[Decimal, Decimal]]:
    """(month target, year-to-month target) of every rep the reader may see."""
    query = (
        sa.select(SalesTarget.key_id, SalesTarget.month, SalesTarget.amount)
        .join(User, User.id == SalesTarget.key_id)
        .where(
            SalesTarget.dimension == "rep",
            visible(ctx, User),
            SalesTarget.month.between(dt.date(month.year, 1, 1), month),
        )
    )
    if regions is not None:
        query = query.where(User.region_id.in_(regions or {-1}))
    out: dict[int, tuple[Decimal, Decimal]] = {}
    for key, m, amount in session.execute(query):
        now, ytd = out.get(key, (ZERO, ZERO))
        amount = money(amount)
        out[key] = (now + amount if m == month else now, ytd + amount)
    return out


# -- monthly sales statistics -------------------------------------------------------------------


class YearParams(CompareParams, AsOfRegionParams):
    year: int | None = pydantic.Field(
        None, ge=1990, le=2200, description="Year (default: the report date's)"
    )


def last_year_span(params: Any, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """What ``start``..``end`` is compared with: the same days last year, or (asked for)
    the whole of last year's months."""
    if getattr(params, "compare_full", False):
        return pr.last_year_full(start, end)
    return pr.same_days_last_year(start, end)


def year_span(ctx: Context, params: Any) -> tuple[int, dt.date]:
    """The year and the last day it is reported to (the report date within it)."""
    day = as_of(ctx, params)
    year = params.year or day.year
    return year, min(day, dt.date(year, 12, 31)) if year >= day.year else dt.date(year, 12, 31)


class MonthlySalesParams(AmountsParams, YearParams):
    """as_of, region, compare_full, year, amounts."""


class MonthlySales(ReportBase):
    id = "monthly_sales"
    title_en = "Monthly sales statistics"
    title_zh = "月销售统计表"
    category = "statistics"
    Params = MonthlySalesParams

    def run(self, ctx: Context, params: MonthlySalesParams) -> ReportResult:
        year, end = year_span(ctx, params)
        ly_start, ly_end = last_year_span(params, dt.date(year, 1, 1), end)
        amount = sources.amount_of(ctx, params.amounts)
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            now = sources.product_region_months(
                ctx,
                session,
                dt.date(year, 1, 1),
                end,
                end,
                ("month", "product_id"),
                regions,
                amount,
            )
            before = sources.product_region_months(
                ctx, session, ly_start, ly_end, ly_end, ("month",), regions, amount
            )
            names = Names(session)
        months = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= end]
        per_month: dict[dt.date, list[Any]] = {m: [0, Decimal("0.000"), ZERO] for m in months}
        per_product: dict[int, dict[int, Decimal]] = {}
        for (month, product_id), (amount, qty, lines) in now.items():
            acc = per_month[month]
            acc[0], acc[1], acc[2] = acc[0] + lines, acc[1] + qty, acc[2] + amount
            per_product.setdefault(product_id, {})[month.month] = amount
        rows, running = [], ZERO
        for m in months:
            lines, qty, amount = per_month[m]
            running += amount
            last = before.get((add_months(m, -12),), [ZERO])[0]
            rows.append((month_label(m), lines, qty, amount, running, last, growth(amount, last)))
        s = [col_sum(rows, 3), col_sum(rows, 5)]
        month_table = Table(
            "months",
            f"Months of {year}",
            f"{year}年各月",
            [
                Column("month", "Month", "月份"),
                *_amount_cols(),
                Column("cumulative", "Cumulative", "累计", K.MONEY),
                Column("ly", "Last year", "去年同期", K.MONEY, True),
                Column("growth", "Growth", "增长率", K.PERCENT),
            ],
            rows,
            totals=(
                TOTAL_EN,
                sum(r[1] for r in rows),
                sum((r[2] for r in rows), Decimal("0.000")),
                s[0],
                None,
                s[1],
                growth(s[0], s[1]),
            ),
            drill_columns=("lines", "quantity", "amount", "ly"),
        )
        product_rows = sorted(
            (
                (
                    *names.product(p),
                    *[by.get(m, ZERO) for m in range(1, 13)],
                    sum(by.values(), ZERO),
                )
                for p, by in per_product.items()
            ),
            key=lambda r: r[0] or "",
        )
        product_table = Table(
            "products",
            "By product and month",
            "产品分月",
            [
                Column("product", "Product", "产品编码"),
                Column("product_name", "Name", "产品"),
                *[Column(f"m{m:02d}", f"{m:02d}", f"{m}月", K.MONEY, True) for m in range(1, 13)],
                Column("total", "Total", "合计", K.MONEY, True),
            ],
            product_rows,
            totals=_sum_totals(product_rows, 2, 15),
            drill_columns=(*[f"m{m:02d}" for m in range(1, 13)], "total"),
        )
        chart = ChartSpec(
            "line",
            "Monthly sales vs last year",
            "月销售额与去年同期",
            "months",
            "month",
            ("amount", "ly"),
        )
        caption = pr.compare_caption(
            (dt.date(year, 1, 1), end), (ly_start, ly_end), params.compare_full
        )
        return self.result(
            params,
            [month_table, product_table],
            [chart],
            [caption, amounts_caption(params.amounts)],
        )

    def drill(
        self,
        ctx: Context,
        params: MonthlySalesParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        year, end = year_span(ctx, params)
        start = dt.date(year, 1, 1)
        with ctx.reading() as session:
            conds = [region_condition(session, SalesLine.region_id, params.region)]
            if table_id == "months":
                if row is not None:
                    start = parse_month(row[0])
                    end = min(end, month_end(start))
                if column_id == "ly":
                    start, end = last_year_span(params, start, end)
            elif table_id == "products":
                if column_id.startswith("m"):
                    start = dt.date(year, int(column_id[1:]), 1)
                    end = min(end, month_end(start))
                if row is not None:
                    conds.append(
                        key_condition(SalesLine.product_id, session, Product, Product.code, row[0])
                    )
            conds.append(SalesLine.date.between(start, end))
        return sales_lines_table(ctx, *conds)


# -- multi-year comparison ------------------------------------------------------------------------


class MultiYearParams(AmountsParams, CompareParams, AsOfRegionParams):
    years: int = pydantic.Field(3, ge=2, le=10, description="How many years to compare")


class MultiYear(ReportBase):
    id = "multi_year"
    title_en = "Multi-year performance comparison"
    title_zh = "历年销售业绩比较表"
    category = "performance"
    Params = MultiYearParams

    def spans(self, ctx: Context, params: MultiYearParams) -> dict[int, tuple[dt.date, dt.date]]:
        """Each year to the report date's day of the year (whole years when asked for)."""
        day = as_of(ctx, params)
        now = (dt.date(day.year, 1, 1), day)
        out = {}
        for back in range(params.years - 1, -1, -1):
            start, end = pr.same_days_years_ago(*now, back)
            out[start.year] = (
                start,
                dt.date(start.year, 12, 31) if params.compare_full and back else end,
            )
        return out

    def run(self, ctx: Context, params: MultiYearParams) -> ReportResult:
        spans = self.spans(ctx, params)
        years = list(spans)
        sums: dict[tuple, Decimal] = {}
        amount = sources.amount_of(ctx, params.amounts)
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            for start, end in spans.values():
                sums.update(
                    sources.monthly_actuals(
                        ctx, session, start, end, ["region_id"], regions, amount
                    )
                )
            names = Names(session)
        grid: dict[int, dict[int, Decimal]] = {m: {} for m in range(1, 13)}
        by_region: dict[Any, dict[int, Decimal]] = {}
        for (month, region_id), amount in sums.items():
            grid[month.month][month.year] = grid[month.month].get(month.year, ZERO) + amount
            cell = by_region.setdefault(region_id, {})
            cell[month.year] = cell.get(month.year, ZERO) + amount
        year_cols = [Column(f"y{y}", str(y), f"{y}年", K.MONEY, True) for y in years]
        growth_col = Column(
            "growth", f"{years[-1]} vs {years[-2]}", f"{years[-1]}年较{years[-2]}年", K.PERCENT
        )

        def line(values: dict[int, Decimal]) -> list[Any]:
            cells = [values.get(y, ZERO) for y in years]
            return [*cells, growth(cells[-1], cells[-2])]

        month_rows = [(f"{m:02d}", *line(grid[m])) for m in range(1, 13)]
        region_rows = sorted(
            ((*names.region(r), *line(v)) for r, v in by_region.items()), key=lambda t: t[0] or ""
        )
        n = len(years)

        def totals(rows: list[tuple], first: int) -> tuple:
            sums_ = [col_sum(rows, first + i) for i in range(n)]
            return (TOTAL_EN, *([None] * (first - 1)), *sums_, growth(sums_[-1], sums_[-2]))

        year_ids = tuple(c.id for c in year_cols)
        tables = [
            Table(
                "months",
                "By month",
                "按月",
                [Column("month", "Month", "月份"), *year_cols, growth_col],
                month_rows,
                totals=totals(month_rows, 1),
                drill_columns=year_ids,
            ),
            Table(
                "regions",
                "By region",
                "按区域",
                [
                    Column("region", "Region", "区域编码"),
                    Column("region_name", "Name", "区域"),
                    *year_cols,
                    growth_col,
                ],
                region_rows,
                totals=totals(region_rows, 2),
                drill_columns=year_ids,
            ),
        ]
        chart = ChartSpec(
            "line", "Sales by month and year", "历年各月销售额", "months", "month", year_ids
        )
        caption = pr.compare_caption(spans[years[-1]], spans[years[-2]], params.compare_full)
        return self.result(params, tables, [chart], [caption, amounts_caption(params.amounts)])

    def drill(
        self,
        ctx: Context,
        params: MultiYearParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        if not column_id.startswith("y"):
            return super().drill(ctx, params, table_id, row, column_id)
        year = int(column_id[1:])
        start, end = self.spans(ctx, params)[year]
        with ctx.reading() as session:
            conds = [region_condition(session, SalesLine.region_id, params.region)]
            if table_id == "months" and row is not None:
                start = dt.date(year, int(row[0]), 1)
                end = min(end, month_end(start))
            elif table_id == "regions" and row is not None:
                conds.append(
                    key_condition(SalesLine.region_id, session, Region, Region.code, row[0])
                )
        return sales_lines_table(ctx, SalesLine.date.between(start, end), *conds)

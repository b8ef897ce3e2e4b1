"""Standard forms about customers, prices, budgets and visits: customer increase/decrease,
product price list, sales budget plan vs actual, visit statistics with the daily ranking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.access import Scope, visible
from core.context import Context
from core.drill import activities_table, sales_lines_table
from core.i18n import pick
from core.models import Activity, Customer, Product, Region, SalesLine, SalesTarget, User
from core.report_kit import (
    ZERO,
    AsOfRegionParams,
    ReportBase,
    as_of,
    col_sum,
    ratio,
    region_condition,
    region_ids,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.services import daily
from core.summaries import add_months, month_end, month_start
from plugins.sales_reports.reports import sources
from plugins.sales_reports.reports.common import (
    Names,
    key_condition,
    month_label,
    parse_month,
    target_gap,
    visible_users,
)
from plugins.sales_reports.reports.sales import YearParams, year_span

K = ColumnKind


# -- customer increase / decrease -----------------------------------------------------------


@dataclass
class _CustomerSets:
    months: list[dt.date]
    active: dict[dt.date, set[int]]
    before: dict[dt.date, set[int]]  # by the month compared with
    last_year: set[int]
    firsts: dict[int, dt.date]
    spans: dict[dt.date, tuple[dt.date, dt.date]]  # each month's days read
    compared: dict[dt.date, tuple[dt.date, dt.date]]  # the days each month is compared with
    year: tuple[dt.date, dt.date]
    year_ly: tuple[dt.date, dt.date]
    full: bool


class CustomerChanges(ReportBase):
    id = "customer_changes"
    title_en = "Customer increase/decrease analysis"
    title_zh = "客户增减分析表"
    category = "customers"
    Params = YearParams

    def _sets(self, ctx: Context, params: YearParams) -> _CustomerSets:
        """Months of the year, customers active per month, the customers each month is
        compared with (a partial month: the same days of the month before), last year's
        customers (to the same day, or the whole year when asked for) and first purchase
        months; all limited to the region and the reader's rules."""
        year, end = year_span(ctx, params)
        now = (month_start(end), end)
        prev = (
            pr.previous_month_full(end)
            if params.compare_full or not pr.is_partial(now[0], month_end(end), end)
            else pr.same_days_previous_month(*now)
        )
        ly = (
            pr.last_year_full(dt.date(year, 1, 1), dt.date(year, 12, 31))
            if params.compare_full
            else pr.same_days_last_year(dt.date(year, 1, 1), end)
        )
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            pairs = sources.customer_months(ctx, session, dt.date(year, 1, 1), end, end)
            before = sources.customer_months(
                ctx, session, add_months(dt.date(year, 1, 1), -1), add_months(now[0], -2), end
            )
            before.update(sources.customer_months(ctx, session, *prev, prev[1]))
            last_year = sources.customer_months(ctx, session, *ly, ly[1])
            firsts = sources.first_purchase_months(ctx, session)
            allowed = None
            if regions is not None:
                allowed = set(
                    session.scalars(
                        sa.select(Customer.id).where(Customer.region_id.in_(regions or {-1}))
                    )
                )

        def by_month(found: dict) -> dict[dt.date, set[int]]:
            out: dict[dt.date, set[int]] = {}
            for (month, cid), amount in found.items():
                if amount and (allowed is None or cid in allowed):
                    out.setdefault(month, set()).add(cid)
            return out

        months = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= end]
        return _CustomerSets(
            months,
            by_month(pairs),
            by_month(before),
            set().union(*by_month(last_year).values()),
            firsts,
            {m: (m, min(month_end(m), end)) for m in months},
            {
                m: prev if m == now[0] else (add_months(m, -1), month_end(add_months(m, -1)))
                for m in months
            },
            (dt.date(year, 1, 1), end),
            ly,
            params.compare_full,
        )

    def run(self, ctx: Context, params: YearParams) -> ReportResult:
        sets = self._sets(ctx, params)
        months, active, firsts = sets.months, sets.active, sets.firsts
        rows = []
        for m in months:
            now, before = active.get(m, set()), sets.before.get(add_months(m, -1), set())
            new = {c for c in now if firsts.get(c) == m}
            rows.append(
                (
                    month_label(m),
                    len(now),
                    len(now - before),
                    len(new),
                    len(before - now),
                    len(now) - len(before),
                )
            )
        year = months[0].year if months else as_of(ctx, params).year
        this_year = set().union(*[active.get(m, set()) for m in months]) if months else set()
        last_year = sets.last_year
        year_new = {c for c in this_year if firsts.get(c) and firsts[c].year == year}
        columns = [
            Column("month", "Month", "月份"),
            Column("active", "Active customers", "交易客户数", K.INTEGER),
            Column("gained", "Gained (not last month)", "增加客户", K.INTEGER, True),
            Column("new", "New (first purchase)", "新客户", K.INTEGER, True),
            Column("lost", "Lost (bought last month, not now)", "减少客户", K.INTEGER, True),
            Column("net", "Net change", "净增减", K.INTEGER, True),
        ]
        totals = (
            TOTAL_EN,
            len(this_year),
            sum(r[2] for r in rows),
            sum(r[3] for r in rows),
            sum(r[4] for r in rows),
            sum(r[5] for r in rows),
        )
        months_table = Table(
            "months",
            "By month",
            "按月",
            columns,
            rows,
            totals=totals,
            drill_columns=("active", "gained", "new", "lost"),
        )
        year_rows = [
            (
                str(year),
                len(this_year),
                len(last_year),
                len(year_new),
                len(last_year - this_year),
                len(this_year) - len(last_year),
            )
        ]
        year_table = Table(
            "year",
            "Year vs last year",
            "本年与去年",
            [
                Column("year", "Year", "年度"),
                Column("active", "Customers this year", "本年交易客户", K.INTEGER),
                Column("active_ly", "Customers last year", "去年交易客户", K.INTEGER),
                Column("new", "New this year", "本年新客户", K.INTEGER),
                Column("lost", "Lost since last year", "流失客户", K.INTEGER),
                Column("net", "Net change", "净增减", K.INTEGER),
            ],
            year_rows,
        )
        chart = ChartSpec(
            "column", "Customers gained and lost", "客户增减", "months", "month", ("gained", "lost")
        )
        captions = [
            pr.compare_caption(sets.spans[m], sets.compared[m], sets.full) for m in months[-1:]
        ]
        captions.append(pr.compare_caption(sets.year, sets.year_ly, sets.full))
        return self.result(params, [months_table, year_table], [chart], captions)

    def drill(
        self, ctx: Context, params: YearParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        """The lines of the customers counted: this month's (lost: last month's)."""
        if (
            table_id != "months"
            or row is None
            or column_id not in ("active", "gained", "new", "lost")
        ):
            return super().drill(ctx, params, table_id, row, column_id)
        sets = self._sets(ctx, params)
        month = parse_month(row[0])
        now = sets.active.get(month, set())
        before = sets.before.get(add_months(month, -1), set())
        chosen = {
            "active": now,
            "gained": now - before,
            "lost": before - now,
            "new": {c for c in now if sets.firsts.get(c) == month},
        }[column_id]
        span = sets.compared[month] if column_id == "lost" else sets.spans[month]
        return sales_lines_table(
            ctx, SalesLine.customer_id.in_(sorted(chosen) or [-1]), SalesLine.date.between(*span)
        )


# -- product price list ---------------------------------------------------------------------------


class PriceListParams(AsOfRegionParams):
    category: str | None = pydantic.Field(None, description="Only this product category")
    include_inactive: bool = pydantic.Field(False, description="List inactive products too")


class PriceList(ReportBase):
    id = "price_list"
    title_en = "Product price list and pricing"
    title_zh = "产品价目表"
    category = "products"
    Params = PriceListParams

    def run(self, ctx: Context, params: PriceListParams) -> ReportResult:
        day = as_of(ctx, params)
        first = add_months(month_start(day), -11)
        with ctx.reading() as session:
            query = sa.select(Product).order_by(Product.code)
            if params.category:
                query = query.where(Product.category == params.category)
            if not params.include_inactive:
                query = query.where(Product.active.is_(True))
            products = session.scalars(query).all()
            sums = sources.product_region_months(
                ctx, session, first, day, day, ("product_id",), region_ids(session, params.region)
            )
        rows = []
        for p in products:
            amount, qty, _lines = sums.get((p.id,), [ZERO, Decimal("0.000"), 0])
            avg = (amount / qty).quantize(Decimal("0.01")) if qty else None
            margin = (
                ratio(p.list_price - p.standard_cost, p.list_price)
                if p.standard_cost is not None
                else None
            )
            discount = (1 - ratio(avg, p.list_price)) if avg is not None and p.list_price else None
            rows.append(
                (
                    p.code,
                    p.name,
                    p.category,
                    p.unit,
                    p.list_price,
                    p.standard_cost,
                    margin,
                    qty,
                    amount,
                    avg,
                    discount,
                )
            )
        columns = [
            Column("product", "Code", "产品编码"),
            Column("name", "Product", "产品名称"),
            Column("category", "Category", "类别"),
            Column("unit", "Unit", "单位"),
            Column("list_price", "List price", "标准售价", K.MONEY),
            Column("cost", "Standard cost", "标准成本", K.MONEY),
            Column("margin", "List margin", "标准毛利率", K.PERCENT),
            Column("quantity", "Quantity (12 months)", "近12月数量", K.QUANTITY, True),
            Column("amount", "Sales (12 months)", "近12月销售额", K.MONEY, True),
            Column("avg_price", "Average price", "平均售价", K.MONEY),
            Column("discount", "Discount vs list", "折扣率", K.PERCENT),
        ]
        totals = (
            TOTAL_EN,
            *([None] * 6),
            sum((r[7] for r in rows), Decimal("0.000")),
            col_sum(rows, 8),
            None,
            None,
        )
        table = Table(
            "products",
            "Products",
            "产品",
            columns,
            rows,
            totals=totals,
            drill_columns=("quantity", "amount"),
        )
        return self.result(params, [table])

    def drill(
        self,
        ctx: Context,
        params: PriceListParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        day = as_of(ctx, params)
        with ctx.reading() as session:
            conds = [SalesLine.date.between(add_months(month_start(day), -11), day)]
            conds.append(region_condition(session, SalesLine.region_id, params.region))
            if row is not None:
                conds.append(
                    key_condition(SalesLine.product_id, session, Product, Product.code, row[0])
                )
            elif params.category or not params.include_inactive:
                ids = [
                    r[0]
                    for r in session.execute(
                        sa.select(Product.id).where(
                            *([Product.category == params.category] if params.category else []),
                            *([] if params.include_inactive else [Product.active.is_(True)]),
                        )
                    )
                ]
                conds.append(SalesLine.product_id.in_(ids or [-1]))
        return sales_lines_table(ctx, *conds)


# -- sales budget plan vs actual ----------------------------------------------------------


class BudgetParams(YearParams):
    dimension: Literal["company", "rep", "region", "product"] = pydantic.Field(
        "company", description="Targets of: company, rep, region or product"
    )


class BudgetVsActual(ReportBase):
    id = "budget_vs_actual"
    title_en = "Sales budget plan vs actual"
    title_zh = "销售预算计划与实际"
    category = "performance"
    Params = BudgetParams

    def run(self, ctx: Context, params: BudgetParams) -> ReportResult:
        year, end = year_span(ctx, params)
        dim = params.dimension
        with ctx.reading() as session:
            regions = region_ids(session, params.region)
            actual = self._actuals(ctx, session, year, end, dim, regions)
            targets = self._targets(ctx, session, year, dim)
            names = Names(session)
        months = [dt.date(year, m, 1) for m in range(1, 13)]
        month_rows = []
        for m in months:
            t = sum((v for (mm, _k), v in targets.items() if mm == m), ZERO)
            a = sum((v for (mm, _k), v in actual.items() if mm == m), ZERO)
            month_rows.append((month_label(m), t, a, a - t, ratio(a, t)))
        t_sum, a_sum = col_sum(month_rows, 1), col_sum(month_rows, 2)
        cols = [
            Column("target", "Budget", "预算", K.MONEY, True),
            Column("actual", "Actual", "实际", K.MONEY, True),
            Column("variance", "Variance", "差异", K.MONEY, True),
            Column("completion", "Completion", "达成率", K.PERCENT),
        ]
        tables = [
            Table(
                "months",
                f"Months of {year}",
                f"{year}年各月",
                [Column("month", "Month", "月份"), *cols],
                month_rows,
                totals=(TOTAL_EN, t_sum, a_sum, a_sum - t_sum, ratio(a_sum, t_sum)),
                drill_columns=("actual",),
            )
        ]
        if dim != "company":
            keys = {k for _m, k in targets} | {k for _m, k in actual}
            lookup = {"rep": names.user, "region": names.region, "product": names.product}[dim]
            key_rows = []
            for k in keys:
                t = sum((v for (_m, kk), v in targets.items() if kk == k), ZERO)
                a = sum((v for (_m, kk), v in actual.items() if kk == k), ZERO)
                key_rows.append((*lookup(k), t, a, a - t, ratio(a, t)))
            key_rows.sort(key=lambda r: r[0] or "")
            kt, ka = col_sum(key_rows, 2), col_sum(key_rows, 3)
            tables.append(
                Table(
                    dim + "s",
                    f"By {dim}",
                    "按维度",
                    [Column("key", dim.title(), "编码"), Column("name", "Name", "名称"), *cols],
                    key_rows,
                    totals=(TOTAL_EN, None, kt, ka, ka - kt, ratio(ka, kt)),
                    drill_columns=("actual",),
                )
            )
        chart = ChartSpec(
            "column", "Budget vs actual", "预算与实际", "months", "month", ("target", "actual")
        )
        with ctx.reading() as session:
            gap = target_gap(ctx, session, dt.date(year, 1, 1), dt.date(year, 12, 31), dim)
        return self.result(params, tables, [chart], gap)

    def _actuals(
        self,
        ctx: Context,
        session: Any,
        year: int,
        end: dt.date,
        dim: str,
        regions: set[int] | None,
    ) -> dict[tuple, Decimal]:
        if dim == "product":
            sums = sources.product_region_months(
                ctx, session, dt.date(year, 1, 1), end, end, ("month", "product_id"), regions
            )
            return {k: v[0] for k, v in sums.items()}
        keys = {"company": [], "rep": ["rep_id"], "region": ["region_id"]}[dim]
        sums = sources.monthly_actuals(ctx, session, dt.date(year, 1, 1), end, keys, regions)
        return {(k[0], k[1] if keys else 0): v for k, v in sums.items()}

    def _targets(self, ctx: Context, session: Any, year: int, dim: str) -> dict[tuple, Decimal]:
        """Official targets; a reader below group scope sees only the targets of reps
        they may see (company, region and product targets are for managers at the top)."""
        query = sa.select(SalesTarget.month, SalesTarget.key_id, SalesTarget.amount).where(
            SalesTarget.dimension == dim,
            SalesTarget.month.between(dt.date(year, 1, 1), dt.date(year, 12, 1)),
        )
        if dim == "rep":
            query = query.where(
                SalesTarget.key_id.in_(sa.select(User.id).where(visible(ctx, User)))
            )
        elif ctx.grant.scope is not Scope.ALL:
            return {}
        return {
            (m, k): Decimal(str(a)).quantize(Decimal("0.01")) for m, k, a in session.execute(query)
        }

    def drill(
        self, ctx: Context, params: BudgetParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if column_id != "actual":
            return super().drill(ctx, params, table_id, row, column_id)
        year, end = year_span(ctx, params)
        start = dt.date(year, 1, 1)
        with ctx.reading() as session:
            conds = [region_condition(session, SalesLine.region_id, params.region)]
            if table_id == "months" and row is not None:
                start = parse_month(row[0])
                end = min(end, month_end(start))
            elif row is not None:
                column = {
                    "reps": SalesLine.rep_id,
                    "regions": SalesLine.region_id,
                    "products": SalesLine.product_id,
                }[table_id]
                model, code = {
                    "reps": (User, User.login),
                    "regions": (Region, Region.code),
                    "products": (Product, Product.code),
                }[table_id]
                conds.append(key_condition(column, session, model, code, row[0]))
        return sales_lines_table(ctx, SalesLine.date.between(start, end), *conds)


# -- visit statistics and the daily ranking -----------------------------------------------


PURPOSES = (
    ("order", "Order", "订货"),
    ("collection", "Collection", "收款"),
    ("development", "Development", "开发"),
    ("service", "Service", "服务"),
    ("explanation", "Explanation", "说明"),
)


class RankParams(AsOfRegionParams):
    rank_by: Literal["visits", "orders", "collections"] = pydantic.Field(
        "visits", description="Rank reps by visits, order amount or amount collected"
    )


class ActivityStats(ReportBase):
    id = "activity_stats"
    title_en = "Visit statistics and daily ranking"
    title_zh = "拜访统计与每日排名"
    category = "daily"
    Params = RankParams

    def run(self, ctx: Context, params: RankParams) -> ReportResult:
        day = as_of(ctx, params)
        with ctx.reading() as session:
            reps = _ranked_reps(ctx, session, params.region)
            visits = session.execute(
                sa.select(
                    Activity.rep_id,
                    Activity.date,
                    Activity.purpose,
                    Activity.customer_id,
                    Activity.customer_type,
                ).where(
                    visible(ctx, Activity),
                    Activity.date.between(month_start(day), day),
                    Activity.rep_id.in_([u.id for u in reps] or [-1]),
                )
            ).all()
        ranked = daily.day_ranking(ctx, day, params.rank_by, {u.id for u in reps})
        rank_rows = [
            (
                i,
                r.login,
                r.name,
                r.visits,
                r.orders,
                len(
                    {
                        v.customer_id
                        for v in visits
                        if v.rep_id == r.rep_id and v.date == day and v.customer_id
                    }
                ),
                r.sales,
                r.order_amount,
                r.collection_amount,
                r.planned,
                r.done,
                r.completion,
            )
            for i, r in enumerate(ranked, 1)
        ]
        planned, done = sum(r[9] for r in rank_rows), sum(r[10] for r in rank_rows)
        rank_table = Table(
            "ranking",
            f"Ranking on {day}",
            f"{day} 排名",
            [
                Column("rank", "Rank", "名次", K.INTEGER),
                Column("rep", "Rep", "业务员"),
                Column("rep_name", "Name", "姓名"),
                Column("visits", "Visits", "拜访数", K.INTEGER, True),
                Column("orders", "Order visits", "订货拜访", K.INTEGER, True),
                Column("customers", "Customers", "客户数", K.INTEGER),
                Column("amount", "Sales", "销售额", K.MONEY, True),
                Column("order_amount", "Order amount", "订货金额", K.MONEY, True),
                Column("collection_amount", "Collected", "收款金额", K.MONEY, True),
                Column("planned", "Planned", "计划拜访", K.INTEGER, True),
                Column("done", "Plans done", "计划完成", K.INTEGER, True),
                Column("completion", "Plan completion", "计划完成率", K.PERCENT),
            ],
            rank_rows,
            totals=(
                TOTAL_EN,
                None,
                None,
                sum(r[3] for r in rank_rows),
                sum(r[4] for r in rank_rows),
                None,
                col_sum(rank_rows, 6),
                col_sum(rank_rows, 7),
                col_sum(rank_rows, 8),
                planned,
                done,
                ratio(Decimal(done), Decimal(planned)),
            ),
            drill_columns=("visits", "orders", "amount"),
        )
        extremes = []
        if rank_rows:
            extremes = [
                (pick("Best", "最佳"), *rank_rows[0][1:5], rank_rows[0][6]),
                (pick("Worst", "最差"), *rank_rows[-1][1:5], rank_rows[-1][6]),
            ]
        best = Table(
            "extremes",
            "Best and worst",
            "最佳与最差",
            [
                Column("which", "", ""),
                Column("rep", "Rep", "业务员"),
                Column("rep_name", "Name", "姓名"),
                Column("visits", "Visits", "拜访数", K.INTEGER),
                Column("orders", "Order visits", "订货拜访", K.INTEGER),
                Column("amount", "Sales", "销售额", K.MONEY),
            ],
            extremes,
        )
        month_rows = []
        for u in reps:
            mine = [v for v in visits if v.rep_id == u.id]
            month_rows.append(
                (
                    u.login,
                    u.display_name,
                    *[sum(1 for v in mine if v.purpose == p) for p, _e, _z in PURPOSES],
                    len(mine),
                    len({v.customer_id for v in mine if v.customer_id}),
                    sum(1 for v in mine if v.customer_type in ("new", "prospect")),
                )
            )
        month_table = Table(
            "month",
            "Month to date by purpose",
            "本月按目的统计",
            [
                Column("rep", "Rep", "业务员"),
                Column("rep_name", "Name", "姓名"),
                *[Column(p, en, zh, K.INTEGER, True) for p, en, zh in PURPOSES],
                Column("visits", "Visits", "拜访合计", K.INTEGER, True),
                Column("customers", "Customers", "客户数", K.INTEGER),
                Column("prospects", "New and prospect visits", "新客户与开发拜访", K.INTEGER, True),
            ],
            month_rows,
            totals=(
                TOTAL_EN,
                None,
                *[sum(r[i] for r in month_rows) for i in range(2, 8)],
                None,
                sum(r[9] for r in month_rows),
            ),
            drill_columns=(*[p for p, _e, _z in PURPOSES], "visits"),
        )
        chart = ChartSpec("bar", "Visits today", "今日拜访", "ranking", "rep_name", ("visits",))
        return self.result(params, [rank_table, best, month_table], [chart])

    def drill(
        self,
        ctx: Context,
        params: AsOfRegionParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        day = as_of(ctx, params)
        if table_id not in ("ranking", "month"):
            return super().drill(ctx, params, table_id, row, column_id)
        login = None if row is None else row[1 if table_id == "ranking" else 0]
        if table_id == "ranking" and column_id == "amount":
            conds = [SalesLine.date == day]
            if login:
                conds.append(
                    SalesLine.rep_id
                    == sa.select(User.id).where(User.login == login).scalar_subquery()
                )
            else:
                conds.append(SalesLine.rep_id.in_(self._rep_ids(ctx, params)))
            return sales_lines_table(ctx, *conds)
        start = day if table_id == "ranking" else month_start(day)
        conds = [Activity.date.between(start, day)]
        if column_id == "orders":
            conds.append(Activity.purpose == "order")
        elif column_id in {p for p, _e, _z in PURPOSES}:
            conds.append(Activity.purpose == column_id)
        if login:
            conds.append(
                Activity.rep_id == sa.select(User.id).where(User.login == login).scalar_subquery()
            )
        else:
            conds.append(Activity.rep_id.in_(self._rep_ids(ctx, params)))
        return activities_table(ctx, *conds)

    def _rep_ids(self, ctx: Context, params: AsOfRegionParams) -> list[int]:
        with ctx.reading() as session:
            return [u.id for u in _ranked_reps(ctx, session, params.region)] or [-1]


def _ranked_reps(ctx: Context, session: Any, region: str | None) -> list[Any]:
    """The reps of the ranking: users holding the rep role (a manager is not ranked)."""
    regions = region_ids(session, region)
    return [
        u
        for u in visible_users(ctx, session, daily.REP_ROLE)
        if regions is None or u.region_id in regions
    ]

"""Reports of the forecast plugin: a stored forecast (history, forecast, interval, chart),
target vs actual with last year and the rep ranking (table and chart), and one target
allocation with its lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.access import Scope
from core.context import Context
from core.drill import sales_lines_table
from core.errors import NotFound
from core.i18n import translator
from core.models import SalesLine
from core.report_kit import KitParams, ReportBase
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.schemas import FormatRule
from core.targets import reconciliation_caption
from plugins.forecast.models import ForecastRun, ForecastSeries, ForecastValue
from plugins.forecast.select import explanation_text
from plugins.forecast.services import evaluation as ev
from plugins.forecast.services.history import LINE_COLUMNS

_ = translator(__file__)

K = ColumnKind
CHART_ROWS = 40  # the TUI draws at most 40 points: keep the newest history that fits


# ---------------------------------------------------------------------------------------
# Forecast
# ---------------------------------------------------------------------------------------


class ForecastParams(KitParams):
    run: int | None = pydantic.Field(None, description="Forecast run id (default: the latest)")
    series: str = pydantic.Field("", description="Series key, e.g. P01 / R03 (empty: the company)")


class ForecastReport(ReportBase):
    id = "forecast"
    category = "forecast"
    title_en = "Sales forecast: history, forecast and interval"
    title_zh = "销售预测：历史、预测与区间"
    Params = ForecastParams

    def run(self, ctx: Context, params: ForecastParams) -> ReportResult:
        with ctx.reading() as session:
            run = _run(session, params.run)
            series = list(
                session.scalars(
                    sa.select(ForecastSeries)
                    .where(ForecastSeries.run_id == run.id)
                    .order_by(ForecastSeries.series_key)
                )
            )
            chosen = next((s for s in series if s.series_key == params.series), None)
            if chosen is None:
                raise NotFound(
                    _("Forecast run {run} has no series {key}.").format(
                        run=run.id, key=params.series
                    )
                )
            values = list(
                session.execute(
                    sa.select(
                        ForecastValue.period,
                        ForecastValue.kind,
                        ForecastValue.amount,
                        ForecastValue.lower,
                        ForecastValue.upper,
                        ForecastValue.lower95,
                        ForecastValue.upper95,
                    )
                    .where(ForecastValue.series_id == chosen.id)
                    .order_by(ForecastValue.period)
                )
            )
        params = params.model_copy(update={"run": run.id})
        tables = [self._values(values, run), self._series(ctx, series)]
        # A fan: the forecast between its inner (run level) and outer (95 %) bands.
        chart = ChartSpec(
            "line",
            "Forecast with its interval",
            "预测及区间",
            "values",
            "period",
            ("value", "lower", "upper", "lower95", "upper95"),
        )
        return self.result(params, tables, [chart])

    def _values(self, values: list[Any], run: ForecastRun) -> Table:
        future = sum(1 for v in values if v.kind == "forecast")
        keep = max(0, CHART_ROWS - future)
        history = [v for v in values if v.kind == "history"][-keep:] if keep else []
        rows = []
        for v in history:
            rows.append(
                (
                    _label(v.period, run.freq),
                    v.amount,
                    None,
                    v.amount,
                    v.amount,
                    v.amount,
                    v.amount,
                    v.amount,
                )
            )
        for v in values:
            if v.kind == "forecast":
                rows.append(
                    (
                        _label(v.period, run.freq),
                        None,
                        v.amount,
                        v.amount,
                        v.lower,
                        v.upper,
                        v.lower95,
                        v.upper95,
                    )
                )
        pct = round(run.level * 100)
        columns = [
            Column("period", "Period", "期间"),
            Column("actual", "Actual", "实际", K.MONEY),
            Column("forecast", "Forecast", "预测", K.MONEY, True),
            Column("value", "Actual / forecast", "实际/预测", K.MONEY),
            Column("lower", f"Lower ({pct}%)", f"下限（{pct}%）", K.MONEY),
            Column("upper", f"Upper ({pct}%)", f"上限（{pct}%）", K.MONEY),
            Column("lower95", "Lower (95%)", "下限（95%）", K.MONEY),
            Column("upper95", "Upper (95%)", "上限（95%）", K.MONEY),
        ]
        total = sum((r[2] for r in rows if r[2] is not None), Decimal(0))
        return Table(
            "values",
            "History and forecast",
            "历史与预测",
            columns,
            rows,
            totals=(TOTAL_EN, None, total, None, None, None, None, None),
        )

    def _series(self, ctx: Context, series: list[ForecastSeries]) -> Table:
        columns = [
            Column("key", "Series", "序列"),
            Column("label", "Name", "名称"),
            Column("method", "Method", "方法"),
            Column("smape", "Backtest sMAPE", "回测sMAPE", K.PERCENT),
            Column("mase", "Backtest MASE", "回测MASE", K.QUANTITY),
            Column("why", "Why", "说明"),
        ]
        rows = [
            (
                s.series_key or _("(company)"),
                s.label,
                method_title(ctx, s.method),
                _pct(s.smape),
                None if s.mase is None else Decimal(str(round(s.mase, 3))),
                explanation_text(s.explanation),
            )
            for s in series
        ]
        return Table("series", "Series and the method chosen", "序列及所选方法", columns, rows)


def method_title(ctx: Context, method_id: str) -> str:
    """A forecasting method by its title in the reader's language, not its id."""
    from plugins.forecast.select import BLEND_ID, COMBINATION_ID
    from plugins.forecast.services import forecasting as fc

    titles = {m.id: m.title for m in fc.method_registry(ctx).values()}
    titles[COMBINATION_ID] = "Combination of methods"
    titles[BLEND_ID] = "One method blended with the combination"
    return _(titles[method_id]) if method_id in titles else method_id


def _run(session: Any, run_id: int | None) -> ForecastRun:
    query = sa.select(ForecastRun)
    query = (
        query.where(ForecastRun.id == run_id) if run_id else query.order_by(ForecastRun.id.desc())
    )
    run = session.scalars(query).first()
    if run is None:
        if run_id is not None:
            raise NotFound(_("There is no forecast run {run}.").format(run=run_id))
        raise NotFound(
            _(
                "No forecast has been run yet: run one on the Sales forecast screen "
                "or with 'salesdesk forecast'."
            )
        )
    return run


def _label(period: dt.date, freq: str) -> str:
    return period.strftime("%Y-%m") if freq == "month" else period.isoformat()


def _pct(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value / 100, 4)))


# ---------------------------------------------------------------------------------------
# Target vs actual
# ---------------------------------------------------------------------------------------


class EvalParams(KitParams):
    by: Annotated[
        str,
        pydantic.StringConstraints(pattern="^(company|rep|channel|region|product)$"),
        FormatRule("one of company, rep, channel, region or product"),
    ] = pydantic.Field(
        "rep", title="Group by", description="company, rep, channel, region or product"
    )
    period: Annotated[
        str,
        pydantic.StringConstraints(pattern="^(mtd|qtd|ytd)$"),
        FormatRule("one of mtd (month to date), qtd (quarter to date) or ytd (year to date)"),
    ] = pydantic.Field("ytd", description="mtd, qtd or ytd")
    as_of: dt.date | None = pydantic.Field(None, description="Report date (default: today)")


class TargetVsActual(ReportBase):
    id = "target_vs_actual"
    category = "forecast"
    title_en = "Target vs actual, last year and rep ranking"
    title_zh = "指标完成率、同比增长与业务员排名"
    Params = EvalParams

    def run(self, ctx: Context, params: EvalParams) -> ReportResult:
        e = ev.evaluate(ctx, params.by, params.period, params.as_of)
        columns = [
            Column("key", "Code", "编码"),
            Column("name", "Name", "名称"),
            Column("target", "Target", "指标", K.MONEY, True),
            Column("actual", "Actual", "实际", K.MONEY, True),
            Column("completion", "Completion", "完成率", K.PERCENT),
            Column("last_year", "Last year", "去年同期", K.MONEY, True),
            Column("growth", "Growth", "增长率", K.PERCENT),
            Column("rank", "Rank", "排名", K.INTEGER),
        ]
        rows = [
            (r.code, r.name, r.target, r.actual, r.completion, r.last_year, r.growth, r.rank)
            for r in e.rows
        ]
        t = e.total
        table = Table(
            "evaluation",
            f"{params.period.upper()} {e.start} .. {e.end}",
            f"{params.period.upper()} {e.start} .. {e.end}",
            columns,
            rows,
            totals=(TOTAL_EN, None, t.target, t.actual, t.completion, t.last_year, t.growth, None),
            drill_columns=("actual", "last_year"),
        )
        chart = ChartSpec(
            "column", "Target vs actual", "指标与实际", "evaluation", "name", ("target", "actual")
        )
        result = self.result(params, [table], [chart])
        result.captions.append(
            pr.compare_caption((e.start, e.end), pr.same_days_last_year(e.start, e.end))
        )
        if ctx.grant.scope is Scope.ALL:
            with ctx.reading() as session:
                gap = reconciliation_caption(session, e.start, e.end, params.by)
            if gap:
                result.captions.append(gap)
        return result

    def drill(
        self, ctx: Context, params: EvalParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "evaluation" or column_id not in ("actual", "last_year"):
            return super().drill(ctx, params, table_id, row, column_id)
        from plugins.forecast import allocate as al

        start, end = al.to_date_range(params.period, params.as_of or ctx.today())
        if column_id == "last_year":
            start, end = pr.same_days_last_year(start, end)
        conds = [SalesLine.date.between(start, end)]
        if row is not None and params.by != "company":
            key = _key_id(ctx, params, row)
            conds.append(getattr(SalesLine, LINE_COLUMNS[params.by]) == key)
        return sales_lines_table(ctx, *conds)


def _key_id(ctx: Context, params: EvalParams, row: tuple) -> int:
    e = ev.evaluate(ctx, params.by, params.period, params.as_of)
    for r in e.rows:
        if r.code == row[0]:
            return r.key_id
    raise NotFound(_("This report has no {by} '{code}'.").format(by=_(params.by), code=row[0]))


# ---------------------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------------------


class AllocationParams(KitParams):
    allocation: int | None = pydantic.Field(
        None, description="Allocation number (default: the newest)"
    )


class AllocationReport(ReportBase):
    id = "target_allocation"
    category = "forecast"
    title_en = "Target allocation"
    title_zh = "指标分摊"
    Params = AllocationParams

    def run(self, ctx: Context, params: AllocationParams) -> ReportResult:
        from plugins.forecast.services.targets import get_allocation, list_allocations

        if params.allocation is None:  # the newest, as Target allocation shows first
            newest = list_allocations(ctx)
            if not newest:
                raise NotFound(
                    _(
                        "no target allocation has been drafted yet: draft one "
                        "on the Target allocation screen"
                    )
                )
            params = params.model_copy(update={"allocation": newest[0].id})
        view = get_allocation(ctx, params.allocation)
        a = view.allocation
        columns = [
            Column("key", "Code", "编码"),
            Column("name", "Name", "名称"),
            Column(
                "basis", f"Basis ({a.basis.upper()})", f"基数（{a.basis.upper()}）", K.MONEY, True
            ),
            Column("share", "Share", "占比", K.PERCENT),
            Column("adjustment", "Adjustment", "调整", K.PERCENT),
            Column("amount", "Target", "指标", K.MONEY, True),
        ]
        rows = [
            (ln.code, ln.label, ln.basis_amount, ln.share, ln.adjustment_pct / 100, ln.amount)
            for ln in view.lines
        ]
        title = (
            f"{a.period_kind} {a.period_start} .. {a.period_end}, {a.dimension}, "
            f"revision {a.revision}, {a.status}"
        )
        table = Table(
            "lines",
            title,
            title,
            columns,
            rows,
            totals=(
                TOTAL_EN,
                None,
                sum((r[2] for r in rows), Decimal(0)),
                None,
                None,
                sum((r[5] for r in rows), Decimal(0)),
            ),
        )
        chart = ChartSpec("bar", "Allocated targets", "分摊指标", "lines", "name", ("amount",))
        return self.result(params, [table], [chart])


# ---------------------------------------------------------------------------------------
# Forecast value added
# ---------------------------------------------------------------------------------------


class ValueAddedParams(KitParams):
    run: int | None = pydantic.Field(None, description="Forecast run id (default: the latest)")
    by: Annotated[
        str,
        pydantic.StringConstraints(pattern="^(person|series)$"),
        FormatRule("one of person or series"),
    ] = pydantic.Field("person", title="Group by", description="person or series")


class ValueAddedReport(ReportBase):
    id = "forecast_value_added"
    category = "forecast"
    title_en = "Forecast overrides: did they help?"
    title_zh = "预测人工调整：是否改进了预测？"
    Params = ValueAddedParams

    def run(self, ctx: Context, params: ValueAddedParams) -> ReportResult:
        from plugins.forecast.services.overrides import outcomes, value_added

        with ctx.reading() as session:
            run = _run(session, params.run)
        params = params.model_copy(update={"run": run.id})
        rows = value_added(outcomes(ctx, run.id), params.by)
        first = ("Person", "人员") if params.by == "person" else ("Series", "序列")
        columns = [
            Column("group", *first),
            Column("overrides", "Overrides", "调整次数", K.INTEGER, True),
            Column("helped", "Closer to actual", "更接近实际", K.INTEGER, True),
            Column(
                "statistical_error",
                "Error of the statistical forecast",
                "统计预测误差",
                K.MONEY,
                True,
            ),
            Column("final_error", "Error after overrides", "调整后误差", K.MONEY, True),
            Column("value_added", "Value added", "增值", K.MONEY, True),
            Column("value_added_pct", "Value added %", "增值率", K.PERCENT),
        ]

        def cells(r: Any) -> tuple:
            pct = None if r.value_added_pct is None else r.value_added_pct / 100
            return (r.overrides, r.helped, r.statistical_error, r.final_error, r.value_added, pct)

        *groups, total = rows
        table = Table(
            "value_added",
            f"Run {run.id}: periods with actual sales",
            f"批次 {run.id}：已有实际销售的期间",
            columns,
            [(r.group or "(company)", *cells(r)) for r in groups],
            totals=(TOTAL_EN, *cells(total)),
        )
        chart = ChartSpec(
            "bar",
            "Error before and after overrides",
            "调整前后误差",
            "value_added",
            "group",
            ("statistical_error", "final_error"),
        )
        return self.result(params, [table], [chart])


REPORTS = (ForecastReport(), TargetVsActual(), AllocationReport(), ValueAddedReport())

"""The funnel's reports: funnel by stage, weighted pipeline, conversion and velocity, the
due list (stalled deals and overdue follow-ups), the potential-customer tracking table
(潜在客户追踪表) and handovers. Each computes in SQL under the reader's record rules and
explains its figures with a drill-down to the deals, visits or customers behind them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import pydantic
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.access import visible
from core.context import Context
from core.drill import activities_table, opportunities_table
from core.errors import NotFound, ValidationFailed
from core.i18n import listed, pick, translator
from core.models import (
    Activity,
    Customer,
    CustomerClass,
    Opportunity,
    OpportunityStatus,
    Region,
    StageChange,
    User,
)
from core.report_kit import (
    KitParams,
    ReportBase,
    end_field,
    money,
    period,
    ratio,
    start_field,
    totals_row,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from plugins.funnel.services import analytics, due, handover, pipeline

_ = translator(__file__)  # refusals are read on the report screen and the CLI
K = ColumnKind
ZERO = Decimal("0.00")
Dimension = Literal["rep", "team", "region", "product", "funnel"]
DIMENSION_ZH = {
    "rep": "业务员",
    "team": "团队",
    "region": "区域",
    "product": "产品",
    "funnel": "漏斗",
}


def _funnels(ctx: Context, funnel_id: str | None) -> list[Any]:
    registry = ctx.plugins.funnels
    if not funnel_id:
        return list(registry.funnels.values())
    funnel = registry.get(funnel_id)
    if funnel is None:
        from core.errors import FieldProblem

        raise ValidationFailed(
            [
                FieldProblem(
                    "funnel",
                    funnel_id,
                    "one of {values}",
                    args={"values": listed(registry.funnels)},
                )
            ],
            "report parameters",
        )
    return [funnel]


def _owner_ids(ctx: Context, owner: str | None) -> list[int] | None:
    if not owner:
        return None
    with ctx.reading() as session:
        found = session.scalar(sa.select(User.id).where(User.login == owner))
    if found is None:
        # the reader typed the owner on the report form or the command line
        raise NotFound(_("There is no active salesperson '{owner}'.").format(owner=owner))
    return [found]


# -- funnel by stage ------------------------------------------------------------------------


class FunnelParams(KitParams):
    funnel: str | None = pydantic.Field(None, description="Funnel id (default: every funnel)")
    owner: str | None = pydantic.Field(
        None, description="Owner login (default: everyone you may see)"
    )


class FunnelReport(ReportBase):
    id = "funnel.stages"
    category = "funnel"
    title_en = "Sales funnel by stage"
    title_zh = "销售漏斗（按阶段）"
    Params = FunnelParams

    def run(self, ctx: Context, params: FunnelParams) -> ReportResult:
        owners = _owner_ids(ctx, params.owner)
        rows = []
        for funnel_id, stages in analytics.funnels_stages(
            ctx, _funnels(ctx, params.funnel), owners
        ).items():
            for s in stages:
                # the stage by its title in the reader's language (one language a page)
                rows.append(
                    (
                        funnel_id,
                        s.stage_id,
                        pick(s.title_en, s.title_zh),
                        s.probability,
                        s.deals,
                        s.amount,
                        s.weighted,
                        s.stalled,
                    )
                )
        columns = [
            Column("funnel", "Funnel", "漏斗"),
            Column("stage", "Stage code", "阶段编码"),
            Column("stage_en", "Stage", "阶段"),
            Column("probability", "Probability", "赢单概率", K.PERCENT),
            Column("deals", "Deals", "商机数", K.INTEGER, True),
            Column("amount", "Amount", "金额", K.MONEY, True),
            Column("weighted", "Weighted", "加权金额", K.MONEY, True),
            Column("stalled", "Stalled", "停滞", K.INTEGER, True),
        ]
        table = Table(
            "stages",
            "Open deals by stage",
            "各阶段在途商机",
            columns,
            rows,
            totals=totals_row(columns, rows),
            drill_columns=("deals", "amount", "weighted", "stalled"),
        )
        chart = ChartSpec("funnel", "Sales funnel", "销售漏斗", "stages", "stage_en", ("amount",))
        return self.result(params, [table], [chart])

    def drill(
        self, ctx: Context, params: FunnelParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        conds = list(pipeline.open_deals(ctx))
        if params.funnel:
            conds.append(Opportunity.funnel == params.funnel)
        owners = _owner_ids(ctx, params.owner)
        if owners:
            conds.append(Opportunity.owner_id.in_(owners))
        if row is not None:
            conds += [Opportunity.funnel == row[0], Opportunity.stage == row[1]]
        if column_id == "stalled":
            conds.append(analytics.stalled_condition(ctx))
        return opportunities_table(ctx, *conds)


# -- weighted pipeline ----------------------------------------------------------------------


class PipelineParams(KitParams):
    start: dt.date | None = pydantic.Field(
        None, description="First close month (default: this month)"
    )
    months: int = pydantic.Field(6, ge=1, le=24, description="Number of close months")
    by: Dimension = pydantic.Field(
        "rep", title="Group by", description="rep, team, region, product or funnel"
    )
    funnel: str | None = pydantic.Field(None, description="Only this funnel")


class PipelineReport(ReportBase):
    id = "funnel.pipeline"
    category = "funnel"
    title_en = "Weighted pipeline forecast"
    title_zh = "加权销售预测（漏斗）"
    Params = PipelineParams

    def run(self, ctx: Context, params: PipelineParams) -> ReportResult:
        if params.funnel:
            _funnels(ctx, params.funnel)
        start = params.start or ctx.today()
        result = pipeline.weighted_pipeline(ctx, start, params.months, params.by, params.funnel)
        rows = []
        for r in result.rows:
            total = r.weighted_total
            rows.append(
                (
                    r.key,
                    r.name,
                    *[r.weighted.get(m, ZERO) for m in result.months],
                    total,
                    r.amount,
                    r.deals,
                    r.target,
                    ratio(total, r.target),
                    r.last_year,
                    ratio(total, r.last_year),
                )
            )
        n = len(result.months)
        columns = [
            Column("key", "Key", "编码"),
            Column("name", "Name", "名称"),
            *[Column(f"m{m}", m, m, K.MONEY, True) for m in result.months],
            Column("weighted", "Weighted", "加权合计", K.MONEY, True),
            Column("amount", "Pipeline", "在途金额", K.MONEY, True),
            Column("deals", "Deals", "商机数", K.INTEGER, True),
            Column("target", "Target", "指标", K.MONEY, True),
            Column("vs_target", "Weighted / target", "加权/指标", K.PERCENT),
            Column("last_year", "Last year actual", "去年同期实际", K.MONEY, True),
            Column("vs_last_year", "Weighted / last year", "加权/去年", K.PERCENT),
        ]
        sums = [self._sum(rows, 2 + i) for i in range(n + 3)]
        target, last = self._sum(rows, n + 5), self._sum(rows, n + 7)
        totals = (TOTAL_EN, None, *sums, target, ratio(sums[n], target), last, ratio(sums[n], last))
        table = Table(
            "pipeline",
            f"Weighted pipeline by {params.by}",
            f"按{DIMENSION_ZH[params.by]}加权在途",
            columns,
            rows,
            totals=totals,
            drill_columns=(*[f"m{m}" for m in result.months], "weighted", "amount", "deals"),
        )
        chart = ChartSpec(
            "column", "Weighted pipeline", "加权在途", "pipeline", "key", ("weighted",)
        )
        return self.result(params, [table], [chart])

    @staticmethod
    def _sum(rows: list[tuple], index: int) -> Any:
        values = [r[index] for r in rows if r[index] is not None]
        return sum(values[1:], values[0]) if values else None

    def drill(
        self, ctx: Context, params: PipelineParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        start = (params.start or ctx.today()).replace(day=1)
        month = column_id[1:] if column_id.startswith("m") and column_id[1:2].isdigit() else None
        conds = pipeline.pipeline_conditions(
            ctx, params.by, None if row is None else row[0], month, params.funnel
        )
        if month is None:
            from plugins.funnel.services.common import add_months

            conds += [
                Opportunity.expected_close >= start,
                Opportunity.expected_close < add_months(start, params.months),
            ]
        return opportunities_table(ctx, *conds)


# -- conversion and velocity ----------------------------------------------------------------


class ConversionParams(KitParams):
    funnel: str | None = pydantic.Field(None, description="Funnel id (default: the default funnel)")
    start: dt.date | None = start_field()
    end: dt.date | None = end_field()


class ConversionReport(ReportBase):
    id = "funnel.conversion"
    category = "funnel"
    title_en = "Funnel conversion and velocity"
    title_zh = "漏斗转化率与周期"
    Params = ConversionParams

    def run(self, ctx: Context, params: ConversionParams) -> ReportResult:
        funnel = _funnels(ctx, params.funnel or ctx.plugins.funnels.default_id)[0]
        start, end = period(ctx, params)
        rows = [
            (
                c.stage_id,
                c.title_en,
                c.title_zh,
                c.reached,
                c.next_reached,
                c.rate,
                c.avg_days,
                c.stays,
            )
            for c in analytics.conversion(ctx, funnel, start, end)
        ]
        stages = Table(
            "conversion",
            "Stage-to-stage conversion",
            "阶段转化",
            [
                Column("stage", "Stage", "阶段编码"),
                Column("stage_en", "Stage name", "阶段"),
                Column("stage_zh", "Stage (Chinese)", "阶段（中文）"),
                Column("reached", "Reached", "到达", K.INTEGER),
                Column("next", "Went on", "进入下一阶段", K.INTEGER),
                Column("rate", "Conversion", "转化率", K.PERCENT),
                Column("avg_days", "Avg days in stage", "平均停留天数", K.QUANTITY),
                Column("stays", "Stays measured", "停留次数", K.INTEGER),
            ],
            rows,
            drill_columns=("reached",),
        )
        v = analytics.velocity(ctx, funnel, start, end)
        summary = Table(
            "velocity",
            "Win rate, deal size, cycle",
            "赢单率、单笔金额、周期",
            [
                Column("won", "Won", "赢单", K.INTEGER),
                Column("lost", "Lost", "输单", K.INTEGER),
                Column("win_rate", "Win rate", "赢单率", K.PERCENT),
                Column("won_amount", "Won amount", "赢单金额", K.MONEY),
                Column("avg_deal", "Average deal", "平均单笔", K.MONEY),
                Column("cycle", "Avg cycle (days)", "平均周期（天）", K.QUANTITY),
            ],
            [(v.won, v.lost, v.win_rate, v.won_amount, v.avg_deal, v.avg_cycle_days)],
            drill_columns=("won", "lost", "won_amount"),
        )
        chart = ChartSpec(
            "funnel",
            "Deals reaching each stage",
            "各阶段到达数",
            "conversion",
            "stage_en",
            ("reached",),
        )
        return self.result(params, [stages, summary], [chart])

    def drill(
        self,
        ctx: Context,
        params: ConversionParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        funnel = _funnels(ctx, params.funnel or ctx.plugins.funnels.default_id)[0]
        start, end = period(ctx, params)
        lo = dt.datetime.combine(start, dt.time(), dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        conds: list[Any] = [Opportunity.funnel == funnel.id]
        if table_id == "velocity":
            status = OpportunityStatus.LOST if column_id == "lost" else OpportunityStatus.WON
            return opportunities_table(
                ctx,
                *conds,
                Opportunity.status == status,
                Opportunity.closed_at >= lo,
                Opportunity.closed_at < hi,
            )
        order = [*funnel.open_stages, funnel.won_stage]
        rank = next((i + 1 for i, s in enumerate(order) if row and s.id == row[0]), 1)
        best = (
            sa.select(StageChange.opportunity_id)
            .group_by(StageChange.opportunity_id)
            .having(sa.func.max(analytics._rank_sql(funnel, StageChange.to_stage)) >= rank)
        )
        return opportunities_table(
            ctx,
            *conds,
            Opportunity.created_at >= lo,
            Opportunity.created_at < hi,
            Opportunity.id.in_(best),
        )


# -- due list -------------------------------------------------------------------------------


class DueParams(KitParams):
    owner: str | None = pydantic.Field(
        None, description="Owner login (default: everyone you may see)"
    )
    kind: Literal["stalled", "follow_up", "visit", "lead"] | None = pydantic.Field(
        None, description="stalled, follow_up, visit or lead (default: all)"
    )


DUE_COLUMNS = [
    Column("kind", "Kind", "类别"),
    Column("record", "Record", "编号", K.INTEGER),
    Column("customer", "Customer", "客户"),
    Column("owner", "Owner", "负责人"),
    Column("manager", "Manager", "经理"),
    Column("subject", "What", "事项"),
    Column("due", "Due", "到期", K.DATE),
    Column("days_over", "Days over", "逾期天数", K.INTEGER),
]


class DueReport(ReportBase):
    id = "funnel.due"
    category = "funnel"
    title_en = "Due list: stalled deals and overdue follow-ups"
    title_zh = "待办：停滞商机与逾期跟进"
    Params = DueParams

    def run(self, ctx: Context, params: DueParams) -> ReportResult:
        kinds = (params.kind,) if params.kind else due.KINDS
        items = due.due_list(ctx, params.owner, kinds)
        rows = [
            (i.kind, i.record_id, i.customer, i.owner, i.manager, i.subject, i.due, i.days_over)
            for i in items
        ]
        table = Table(
            "due",
            "Due list",
            "待办清单",
            DUE_COLUMNS,
            rows,
            totals=(TOTAL_EN, len(rows), None, None, None, None, None, None),
            drill_columns=("record", "customer"),
        )
        return self.result(params, [table])

    def drill(
        self, ctx: Context, params: DueParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if row is None:
            return opportunities_table(
                ctx, *pipeline.open_deals(ctx), analytics.stalled_condition(ctx)
            )
        if row[0] == "stalled":
            return opportunities_table(ctx, Opportunity.id == row[1])
        return activities_table(ctx, Activity.customer_id == row[1])


# -- potential-customer tracking --------------------------------------------------------------


class ProspectParams(KitParams):
    customer_class: Literal["potential", "promising", "closing"] | None = pydantic.Field(
        None, description="potential, promising or closing (default: all three)"
    )
    owner: str | None = pydantic.Field(None, description="Owner login")


class ProspectReport(ReportBase):
    id = "funnel.prospects"
    category = "funnel"
    title_en = "Potential-customer tracking"
    title_zh = "潜在客户追踪表"
    Params = ProspectParams

    def run(self, ctx: Context, params: ProspectParams) -> ReportResult:
        classes = (
            [params.customer_class]
            if params.customer_class
            else [CustomerClass.POTENTIAL, CustomerClass.PROMISING, CustomerClass.CLOSING]
        )
        deals = (
            sa.select(
                Opportunity.customer_id.label("cid"),
                sa.func.count().label("n"),
                sa.func.sum(Opportunity.amount).label("amount"),
                sa.func.sum(Opportunity.amount * pipeline.probability_sql(ctx)).label("weighted"),
            )
            .where(Opportunity.status == OpportunityStatus.OPEN)
            .group_by(Opportunity.customer_id)
            .subquery()
        )
        later = aliased(Activity)
        done = sa.exists().where(
            later.customer_id == Activity.customer_id,
            later.date >= Activity.next_visit,
            later.id != Activity.id,
        )
        planned = (
            sa.select(
                Activity.customer_id.label("cid"), sa.func.min(Activity.next_visit).label("next")
            )
            .where(Activity.next_visit.is_not(None), ~done)
            .group_by(Activity.customer_id)
            .subquery()
        )
        owner = aliased(User)
        query = (
            sa.select(
                Customer.code,
                Customer.name,
                Customer.customer_class,
                owner.login,
                Customer.industry,
                Region.code,
                deals.c.n,
                deals.c.amount,
                deals.c.weighted,
                Customer.last_follow_up,
                planned.c.next,
            )
            .outerjoin(owner, owner.id == Customer.owner_id)
            .outerjoin(Region, Region.id == Customer.region_id)
            .outerjoin(deals, deals.c.cid == Customer.id)
            .outerjoin(planned, planned.c.cid == Customer.id)
            .where(visible(ctx, Customer), Customer.customer_class.in_(classes))
            .order_by(Customer.customer_class, Customer.code)
            .limit(100_000)
        )
        owners = _owner_ids(ctx, params.owner)
        if owners:
            query = query.where(Customer.owner_id.in_(owners))
        today = ctx.today()
        with ctx.reading() as session:
            rows = [
                (
                    code,
                    name,
                    cls,
                    login or "",
                    ind,
                    reg or "",
                    int(n or 0),
                    money(a),
                    money(w),
                    last,
                    nxt,
                    (today - last).days if last else None,
                )
                for code, name, cls, login, ind, reg, n, a, w, last, nxt in session.execute(query)
            ]
        columns = [
            Column("code", "Code", "客户编码"),
            Column("customer", "Customer", "客户"),
            Column("class", "Class", "客户类别"),
            Column("owner", "Owner", "负责人"),
            Column("industry", "Industry", "行业"),
            Column("region", "Region", "区域"),
            Column("deals", "Open deals", "在途商机", K.INTEGER, True),
            Column("amount", "Pipeline", "在途金额", K.MONEY, True),
            Column("weighted", "Weighted", "加权金额", K.MONEY, True),
            Column("last_follow_up", "Last follow-up", "最近跟进", K.DATE),
            Column("next_visit", "Next visit", "计划拜访", K.DATE),
            Column("idle_days", "Days since follow-up", "未跟进天数", K.INTEGER),
        ]
        totals = (
            TOTAL_EN,
            None,
            None,
            None,
            None,
            None,
            sum(r[6] for r in rows),
            sum((r[7] for r in rows), ZERO),
            sum((r[8] for r in rows), ZERO),
            None,
            None,
            None,
        )
        table = Table(
            "prospects",
            "Potential customers",
            "潜在客户",
            columns,
            rows,
            totals=totals,
            drill_columns=("deals", "amount", "weighted", "last_follow_up"),
        )
        return self.result(params, [table])

    def drill(
        self, ctx: Context, params: ProspectParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if row is None:
            raise NotFound(_("Pick a customer's row to see what is behind it."))
        cust = sa.select(Customer.id).where(Customer.code == row[0]).scalar_subquery()
        if column_id == "last_follow_up":
            return activities_table(ctx, Activity.customer_id == cust)
        return opportunities_table(
            ctx, Opportunity.customer_id == cust, Opportunity.status == OpportunityStatus.OPEN
        )


# -- handovers ------------------------------------------------------------------------------


class HandoverParams(KitParams):
    handover: int | None = pydantic.Field(None, description="Handover number (default: the latest)")


class HandoverReport(ReportBase):
    id = "funnel.handover"
    category = "funnel"
    title_en = "Handover report"
    title_zh = "离职交接报告"
    Params = HandoverParams

    def run(self, ctx: Context, params: HandoverParams) -> ReportResult:
        done = handover.handovers(ctx)
        chosen = [h for h, _login in done if params.handover in (None, h.id)]
        if not chosen:
            raise NotFound(
                _("No handover has been made yet.")
                if params.handover is None
                else _("There is no handover {number} that you can see.").format(
                    number=params.handover
                )
            )
        record = chosen[0]
        leaving = next(login for h, login in done if h.id == record.id)
        names = handover.people_names(ctx, [leaving, *record.successors])
        head = Table(
            "handover",
            "Handover",
            "交接概要",
            [
                Column("number", "Handover", "交接编号", K.INTEGER),
                Column("date", "Date", "日期", K.DATE),
                Column("leaving", "Leaving rep", "离职业务员"),
                Column("successors", "Successors", "接手人"),
                Column("customers", "Customers", "客户", K.INTEGER),
                Column("deals", "Open deals", "在途商机", K.INTEGER),
                Column("follow_ups", "Open follow-ups", "待跟进", K.INTEGER),
                Column("targets", "Target months", "指标月份", K.INTEGER),
            ],
            [
                (
                    record.id,
                    record.at.date(),
                    names[leaving],
                    listed(names[login] for login in record.successors),
                    record.customers,
                    record.opportunities,
                    record.follow_ups,
                    record.targets,
                )
            ],
        )
        head.drill_columns = ("customers", "deals")
        return self.result(params, [head, self._customers(ctx, record.id)])

    @staticmethod
    def _customers(ctx: Context, handover_id: int | None) -> Table:
        from plugins.funnel.models import LeadEvent

        to = aliased(User)
        with ctx.reading() as session:
            moved = [
                tuple(r)
                for r in session.execute(
                    sa.select(Customer.code, Customer.name, to.login, Customer.customer_class)
                    .join(LeadEvent, LeadEvent.customer_id == Customer.id)
                    .outerjoin(to, to.id == LeadEvent.to_owner_id)
                    .where(LeadEvent.handover_id == handover_id)
                    .order_by(Customer.code)
                )
            ]
        return Table(
            "customers",
            "Customers handed over",
            "交接客户",
            [
                Column("code", "Code", "客户编码"),
                Column("customer", "Customer", "客户"),
                Column("to", "Successor", "接手人"),
                Column("class", "Class", "客户类别"),
            ],
            moved,
            totals=(TOTAL_EN, len(moved), None, None),
        )

    def drill(
        self, ctx: Context, params: HandoverParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        """The handover's customers, or their deals still open (which moved with them)."""
        from plugins.funnel.models import LeadEvent

        if table_id != "handover" or row is None or column_id not in ("customers", "deals"):
            return super().drill(ctx, params, table_id, row, column_id)
        handover_id = row[0]
        if column_id == "customers":
            return self._customers(ctx, handover_id)
        moved = sa.select(LeadEvent.customer_id).where(LeadEvent.handover_id == handover_id)
        return opportunities_table(
            ctx, Opportunity.customer_id.in_(moved), Opportunity.status == OpportunityStatus.OPEN
        )


def all_reports() -> list[Any]:
    return [
        FunnelReport(),
        PipelineReport(),
        ConversionReport(),
        DueReport(),
        ProspectReport(),
        HandoverReport(),
    ]

"""Reports a sales office prints (xlsx through the exporters): price list, sales control
summary by building, sales plan vs actual, payments and receivables, call statistics.

Every figure is aggregated in the database; the totals row of each table is the sum of its
rows, so the manual reports kept alongside (双轨制) can be checked line by line.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core.access import Scope
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.i18n import pick
from core.report_kit import (
    AsOfParams,
    KitParams,
    ReportBase,
    as_of,
    end_field,
    money,
    period,
    ratio,
    start_field,
    totals_row,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from plugins.real_estate.models import (
    Building,
    Call,
    Deal,
    DealStatus,
    Instalment,
    Payment,
    PriceList,
    PriceListLine,
    Project,
    SalesPlan,
    Settlement,
    Unit,
    UnitStatus,
)
from plugins.real_estate.services.common import may_read_finance, require_finance_reader

K = ColumnKind
ZERO = Decimal("0")


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return ratio(part, whole, rounding=ROUND_HALF_UP)  # the printed sheets round half-up


def _buildings(session: Any, project: str | None, building: str | None = None) -> list[Any]:
    query = (
        sa.select(Building.id, Building.code, Building.name, Project.code)
        .join(Project, Project.id == Building.project_id)
        .order_by(Project.code, Building.code)
    )
    if project:
        query = query.where(Project.code == project)
    if building:
        query = query.where(Building.code == building)
    rows = session.execute(query).all()
    if (project or building) and not rows:
        where = "building" if building else "project"
        expected = (
            "the code of an existing building" if building else "the code of an existing project"
        )
        raise ValidationFailed(
            [FieldProblem(where, building or project, expected)],
            "report",
        )
    return rows


# -- price list ---------------------------------------------------------------------------


class BuildingParams(KitParams):
    project: str | None = pydantic.Field(None, description="Project code (default: all)")
    building: str | None = pydantic.Field(None, description="Building code (default: all)")


UNIT_COLUMNS = [
    Column("building", "Building", "楼栋"),
    Column("unit_no", "Unit", "房号"),
    Column("floor", "Floor", "楼层", K.INTEGER),
    Column("layout", "Layout", "户型"),
    Column("orientation", "Orientation", "朝向"),
    Column("building_area", "Building area", "建筑面积", K.QUANTITY, total=True),
    Column("suite_area", "Suite area", "套内面积", K.QUANTITY, total=True),
    Column("shared_area", "Shared area", "公摊面积", K.QUANTITY, total=True),
    Column("unit_price", "Unit price", "单价", K.MONEY),
    Column("total_price", "Total price", "总价", K.MONEY, total=True),
    Column("status", "Status", "状态"),
]


def unit_rows(session: Any, building_ids: list[int], status: str | None = None) -> list[tuple]:
    query = (
        sa.select(
            Building.code,
            Unit.unit_no,
            Unit.floor,
            Unit.layout,
            Unit.orientation,
            Unit.building_area,
            Unit.suite_area,
            Unit.shared_area,
            Unit.unit_price,
            Unit.total_price,
            Unit.status,
        )
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.building_id.in_(building_ids or [-1]))
        .order_by(Building.code, Unit.floor.desc(), Unit.unit_no)
    )
    if status:
        query = query.where(Unit.status == status)
    return [_titled(r) for r in session.execute(query)]


def status_title(status: str) -> str:
    """A unit status as the printed sheet says it (Available, 可售), never the code."""
    return pick(str(status).title(), STATUS_ZH.get(str(status), ""))


def _titled(row: Any) -> tuple:
    """A unit row with its status (the last column) as a title."""
    return (*tuple(row)[:-1], status_title(row[-1]))


class PriceListParams(BuildingParams):
    number: int | None = pydantic.Field(
        None,
        ge=1,
        title="Price list version",
        description="Price list version of the building (default: current prices)",
    )


class PriceListReport(ReportBase):
    id = "real_estate_price_list"
    category = "real_estate"
    title_en = "Price list"
    title_zh = "楼盘价目表"
    Params = PriceListParams

    def run(self, ctx: Context, params: PriceListParams) -> ReportResult:
        with ctx.reading() as session:
            ids = [b[0] for b in _buildings(session, params.project, params.building)]
            if params.number is None:
                rows = unit_rows(session, ids)
            else:
                rows = self._version(session, ids, params)
        area = sum((r[5] for r in rows), ZERO)
        value = sum((r[9] for r in rows), ZERO)
        average = money(value / area) if area else None
        totals = (
            TOTAL_EN,
            None,
            len(rows),
            None,
            None,
            area,
            sum((r[6] for r in rows), ZERO),
            sum((r[7] for r in rows), ZERO),
            average,
            value,
            None,
        )
        table = Table("units", "Units and prices", "房间价目", UNIT_COLUMNS, rows, totals=totals)
        return self.result(params, [table])

    def _version(self, session: Any, ids: list[int], params: PriceListParams) -> list[tuple]:
        """The lines of one numbered price list (published, superseded or pending)."""
        if len(ids) != 1:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "building", params.building, "one building when a version is asked for"
                    )
                ],
                "report",
            )
        list_id = session.scalar(
            sa.select(PriceList.id).where(
                PriceList.building_id == ids[0], PriceList.number == params.number
            )
        )
        if list_id is None:
            raise ValidationFailed(
                [FieldProblem("number", params.number, "an existing price list number")], "report"
            )
        query = (
            sa.select(
                Building.code,
                Unit.unit_no,
                Unit.floor,
                Unit.layout,
                Unit.orientation,
                Unit.building_area,
                Unit.suite_area,
                Unit.shared_area,
                PriceListLine.unit_price,
                PriceListLine.total_price,
                Unit.status,
            )
            .join(Unit, Unit.id == PriceListLine.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(PriceListLine.price_list_id == list_id)
            .order_by(Unit.floor.desc(), Unit.unit_no)
        )
        return [_titled(r) for r in session.execute(query)]


# -- sales control summary ----------------------------------------------------------------


STATUSES = [
    UnitStatus.AVAILABLE,
    UnitStatus.HELD,
    UnitStatus.RESERVED,
    UnitStatus.SUBSCRIBED,
    UnitStatus.SIGNED,
    UnitStatus.SOLD,
]
STATUS_ZH = {
    "available": "可售",
    "held": "保留",
    "reserved": "预留",
    "subscribed": "认购",
    "signed": "签约",
    "sold": "售出",
}


class SalesControlSummary(ReportBase):
    id = "real_estate_sales_control"
    category = "real_estate"
    title_en = "Sales control summary by building"
    title_zh = "销控汇总表"
    Params = BuildingParams

    def columns(self) -> list[Column]:
        return [
            Column("project", "Project", "项目"),
            Column("building", "Building", "楼栋"),
            Column("units", "Units", "总套数", K.INTEGER, total=True),
            *[
                Column(s.value, s.value.title(), STATUS_ZH[s.value], K.INTEGER, total=True)
                for s in STATUSES
            ],
            Column("sold_area", "Area sold", "已售面积", K.QUANTITY, total=True),
            Column("contracted", "Contracted amount", "成交金额", K.MONEY, total=True),
            Column("received", "Received", "已收款", K.MONEY, total=True),
            Column("sale_rate", "Sale rate", "销售率", K.PERCENT),
        ]

    def run(self, ctx: Context, params: BuildingParams) -> ReportResult:
        with ctx.reading() as session:
            buildings = _buildings(session, params.project, params.building)
            ids = [b[0] for b in buildings]
            counts = self._counts(session, ids)
            amounts = self._money(session, ids, ctx.today())
        rows = []
        for bid, code, _name, project in buildings:
            by_status = counts.get(bid, {})
            units = sum(by_status.values())
            taken = by_status.get("signed", 0) + by_status.get("sold", 0)
            area, contracted, received = amounts.get(bid, (ZERO, ZERO, ZERO))
            rows.append(
                (
                    project,
                    code,
                    units,
                    *[by_status.get(s.value, 0) for s in STATUSES],
                    money(area),
                    money(contracted),
                    money(received),
                    _ratio(taken, units),
                )
            )
        cols = self.columns()
        totals: list[Any] = [TOTAL_EN, None]
        for i, col in enumerate(cols[2:-1], start=2):
            totals.append(sum((r[i] for r in rows), ZERO if col.kind != K.INTEGER else 0))
        taken = totals[7] + totals[8]  # signed + sold
        totals.append(_ratio(taken, totals[2]))
        if not may_read_finance(ctx):  # money received is finance data, as in receivables
            keep = [i for i, col in enumerate(cols) if col.id != "received"]
            cols = [cols[i] for i in keep]
            rows = [tuple(r[i] for i in keep) for r in rows]
            totals = [totals[i] for i in keep]
        table = Table(
            "buildings",
            "Sales control by building",
            "分楼栋销控",
            cols,
            rows,
            totals=tuple(totals),
            drill_columns=tuple(s.value for s in STATUSES),
        )
        chart = ChartSpec(
            "column",
            "Units by status",
            "各状态套数",
            "buildings",
            "building",
            tuple(s.value for s in STATUSES),
        )
        return self.result(params, [table], [chart])

    def _counts(self, session: Any, ids: list[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for bid, status, n in session.execute(
            sa.select(Unit.building_id, Unit.status, sa.func.count())
            .where(Unit.building_id.in_(ids or [-1]))
            .group_by(Unit.building_id, Unit.status)
        ):
            out.setdefault(bid, {})[status] = int(n)
        return out

    def _money(
        self, session: Any, ids: list[int], today: dt.date
    ) -> dict[int, tuple[Decimal, ...]]:
        """Area and amount of signed/sold units and money received on active deals (by
        today: a payment dated later has not been received)."""
        taken = (
            sa.select(Unit.building_id, sa.func.sum(Deal.contracted_area), sa.func.sum(Deal.price))
            .join(Deal, Deal.unit_id == Unit.id)
            .where(
                Unit.building_id.in_(ids or [-1]),
                Deal.status == DealStatus.ACTIVE,
                Unit.status.in_([UnitStatus.SIGNED, UnitStatus.SOLD]),
            )
            .group_by(Unit.building_id)
        )
        received = (
            sa.select(Unit.building_id, sa.func.sum(Payment.amount))
            .join(Deal, Deal.unit_id == Unit.id)
            .join(Payment, Payment.deal_id == Deal.id)
            .where(
                Unit.building_id.in_(ids or [-1]),
                Deal.status == DealStatus.ACTIVE,
                Payment.paid_on <= today,
            )
            .group_by(Unit.building_id)
        )
        out: dict[int, list[Decimal]] = {}
        for bid, area, amount in session.execute(taken):
            out[bid] = [Decimal(area or 0), Decimal(amount or 0), ZERO]
        for bid, amount in session.execute(received):
            out.setdefault(bid, [ZERO, ZERO, ZERO])[2] = Decimal(amount or 0)
        return {k: tuple(v) for k, v in out.items()}

    def drill(
        self, ctx: Context, params: BuildingParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        """The units behind one count (``row=None``: every building)."""
        with ctx.reading() as session:
            if row is None:
                ids = [b[0] for b in _buildings(session, params.project, params.building)]
            else:
                ids = [b[0] for b in _buildings(session, row[0], row[1])]
            status = column_id if column_id in {s.value for s in STATUSES} else None
            rows = unit_rows(session, ids, status)
        return Table("units", "Units", "房间", UNIT_COLUMNS, rows)


# -- sales plan vs actual -----------------------------------------------------------------


class YearParams(KitParams):
    year: int | None = pydantic.Field(None, ge=2000, le=2100, description="Year (default: this)")
    project: str | None = pydantic.Field(None, description="Project code (default: all)")


class PlanVsActual(ReportBase):
    id = "real_estate_plan_actual"
    category = "real_estate"
    title_en = "Sales plan vs actual"
    title_zh = "楼盘销售计划执行表"
    Params = YearParams

    def run(self, ctx: Context, params: YearParams) -> ReportResult:
        year = params.year or ctx.today().year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        with ctx.reading() as session:
            buildings = {b[0]: b[1] for b in _buildings(session, params.project)}
            plans = {
                (bid, m): (u, a)
                for bid, m, u, a in session.execute(
                    sa.select(
                        SalesPlan.building_id, SalesPlan.month, SalesPlan.units, SalesPlan.amount
                    ).where(
                        SalesPlan.month.between(start, end),
                        SalesPlan.building_id.in_(list(buildings) or [-1]),
                    )
                )
            }
            deals = session.execute(
                sa.select(Unit.building_id, Deal.signed_on, Deal.price)
                .join(Deal, Deal.unit_id == Unit.id)
                .where(
                    Deal.status == DealStatus.ACTIVE,
                    Deal.signed_on.between(start, end),
                    Unit.building_id.in_(list(buildings) or [-1]),
                )
            ).all()
        actual: dict[tuple[int, dt.date], list[Any]] = {}
        for bid, day, price in deals:  # at most one row per signed unit of one year
            slot = actual.setdefault((bid, day.replace(day=1)), [0, ZERO])
            slot[0] += 1
            slot[1] += Decimal(price)
        rows = []
        for bid, month in sorted(set(plans) | set(actual), key=lambda k: (buildings[k[0]], k[1])):
            pu, pa = plans.get((bid, month), (0, ZERO))
            au, aa = actual.get((bid, month), (0, ZERO))
            rows.append(
                (buildings[bid], f"{month:%Y-%m}", pu, au, money(pa), money(aa), _ratio(aa, pa))
            )
        cols = [
            Column("building", "Building", "楼栋"),
            Column("month", "Month", "月份"),
            Column("plan_units", "Plan units", "计划套数", K.INTEGER, True),
            Column("actual_units", "Signed units", "签约套数", K.INTEGER, True),
            Column("plan_amount", "Plan amount", "计划金额", K.MONEY, True),
            Column("actual_amount", "Signed amount", "签约金额", K.MONEY, True),
            Column("completion", "Completion", "完成率", K.PERCENT),
        ]
        plan_total = sum((r[4] for r in rows), ZERO)
        actual_total = sum((r[5] for r in rows), ZERO)
        totals = (
            TOTAL_EN,
            None,
            sum(r[2] for r in rows),
            sum(r[3] for r in rows),
            plan_total,
            actual_total,
            _ratio(actual_total, plan_total),
        )
        table = Table(
            "plan", f"Plan vs actual {year}", f"{year}年计划与实际", cols, rows, totals=totals
        )
        chart = ChartSpec(
            "column",
            "Plan vs signed",
            "计划与签约",
            "plan",
            "month",
            ("plan_amount", "actual_amount"),
        )
        return self.result(params, [table], [chart])


# -- payments and receivables ------------------------------------------------------------


class ReceivablesParams(AsOfParams):
    project: str | None = pydantic.Field(None, description="Project code (default: all)")


class Receivables(ReportBase):
    id = "real_estate_receivables"
    category = "real_estate"
    title_en = "Payments and receivables"
    title_zh = "房款收款与应收表"
    Params = ReceivablesParams

    def run(self, ctx: Context, params: ReceivablesParams) -> ReportResult:
        require_finance_reader(ctx)
        day = as_of(ctx, params)
        with ctx.reading() as session:
            ids = [b[0] for b in _buildings(session, params.project)]
            paid = (
                sa.select(Payment.deal_id, sa.func.sum(Payment.amount).label("paid"))
                .where(Payment.paid_on <= day)
                .group_by(Payment.deal_id)
                .subquery()
            )
            due = (
                sa.select(Instalment.deal_id, sa.func.sum(Instalment.amount).label("due"))
                .where(Instalment.due_on <= day)
                .group_by(Instalment.deal_id)
                .subquery()
            )
            rows = session.execute(
                sa.select(
                    Building.code,
                    Unit.unit_no,
                    Deal.buyer_name,
                    Unit.status,
                    Deal.price,
                    sa.func.coalesce(Settlement.amount, 0),
                    sa.func.coalesce(due.c.due, 0),
                    sa.func.coalesce(paid.c.paid, 0),
                )
                .join(Unit, Unit.id == Deal.unit_id)
                .join(Building, Building.id == Unit.building_id)
                .outerjoin(Settlement, Settlement.deal_id == Deal.id)
                .outerjoin(paid, paid.c.deal_id == Deal.id)
                .outerjoin(due, due.c.deal_id == Deal.id)
                .where(Deal.status == DealStatus.ACTIVE, Unit.building_id.in_(ids or [-1]))
                .order_by(Building.code, Unit.unit_no)
            ).all()
        out = []
        for code, unit_no, buyer, status, price, settled, due_now, got in rows:
            price, settled, got = money(price), money(settled), money(got)
            overdue = max(money(due_now) - got, ZERO)
            out.append(
                (
                    code,
                    unit_no,
                    buyer,
                    status_title(status),
                    price,
                    settled,
                    got,
                    price + settled - got,
                    overdue,
                )
            )
        cols = [
            Column("building", "Building", "楼栋"),
            Column("unit_no", "Unit", "房号"),
            Column("buyer", "Buyer", "客户"),
            Column("status", "Status", "状态"),
            Column("price", "Price", "成交总价", K.MONEY, True),
            Column("settlement", "Area settlement", "面积补差", K.MONEY, True),
            Column("paid", "Received", "已收", K.MONEY, True),
            Column("outstanding", "Outstanding", "未收", K.MONEY, True),
            Column("overdue", "Overdue", "逾期应收", K.MONEY, True),
        ]
        return self.result(
            params,
            [
                Table(
                    "deals",
                    f"Receivables as of {day}",
                    f"截至{day}应收",
                    cols,
                    out,
                    totals=totals_row(cols, out),
                )
            ],
        )


def _own_only(ctx: Context) -> bool:
    """A rep (own records only) sees the calls and deals they handled."""
    return ctx.grant.scope is Scope.OWN


# -- call register statistics -------------------------------------------------------------


class CallParams(KitParams):
    start: dt.date | None = start_field("month start")
    end: dt.date | None = end_field()


class CallStatistics(ReportBase):
    id = "real_estate_calls"
    category = "real_estate"
    title_en = "Call register statistics"
    title_zh = "来电统计表"
    Params = CallParams

    def run(self, ctx: Context, params: CallParams) -> ReportResult:
        start, end = period(ctx, params, "month")
        lo = dt.datetime.combine(start, dt.time.min, dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, dt.UTC)

        def count(cond: Any) -> Any:
            return sa.func.sum(sa.case((cond, 1), else_=0))

        with ctx.reading() as session:
            rows = session.execute(
                sa.select(
                    Call.source,
                    sa.func.count(),
                    count(Call.grade == "A"),
                    count(Call.grade == "B"),
                    count(Call.grade == "C"),
                    count(Call.followed_up_on.is_not(None)),
                    count(Call.visited_on.is_not(None)),
                    count(Call.deal_id.is_not(None)),
                )
                .where(
                    Call.called_at >= lo,
                    Call.called_at < hi,
                    Call.agent_id == ctx.actor.id if _own_only(ctx) else sa.true(),
                )
                .group_by(Call.source)
                .order_by(Call.source)
            ).all()
        out = [
            (src, *[int(v or 0) for v in vals], _ratio(int(vals[-1] or 0), int(vals[0])))
            for src, *vals in rows
        ]
        cols = [
            Column("source", "Source", "来源"),
            Column("calls", "Calls", "来电数", K.INTEGER, True),
            Column("a", "Grade A", "A类", K.INTEGER, True),
            Column("b", "Grade B", "B类", K.INTEGER, True),
            Column("c", "Grade C", "C类", K.INTEGER, True),
            Column("followed", "Followed up", "已回访", K.INTEGER, True),
            Column("visits", "Visits", "到访", K.INTEGER, True),
            Column("deals", "Deals", "成交", K.INTEGER, True),
            Column("conversion", "Call to deal", "来电成交率", K.PERCENT),
        ]
        sums = [sum(r[i] for r in out) for i in range(1, 8)]
        totals = (TOTAL_EN, *sums, _ratio(sums[-1], sums[0]))
        sources = Table(
            "sources", f"Calls {start} to {end}", f"来电 {start} 至 {end}", cols, out, totals=totals
        )
        funnel = self._funnel(ctx, start, end, sums[0], sums[5])
        chart = ChartSpec(
            "funnel", "Real-estate funnel", "房地产销售漏斗", "funnel", "stage", ("count",)
        )
        return self.result(params, [sources, funnel], [chart])

    def _funnel(self, ctx: Context, start: dt.date, end: dt.date, calls: int, visits: int) -> Table:
        """Calls -> visits -> reserved -> subscribed -> signed in the period (the stages of
        the real-estate funnel); each with its ratio to the stage before."""
        with ctx.reading() as session:

            def deals(column: Any) -> int:
                mine = Deal.agent_id == ctx.actor.id if _own_only(ctx) else sa.true()
                return int(
                    session.scalar(
                        sa.select(sa.func.count())
                        .select_from(Deal)
                        .where(column.between(start, end), mine)
                    )
                    or 0
                )

            counts = [
                calls,
                visits,
                deals(Deal.reserved_on),
                deals(Deal.subscribed_on),
                deals(Deal.signed_on),
            ]
        stages = [
            ("Calls", "来电"),
            ("Visits", "来访"),
            ("Reserved", "预留"),
            ("Subscribed", "认购"),
            ("Signed", "签约"),
        ]
        rows = [
            (pick(en, zh), n, _ratio(n, counts[i - 1]) if i else None)
            for i, ((en, zh), n) in enumerate(zip(stages, counts, strict=True))
        ]
        cols = [
            Column("stage", "Stage", "阶段"),
            Column("count", "Count", "数量", K.INTEGER),
            Column("step", "From the stage before", "阶段转化率", K.PERCENT),
        ]
        return Table(
            "funnel",
            "Funnel: call/visit -> reserve -> subscribe -> sign",
            "漏斗：来电来访 -> 预留 -> 认购 -> 签约",
            cols,
            rows,
        )


def all_reports() -> list[Any]:
    return [
        PriceListReport(),
        SalesControlSummary(),
        PlanVsActual(),
        Receivables(),
        CallStatistics(),
    ]

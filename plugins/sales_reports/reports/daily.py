"""The rep's daily visit report as the paper form (销售日报表, docs/domain.md section 7)
and the rep's week: header, visits with times and amounts, tomorrow's plan and how the
day's plan was kept. The PDF exporter closes the form with 制表人 / 审核人 / 日期."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.drill import activities_table
from core.errors import NotFound
from core.i18n import pick
from core.models import Activity, Contact, DailyReport, Region, User
from core.report_kit import ZERO, AsOfParams, ReportBase, as_of, col_sum, ratio
from core.reports import TOTAL_EN, Column, ColumnKind, ReportResult, Table
from core.services import daily
from plugins.sales_reports.reports.common import customer_names

K = ColumnKind

WEATHER = {
    "sunny": ("Sunny", "晴"),
    "cloudy": ("Cloudy", "多云"),
    "overcast": ("Overcast", "阴"),
    "rain": ("Rain", "雨"),
    "snow": ("Snow", "雪"),
    "fog": ("Fog", "雾"),
    "windy": ("Windy", "大风"),
}
PURPOSE = {
    "order": ("Order", "订货"),
    "collection": ("Collection", "收款"),
    "development": ("Development", "开发"),
    "service": ("Service", "服务"),
    "explanation": ("Explanation", "说明"),
}
CUSTOMER_TYPE = {
    "prospect": ("Prospect", "开发"),
    "new": ("New", "新增"),
    "existing": ("Existing", "原有"),
}
WEEKDAYS = (
    ("Mon", "周一"),
    ("Tue", "周二"),
    ("Wed", "周三"),
    ("Thu", "周四"),
    ("Fri", "周五"),
    ("Sat", "周六"),
    ("Sun", "周日"),
)


def word(table: dict[str, tuple[str, str]], value: str | None) -> str:
    """A stored code in the reader's words (the code itself when unknown)."""
    if not value:
        return ""
    return pick(*table[value]) if value in table else value


class RepDayParams(AsOfParams):
    rep: str | None = pydantic.Field(None, description="Rep's login (default: yourself)")


def rep_of(ctx: Context, login: str | None) -> tuple[int, str, str]:
    """(id, login, name) of the rep the form is for, among the users the reader sees."""
    login = login or ctx.actor.login
    with ctx.reading() as session:
        found = session.execute(
            sa.select(User.id, User.login, User.display_name).where(
                User.login == login, visible(ctx, User)
            )
        ).first()
    if found is None:
        raise NotFound(
            pick(
                f"no rep '{login}' among the users you may see",
                f"在您可查看的用户中没有业务员“{login}”",
            )
        )
    return found[0], found[1], found[2]


def _hhmm(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else ""


class DailyVisitForm(ReportBase):
    id = "daily_visit_form"
    title_en = "Daily visit report (one rep)"
    title_zh = "业务员销售日报表"
    category = "daily"
    Params = RepDayParams

    def run(self, ctx: Context, params: RepDayParams) -> ReportResult:
        day = as_of(ctx, params)
        rep_id, login, name = rep_of(ctx, params.rep)
        tomorrow = day + dt.timedelta(days=1)
        with ctx.reading() as session:
            header = session.scalar(
                sa.select(DailyReport).where(DailyReport.rep_id == rep_id, DailyReport.date == day)
            )
            region_id = (
                header.region_id
                if header
                else session.scalar(sa.select(User.region_id).where(User.id == rep_id))
            )
            region = session.scalar(sa.select(Region.name).where(Region.id == region_id))
            visits = list(
                session.scalars(
                    sa.select(Activity)
                    .where(Activity.rep_id == rep_id, Activity.date == day, visible(ctx, Activity))
                    .order_by(Activity.visit_time, Activity.id)
                )
            )
            today_plan = daily.plan_vs_done(ctx, day, rep_id)
            next_plan = daily.plan_vs_done(ctx, tomorrow, rep_id)
            names = customer_names(
                session,
                {v.customer_id for v in visits if v.customer_id}
                | {p.customer_id for p in today_plan + next_plan},
            )
            people = dict(
                session.execute(
                    sa.select(Contact.id, Contact.name).where(
                        Contact.id.in_({v.contact_id for v in visits if v.contact_id} or {-1})
                    )
                ).all()
            )
        head = Table(
            "header",
            "Report",
            "表头",
            [
                Column("region", "Region", "区域"),
                Column("rep", "Reporter", "填报人"),
                Column("rep_name", "Name", "姓名"),
                Column("date", "Date", "日期", K.DATE),
                Column("weather", "Weather", "天气"),
            ],
            [(region or "", login, name, day, word(WEATHER, header.weather if header else ""))],
        )
        return self.result(
            params,
            [
                head,
                _visits_table(visits, names, people),
                _plan_table(next_plan, names, tomorrow),
                _done_table(today_plan, names, day),
            ],
        )


def _visits_table(
    visits: list[Activity], names: dict[int, tuple[str, str, Any]], people: dict[int, str]
) -> Table:
    rows = [
        (
            _hhmm(v.visit_time),
            _hhmm(v.end_time),
            *names.get(v.customer_id or 0, ("", ""))[:2],
            people.get(v.contact_id or 0, ""),
            word(PURPOSE, v.purpose),
            word(CUSTOMER_TYPE, v.customer_type),
            v.result,
            Decimal(v.order_amount or ZERO),
            Decimal(v.collection_amount or ZERO),
            v.next_visit,
            v.notes,
        )
        for v in visits
    ]
    return Table(
        "visits",
        "Visits",
        "拜访记录",
        [
            Column("start", "Start", "开始"),
            Column("end", "End", "结束"),
            Column("customer_code", "Customer code", "客户编码"),
            Column("customer", "Customer", "客户"),
            Column("contact", "Contact", "拜访对象"),
            Column("purpose", "Purpose", "目的"),
            Column("customer_type", "Customer type", "客户类别"),
            Column("result", "Result", "结果"),
            Column("order_amount", "Order amount", "订货金额", K.MONEY, True),
            Column("collection_amount", "Collected", "收款金额", K.MONEY, True),
            Column("next_visit", "Next visit", "下次拜访", K.DATE),
            Column("notes", "Notes", "备注"),
        ],
        rows,
        totals=(
            TOTAL_EN,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            col_sum(rows, 8),
            col_sum(rows, 9),
            None,
            None,
        ),
    )


def _plan_table(
    plans: list[daily.PlanCheck], names: dict[int, tuple[str, str, Any]], tomorrow: dt.date
) -> Table:
    rows = [
        (*names.get(p.customer_id, ("", ""))[:2], word(PURPOSE, p.purpose), p.notes, p.planned_on)
        for p in plans
    ]
    return Table(
        "plan",
        f"Plan for {tomorrow}",
        f"{tomorrow} 计划",
        [
            Column("customer_code", "Customer code", "客户编码"),
            Column("customer", "Customer", "客户"),
            Column("purpose", "Purpose", "目的"),
            Column("notes", "Notes", "备注"),
            Column("planned_on", "Planned on", "计划日期", K.DATE),
        ],
        rows,
    )


def _done_table(
    plans: list[daily.PlanCheck], names: dict[int, tuple[str, str, Any]], day: dt.date
) -> Table:
    rows = [
        (
            *names.get(p.customer_id, ("", ""))[:2],
            word(PURPOSE, p.purpose),
            p.planned_on,
            pick("done", "已完成") if p.done else pick("not done", "未完成"),
            int(p.done),
        )
        for p in plans
    ]
    done = sum(r[5] for r in rows)
    return Table(
        "done",
        f"Plan for {day} and what was done",
        f"{day} 计划完成情况",
        [
            Column("customer_code", "Customer code", "客户编码"),
            Column("customer", "Customer", "客户"),
            Column("purpose", "Purpose", "目的"),
            Column("planned_on", "Planned on", "计划日期", K.DATE),
            Column("status", "Done?", "完成否"),
            Column("done", "Done", "已完成", K.INTEGER, True),
        ],
        rows,
        totals=(TOTAL_EN, None, None, None, f"{done} / {len(rows)}", done),
    )


# -- the rep's week ------------------------------------------------------------------------


class RepWeekly(ReportBase):
    id = "rep_weekly_visits"
    title_en = "Weekly visit report (one rep)"
    title_zh = "业务员拜访周报表"
    category = "daily"
    Params = RepDayParams

    def run(self, ctx: Context, params: RepDayParams) -> ReportResult:
        first = week_start(as_of(ctx, params))
        rep_id, login, name = rep_of(ctx, params.rep)
        days = [first + dt.timedelta(days=i) for i in range(7)]
        with ctx.reading() as session:
            sums = {
                d: (n, int(o or 0), a, c)
                for d, n, o, a, c in session.execute(
                    sa.select(
                        Activity.date,
                        sa.func.count(),
                        sa.func.sum(sa.case((Activity.purpose == "order", 1), else_=0)),
                        sa.func.sum(Activity.order_amount),
                        sa.func.sum(Activity.collection_amount),
                    )
                    .where(
                        Activity.rep_id == rep_id,
                        Activity.date.between(days[0], days[-1]),
                        visible(ctx, Activity),
                    )
                    .group_by(Activity.date)
                )
            }
        rows = []
        for day in days:
            n, orders, ordered, collected = sums.get(day, (0, 0, 0, 0))
            checks = daily.plan_vs_done(ctx, day, rep_id)
            done = sum(1 for c in checks if c.done)
            rows.append(
                (
                    day,
                    pick(*WEEKDAYS[day.weekday()]),
                    n,
                    orders,
                    _cents(ordered),
                    _cents(collected),
                    len(checks),
                    done,
                    ratio(Decimal(done), Decimal(len(checks))),
                )
            )
        planned, done = sum(r[6] for r in rows), sum(r[7] for r in rows)
        table = Table(
            "days",
            f"{login} {name}: week of {first}",
            f"{login} {name}：{first} 当周",
            [
                Column("date", "Date", "日期", K.DATE),
                Column("weekday", "Day", "星期"),
                Column("visits", "Visits", "拜访数", K.INTEGER, True),
                Column("orders", "Order visits", "订货拜访", K.INTEGER, True),
                Column("order_amount", "Order amount", "订货金额", K.MONEY, True),
                Column("collection_amount", "Collected", "收款金额", K.MONEY, True),
                Column("planned", "Planned", "计划拜访", K.INTEGER, True),
                Column("done", "Plans done", "计划完成", K.INTEGER, True),
                Column("completion", "Plan completion", "计划完成率", K.PERCENT),
            ],
            rows,
            totals=(
                TOTAL_EN,
                None,
                sum(r[2] for r in rows),
                sum(r[3] for r in rows),
                col_sum(rows, 4),
                col_sum(rows, 5),
                planned,
                done,
                ratio(Decimal(done), Decimal(planned)),
            ),
            drill_columns=("visits", "orders"),
        )
        return self.result(params, [table])

    def drill(
        self, ctx: Context, params: RepDayParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        first = week_start(as_of(ctx, params))
        conds = [Activity.rep_id == rep_of(ctx, params.rep)[0]]
        if row is None:
            conds.append(Activity.date.between(first, first + dt.timedelta(days=6)))
        else:
            conds.append(Activity.date == row[0])
        if column_id == "orders":
            conds.append(Activity.purpose == "order")
        return activities_table(ctx, *conds)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))

"""Contract reports: by status and stage, approvals waiting for me, milestones due and
overdue, signed value per month against the company target. All aggregate in SQL under
the reader's record rules (``contract_visible``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core import report_kit as kit
from core.context import Context
from core.i18n import current_lang, translator
from core.models import Customer, User
from core.report_kit import (
    AsOfParams,
    KitParams,
    NoParams,
    ReportBase,
    money,
    ratio,
    totals_row,
)
from core.reports import TOTAL_EN, ChartSpec, Column, ColumnKind, ReportResult, Table
from core.targets import target_amounts
from plugins.contracts.machine import STATUS_LABELS, Machine
from plugins.contracts.models import Contract, Milestone
from plugins.contracts.services.approvals import waiting_query
from plugins.contracts.services.common import contract_visible, machine_of

_ = translator(__file__)  # this plugin's words first

T, INT, M, P, D = (
    ColumnKind.TEXT,
    ColumnKind.INTEGER,
    ColumnKind.MONEY,
    ColumnKind.PERCENT,
    ColumnKind.DATE,
)


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


LIST_COLUMNS = [
    Column("number", "Number", "合同编号"),
    Column("title", "Title", "名称"),
    Column("customer", "Customer", "客户"),
    Column("stage", "Stage", "阶段"),
    Column("amount", "Amount", "金额", M, total=True),
    Column("signed", "Signed", "签订日期", D),
]


def contract_list(ctx: Context, title: tuple[str, str], *where: Any) -> Table:
    """The contracts behind a figure (a drill-down)."""
    query = (
        sa.select(
            Contract.number,
            Contract.revision,
            Contract.title,
            Customer.name,
            Contract.stage,
            Contract.amount,
            Contract.signed_at,
        )
        .join(Customer, Customer.id == Contract.customer_id)
        .where(contract_visible(ctx), *where)
        .order_by(Contract.number)
    )
    with ctx.reading() as session:
        rows = [
            (
                f"{n}" + (f" r{r}" if r > 1 else ""),
                t,
                c,
                s,
                money(a),
                signed.date() if signed else None,
            )
            for n, r, t, c, s, a, signed in session.execute(query)
        ]
    return Table("contracts", *title, LIST_COLUMNS, rows, totals=totals_row(LIST_COLUMNS, rows))


class ContractsByStage(ReportBase):
    id = "contracts_by_stage"
    category = "contracts"
    title_en = "Contracts by status and stage"
    title_zh = "合同状态与阶段统计"

    def run(self, ctx: Context, params: NoParams) -> ReportResult:
        with ctx.reading() as session:
            machine = machine_of(session)
            found = dict(
                (
                    (s, (n, a))
                    for s, n, a in session.execute(
                        sa.select(Contract.stage, sa.func.count(), sa.func.sum(Contract.amount))
                        .where(contract_visible(ctx), Contract.superseded_by_id.is_(None))
                        .group_by(Contract.stage)
                    )
                )
            )
        lang = current_lang()
        rows = [
            (
                stage.id,
                machine.title(stage.id, lang),
                status_label(stage.status),
                int(found.get(stage.id, (0, 0))[0]),
                money(found.get(stage.id, (0, 0))[1]),
            )
            for stage in machine.stages
        ]
        rows += [
            (s, s, "?", int(n), money(a)) for s, (n, a) in found.items() if machine.stage(s) is None
        ]  # stages a changed machine no longer has
        table = Table(
            "stages",
            "Contracts by stage",
            "各阶段合同",
            [
                Column("stage_id", "Stage id", "阶段代码"),
                Column("stage", "Stage", "阶段"),
                Column("status", "Status", "状态"),
                Column("count", "Contracts", "合同数", INT, total=True),
                Column("amount", "Amount", "金额", M, total=True),
            ],
            rows,
            totals=(
                TOTAL_EN,
                None,
                None,
                sum(r[3] for r in rows),
                sum((r[4] for r in rows), Decimal("0")),
            ),
            drill_columns=("count", "amount"),
        )
        by_status: dict[str, list[Any]] = {}
        for _sid, _t, status, n, amount in rows:
            entry = by_status.setdefault(status, [0, Decimal("0")])
            entry[0] += n
            entry[1] += amount
        statuses = Table(
            "statuses",
            "Contracts by status",
            "各状态合同",
            [
                Column("status", "Status", "状态"),
                Column("count", "Contracts", "合同数", INT, True),
                Column("amount", "Amount", "金额", M, True),
            ],
            [(s, n, a) for s, (n, a) in by_status.items()],
        )
        chart = ChartSpec("bar", "Amount by stage", "各阶段金额", "stages", "stage", ("amount",))
        return self.result(params, [table, statuses], [chart])

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        where = [Contract.superseded_by_id.is_(None)]
        if row is not None:
            where.append(Contract.stage == row[0])
        return contract_list(ctx, ("Contracts", "合同"), *where)


class ApprovalsWaiting(ReportBase):
    id = "contracts_approvals_waiting"
    category = "contracts"
    title_en = "Contract approvals waiting for me"
    title_zh = "待我审批的合同"

    def run(self, ctx: Context, params: NoParams) -> ReportResult:
        requester = aliased(User)
        query = (
            waiting_query(ctx)
            .add_columns(Customer.name, requester.login)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(requester, requester.id == Contract.requested_by_id)
        )
        today = ctx.today()
        with ctx.reading() as session:
            rows = [
                (
                    c.number + (f" r{c.revision}" if c.revision > 1 else ""),
                    c.title,
                    name,
                    money(c.amount),
                    f"{s.seq}: {s.role}",
                    who or "",
                    c.submitted_at.date() if c.submitted_at else None,
                    (today - c.submitted_at.date()).days if c.submitted_at else None,
                )
                for c, s, name, who in session.execute(query)
            ]
        columns = [
            Column("number", "Number", "合同编号"),
            Column("title", "Title", "名称"),
            Column("customer", "Customer", "客户"),
            Column("amount", "Amount", "金额", M, total=True),
            Column("step", "Step", "审批步骤"),
            Column("requested_by", "Requested by", "申请人"),
            Column("submitted", "Submitted", "送审日期", D),
            Column("days", "Days waiting", "等待天数", INT),
        ]
        table = Table(
            "waiting",
            "Waiting for my decision",
            "待我审批",
            columns,
            rows,
            totals=totals_row(columns, rows),
        )
        return self.result(params, [table])


class MilestoneParams(AsOfParams):
    days: int = pydantic.Field(30, ge=0, le=366, description="Days ahead counted as due soon")


class MilestonesDue(ReportBase):
    id = "contracts_milestones_due"
    category = "contracts"
    title_en = "Payment milestones due and overdue"
    title_zh = "合同收款节点（到期与逾期）"
    Params = MilestoneParams

    def run(self, ctx: Context, params: MilestoneParams) -> ReportResult:
        as_of = kit.as_of(ctx, params)
        with ctx.reading() as session:
            machine = machine_of(session)
            overdue = self._rows(ctx, session, machine, as_of, Milestone.due_date < as_of)
            due = self._rows(
                ctx,
                session,
                machine,
                as_of,
                Milestone.due_date >= as_of,
                Milestone.due_date <= as_of + dt.timedelta(days=params.days),
            )
        return self.result(
            params,
            [
                self._table("overdue", "Overdue", "已逾期", overdue, "Days overdue", "逾期天数"),
                self._table("due", "Due soon", "即将到期", due, "Days left", "剩余天数"),
            ],
        )

    def _rows(
        self, ctx: Context, session: Any, machine: Machine, as_of: dt.date, *where: Any
    ) -> list[tuple]:
        query = (
            sa.select(
                Contract.number,
                Customer.name,
                Milestone.due_date,
                Milestone.amount,
                Milestone.condition,
            )
            .join(Contract, Contract.id == Milestone.contract_id)
            .join(Customer, Customer.id == Contract.customer_id)
            .where(
                contract_visible(ctx),
                Contract.superseded_by_id.is_(None),
                Contract.stage.in_(sorted(machine.locked)),
                Milestone.paid_on.is_(None),
                *where,
            )
            .order_by(Milestone.due_date, Contract.number)
        )
        return [
            (n, c, due, money(a), cond, abs((as_of - due).days))
            for n, c, due, a, cond in session.execute(query)
        ]

    def _table(
        self, id_: str, en: str, zh: str, rows: list[tuple], days_en: str, days_zh: str
    ) -> Table:
        columns = [
            Column("number", "Number", "合同编号"),
            Column("customer", "Customer", "客户"),
            Column("due", "Due", "到期日", D),
            Column("amount", "Amount", "金额", M, True),
            Column("condition", "Condition", "付款条件"),
            Column("days", days_en, days_zh, INT),
        ]
        return Table(id_, en, zh, columns, rows, totals=totals_row(columns, rows))


class YearParams(KitParams):
    year: int | None = pydantic.Field(
        None, ge=2000, le=2100, description="Calendar year (default: this year)"
    )


def month_span(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


class SignedVsTarget(ReportBase):
    """Signed value of a month: each version signed in it counts with what it added (an
    amendment counts its amount minus the amount of the version it amends), so the year's
    total is the value of the contracts as they now stand."""

    id = "contracts_signed_vs_target"
    category = "contracts"
    title_en = "Contract value signed per month vs target"
    title_zh = "每月合同签订额与指标对比"
    Params = YearParams

    def run(self, ctx: Context, params: YearParams) -> ReportResult:
        year = params.year or ctx.today().year
        rows = []
        with ctx.reading() as session:
            for month in range(1, 13):
                count, value = self._signed(ctx, session, *month_span(year, month))
                first = dt.date(year, month, 1)
                target = target_amounts(session, first, first, "company").get(0)
                done = ratio(value, target)
                rows.append(
                    (
                        f"{year}-{month:02d}",
                        count,
                        value,
                        money(target) if target is not None else None,
                        done,
                    )
                )
        total_value = sum((r[2] for r in rows), Decimal("0"))
        targets = [r[3] for r in rows if r[3] is not None]
        total_target = sum(targets, Decimal("0")) if targets else None
        table = Table(
            "months",
            "Signed per month",
            "每月签订",
            [
                Column("month", "Month", "月份"),
                Column("count", "Signed", "签订数", INT, True),
                Column("value", "Signed value", "签订金额", M, True),
                Column("target", "Target", "指标", M, True),
                Column("completion", "Completion", "完成率", P),
            ],
            rows,
            totals=(
                TOTAL_EN,
                sum(r[1] for r in rows),
                total_value,
                total_target,
                ratio(total_value, total_target) if total_target else None,
            ),
            drill_columns=("count", "value"),
        )
        chart = ChartSpec(
            "column", "Signed vs target", "签订额与指标", "months", "month", ("value", "target")
        )
        return self.result(params, [table, self._by_rep(ctx, year)], [chart])

    def _by_rep(self, ctx: Context, year: int) -> Table:
        """The year per contract owner against each rep's own target."""
        before = aliased(Contract)
        start, end = month_span(year, 1)[0], month_span(year, 12)[1]
        with ctx.reading() as session:
            found = session.execute(
                sa.select(
                    User.id,
                    User.login,
                    User.display_name,
                    sa.func.count(Contract.id),
                    sa.func.sum(Contract.amount - sa.func.coalesce(before.amount, 0)),
                )
                .join(User, User.id == Contract.owner_id)
                .outerjoin(before, before.id == Contract.amends_id)
                .where(contract_visible(ctx), Contract.signed_at >= start, Contract.signed_at < end)
                .group_by(User.id, User.login, User.display_name)
                .order_by(User.login)
            ).all()
            targets = target_amounts(session, dt.date(year, 1, 1), dt.date(year, 12, 1), "rep")
        rows = []
        for uid, login, name, count, value in found:
            target = targets.get(uid)
            value = money(value)
            rows.append(
                (
                    login,
                    name,
                    int(count),
                    value,
                    money(target) if target is not None else None,
                    ratio(value, target),
                )
            )
        return Table(
            "reps",
            "Signed per owner",
            "按负责人签订",
            [
                Column("login", "Login", "账号"),
                Column("name", "Owner", "负责人"),
                Column("count", "Signed", "签订数", INT, True),
                Column("value", "Signed value", "签订金额", M, True),
                Column("target", "Year target", "年度指标", M),
                Column("completion", "Completion", "完成率", P),
            ],
            rows,
            totals=(
                TOTAL_EN,
                None,
                sum(r[2] for r in rows),
                sum((r[3] for r in rows), Decimal("0")),
                None,
                None,
            ),
        )

    def _signed(
        self, ctx: Context, session: Any, start: dt.datetime, end: dt.datetime
    ) -> tuple[int, Decimal]:
        before = aliased(Contract)
        count, value = session.execute(
            sa.select(
                sa.func.count(Contract.id),
                sa.func.sum(Contract.amount - sa.func.coalesce(before.amount, 0)),
            )
            .outerjoin(before, before.id == Contract.amends_id)
            .where(contract_visible(ctx), Contract.signed_at >= start, Contract.signed_at < end)
        ).one()
        return int(count or 0), money(value)

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        year = params.year or ctx.today().year
        if row is None:
            start, end = month_span(year, 1)[0], month_span(year, 12)[1]
        else:
            start, end = month_span(year, int(str(row[0])[5:7]))
        return contract_list(
            ctx,
            ("Contracts signed", "已签合同"),
            Contract.signed_at >= start,
            Contract.signed_at < end,
        )


REPORTS = (ContractsByStage, ApprovalsWaiting, MilestonesDue, SignedVsTarget)
